import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { AdamW, clipByGlobalNorm } from "../../lib/train/adamw.ts";
import { initBackend } from "../../lib/engine/backend.ts";
import { type ExperimentConfig, OBJECTIVE_KINDS, parseExperimentConfig } from "../../lib/config.ts";
import { readTrainLog, type StepMetrics } from "../../lib/train/metrics.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { type Rollout, sampleRollouts } from "../../lib/rollout/sample_rollouts.ts";
import { train, type TrainResume } from "../../lib/train/train.ts";
import {
  MICRO_BATCH_LOSS,
  PolicyOptimizer,
  type TrainSample,
  trainStep,
  trainStepOnPool,
} from "../../lib/train/train_step.ts";
import { GradientPool } from "../../lib/model/gradient_pool.ts";
import { SamplingPool } from "../../lib/model/sampling_pool.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

const TINY_MODEL = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 };

function tinyConfig(
  objective: Record<string, unknown>,
  train: Record<string, unknown> = {},
): ExperimentConfig {
  return parseExperimentConfig({
    model: { ...TINY_MODEL, valueHead: objective.kind === "ppo" ? "shared" : "none" },
    rollout: { samplesPerPrompt: 4 },
    objective: { entropyCoef: 0, ...objective },
    train: { learningRate: 1e-2, miniBatches: 1, microBatchSize: 8, ...train },
  });
}

// Eight fixed samples of two prompts (ids ≥ 3 are content, 2 is EOS), rewards by hand.
const SAMPLES: TrainSample[] = [
  [4, 5, 2],
  [6, 2],
  [5, 5, 5, 2],
  [7, 2],
  [3, 4, 2],
  [4, 2],
  [6, 6, 2],
  [3, 2],
].map((responseTokens, i) => ({
  promptTokens: i < 4 ? [1, 3] : [1, 4, 5],
  responseTokens,
  logProbs: responseTokens.map(() => -2),
}));
const REWARDS = [1, 0, 0, 1, 0, 0, 0, 1];

function weightsOf(policy: Policy): number[] {
  return policy.actorVariables.flatMap((v) => Array.from(v.dataSync()));
}

/** Runs one trainStep from a fresh seed-0 policy and returns the updated weights. */
function stepWeights(
  config: ExperimentConfig,
  samples: readonly TrainSample[],
  rewards: readonly number[],
): { weights: number[]; metrics: ReturnType<typeof trainStep> } {
  using policy = Policy.create(config.model, { seed: 0 });
  using reference = policy.clone();
  using optimizer = new PolicyOptimizer(policy, config);
  const metrics = trainStep(policy, { rollouts: samples, rewards }, {
    ...config,
    optimizer,
    reference,
    groupSize: config.rollout.samplesPerPrompt,
  });
  return { weights: weightsOf(policy), metrics };
}

