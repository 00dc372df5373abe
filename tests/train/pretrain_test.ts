import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { meanNextTokenNll, sequenceLogProbs } from "../../lib/model/log_probs.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { GradientPool } from "../../lib/model/gradient_pool.ts";
import {
  learningRateAt,
  loadPretrainState,
  nextTokenLoss,
  pretrain,
  type PretrainState,
  savePretrainState,
  shareInputs,
} from "../../lib/train/pretrain.ts";
import { seededPrng } from "../../lib/random.ts";
import { teacherCorpus } from "../../lib/tasks/corpus.ts";
import { encodeBatch } from "../../lib/train/encode_batch.ts";
import { COUNTDOWN_ALPHABET } from "../../lib/tasks/countdown.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

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

Deno.test("learningRateAt() warms up linearly, then decays by cosine to a tenth", () => {
  const options = { peak: 1e-3, warmupSteps: 10, steps: 110 };
  assertClose(learningRateAt(5, options), 5e-4, 1e-15);
  assertClose(learningRateAt(60, options), 1e-3 * (0.1 + 0.9 * 0.5), 1e-15);
  assertClose(learningRateAt(110, options), 1e-4, 1e-15);
  for (let s = 11; s < 110; s++) {
    assert.ok(learningRateAt(s + 1, options) <= learningRateAt(s, options));
  }
});

Deno.test("nextTokenLoss() is the masked mean of −log π over response tokens", async () => {
  await assertNoLeak(() => {
    using policy = Policy.create(config, { seed: 1 });
    const rows = [
      { prompt: "3925>42:", response: "9*5=45,45-3=42\\boxed{42}", correct: true },
      { prompt: "1468>31:", response: "8*4=32\\boxed{32}", correct: false },
    ];
    const batch = encodeBatch(rows, { tokenizer });
    const loss = tf.tidy(() => nextTokenLoss(policy, batch).dataSync()[0]);
    // Reference: a plain loop over sequenceLogProbs' values and the mask.
    const logProbs = tf.tidy(() => {
      const tokens = tf.tensor2d(batch.tokens, [batch.batch, batch.length], "int32");
      return sequenceLogProbs(policy, tokens).logProbs.dataSync();
    });
    let sum = 0, count = 0;
    batch.mask.forEach((m, i) => {
      sum -= m * logProbs[i];
      count += m;
    });
    assert.equal(count, rows[0].response.length + 1 + rows[1].response.length + 1);
    assertClose(loss, sum / count, 1e-5);
  });
});

// One problem's teacher corpus and pretraining settings shared by the pretrain() tests.
const PRETRAIN_CORPUS = teacherCorpus([{ digits: [3, 9, 2, 5], target: 42 }], {
  samplesPerProblem: 32,
  prng: seededPrng(0),
});
const PRETRAIN_OPTIONS = {
  seed: 2,
  steps: 12,
  batchSize: 4,
  learningRate: 3e-2,
  warmupSteps: 2,
  weightDecay: 0.01,
  gradClip: 1,
  tokenizer,
};

Deno.test("pretrain() is seeded, lowers the loss and leaks no tensor", async () => {
  const corpus = PRETRAIN_CORPUS;
  const options = PRETRAIN_OPTIONS;
  const run = () =>
    assertNoLeak(async () => {
      using policy = Policy.create(config, { seed: 0 });
      return (await pretrain(policy, corpus, options)).map((r) => r.loss);
    });
  const losses = await run();
  assert.deepEqual(await run(), losses);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(
    mean(losses.slice(-3)) < mean(losses.slice(0, 3)) - 0.5,
    losses.map((l) => l.toFixed(2)).join(" "),
  );
  using policy = Policy.create(config, { seed: 0 });
  await assert.rejects(() => pretrain(policy, [], options), /corpus is empty/);
});

Deno.test("shareInputs() cuts a batch into weighted parts that sum to its masked mean", async () => {
  await assertNoLeak(() => {
    using policy = Policy.create(config, { seed: 3 });
    const rows = teacherCorpus([{ digits: [3, 9, 2, 5], target: 42 }], {
      samplesPerProblem: 5,
      prng: seededPrng(1),
    });
    const batch = encodeBatch(rows, { tokenizer });
    const whole = tf.tidy(() => nextTokenLoss(policy, batch).dataSync()[0]);
    const inputs = shareInputs(batch, 3);
    assert.equal(inputs.length, 3);
    assert.deepEqual(inputs.map((x) => x.tokens.length), [1, 2, 2]);
    assertClose(inputs.reduce((s, x) => s + (x.weight ?? 1), 0), 1, 1e-12);
    const parts = inputs.map((x) => tf.tidy(() => meanNextTokenNll(policy, x).dataSync()[0]));
    assertClose(parts.reduce((a, b) => a + b, 0), whole, 1e-5);
  });
});

