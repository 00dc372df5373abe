import assert from "node:assert/strict";
import { entropy, logitGradient, logitStep, softmax } from "../../lib/analysis/softmax_gradient.ts";
import { seededPrng } from "../../lib/random.ts";
import { assertClose } from "../_helpers.ts";

function loss(
  logits: number[],
  sampled: number,
  reward: number,
  surrogate: string,
  c: number,
): number {
  const pi = softmax(logits);
  const policy = surrogate === "probability"
    ? -reward * pi[sampled]
    : -reward * Math.log(pi[sampled]);
  return policy - c * entropy(pi);
}

function randomLogits(seed: number, size: number): number[] {
  const prng = seededPrng(seed);
  return Array.from({ length: size }, () => 4 * prng() - 2);
}

Deno.test("logitGradient() matches hand-computed values", () => {
  // π = (0.5, 0.5), y = 0: probability surrogate scale π_y = 0.5.
  assert.deepEqual(logitGradient([0, 0], { sampled: 0, reward: 1 }), [-0.25, 0.25]);
  assert.deepEqual(logitGradient([0, 0], { sampled: 0, reward: 1, surrogate: "log" }), [-0.5, 0.5]);
});

Deno.test("logitGradient() agrees with finite differences", async (t) => {
  const cases = [
    { surrogate: "probability" as const, reward: 1, entropyCoef: 0 },
    { surrogate: "probability" as const, reward: -1, entropyCoef: 0 },
    { surrogate: "log" as const, reward: -1, entropyCoef: 0 },
    { surrogate: "probability" as const, reward: 0, entropyCoef: 0.3 },
    { surrogate: "log" as const, reward: 0.1, entropyCoef: 0.01 },
  ];
  for (const [i, c] of cases.entries()) {
    await t.step(JSON.stringify(c), () => {
      const logits = randomLogits(i, 6);
      const g = logitGradient(logits, { sampled: 2, ...c });
      const h = 1e-6;
      logits.forEach((_, v) => {
        const plus = logits.map((z, u) => (u === v ? z + h : z));
        const minus = logits.map((z, u) => (u === v ? z - h : z));
        const fd = (loss(plus, 2, c.reward, c.surrogate, c.entropyCoef) -
          loss(minus, 2, c.reward, c.surrogate, c.entropyCoef)) / (2 * h);
        assertClose(g[v], fd, 1e-7, `∂L/∂z_${v}`);
      });
    });
  }
});

Deno.test("an NSR step raises every unsampled logit in proportion to its probability", () => {
  const logits = randomLogits(11, 8);
  const pi = softmax(logits);
  const y = 3;
  const g = logitGradient(logits, { sampled: y, reward: -1 });
  assertClose(-g[y], -pi[y] * (1 - pi[y]), 1e-12, "sampled logit change");
  pi.forEach((p, v) => {
    if (v !== y) assertClose(-g[v], pi[y] * p, 1e-12, `raise of token ${v}`);
  });
  // Order among unsampled tokens is preserved after the step.
  const step = logitStep(logits, { sampled: y, reward: -1, learningRate: 2 });
  const others = pi.map((_, v) => v).filter((v) => v !== y);
  const rank = (probs: number[]) => [...others].sort((a, b) => probs[b] - probs[a]);
  assert.deepEqual(rank(step.probsAfter), rank(step.probsBefore));
  assert.ok(step.probsAfter[y] < step.probsBefore[y]);
});

Deno.test("a PSR step lowers every unsampled logit and raises the sampled one", () => {
  const logits = randomLogits(12, 8);
  const g = logitGradient(logits, { sampled: 5, reward: 1 });
  g.forEach((gv, v) => (v === 5 ? assert.ok(gv < 0) : assert.ok(gv > 0)));
  const step = logitStep(logits, { sampled: 5, reward: 1 });
  assert.ok(step.probsAfter[5] > step.probsBefore[5]);
});

Deno.test("NSR updates are small when the sampled token is confident either way", () => {
  const size = (logits: number[]) =>
    Math.hypot(...logitGradient(logits, { sampled: 0, reward: -1 }));
  const confidentWrong = size([8, 0, 0, 0]);
  const unsure = size([0, 0, 0, 0]);
  const rare = size([-8, 0, 0, 0]);
  assert.ok(confidentWrong < unsure / 10 && rare < unsure / 10);
});

Deno.test("an entropy-bonus step raises below-average tokens and lowers above-average ones", () => {
  const logits = randomLogits(13, 8);
  const pi = softmax(logits);
  const h = entropy(pi);
  const g = logitGradient(logits, { sampled: 0, reward: 0, entropyCoef: 1 });
  pi.forEach((p, v) => {
    if (Math.log(p) < -h) assert.ok(-g[v] > 0, `token ${v} (log π = ${Math.log(p)}) rises`);
    else assert.ok(-g[v] <= 0, `token ${v} falls`);
  });
  const step = logitStep(logits, { sampled: 0, reward: 0, entropyCoef: 1, learningRate: 0.1 });
  assert.ok(entropy(step.probsAfter) > h);
});

Deno.test("logitGradient() rejects a sampled index outside the logits", () => {
  assert.throws(
    () => logitGradient([0, 1], { sampled: 2, reward: 1 }),
    /sampled must index the 2 logits, got 2/,
  );
});