Deno.test("AdamW and clipByGlobalNorm() match torch's formulas", async (t) => {
  await assertNoLeak(async () => {
    await t.step("three AdamW steps against a plain-number reference", () => {
      const lr = 0.01, beta1 = 0.9, beta2 = 0.999, wd = 0.1;
      const p = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -1.5])));
      using adam = new AdamW([p], { learningRate: lr, beta1, beta2, weightDecay: wd });
      const ref = [0.5, -1.5];
      const m = [0, 0], v = [0, 0];
      const gradients = [[0.3, -2], [0.1, 1], [-0.4, 0.5]];
      gradients.forEach((g, k) => {
        tf.tidy(() => adam.apply([tf.tensor1d(g)]));
        const step = k + 1;
        for (let i = 0; i < 2; i++) {
          ref[i] *= 1 - lr * wd;
          m[i] = beta1 * m[i] + (1 - beta1) * g[i];
          v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2;
          const denom = Math.sqrt(v[i]) / Math.sqrt(1 - beta2 ** step) + 1e-8;
          ref[i] -= (lr / (1 - beta1 ** step)) * m[i] / denom;
        }
      });
      Array.from(p.dataSync()).forEach((x, i) => assertClose(x, ref[i], 1e-6, `p[${i}]`));
      assert.equal(adam.step, 3);
      p.dispose();
    });
    await t.step("state() and load() round-trip exactly", () => {
      const p = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
      const q = tf.tidy(() => tf.variable(tf.tensor1d([1, 2, 3])));
      using a = new AdamW([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0.01 });
      using b = new AdamW([q], { learningRate: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0.01 });
      tf.tidy(() => a.apply([tf.tensor1d([1, -1, 0.5])]));
      b.load(a.state());
      q.assign(p);
      tf.tidy(() => a.apply([tf.tensor1d([0.2, 0.3, -0.1])]));
      tf.tidy(() => b.apply([tf.tensor1d([0.2, 0.3, -0.1])]));
      assert.deepEqual(Array.from(q.dataSync()), Array.from(p.dataSync()));
      assert.throws(() => b.load({ ...a.state(), firstMoments: [] }), /moment sizes must be \[3\]/);
      tf.dispose([p, q]);
    });
    await t.step("clipping only scales down, and reports the norm before clipping", () => {
      tf.tidy(() => {
        const small = clipByGlobalNorm([tf.tensor1d([0.3]), tf.tensor1d([0.4])], { maxNorm: 1 });
        assertClose(small.norm.dataSync()[0], 0.5, 1e-6);
        assertClose(small.grads[1].dataSync()[0], 0.4, 1e-6);
        const big = clipByGlobalNorm([tf.tensor2d([[30]]), tf.tensor1d([40])], { maxNorm: 1 });
        assertClose(big.grads[0].dataSync()[0], 0.6, 1e-6);
      });
    });
  });
});

Deno.test("trainStep() follows the paper's update loop", async (t) => {
  await assertNoLeak(async () => {
    await t.step("PSR/NSR take ceil(kept / mini-batch size) optimizer steps", () => {
      // 8 samples, 4 mini-batches → mini-batch size 2; 3 correct, 5 wrong.
      const psr = stepWeights(tinyConfig({ kind: "psr" }, { miniBatches: 4 }), SAMPLES, REWARDS);
      assert.equal(psr.metrics.samplesTrained, 3);
      assert.equal(psr.metrics.optimizerSteps, 2);
      const nsr = stepWeights(tinyConfig({ kind: "nsr" }, { miniBatches: 4 }), SAMPLES, REWARDS);
      assert.equal(nsr.metrics.samplesTrained, 5);
      assert.equal(nsr.metrics.optimizerSteps, 3);
      const w = stepWeights(
        tinyConfig({ kind: "w-reinforce" }, { miniBatches: 4 }),
        SAMPLES,
        REWARDS,
      );
      assert.equal(w.metrics.optimizerSteps, 4);
    });
    await t.step("the first mini-batch is on-policy: ρ = 1, nothing clipped", () => {
      const { metrics } = stepWeights(tinyConfig({ kind: "reinforce" }), SAMPLES, REWARDS);
      assert.equal(metrics.optimizerSteps, 1);
      assert.equal(metrics.clipFraction, 0);
      assert.ok(metrics.gradNorm > 0);
    });
    await t.step("later mini-batches are off-policy and clipping acts", () => {
      const config = tinyConfig({ kind: "reinforce" }, { miniBatches: 4, learningRate: 0.3 });
      const { metrics } = stepWeights(config, SAMPLES, REWARDS);
      assert.ok(metrics.clipFraction > 0, `clip fraction ${metrics.clipFraction}`);
    });
    await t.step("NSR ignores correct samples: adding some changes nothing", () => {
      const config = tinyConfig({ kind: "nsr" });
      const wrong = [1, 2, 4, 5].map((i) => SAMPLES[i]);
      const a = stepWeights(config, wrong, [0, 0, 0, 0]);
      const b = stepWeights(
        config,
        SAMPLES,
        REWARDS.map((_, i) => ([1, 2, 4, 5].includes(i) ? 0 : 1)),
      );
      assert.equal(b.metrics.samplesTrained, 4);
      assert.deepEqual(b.weights, a.weights);
    });
    for (const aggregation of ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"]) {
      await t.step(`micro-batch accumulation equals one pass (${aggregation})`, () => {
        const kind = { kind: "w-reinforce", aggregation };
        const one = stepWeights(tinyConfig(kind, { microBatchSize: 8 }), SAMPLES, REWARDS);
        const many = stepWeights(tinyConfig(kind, { microBatchSize: 3 }), SAMPLES, REWARDS);
        many.weights.forEach((x, i) => assertClose(x, one.weights[i], 1e-5, `w[${i}]`));
        assertClose(many.metrics.loss, one.metrics.loss, 1e-5, "loss");
      });
    }
    await t.step("GRPO logs a KL term and PPO a value loss", () => {
      const grpo = stepWeights(tinyConfig({ kind: "grpo" }, { miniBatches: 2 }), SAMPLES, REWARDS);
      assert.ok(grpo.metrics.kl > 0, `kl ${grpo.metrics.kl}`); // the second mini-batch is off the reference
      const ppo = stepWeights(tinyConfig({ kind: "ppo" }), SAMPLES, REWARDS);
      assert.ok(ppo.metrics.valueLoss > 0);
      assert.ok(Number.isFinite(ppo.metrics.klToInitial));
    });
    await t.step("GRPO without a reference policy is an error", () => {
      const config = tinyConfig({ kind: "grpo" });
      using policy = Policy.create(config.model, { seed: 0 });
      using optimizer = new PolicyOptimizer(policy, config);
      assert.throws(
        () =>
          trainStep(policy, { rollouts: SAMPLES, rewards: REWARDS }, {
            ...config,
            optimizer,
            groupSize: 4,
          }),
        /Cannot train with grpo: a reference policy is required/,
      );
    });
  });
});

