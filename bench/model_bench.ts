// deno-lint-ignore-file no-console -- a bench prints its results
// Model bench (issue 5): sampled and trained tokens/s of the reference policy (V=32 D=128 L=4
// H=4 MLP=512 ctx 48) on the wasm backend, and of bench/torch_reference.py (the identical model
// in PyTorch) measured in the same run. Prints JSON lines {"bench","value","unit"}; the ratios
// are ours / torch (above 1 = faster than torch). torch runs with 2 threads (the target's
// setting) and with 1 thread; the ratio uses the faster of the two, since 2 OpenMP threads on a
// loaded 2-core machine can be far slower than 1.
// Usage: deno run -A bench/model_bench.ts [--quick]
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import type { ModelConfig } from "../lib/config.ts";
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

function emit(
  bench: string,
  value: number,
  unit: string,
  extra: Record<string, unknown> = {},
): void {
  console.log(JSON.stringify({ bench, value, unit, ...extra }));
}

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

async function runTorch(threads: number): Promise<TorchResult | string> {
  const script = new URL("./torch_reference.py", import.meta.url).pathname;
  const config = { ...MODEL, threads, sampling: SAMPLING, training: TRAINING, repeats: REPEATS };
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
console.error(`[model_bench] backend ${info.backend}, threads ${info.threads}, simd ${info.simd}`);
using policy = Policy.create(MODEL, { seed: 0 });

const samplingSeconds = await bestOf(() => timeSampling(policy));
const singleRate = (SAMPLING.batch * SAMPLING.newTokens) / samplingSeconds;
emit("sampling_tokens_per_s", singleRate, "tokens/s", { ...SAMPLING, seconds: samplingSeconds });
const pool = await SamplingPool.create({ workers: 2 });
const poolSeconds = await bestOf(() => timeSampling(policy, pool));
pool.dispose();
const poolRate = (SAMPLING.batch * SAMPLING.newTokens) / poolSeconds;
emit("sampling_pool2_tokens_per_s", poolRate, "tokens/s", { ...SAMPLING, seconds: poolSeconds });
// the ratio uses the faster way to sample (in-process or the 2-worker pool)
const samplingRate = Math.max(singleRate, poolRate);

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
const trainingSeconds = Math.min(
  ...Array.from({ length: REPEATS }, () => timeTraining(policy, optimizer, micro)),
);
const trainingRate = (TRAINING.batch * TRAINING.tokens) / trainingSeconds;
emit("training_tokens_per_s", trainingRate, "tokens/s", { ...TRAINING, seconds: trainingSeconds });
tf.dispose(micro);
optimizer.dispose();

const torchRuns: Record<number, TorchResult | string> = {
  2: await runTorch(2),
  1: await runTorch(1),
};
const ok = Object.entries(torchRuns).filter((e): e is [string, TorchResult] =>
  typeof e[1] !== "string"
);
if (ok.length === 0) {
  console.error(`[model_bench] torch skipped: ${JSON.stringify(torchRuns)}`);
  emit("torch_skipped", 1, "flag", { reason: String(torchRuns[2]) });
} else {
  for (const [threads, r] of ok) {
    emit(`torch_sampling_tokens_per_s_${threads}t`, r.sampling_tokens_per_s, "tokens/s");
    emit(`torch_training_tokens_per_s_${threads}t`, r.training_tokens_per_s, "tokens/s");
  }
  const bestSampling = Math.max(...ok.map(([, r]) => r.sampling_tokens_per_s));
  const bestTraining = Math.max(...ok.map(([, r]) => r.training_tokens_per_s));
  emit("sampling_vs_torch", samplingRate / bestSampling, "ratio");
  emit("training_vs_torch", trainingRate / bestTraining, "ratio");
  const twoThreads = torchRuns[2];
  if (typeof twoThreads !== "string") {
    // the stated setting (torch with 2 threads), for reference
    emit("sampling_vs_torch_2t", samplingRate / twoThreads.sampling_tokens_per_s, "ratio");
    emit("training_vs_torch_2t", trainingRate / twoThreads.training_tokens_per_s, "ratio");
  }
}
