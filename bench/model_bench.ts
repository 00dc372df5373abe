// deno-lint-ignore-file no-console -- a bench prints its results
// Model bench (issue 5): sampled and trained tokens/s of the reference policy (V=32 D=128 L=4
// H=4 MLP=512 ctx 48) on the wasm backend, and of bench/torch_reference.py (the identical model
// in PyTorch) measured in the same run, interleaved per phase. Prints JSON lines
// {"bench","value","unit"}; the ratios are ours / torch (above 1 = faster than torch): ours is
// the best of two rounds (in-process or 2-worker pool for sampling), torch runs with 2 threads
// (the setting, `*_vs_torch_2t`) and 1 thread, and `*_vs_torch` uses the faster torch,
// since 2 OpenMP threads on a loaded 2-core machine can be far slower than 1.
// Usage: deno run -A bench/model_bench.ts [--quick]
import * as tf from "@tensorflow/tfjs";
import { emit } from "./_emit.ts";
import { initBackend } from "../lib/engine/backend.ts";
import type { ModelConfig } from "../lib/config.ts";
import { GradientPool } from "../lib/model/gradient_pool.ts";
import { sequenceLogProbs } from "../lib/model/log_probs.ts";
import { Policy } from "../lib/model/policy.ts";
import { sampleSequences } from "../lib/model/sample.ts";
import { SamplingPool } from "../lib/model/sampling_pool.ts";
import { seededPrng } from "../lib/random.ts";

const quick = Deno.args.includes("--quick");
const MODEL: ModelConfig = {
  vocabSize: 32,
  width: 128,
  layers: 4,
  heads: 4,
  mlpWidth: 512,
  context: 48,
  valueHead: "none",
};
const SAMPLING = { batch: 256, promptTokens: 16, newTokens: 32 };
const TRAINING = { batch: 128, tokens: 48, microBatch: 64 };
const REPEATS = quick ? 1 : 3;
// What each phase measures, in its result names: sampling that never stops early (every row runs
// its 32 tokens), and a next-token training step with tf.train.adam (pretraining's workload, not
// an RL step: bench/rl_bench.ts measures that).
const LABEL = { sampling: "fixed_length_sampling", training: "pretrain_step" } as const;

const SAMPLE_SETTINGS = {
  temperature: 1,
  topP: 1,
  topK: 0,
  greedy: false,
  maxNewTokens: SAMPLING.newTokens,
  eos: -1, // never stop early: every sequence generates newTokens
  pad: 0,
};

function benchPrompts(): number[][] {
  const prng = seededPrng(0);
  const body = () => 3 + Math.floor(prng() * 29);
  return Array.from(
    { length: SAMPLING.batch },
    () => [1, ...Array.from({ length: SAMPLING.promptTokens - 1 }, body)],
  );
}

async function timeSampling(policy: Policy, pool?: SamplingPool): Promise<number> {
  const prompts = benchPrompts();
  const seeds = prompts.map((_, i) => i);
  const t0 = performance.now();
  const out = pool
    ? await pool.sample(policy, prompts, { ...SAMPLE_SETTINGS, seeds })
    : sampleSequences(policy, prompts, { ...SAMPLE_SETTINGS, prng: seeds.map(seededPrng) });
  const seconds = (performance.now() - t0) / 1000;
  if (out.some((s) => s.tokens.length !== SAMPLING.newTokens)) throw new Error("short sample");
  return seconds;
}

async function bestOf(f: () => Promise<number>): Promise<number> {
  await f(); // warm-up
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) best = Math.min(best, await f());
  return best;
}

function timeTraining(policy: Policy, optimizer: tf.Optimizer, tokens: tf.Tensor2D[]): number {
  const t0 = performance.now();
  let sum: tf.NamedTensorMap | undefined;
  for (const micro of tokens) {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(sequenceLogProbs(policy, micro).logProbs)) as tf.Scalar,
      policy.actorVariables,
    );
    value.dispose();
    if (sum === undefined) sum = grads;
    else {
      const prev: tf.NamedTensorMap = sum;
      sum = Object.fromEntries(Object.keys(grads).map((k) => [k, tf.add(prev[k], grads[k])]));
      tf.dispose([...Object.values(prev), ...Object.values(grads)]);
    }
  }
  optimizer.applyGradients(sum as tf.NamedTensorMap as Record<string, tf.Variable>);
  tf.dispose(Object.values(sum as tf.NamedTensorMap));
  policy.actorVariables[0].dataSync(); // wait for the update
  return (performance.now() - t0) / 1000;
}

type TorchResult = { sampling_tokens_per_s: number; training_tokens_per_s: number };