Deno.test("trainStep() with the sampler's log-probs as old log-probs equals the recomputed step to float tolerance", async (t) => {
  const tokenizer = charTokenizer("0123");
  const model = { ...TINY_MODEL, vocabSize: tokenizer.vocabSize };
  const cases: [string, Record<string, unknown>, "none" | "shared" | "separate"][] = [
    ["NSR", { kind: "nsr" }, "none"],
    ["W-REINFORCE, 2 mini-batches", { kind: "w-reinforce" }, "none"],
    ["GRPO, 2 mini-batches", { kind: "grpo" }, "none"],
    ["PPO, shared value head", { kind: "ppo" }, "shared"],
    ["PPO, separate critic", { kind: "ppo" }, "separate"],
  ];
  for (const [name, objective, valueHead] of cases) {
    await t.step(name, async () => {
      const config = parseExperimentConfig({
        model: { ...model, valueHead },
        rollout: { samplesPerPrompt: 4, temperature: 1, maxNewTokens: 4 },
        objective: { entropyCoef: 0.001, ...objective },
        train: { learningRate: 1e-2, miniBatches: 2, microBatchSize: 3 },
      });
      const run = async (oldFromSampler: boolean) => {
        using policy = Policy.create(config.model, { seed: 1 });
        using reference = policy.clone();
        using optimizer = new PolicyOptimizer(policy, config);
        const rollouts = await sampleRollouts(policy, ["01", "23", "3"], {
          ...config.rollout,
          seed: 5,
          tokenizer,
        });
        const rewards = rollouts.map((r) => (r.response.startsWith("0") ? 1 : 0));
        const metrics = trainStep(policy, { rollouts, rewards }, {
          ...config,
          optimizer,
          reference,
          groupSize: 4,
          oldFromSampler,
        });
        return { weights: weightsOf(policy), metrics };
      };
      const recomputed = await run(false);
      const sampler = await run(true);
      assert.ok(recomputed.metrics.samplesTrained > 0);
      sampler.weights.forEach((x, i) => assertClose(x, recomputed.weights[i], 1e-5, `w[${i}]`));
      for (const key of ["loss", "policyLoss", "entropy", "kl", "valueLoss"] as const) {
        assertClose(sampler.metrics[key], recomputed.metrics[key], 1e-5, key);
      }
    });
  }
  await t.step("a rollout whose log-probs do not cover its response is refused", () => {
    const config = tinyConfig({ kind: "nsr" });
    using policy = Policy.create(config.model, { seed: 0 });
    using optimizer = new PolicyOptimizer(policy, config);
    const rollouts = SAMPLES.map((s, i) => i === 2 ? { ...s, logProbs: [-1] } : s);
    assert.throws(
      () =>
        trainStep(policy, { rollouts, rewards: REWARDS }, {
          ...config,
          optimizer,
          groupSize: 4,
          oldFromSampler: true,
        }),
      /rollout 2 has 1 log-probs for 4 response tokens/,
    );
  });
});

