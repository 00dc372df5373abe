import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computeAdvantages,
  gaeAdvantages,
  groupAdvantages,
  nsrAdvantages,
  psrAdvantages,
  weightedReinforceAdvantages,
  whiten,
} from "../../lib/objective/advantage.ts";
import { type ObjectiveConfig, ObjectiveConfigSchema } from "../../lib/config.ts";
import { assertClose } from "../_helpers.ts";

const objective = (input: Record<string, unknown>): ObjectiveConfig =>
  ObjectiveConfigSchema.parse(input);

// Slow, obviously correct reference for GRPO: plain loops per group.
function referenceGroupAdvantages(rewards: number[], groupSize: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < rewards.length / groupSize; g++) {
    const group: number[] = [];
    for (let j = 0; j < groupSize; j++) group.push(rewards[g * groupSize + j]);
    let mean = 0;
    for (const r of group) mean += r / groupSize;
    let variance = 0;
    for (const r of group) variance += (r - mean) * (r - mean) / (groupSize - 1);
    for (const r of group) out.push((r - mean) / (Math.sqrt(variance) + 1e-6));
  }
  return out;
}

Deno.test("psrAdvantages() and nsrAdvantages() keep complementary subsets", async (t) => {
  const rewards = [1, 0, 0, 1, 1, 0, 0, 0];
  await t.step("PSR keeps correct samples with A = +1", () => {
    const { advantages, keep } = psrAdvantages(rewards);
    assert.deepEqual(keep, [true, false, false, true, true, false, false, false]);
    assert.deepEqual(advantages, [1, 0, 0, 1, 1, 0, 0, 0]);
  });
  await t.step("NSR keeps incorrect samples with A = −1", () => {
    const { advantages, keep } = nsrAdvantages(rewards);
    assert.deepEqual(keep, [false, true, true, false, false, true, true, true]);
    assert.deepEqual(advantages, [0, -1, -1, 0, 0, -1, -1, -1]);
  });
  await t.step("non-binary rewards are rejected", () => {
    assert.throws(() => psrAdvantages([0.5]), /rewards must be 0 or 1, got 0.5/);
    assert.throws(() => nsrAdvantages([-1]), /rewards must be 0 or 1, got -1/);
  });
});

Deno.test("weightedReinforceAdvantages() weights correct samples by lambda", async (t) => {
  await t.step("λ = 0.1 by hand", () => {
    const { advantages, keep } = weightedReinforceAdvantages([1, 0, 1], { lambda: 0.1 });
    assert.deepEqual(advantages, [0.1, -1, 0.1]);
    assert.deepEqual(keep, [true, true, true]);
  });
  await t.step("λ = 1 is REINFORCE with ±1 rewards", () => {
    const out = computeAdvantages(
      { rewards: [1, 0], responseLengths: [1, 1] },
      objective({ kind: "reinforce" }),
      { groupSize: 2 },
    );
    assert.deepEqual(out.advantages, [[1], [-1]]);
  });
  await t.step("λ = 0 gives NSR's advantages on incorrect samples and zero on correct", () => {
    const rewards = [1, 0, 0, 1];
    const w = weightedReinforceAdvantages(rewards, { lambda: 0 });
    const nsr = nsrAdvantages(rewards);
    assert.deepEqual(w.advantages.map((a) => a + 0), nsr.advantages);
  });
  await t.step("negative λ is rejected", () => {
    assert.throws(
      () => weightedReinforceAdvantages([1], { lambda: -0.5 }),
      /lambda must be >= 0, got -0.5/,
    );
  });
});

Deno.test("groupAdvantages() normalises within each prompt group", async (t) => {
  await t.step("hand-computed group of 4 and a solved group", () => {
    // Group 1: mean 0.25, Bessel std = sqrt(0.75/3) = 0.5. Group 2: all correct, std 0 → A = 0.
    const { advantages } = groupAdvantages([1, 0, 0, 0, 1, 1, 1, 1], { groupSize: 4 });
    assertClose(advantages[0], 0.75 / (0.5 + 1e-6), 1e-12);
    assertClose(advantages[1], -0.25 / (0.5 + 1e-6), 1e-12);
    for (const a of advantages.slice(4)) assert.equal(a, 0);
  });
  await t.step("a group of one has mean 0 and std 1 (verl)", () => {
    assert.deepEqual(groupAdvantages([1, 0], { groupSize: 1 }).advantages, [1 / (1 + 1e-6), 0]);
  });
  await t.step("agrees with a plain-loop reference on random rewards", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        (groupSize, groups, seed) => {
          let s = seed;
          const rewards = Array.from({ length: groupSize * groups }, () => {
            s = (s * 1103515245 + 12345) % 2147483648;
            return s % 3 === 0 ? 1 : 0;
          });
          const got = groupAdvantages(rewards, { groupSize }).advantages;
          const want = referenceGroupAdvantages(rewards, groupSize);
          got.forEach((a, i) => assertClose(a, want[i], 1e-9));
        },
      ),
      { seed: 1, numRuns: 50 },
    );
  });
  await t.step("{0, 1} and {−1, +1} rewards give the same advantages (affine invariance)", () => {
    const binary = [1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 1];
    const signed = binary.map((r) => 2 * r - 1);
    const a = groupAdvantages(binary, { groupSize: 6 }).advantages;
    const b = groupAdvantages(signed, { groupSize: 6 }).advantages;
    // Scaling r by 2 also scales std by 2, so only ε breaks exact equality (relative 1e-6).
    a.forEach((x, i) => assertClose(b[i], x, 1e-5));
  });
  await t.step("a group size that does not divide the batch is rejected", () => {
    assert.throws(() => groupAdvantages([1, 0, 1], { groupSize: 2 }), /groupSize=2 and 3 rewards/);
  });
});

