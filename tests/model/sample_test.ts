import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { sequenceLogProbs } from "../../lib/model/log_probs.ts";
import { Policy } from "../../lib/model/policy.ts";
import { pickToken, sampleSequences } from "../../lib/model/sample.ts";
import { forwardLogits } from "../../lib/model/transformer.ts";
import { seededPrng } from "../../lib/random.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 9,
  width: 16,
  layers: 2,
  heads: 2,
  mlpWidth: 32,
  context: 12,
  valueHead: "none",
};
const PROMPTS = [[1, 5], [1, 6, 7, 8], [1, 3, 4]];
const BASE = { temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 6, eos: 2, pad: 0 };

Deno.test("sampleSequences() log-probs from the KV cache equal the teacher-forced forward", async () => {
  using policy = Policy.create(CONFIG, { seed: 7 });
  const samples = await assertNoLeak(() =>
    sampleSequences(policy, PROMPTS, { ...BASE, prng: seededPrng(1) })
  );
  for (const [i, s] of samples.entries()) {
    const full = [...PROMPTS[i], ...s.tokens];
    const [lp, h] = tf.tidy(() => {
      const out = sequenceLogProbs(policy, tf.tensor2d([full], undefined, "int32"));
      return [out.logProbs.dataSync(), out.entropies.dataSync()];
    });
    const offset = PROMPTS[i].length - 1;
    s.logProbs.forEach((v, t) => assertClose(v, lp[offset + t], 1e-4, `prompt ${i} logProb ${t}`));
    s.entropies.forEach((v, t) => assertClose(v, h[offset + t], 1e-4, `prompt ${i} entropy ${t}`));
    s.samplingLogProbs.forEach((v, t) => assertClose(v, s.logProbs[t], 1e-5, "T=1 sampling"));
  }
});

Deno.test("sampleSequences() is seeded, stops at EOS and marks truncation", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 8 });
  const run = (seed: number, extra = {}) =>
    sampleSequences(policy, PROMPTS, { ...BASE, ...extra, prng: seededPrng(seed) });
  await t.step("same seed, same samples; another seed differs", () => {
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3).map((s) => s.tokens), run(4).map((s) => s.tokens));
  });
  await t.step("each sequence ends on EOS or is truncated at maxNewTokens / context", () => {
    for (let seed = 0; seed < 5; seed++) {
      for (const [i, s] of run(seed, { maxNewTokens: 4 }).entries()) {
        const eosAt = s.tokens.indexOf(2);
        if (eosAt >= 0) {
          assert.equal(eosAt, s.tokens.length - 1);
          assert.equal(s.truncated, false);
        } else {
          assert.equal(s.truncated, true);
          assert.equal(s.tokens.length, Math.min(4, CONFIG.context - PROMPTS[i].length));
        }
        assert.equal(s.logProbs.length, s.tokens.length);
      }
    }
    const long = sampleSequences(policy, [[1, 3, 4, 5, 6, 7, 8, 3, 4]], {
      ...BASE,
      maxNewTokens: 10,
      prng: seededPrng(0),
    })[0];
    assert.ok(long.tokens.length <= 3 && (long.truncated || long.tokens.at(-1) === 2));
  });
  await t.step("greedy picks the arg-max of the full forward, sampling log-prob 0", () => {
    const [s] = run(0, { greedy: true });
    assert.ok(s.samplingLogProbs.every((v) => v === 0));
    const full = [...PROMPTS[0], ...s.tokens];
    const logits = tf.tidy(() =>
      forwardLogits(policy.params, tf.tensor2d([full], undefined, "int32"), { config: CONFIG })
        .arraySync() as number[][][]
    );
    s.tokens.forEach((id, k) => {
      const row = logits[0][PROMPTS[0].length - 1 + k];
      assert.equal(id, row.indexOf(Math.max(...row)), `step ${k}`);
    });
  });
  await t.step("rejects prompts that leave no room", () => {
    assert.throws(
      () => sampleSequences(policy, [[]], { ...BASE, prng: seededPrng(0) }),
      RangeError,
    );
    assert.throws(
      () => sampleSequences(policy, [new Array(12).fill(3)], { ...BASE, prng: seededPrng(0) }),
      /prompt 0 must have 1 to 11 tokens, got 12/,
    );
  });
});