Deno.test("trainStepOnPool() equals trainStep() to float tolerance, every objective, two workers", async (t) => {
  await using pool = await GradientPool.create({ loss: MICRO_BATCH_LOSS, workers: 2 });
  // Micro-batches of 2: two per mini-batch, one per worker. Of 8: one per mini-batch, which
  // trainStepOnPool splits between the workers.
  const cases: [string, Record<string, unknown>, "none" | "shared" | "separate", number][] = [
    ["PSR", { kind: "psr" }, "none", 2],
    ["NSR", { kind: "nsr" }, "none", 2],
    ["W-REINFORCE", { kind: "w-reinforce" }, "none", 2],
    ["GRPO (KL loss)", { kind: "grpo" }, "none", 2],
    ["PPO, separate critic", { kind: "ppo" }, "separate", 2],
    ["W-REINFORCE, one micro-batch per mini-batch", { kind: "w-reinforce" }, "none", 8],
    ["GRPO, one micro-batch per mini-batch", { kind: "grpo" }, "none", 8],
    [
      "NSR, sequence-mean aggregation, one micro-batch per mini-batch",
      { kind: "nsr", aggregation: "seq-mean-token-mean" },
      "none",
      8,
    ],
  ];
  for (const [name, objective, valueHead, microBatchSize] of cases) {
    await t.step(name, async () => {
      const config = parseExperimentConfig({
        model: { ...TINY_MODEL, valueHead },
        rollout: { samplesPerPrompt: 4 },
        objective: { entropyCoef: 0.001, ...objective },
        train: { learningRate: 1e-2, miniBatches: 2, microBatchSize },
      });
      const run = async (pooled: boolean) => {
        using policy = Policy.create(config.model, { seed: 0 });
        using reference = policy.clone();
        using optimizer = new PolicyOptimizer(policy, config);
        const metrics = [];
        // Two steps: the second reads the weights the first step's pooled updates left.
        for (const rewards of [REWARDS, [...REWARDS].reverse()]) {
          const options = { ...config, optimizer, reference, groupSize: 4 };
          const batch = { rollouts: SAMPLES, rewards };
          metrics.push(
            pooled
              ? await trainStepOnPool(policy, batch, { ...options, pool })
              : trainStep(policy, batch, options),
          );
        }
        const critic = policy.criticVariables.flatMap((v) => Array.from(v.dataSync()));
        return { weights: [...weightsOf(policy), ...critic], metrics };
      };
      const local = await run(false);
      const pooled = await assertNoLeak(() => run(true));
      assert.ok(local.metrics.every((m) => m.samplesTrained > 0));
      pooled.weights.forEach((x, i) => assertClose(x, local.weights[i], 1e-5, `w[${i}]`));
      local.metrics.forEach((want, s) => {
        const got = pooled.metrics[s];
        assert.equal(got.samplesTrained, want.samplesTrained);
        assert.equal(got.optimizerSteps, want.optimizerSteps);
        const keys = [
          "loss",
          "policyLoss",
          "entropy",
          "kl",
          "valueLoss",
          "clipFraction",
          "gradNorm",
        ];
        for (const key of keys as (keyof typeof want & keyof typeof got)[]) {
          assertClose(got[key] as number, want[key] as number, 1e-5, `step ${s + 1} ${key}`);
        }
      });
    });
  }
});