Deno.test("gaeAdvantages() and whiten() follow the GAE recursion and verl's whitening", async (t) => {
  await t.step("γ = λ = 1: A_t = Σ_{s≥t} r_s − V_t", () => {
    const r = [-0.1, 0.2, 1];
    const v = [0.3, 0.4, 0.5];
    const { advantages, returns } = gaeAdvantages(r, v, { gamma: 1, lambda: 1 });
    assertClose(advantages[0], 1.1 - 0.3, 1e-12);
    assertClose(advantages[1], 1.2 - 0.4, 1e-12);
    assertClose(advantages[2], 1 - 0.5, 1e-12);
    returns.forEach((x, t) => assertClose(x, advantages[t] + v[t], 1e-12));
  });
  await t.step("γ = 0.5, λ = 0.5 by hand", () => {
    // δ = [0 + .5·2 − 1, 1 + 0 − 2] = [0, −1]; A_1 = −1; A_0 = 0 + .25·(−1) = −0.25.
    const { advantages } = gaeAdvantages([0, 1], [1, 2], { gamma: 0.5, lambda: 0.5 });
    assert.deepEqual(advantages, [-0.25, -1]);
  });
  await t.step("whiten() gives mean 0 and unbiased variance 1 over the ragged batch", () => {
    const rows = whiten([[1, 2, 3], [4], [5, 6]]);
    const flat = rows.flat();
    assertClose(flat.reduce((s, x) => s + x, 0), 0, 1e-12);
    assertClose(flat.reduce((s, x) => s + x * x, 0) / (flat.length - 1), 1, 1e-6);
    assert.deepEqual(rows.map((r) => r.length), [3, 1, 2]);
  });
});

Deno.test("computeAdvantages() dispatches every objective kind", async (t) => {
  const rewards = [1, 0, 0, 0];
  const responseLengths = [2, 3, 1, 2];
  await t.step("PSR keeps only correct samples, broadcast to their tokens", () => {
    const out = computeAdvantages({ rewards, responseLengths }, objective({ kind: "psr" }), {
      groupSize: 4,
    });
    assert.deepEqual(out.keep, [true, false, false, false]);
    assert.deepEqual(out.advantages, [[1, 1], [], [], []]);
  });
  await t.step("W-REINFORCE uses λ from the config", () => {
    const out = computeAdvantages(
      { rewards, responseLengths },
      objective({ kind: "w-reinforce", lambda: 0.2 }),
      { groupSize: 4 },
    );
    assert.deepEqual(out.advantages, [[0.2, 0.2], [-1, -1, -1], [-1], [-1, -1]]);
  });
  await t.step("GRPO broadcasts the group advantage", () => {
    const out = computeAdvantages({ rewards, responseLengths }, objective({ kind: "grpo" }), {
      groupSize: 4,
    });
    assertClose(out.advantages[0][1], 1.5, 1e-5);
    assertClose(out.advantages[1][2], -0.5, 1e-5);
  });
  await t.step("PPO: KL in the reward, GAE, whitening; returns before whitening", () => {
    const values = responseLengths.map((T) => new Array(T).fill(0.5));
    const klPenalties = responseLengths.map((T) => new Array(T).fill(2));
    const out = computeAdvantages(
      { rewards, responseLengths, values, klPenalties },
      objective({ kind: "ppo", klCoef: 0.1 }),
      { groupSize: 4 },
    );
    // Sample 0: r = [−0.2, −0.2 + 1]; returns = Σ_{s≥t} r_s = [0.6, 0.8].
    assertClose(out.returns[0][0], 0.6, 1e-12);
    assertClose(out.returns[0][1], 0.8, 1e-12);
    // Sample 1: r = [−0.2, −0.2, −0.2]; returns = [−0.6, −0.4, −0.2].
    assertClose(out.returns[1][0], -0.6, 1e-12);
    const flat = out.advantages.flat();
    assertClose(flat.reduce((s, x) => s + x, 0), 0, 1e-9);
    assert.throws(
      () =>
        computeAdvantages({ rewards, responseLengths }, objective({ kind: "ppo" }), {
          groupSize: 4,
        }),
      /values and klPenalties are required/,
    );
  });
  await t.step("mismatched lengths are rejected", () => {
    assert.throws(
      () =>
        computeAdvantages({ rewards, responseLengths: [1] }, objective({ kind: "nsr" }), {
          groupSize: 4,
        }),
      /got 4 rewards and 1 lengths/,
    );
  });
});
