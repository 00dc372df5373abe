import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import { SamplingPool } from "../../lib/model/sampling_pool.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { COUNTDOWN_ALPHABET } from "../../lib/tasks/countdown.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { evaluateCountdown, summarizeCountdown } from "../../lib/tasks/evaluate_countdown.ts";
import { loadCountdownSplit } from "../../lib/tasks/splits.ts";
import { assertClose, assertDeepClose, assertNoLeak, POOL_FLOAT_TOLERANCE } from "../_helpers.ts";

/** Pass@k by brute force: the fraction of k-subsets of n samples that hold a correct one. */
function bruteForcePassAtK(n: number, c: number, k: number): number {
  let hit = 0, all = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0, anyCorrect = false;
    for (let i = 0; i < n; i++) {
      if (mask & (1 << i)) {
        bits++;
        if (i < c) anyCorrect = true;
      }
    }
    if (bits !== k) continue;
    all++;
    if (anyCorrect) hit++;
  }
  return hit / all;
}

Deno.test("summarizeCountdown() averages unbiased Pass@k over problems", () => {
  const problems = [
    { n: 8, c: 3, distinctCorrect: 2, sampleEntropy: 0.3 },
    { n: 8, c: 0, distinctCorrect: 0, sampleEntropy: 0.3 },
    { n: 8, c: 8, distinctCorrect: 5, sampleEntropy: 0.3 },
  ];
  const summary = summarizeCountdown(problems, { ks: [1, 2, 4, 8], entropy: 0.3 });
  for (const k of [1, 2, 4, 8]) {
    const expected = problems.reduce((s, p) => s + bruteForcePassAtK(p.n, p.c, k), 0) / 3;
    const point = summary.curve.find((p) => p.k === k);
    assertClose(point?.estimate ?? NaN, expected, 1e-12, `pass@${k}`);
  }
  assert.equal(summary.distinctCorrect, 3.5);
  assert.equal(summary.entropy, 0.3);
});

Deno.test("evaluateCountdown() samples n per problem, grades them and leaks no tensor", async () => {
  const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
  const config = {
    vocabSize: tokenizer.vocabSize,
    width: 8,
    layers: 1,
    heads: 2,
    mlpWidth: 16,
    context: 48,
    valueHead: "none",
  } as const;
  await assertNoLeak(async () => {
    using policy = Policy.create(config, { seed: 0 });
    const problems = [{ digits: [3, 9, 2, 5], target: 42 }, { digits: [1, 4, 6, 8], target: 31 }];
    const options = { samples: 4, temperature: 1, topP: 1, seed: 3, tokenizer };
    const summary = await evaluateCountdown(policy, problems, options);
    assert.deepEqual(summary.problems.map((p) => p.n), [4, 4]);
    assert.deepEqual(summary.curve.map((p) => p.k), [1, 2, 4]);
    // An untrained policy is near uniform over 28 ids: entropy close to ln 28.
    assert.ok(summary.entropy > 3 && summary.entropy <= Math.log(28) + 1e-6, `${summary.entropy}`);
    assert.deepEqual(await evaluateCountdown(policy, problems, options), summary);
  });
});

Deno.test({
  name: "evaluateCountdown() gives the same counts with a sampling pool as in this thread",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend();
    const base = await loadBaseModel();
    await using pool = await SamplingPool.create({ workers: 2 });
    try {
      const problems = (await loadCountdownSplit("tierA")).slice(0, 3);
      const options = { samples: 8, temperature: 1, topP: 1, seed: 5, tokenizer: base.tokenizer };
      const here = await evaluateCountdown(base.policy, problems, options);
      const pooled = await evaluateCountdown(base.policy, problems, { ...options, pool });
      assertDeepClose(pooled, here, POOL_FLOAT_TOLERANCE); // counts exact, entropy to rounding
    } finally {
      base.policy.dispose();
    }
  },
});