// --- end to end ------------------------------------------------------------------------------

const TOY_TOKENIZER = charTokenizer("0123");
// Copy the prompt's digit: reward 1 when the response starts with it (about 1/7 at init).
const TOY_PROBLEMS = ["0", "1", "2", "3"].map((d) => ({ prompt: d, gold: d }));
const toyReward = {
  name: "copy-digit",
  grade: (rollout: Rollout, problem: { gold?: string }): number =>
    rollout.response.startsWith(problem.gold ?? "") ? 1 : 0,
};

/** The toy task's data: tokenizer, problems (held out too) and reward. */
const TOY_TASK = {
  tokenizer: TOY_TOKENIZER,
  problems: TOY_PROBLEMS,
  evalProblems: TOY_PROBLEMS,
  reward: toyReward,
};

function toyConfig(
  objective: Record<string, unknown>,
  train: Record<string, unknown> = {},
): ExperimentConfig {
  return parseExperimentConfig({
    seed: 3,
    model: {
      vocabSize: TOY_TOKENIZER.vocabSize,
      width: 32,
      layers: 1,
      heads: 2,
      mlpWidth: 64,
      context: 6,
      valueHead: objective.kind === "ppo" ? "shared" : "none",
    },
    rollout: { samplesPerPrompt: 8, maxNewTokens: 2 },
    objective,
    train: {
      steps: 40,
      promptsPerStep: 4,
      miniBatches: 2,
      microBatchSize: 32,
      learningRate: 3e-3,
      evalEvery: 20,
      checkpointEvery: 2,
      ...train,
    },
  });
}

Deno.test("train() improves reward on a toy task with every objective", async (t) => {
  for (const kind of OBJECTIVE_KINDS) {
    await t.step(kind, async () => {
      await assertNoLeak(async () => {
        const config = toyConfig({ kind });
        using initial = Policy.create(config.model, { seed: 1 });
        const seen: number[] = [];
        const result = await train(config, {
          policy: initial,
          ...TOY_TASK,
          onStep: (m) => seen.push(m.step),
        });
        result.policy.dispose();
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const first = mean(result.steps.slice(0, 8).map((m) => m.correctRatio));
        const last = mean(result.steps.slice(-8).map((m) => m.correctRatio));
        assert.ok(last > first + 0.2, `${kind}: correct ratio ${first} → ${last}`);
        assert.deepEqual(seen, result.steps.map((m) => m.step));
        assert.deepEqual(result.evals.map((e) => e.step), [0, 20, 40]);
        if (kind === "psr") assert.ok(result.steps.every((m) => m.samplesTrained <= 32));
      });
    });
  }
});

const withoutTimes = (steps: StepMetrics[]) => steps.map(({ seconds: _, ...rest }) => rest);