async function runTorch(threads: number, phase: string): Promise<TorchResult | string> {
  const script = new URL("./torch_reference.py", import.meta.url).pathname;
  const config = {
    ...MODEL,
    threads,
    phases: [phase],
    sampling: SAMPLING,
    training: TRAINING,
    repeats: REPEATS,
  };
  try {
    const { code, stdout, stderr } = await new Deno.Command("/usr/bin/python3", {
      args: [script, JSON.stringify(config)],
      env: { OMP_NUM_THREADS: String(threads) },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) return new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? "failed";
    return JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "");
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const info = await initBackend();
console.error(
  `[model_bench] backend ${info.backend}, threads ${info.threads}, simd ${info.simd}, matmul ${info.matmul}, attention ${info.attention}`,
);
using policy = Policy.create(MODEL, { seed: 0 });

// Phases run interleaved (ours, torch 2 threads, torch 1 thread, ours again) so that the load
// of a shared machine drifts less between the numbers a ratio compares.
type Phase = "sampling" | "training";
const ratios: Record<Phase, { ours: number; torch: Record<number, number> }> = {
  sampling: { ours: 0, torch: {} },
  training: { ours: 0, torch: {} },
};
const skipped: string[] = [];

async function torchPhase(phase: Phase): Promise<void> {
  for (const threads of [2, 1]) {
    const result = await runTorch(threads, phase);
    if (typeof result === "string") {
      skipped.push(`${phase} ${threads}t: ${result}`);
      continue;
    }
    const rate = phase === "sampling" ? result.sampling_tokens_per_s : result.training_tokens_per_s;
    ratios[phase].torch[threads] = rate;
    emit(`torch_${LABEL[phase]}_tokens_per_s_${threads}t`, rate, "tokens/s");
  }
}

// sampling
const pool = await SamplingPool.create({ workers: 2 });
for (let round = 0; round < 2; round++) {
  const seconds = await bestOf(() => timeSampling(policy));
  const poolSeconds = await bestOf(() => timeSampling(policy, pool));
  const rate = (SAMPLING.batch * SAMPLING.newTokens) / seconds;
  const poolRate = (SAMPLING.batch * SAMPLING.newTokens) / poolSeconds;
  emit("fixed_length_sampling_tokens_per_s", rate, "tokens/s", { ...SAMPLING, seconds, round });
  emit("fixed_length_sampling_pool2_tokens_per_s", poolRate, "tokens/s", { ...SAMPLING, round });
  // the ratio uses the faster way to sample (in-process or the 2-worker pool)
  ratios.sampling.ours = Math.max(ratios.sampling.ours, rate, poolRate);
  if (round === 0) await torchPhase("sampling");
}
pool.dispose();
// The cached-attention kernel's share: in-process sampling with tfjs ops for attention instead.
if (info.attention === "simd") {
  await initBackend({ attention: "backend" });
  const seconds = await bestOf(() => timeSampling(policy));
  await initBackend();
  const rate = (SAMPLING.batch * SAMPLING.newTokens) / seconds;
  emit("fixed_length_sampling_tokens_per_s_tfjs_attention", rate, "tokens/s", {
    ...SAMPLING,
    seconds,
  });
}

// training
const optimizer = tf.train.adam(1e-4);
const prng = seededPrng(1);
const micro = Array.from({ length: TRAINING.batch / TRAINING.microBatch }, () =>
  tf.tensor2d(
    Int32Array.from({ length: TRAINING.microBatch * TRAINING.tokens }, () =>
      3 + Math.floor(prng() * 29)),
    [TRAINING.microBatch, TRAINING.tokens],
    "int32",
  ));
timeTraining(policy, optimizer, micro); // warm-up (creates Adam's slots)
const gradientPool = await GradientPool.create({
  loss: {
    module: new URL("../lib/model/log_probs.ts", import.meta.url).href,
    name: "meanNextTokenNll",
  },
  workers: 2,
});
const microInputs = micro.map((t) => ({
  tokens: t.arraySync() as number[][],
  weight: 1 / micro.length,
}));
async function timePoolTraining(): Promise<number> {
  const t0 = performance.now();
  const { grads } = await gradientPool.gradients(policy, microInputs);
  const named = Object.fromEntries(policy.actorVariables.map((v, k) => [v.name, grads[k]]));
  optimizer.applyGradients(named as Record<string, tf.Variable>);
  tf.dispose(grads);
  gradientPool.markUpdated();
  policy.actorVariables[0].dataSync(); // wait for the update
  return (performance.now() - t0) / 1000;
}
await timePoolTraining(); // warm-up
for (let round = 0; round < 2; round++) {
  let seconds = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    seconds = Math.min(seconds, timeTraining(policy, optimizer, micro));
  }
  let poolSeconds = Infinity;
  for (let r = 0; r < REPEATS; r++) poolSeconds = Math.min(poolSeconds, await timePoolTraining());
  const rate = (TRAINING.batch * TRAINING.tokens) / seconds;
  const poolRate = (TRAINING.batch * TRAINING.tokens) / poolSeconds;
  emit("pretrain_step_tokens_per_s", rate, "tokens/s", { ...TRAINING, seconds, round });
  emit("pretrain_step_pool2_tokens_per_s", poolRate, "tokens/s", { ...TRAINING, round });
  // the ratio uses the faster way to train (in-process or the 2-worker gradient pool)
  ratios.training.ours = Math.max(ratios.training.ours, rate, poolRate);
  if (round === 0) await torchPhase("training");
}
gradientPool.dispose();
tf.dispose(micro);
optimizer.dispose();

for (const phase of ["sampling", "training"] as const) {
  const { ours, torch } = ratios[phase];
  const rates = Object.values(torch);
  if (rates.length === 0) continue;
  // headline: against the faster torch setting; also against the 2-thread setting
  emit(`${LABEL[phase]}_vs_torch`, ours / Math.max(...rates), "ratio");
  if (torch[2] !== undefined) emit(`${LABEL[phase]}_vs_torch_2t`, ours / torch[2], "ratio");
}
if (skipped.length > 0) {
  console.error(`[model_bench] torch skipped: ${skipped.join("; ")}`);
  emit("torch_skipped", skipped.length, "count", { reason: skipped.join("; ") });
}