Deno.test("pretrain() stopped by its signal and resumed from its saved state equals an uninterrupted run", async () => {
  const weights = (policy: Policy) =>
    policy.actorVariables.map((v) => Array.from(v.dataSync() as Float32Array));
  using whole = Policy.create(config, { seed: 0 });
  const uninterrupted = await pretrain(whole, PRETRAIN_CORPUS, PRETRAIN_OPTIONS);

  using stopped = Policy.create(config, { seed: 0 });
  const controller = new AbortController();
  let state: PretrainState | undefined;
  const firstPart = await pretrain(stopped, PRETRAIN_CORPUS, {
    ...PRETRAIN_OPTIONS,
    signal: controller.signal,
    onStep: (r) => r.step === 5 && controller.abort(),
    onEnd: (s) => (state = s),
  });
  assert.equal(firstPart.length, 5);
  assert.equal(state?.step, 5);
  const dir = await Deno.makeTempDir();
  try {
    await savePretrainState(dir, state as PretrainState);
    const loaded = await loadPretrainState(dir);
    assert.ok(loaded !== null);
    assert.equal(loaded.optimizer.step, 5);
    const rest = await pretrain(stopped, PRETRAIN_CORPUS, { ...PRETRAIN_OPTIONS, resume: loaded });
    assert.deepEqual(rest.map((r) => r.step), [6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(
      [...firstPart, ...rest].map((r) => [r.loss, r.learningRate]),
      uninterrupted.map((r) => [r.loss, r.learningRate]),
    );
    assert.deepEqual(weights(stopped), weights(whole));
    assert.equal(await loadPretrainState(`${dir}/none`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assert.rejects(
    () =>
      pretrain(stopped, PRETRAIN_CORPUS, { ...PRETRAIN_OPTIONS, resume: { ...state!, step: 13 } }),
    /resume\.step must be an integer in \[0, 12\], got 13/,
  );
});

Deno.test("pretrain() with a gradient pool matches the in-thread path and is seeded", async (t) => {
  const corpus = PRETRAIN_CORPUS;
  const options = { ...PRETRAIN_OPTIONS, steps: 6 };
  const loss = {
    module: new URL("../../lib/model/log_probs.ts", import.meta.url).href,
    name: "meanNextTokenNll",
  };
  await using pool = await GradientPool.create({ loss, workers: 2, backend: "cpu" });
  const run = async (withPool: boolean) => {
    using policy = Policy.create(config, { seed: 0 });
    const history = await pretrain(policy, corpus, {
      ...options,
      pool: withPool ? pool : undefined,
    });
    return history.map((r) => r.loss);
  };
  const pooled = await run(true);
  await t.step("same seed and workers, same losses", async () => {
    assert.deepEqual(await run(true), pooled);
  });
  await t.step("the same losses as in one thread, up to float rounding", async () => {
    const inThread = await run(false);
    pooled.forEach((l, i) => assertClose(l, inThread[i], 1e-4, `step ${i + 1}`));
  });
});

Deno.test("the shipped base checkpoint loads and reproduces its recorded smoke Pass@1", async () => {
  const { initBackend } = await import("../../lib/engine/backend.ts");
  const { loadCheckpoint } = await import("../../lib/model/checkpoint.ts");
  const { evaluateCountdown } = await import("../../lib/tasks/evaluate_countdown.ts");
  const { loadCountdownSplit } = await import("../../lib/tasks/splits.ts");
  const dir = new URL("../../data/base/", import.meta.url).pathname;
  const smoke = JSON.parse(await Deno.readTextFile(`${dir}smoke.json`));
  await initBackend({ backend: smoke.backend });
  const { policy, tokenizerAlphabet } = await loadCheckpoint(dir);
  using base = policy;
  assert.equal(tokenizerAlphabet, COUNTDOWN_ALPHABET);
  const problems = (await loadCountdownSplit(smoke.tier)).slice(0, smoke.problems);
  const summary = await evaluateCountdown(base, problems, {
    samples: smoke.samples,
    temperature: smoke.temperature,
    topP: 1,
    seed: smoke.seed,
    tokenizer,
    ks: [1],
  });
  // Same seed and backend give the same samples; the tolerance covers float differences between
  // machines flipping a few sampled tokens (8 problems × 16 samples: one flip moves 1/128).
  assertClose(summary.curve[0].estimate, smoke.pass1, 0.04, "smoke Pass@1");
});
