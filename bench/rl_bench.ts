// deno-lint-ignore-file no-console -- a bench prints its results
// The main job's real workload against PyTorch doing the same work in the same run
// (bench/torch_rl.py, Debian's python3-torch; without it the torch lines are skipped):
// - rl_step_vs_torch (GRPO) and rl_step_ppo_vs_torch (PPO with its separate critic): one RL step
//   of the shipped base at the protocol's settings (32 prompts x 8 samples at T = 1 until EOS,
//   the sampler's log-probs as old ones, reference log-probs, 4 PPO-clip mini-batches, AdamW),
//   one core each: our `train` loop against torch's equivalent with a KV cache and finished rows
//   dropped; rl_step_nsr_vs_torch: the same for NSR, KL-free, so neither side has a reference
//   model (PSR and W-REINFORCE are the same work), torch keeping as many samples as ours did
//   (rl_step_nsr_kept);
// - rl_step_2cores_vs_1core, rl_step_nsr_2cores_vs_1core: a lone run on both cores (train's
//   sampling and gradient pools, two workers each) against the same steps on one core;
// - evaluation_vs_torch: sequences per second sampling the base on 64 tier-A prompts x 256, two
//   cores each: our 2-worker SamplingPool (evaluateCountdown) against two torch processes of 32
//   prompts each, run at once;
// - gflops_*: achieved GFLOP/s of our RL step and of the machine's own peak (the best of a
//   1024^3 OpenBLAS sgemm through our engine, and torch's), so the distance from the limit shows.
// - *_cores: cores each side actually used (process CPU time / wall time) in each timed part.
// Ratios are ours / torch: above 1, ours is faster. Usage: deno run -A bench/rl_bench.ts [--quick]
import * as tf from "@tensorflow/tfjs";
import { cpuUsage } from "node:process";
import { emit as emitResult } from "./_emit.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { SamplingPool } from "../lib/model/sampling_pool.ts";
import { startTrainPools } from "../lib/train/train_pools.ts";
import { sequenceLogProbs } from "../lib/model/log_probs.ts";
import { type ExperimentConfig, parseExperimentConfig } from "../lib/config.ts";
import { loadBaseModel } from "../lib/tasks/base_model.ts";
import { COUNTDOWN_TASK } from "../lib/tasks/countdown_task.ts";
import { evaluateCountdown } from "../lib/tasks/evaluate_countdown.ts";
import { startingPolicy } from "../lib/schedule/work.ts";
import { train, type TrainPools } from "../lib/train/train.ts";
import type { StepMetrics } from "../lib/train/metrics.ts";

const quick = Deno.args.includes("--quick");
const STEPS = quick ? 2 : 6;
const EVAL = { prompts: quick ? 8 : 64, samples: 256 };
const script = new URL("./torch_rl.py", import.meta.url).pathname;

// Four significant digits: the run-to-run noise is larger.
function emit(
  bench: string,
  value: number,
  unit: string,
  extra: Record<string, unknown> = {},
): void {
  emitResult(bench, value, unit, extra, { digits: 4 });
}