Deno.test("pickToken() applies temperature, top-k and top-p as documented", async (t) => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const row = Float32Array.from(probs.map(Math.log));
  const draw = (n: number, opts: Partial<Parameters<typeof pickToken>[1]>) => {
    const prng = seededPrng(11);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      counts[
        pickToken(row, { temperature: 1, topK: 0, topP: 1, greedy: false, prng, ...opts }).id
      ]++;
    }
    return counts.map((c) => c / n);
  };
  await t.step("temperature 1 follows the policy", () => {
    draw(20000, {}).forEach((f, v) => assertClose(f, probs[v], 0.015, `token ${v}`));
  });
  await t.step("top-k 2 renormalises over the two most likely tokens", () => {
    const f = draw(20000, { topK: 2 });
    assertClose(f[0], 0.5 / 0.8, 0.015);
    assert.equal(f[2] + f[3], 0);
    const { samplingLogProb } = pickToken(row, {
      temperature: 1,
      topK: 2,
      topP: 1,
      greedy: false,
      prng: () => 0,
    });
    assertClose(samplingLogProb, Math.log(0.5 / 0.8), 1e-6);
  });
  await t.step("top-p 0.8 keeps the smallest prefix reaching 0.8", () => {
    const f = draw(5000, { topP: 0.8 });
    assert.equal(f[2] + f[3], 0);
    assert.ok(f[1] > 0);
  });
  await t.step("low temperature sharpens", () => {
    const f = draw(5000, { temperature: 0.2 });
    assert.ok(f[0] > 0.9);
  });
});

Deno.test("sampleSequences() drops finished rows without changing the others", async () => {
  using policy = Policy.create(CONFIG, { seed: 21 });
  const prompts = Array.from({ length: 12 }, (_, i) => [1, 3 + (i % 6), 3 + ((i * 5) % 6)]);
  const options = { ...BASE, maxNewTokens: 9 };
  const batched = await assertNoLeak(() =>
    sampleSequences(policy, prompts, { ...options, prng: prompts.map((_, i) => seededPrng(i)) })
  );
  const lengths = new Set(batched.map((s) => s.tokens.length));
  assert.ok(lengths.size > 2, `rows should finish at different steps, got ${[...lengths]}`);
  prompts.forEach((p, i) => {
    const [alone] = sampleSequences(policy, [p], { ...options, prng: seededPrng(i) });
    assert.deepEqual(batched[i].tokens, alone.tokens, `prompt ${i}`);
    alone.logProbs.forEach((v, t) => assertClose(batched[i].logProbs[t], v, 1e-5));
  });
});

Deno.test("sampleSequences() reports the most likely alternatives without changing a number", async () => {
  using policy = Policy.create(CONFIG, { seed: 7 });
  const plain = sampleSequences(policy, PROMPTS, { ...BASE, prng: seededPrng(3) });
  const full = await assertNoLeak(() =>
    sampleSequences(policy, PROMPTS, { ...BASE, prng: seededPrng(3), topLogProbs: 9 })
  );
  const top3 = sampleSequences(policy, PROMPTS, { ...BASE, prng: seededPrng(3), topLogProbs: 3 });
  full.forEach((s, b) => {
    const { topLogProbs, ...rest } = s;
    assert.deepEqual(rest, plain[b], "tokens and log-probs bit for bit");
    assert.equal(topLogProbs?.length, s.tokens.length);
    topLogProbs?.forEach((row, i) => {
      // The whole distribution: every id once, most likely first, summing to 1.
      assert.deepEqual(row.map((e) => e.id).sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
      row.slice(1).forEach((e, k) => assert.ok(row[k].logProb >= e.logProb));
      assertClose(row.reduce((sum, e) => sum + Math.exp(e.logProb), 0), 1, 1e-5);
      assert.equal(row.find((e) => e.id === s.tokens[i])?.logProb, s.logProbs[i]);
      assert.deepEqual(top3[b].topLogProbs?.[i], row.slice(0, 3));
    });
  });
  assert.equal(plain[0].topLogProbs, undefined);
});