Deno.test("train() resumed from a checkpoint equals an uninterrupted run", async () => {
  const root = await Deno.makeTempDir();
  try {
    const config = toyConfig({ kind: "w-reinforce" }, { steps: 4, evalEvery: 2 });
    using initial = Policy.create(config.model, { seed: 1 });
    const options = { policy: initial, ...TOY_TASK };
    const whole = await train(config, { ...options, outDir: `${root}/whole` });
    const firstHalf = await train({ ...config, train: { ...config.train, steps: 2 } }, {
      ...options,
      outDir: `${root}/resumed`,
    });
    firstHalf.policy.dispose();
    // A crash after the checkpoint leaves a partial line; resuming must discard it.
    await Deno.writeTextFile(`${root}/resumed/metrics.jsonl`, '{"kind":"st', { append: true });
    const ran: number[] = [];
    const resumed = await train(config, {
      ...options,
      outDir: `${root}/resumed`,
      onStep: (m) => ran.push(m.step),
    });
    assert.deepEqual(ran, [3, 4]); // it did resume, rather than start over
    assert.deepEqual(withoutTimes(resumed.steps), withoutTimes(whole.steps));
    assert.deepEqual(resumed.evals, whole.evals);
    assert.deepEqual(weightsOf(resumed.policy), weightsOf(whole.policy));
    const log = await readTrainLog(`${root}/resumed/metrics.jsonl`);
    assert.deepEqual(withoutTimes(log.steps), withoutTimes(whole.steps));
    assert.deepEqual(log.evals.map((e) => e.step), [0, 2, 4]);
    // Stopped by its signal during step 3 (checkpoints every 2): step 3 is checkpointed, so a
    // resumed run trains only step 4 and ends where the uninterrupted one did.
    const controller = new AbortController();
    const stopped = await train(config, {
      ...options,
      outDir: `${root}/aborted`,
      signal: controller.signal,
      onStep: (m) => m.step === 3 && controller.abort(),
    });
    assert.equal(stopped.steps.length, 3);
    stopped.policy.dispose();
    const latest = JSON.parse(await Deno.readTextFile(`${root}/aborted/checkpoints/latest.json`));
    assert.equal(latest.step, 3);
    const redone: number[] = [];
    const again = await train(config, {
      ...options,
      outDir: `${root}/aborted`,
      onStep: (m) => redone.push(m.step),
    });
    assert.deepEqual(redone, [4]);
    assert.deepEqual(withoutTimes(again.steps), withoutTimes(whole.steps));
    assert.deepEqual(weightsOf(again.policy), weightsOf(whole.policy));
    again.policy.dispose();
    whole.policy.dispose();
    resumed.policy.dispose();
    await assert.rejects(
      train({ ...config, seed: 9 }, { ...options, outDir: `${root}/resumed` }),
      /config.json differs from this config beyond train.steps/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train() on worker pools equals the one-core run to float tolerance", async () => {
  const config = toyConfig({ kind: "w-reinforce" }, { steps: 4, evalEvery: 2 });
  using initial = Policy.create(config.model, { seed: 1 });
  const options = { policy: initial, ...TOY_TASK };
  const alone = await train(config, options);
  await using sampling = await SamplingPool.create({ workers: 2 });
  await using gradients = await GradientPool.create({ loss: MICRO_BATCH_LOSS, workers: 2 });
  const pooled = await train(config, { ...options, pools: { sampling, gradients } });
  // The same tokens every step (the sampling workers follow each update), the same evaluations.
  for (const key of ["correctRatio", "meanResponseLength", "samplesTrained"] as const) {
    assert.deepEqual(pooled.steps.map((m) => m[key]), alone.steps.map((m) => m[key]), key);
  }
  assert.deepEqual(
    pooled.evals.map((e) => e.greedyAccuracy),
    alone.evals.map((e) => e.greedyAccuracy),
  );
  pooled.steps.forEach((m, s) => assertClose(m.loss, alone.steps[s].loss, 1e-5, `loss ${s + 1}`));
  const want = weightsOf(alone.policy);
  weightsOf(pooled.policy).forEach((x, i) => assertClose(x, want[i], 1e-4, `w[${i}]`));
  alone.policy.dispose();
  pooled.policy.dispose();
});

Deno.test("train() resumes from the last intact checkpoint when the newest is corrupt, and says which", async () => {
  const root = await Deno.makeTempDir();
  try {
    const config = toyConfig({ kind: "w-reinforce" }, { steps: 4, evalEvery: 2 });
    using initial = Policy.create(config.model, { seed: 1 });
    const options = {
      policy: initial,
      tokenizer: TOY_TOKENIZER,
      problems: TOY_PROBLEMS,
      reward: toyReward,
    };
    const whole = await train(config, { ...options, outDir: `${root}/whole` });
    const first = await train(config, { ...options, outDir: `${root}/healed` });
    first.policy.dispose();
    // A save of step 4 cut short (truncated state.json) and an orphan temporary beside it.
    const checkpoints = `${root}/healed/checkpoints`;
    await Deno.writeTextFile(`${checkpoints}/step-000004/state.json`, '{"step": 4, "log');
    await Deno.mkdir(`${checkpoints}/.step-000004.x1y2.tmp/policy`, { recursive: true });
    const resumes: TrainResume[] = [];
    const ran: number[] = [];
    const healed = await train(config, {
      ...options,
      outDir: `${root}/healed`,
      onResume: (resume) => resumes.push(resume),
      onStep: (m) => ran.push(m.step),
    });
    assert.equal(resumes.length, 1);
    assert.equal(resumes[0].step, 2);
    assert.match(resumes[0].dir, /step-000002$/);
    assert.deepEqual(resumes[0].skipped.map((s) => s.dir), [`${checkpoints}/step-000004`]);
    assert.match(
      resumes[0].skipped[0].reason,
      /Cannot parse .*step-000004\/state\.json: not JSON \(/,
    );
    assert.deepEqual(ran, [3, 4]);
    assert.deepEqual(withoutTimes(healed.steps), withoutTimes(whole.steps));
    assert.deepEqual(weightsOf(healed.policy), weightsOf(whole.policy));
    assert.ok(
      !(await Array.fromAsync(Deno.readDir(checkpoints))).some((e) => e.name.endsWith(".tmp")),
    );
    healed.policy.dispose();
    whole.policy.dispose();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train() refuses more prompts per step than there are problems", async () => {
  const config = toyConfig({ kind: "grpo" }, { promptsPerStep: 100_000 });
  using initial = Policy.create(config.model, { seed: 1 });
  await assert.rejects(
    train(config, { policy: initial, tokenizer: TOY_TOKENIZER, problems: TOY_PROBLEMS }),
    /Cannot train: train\.promptsPerStep must be <= the number of problems, got 100000 for 4 problems/,
  );
});

Deno.test("train() stops at the first non-finite number and keeps the last good checkpoint", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    using initial = Policy.create(toyConfig({ kind: "grpo" }).model, { seed: 1 });
    const options = { policy: initial, tokenizer: TOY_TOKENIZER, problems: TOY_PROBLEMS };
    await t.step("learning rate 1e308: the update's weights are caught at step 1", async () => {
      const config = toyConfig({ kind: "reinforce" }, { learningRate: 1e308, miniBatches: 1 });
      await assert.rejects(
        train(config, { ...options, reward: toyReward, outDir: `${root}/lr` }),
        /Cannot train: step 1 gave a non-finite loss, gradient or weights, got .* weight norm (Infinity|NaN) .*no checkpoint was saved/,
      );
      await assert.rejects(Deno.stat(`${root}/lr/checkpoints/latest.json`), Deno.errors.NotFound);
    });
    await t.step(
      "a NaN reward at step 3: the error names it, step 2's checkpoint stays",
      async () => {
        const config = toyConfig({ kind: "grpo" }, { steps: 6, checkpointEvery: 2 });
        let calls = 0;
        const batch = config.train.promptsPerStep * config.rollout.samplesPerPrompt;
        // Stateful on purpose (a counter), so it names its module: a reward without one may
        // not close over values (checkedReward).
        const reward = {
          name: "breaks",
          module: import.meta.url,
          grade: (r: Rollout, p: { gold?: string }) =>
            ++calls > 2 * batch ? NaN : toyReward.grade(r, p),
        };
        await assert.rejects(
          train(config, { ...options, reward, outDir: `${root}/nan` }),
          /reward "breaks" gave NaN at step 3 for sample 0 of prompt .*the last good checkpoint, step 2, stays/,
        );
        const { loadTrainCheckpoint } = await import("../../lib/train/train_checkpoint.ts");
        const loaded = await loadTrainCheckpoint(`${root}/nan`);
        assert.equal(loaded?.checkpoint.step, 2);
        loaded?.policy.dispose();
      },
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
