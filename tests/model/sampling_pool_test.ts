import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { Policy } from "../../lib/model/policy.ts";
import { sampleSequences } from "../../lib/model/sample.ts";
import { SamplingPool } from "../../lib/model/sampling_pool.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { seededPrng } from "../../lib/random.ts";
import { sampleRollouts } from "../../lib/rollout/sample_rollouts.ts";
import { assertDeepClose, assertNoLeak, POOL_FLOAT_TOLERANCE } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 9,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 12,
  valueHead: "none",
};
const PROMPTS = [[1, 5], [1, 6, 7, 8], [1, 3, 4], [1, 4]];
const SEEDS = [11, 12, 13, 14];
const OPTS = { temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 6, eos: 2, pad: 0 };

Deno.test("SamplingPool samples in workers as sampleSequences does (same tokens, floats to rounding)", async (t) => {
  await using pool = await SamplingPool.create({ workers: 2 });
  using policy = Policy.create(CONFIG, { seed: 3 });
  const local = () =>
    sampleSequences(policy, PROMPTS, { ...OPTS, prng: SEEDS.map((s) => seededPrng(s)) });
  await t.step("same seeds, same samples, no tensor left in this thread", async () => {
    const pooled = await assertNoLeak(() =>
      pool.sample(policy, PROMPTS, { ...OPTS, seeds: SEEDS })
    );
    assertDeepClose(pooled, local(), POOL_FLOAT_TOLERANCE);
  });
  await t.step("new weights reach the workers after markUpdated()", async () => {
    policy.params["head.w"].assign(policy.params["head.w"].mul(8));
    pool.markUpdated();
    const pooled = await pool.sample(policy, PROMPTS, { ...OPTS, seeds: SEEDS });
    assertDeepClose(pooled, local(), POOL_FLOAT_TOLERANCE);
  });
  await t.step("sampleRollouts() gives the same rollouts with and without the pool", async () => {
    const tokenizer = charTokenizer("abcdef");
    const options = {
      samplesPerPrompt: 3,
      temperature: 1,
      topP: 1,
      topK: 0,
      greedy: false,
      maxNewTokens: 5,
      seed: 4,
      tokenizer,
    };
    const prompts = ["ab", "fed", "c"];
    assertDeepClose(
      await sampleRollouts(policy, prompts, { ...options, pool }),
      await sampleRollouts(policy, prompts, options),
      POOL_FLOAT_TOLERANCE,
    );
  });
  await t.step("a worker error rejects with its message; a disposed pool refuses", async () => {
    await assert.rejects(
      pool.sample(policy, [[1, 99]], { ...OPTS, seeds: [1] }),
      /Cannot sample in a worker: Cannot sample: prompt 0 has an id outside \[0, 8\], got 99/,
    );
    pool.dispose();
    await assert.rejects(pool.sample(policy, PROMPTS, { ...OPTS, seeds: SEEDS }), /was disposed/);
  });
});