// The reference's threads are pinned by environment: torch.set_num_threads does not limit
// Debian's OpenBLAS (a pthread build reached through libblas.so.3), which otherwise runs two
// threads on two cores and makes a "one core" reference a two-core one. Its kernels are ours: where
// OpenBLAS does not recognise the CPU, initBackend has set OPENBLAS_CORETYPE for this process
// (engine/blas.ts), and the reference inherits it. Each reply also says how
// many cores the process used (CPU time over wall time), so a leak shows in the output.
async function torch(config: Record<string, unknown>): Promise<Record<string, number> | string> {
  const threads = String(config.threads ?? 1);
  try {
    const { code, stdout, stderr } = await new Deno.Command("/usr/bin/python3", {
      args: [script, JSON.stringify(config)],
      env: { OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      return new TextDecoder().decode(stderr).trim().split("\n").at(-1) ?? `exit ${code}`;
    }
    return JSON.parse(new TextDecoder().decode(stdout));
  } catch (error) {
    return (error as Error).message;
  }
}

/** Cores used since `before` (this process's CPU time, workers included, over wall time). */
function cores(before: { user: number; system: number }, wallStart: number): number {
  const now = cpuUsage(before);
  return (now.user + now.system) / 1e6 / ((performance.now() - wallStart) / 1000);
}

const backend = await initBackend();
const base = await loadBaseModel();
const problems = (await COUNTDOWN_TASK.loadProblems("train")).slice(0, 32 * (STEPS + 1));
const skipped: string[] = [];

// The reference is the same model: its log-probs of one response match ours.
{
  const t = base.tokenizer;
  const tokens = [t.bos, ...t.encode("1289>24:9-8=1,2*1=2,\\boxed{24}"), t.eos];
  const theirs = await torch({ phase: "logprobs", tokens });
  if (typeof theirs === "string") skipped.push(`logprobs: ${theirs}`);
  else {
    const ours = tf.tidy(() =>
      sequenceLogProbs(base.policy, tf.tensor2d([tokens], [1, tokens.length], "int32"))
        .logProbs.dataSync()
    );
    const diff = Math.max(
      ...(theirs as unknown as { logprobs: number[] }).logprobs.map((x, i) =>
        Math.abs(x - ours[i])
      ),
    );
    emit("torch_reference_max_logprob_difference", diff, "nats");
  }
}

// RL steps, one core: our train loop (step 1 warms up) against torch's.
const objectives = [
  ["rl_step", "grpo", "none"],
  ["rl_step_ppo", "ppo", "separate"],
  ["rl_step_nsr", "nsr", "none"],
] as const;
// A lone run's pools: both cores (GRPO and NSR, after their one-core runs).
const lone = await startTrainPools({ workers: 2 });

/** Seconds per timed step, cores used, the timed steps, and the policy's parameter count. */
type TimedRun = { seconds: number; cores: number; steps: StepMetrics[]; params: number };

/** Times `config`'s steps (the first warms up) from the base, in this thread or on `pools`. */
async function timedRun(config: ExperimentConfig, pools?: TrainPools): Promise<TimedRun> {
  const start = startingPolicy(base.policy, config);
  const cpuBefore = cpuUsage();
  const wallBefore = performance.now();
  const result = await train(config, {
    policy: start,
    tokenizer: base.tokenizer,
    problems,
    reward: COUNTDOWN_TASK.reward,
    pools,
  });
  const used = cores(cpuBefore, wallBefore);
  const steps = result.steps.slice(1);
  const params = Object.values(result.policy.params).reduce((n, v) => n + v.size, 0);
  result.policy.dispose();
  if (start !== base.policy) start.dispose();
  const seconds = steps.reduce((s, m) => s + m.seconds.total, 0) / steps.length;
  return { seconds, cores: used, steps, params };
}

/** Where a step's time goes: means over the timed steps (eval and checkpoint are off). */
function emitPhases(name: string, run: TimedRun): void {
  for (const phase of ["rollout", "grading", "logProbs", "update"] as const) {
    const mean = run.steps.reduce((s, m) => s + m.seconds[phase], 0) / run.steps.length;
    emit(`${name}_${phase}_seconds`, mean, "s", { share: Number((mean / run.seconds).toFixed(3)) });
  }
}

for (const [name, kind, valueHead] of objectives) {
  const config = parseExperimentConfig({
    model: { ...base.config, valueHead },
    objective: { kind },
    train: {
      steps: STEPS + 1,
      promptsPerStep: 32,
      miniBatches: 4,
      learningRate: 3e-5,
      evalEvery: 1000,
      checkpointEvery: 1000,
    },
  });
  const run = await timedRun(config);
  const { steps, seconds: ours } = run;
  // Forward ≈ 2·params·tokens FLOPs, backward twice that, per token of the batch: sampling (a
  // forward), the reference's log-probs (GRPO, PPO) and PPO's old values (a forward each; the old
  // log-probs are the sampler's), the mini-batches (forward + backward) over the kept samples.
  const tokens = steps.reduce((s, m) => s + 256 * (9 + m.meanResponseLength), 0) / steps.length;
  const kept = steps.reduce((s, m) => s + m.samplesTrained, 0) / steps.length / 256;
  const forwards = { grpo: 1, ppo: 2, nsr: 0 }[kind];
  const flops = 2 * run.params * tokens * (1 + forwards + 3 * kept);
  emit(`${name}_seconds`, ours, "s");
  emit(`${name}_cores`, run.cores, "cores");
  emitPhases(name, run);
  emit(`gflops_${name}`, flops / ours / 1e9, "GFLOP/s");
  if (kind === "nsr") emit(`${name}_kept`, kept, "share of samples");
  const theirs = await torch(
    kind === "nsr"
      ? { phase: "rl", steps: STEPS, objective: "nsr", keep: kept }
      : { phase: "rl", steps: STEPS, critic: kind === "ppo" },
  );
  if (typeof theirs === "string") skipped.push(`${name}: ${theirs}`);
  else {
    emit(`torch_${name}_seconds`, theirs.seconds_per_step, "s");
    emit(`torch_${name}_cores`, theirs.cores, "cores");
    emit(`${name}_vs_torch`, theirs.seconds_per_step / ours, "ratio");
  }
  if (kind === "ppo") continue;
  const pooled = await timedRun(config, lone);
  emit(`${name}_2cores_seconds`, pooled.seconds, "s");
  emit(`${name}_2cores_cores`, pooled.cores, "cores");
  emitPhases(`${name}_2cores`, pooled);
  emit(`${name}_2cores_vs_1core`, ours / pooled.seconds, "ratio");
}
lone.dispose();

// Evaluation, two cores: our 2-worker pool against two torch processes at once.
{
  const tierA = (await COUNTDOWN_TASK.loadProblems("tierA")).slice(0, EVAL.prompts);
  const pool = await SamplingPool.create({ workers: 2 });
  const options = {
    samples: EVAL.samples,
    temperature: 1,
    topP: 1,
    seed: 0,
    tokenizer: base.tokenizer,
    pool,
  };
  await evaluateCountdown(base.policy, tierA.slice(0, 2), { ...options, samples: 16 }); // warm-up
  const t0 = performance.now();
  const evalCpu = cpuUsage();
  await evaluateCountdown(base.policy, tierA, options);
  const evalCores = cores(evalCpu, t0);
  const ours = (EVAL.prompts * EVAL.samples) / ((performance.now() - t0) / 1000);
  pool.dispose();
  emit("evaluation_sequences_per_s", ours, "sequences/s");
  emit("evaluation_cores", evalCores, "cores");
  const half = EVAL.prompts / 2;
  const t1 = performance.now();
  const runs = await Promise.all(
    [0, half].map((offset) =>
      torch({ phase: "evaluate", prompts: half, offset, samples: EVAL.samples, seed: offset })
    ),
  );
  const wall = (performance.now() - t1) / 1000;
  const failed = runs.find((r) => typeof r === "string");
  if (failed !== undefined) skipped.push(`evaluation: ${failed}`);
  else {
    // The slower process bounds the pair; interpreter start-up is excluded (each reports its own time).
    const seconds = Math.max(...runs.map((r) => (r as Record<string, number>).seconds));
    const theirs = (EVAL.prompts * EVAL.samples) / seconds;
    emit("torch_evaluation_sequences_per_s", theirs, "sequences/s", { wallSeconds: wall });
    const used = runs.reduce((c, r) => c + (r as Record<string, number>).cores, 0);
    emit("torch_evaluation_cores", used, "cores");
    emit("evaluation_vs_torch", ours / theirs, "ratio");
  }
}

// The machine's peak: a large sgemm through our engine, and torch's.
{
  const n = 1024;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  let best = 0;
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    best = Math.max(best, (2 * n ** 3) / ((performance.now() - t0) / 1000) / 1e9);
  }
  tf.dispose([a, b]);
  emit("gflops_peak_sgemm", best, "GFLOP/s", {
    matmul: backend.matmul,
    ...(backend.matmulCore === undefined ? {} : { core: backend.matmulCore }),
  });
  const theirs = await torch({ phase: "gemm" });
  if (typeof theirs !== "string") {
    emit("torch_gflops_peak_sgemm", theirs.gflops, "GFLOP/s", { cores: theirs.cores });
  }
}
base.policy.dispose();
if (skipped.length > 0) {
  console.error(`[rl_bench] torch skipped: ${skipped.join("; ")}`);
  emit("torch_skipped", skipped.length, "count", { reason: skipped.join("; ") });
}
