/**
 * The RL training loop: sample, grade, update (`trainStep`), log, evaluate, checkpoint, resume.
 *
 * Each step s (1-based) takes the next `promptsPerStep` problems of a per-epoch shuffle, samples
 * `samplesPerPrompt` responses each at the rollout temperature, grades them with the reward
 * function and runs one {@link trainStep}. Every random stream of step s (the shuffle of its
 * epoch, its rollouts) is derived from (seed, s), so a resumed run repeats an uninterrupted one
 * number for number.
 *
 * @module
 */
import { join } from "node:path";
import type { ExperimentConfig, TrainConfig } from "../config.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import {
  appendTrainRecord,
  type EvalMetrics,
  formatTrainLog,
  rolloutStats,
  type StepMetrics,
  type TrainRecord,
} from "./metrics.ts";
import { Policy } from "../model/policy.ts";
import { charTokenizerAlphabet, type Tokenizer } from "../model/tokenizer.ts";
import { deriveSeed, type Prng, seededPrng } from "../random.ts";
import { type Rollout, sampleRollouts } from "../rollout/sample_rollouts.ts";
import { writeMetricsCsv } from "./metrics_csv.ts";
import { checkedReward, type RewardParams } from "./checked_reward.ts";
import { readJsonFile } from "../_io/read_json_file.ts";
import {
  type LoadedTrainCheckpoint,
  loadTrainCheckpoint,
  saveTrainCheckpoint,
  type SkippedCheckpoint,
} from "./train_checkpoint.ts";
import { objectiveNeeds } from "../objective/objective_needs.ts";
import { PolicyOptimizer, trainStep, trainStepOnPool } from "./train_step.ts";
import type { GradientPool } from "../model/gradient_pool.ts";
import type { SamplingPool } from "../model/sampling_pool.ts";
import { mathReward } from "../verifier/verify.ts";

/** A training or held-out problem: the prompt text and, for the default reward, a gold answer. */
export type TrainProblem = {
  /** The prompt, as the tokenizer encodes it (BOS is added by the sampler). */
  readonly prompt: string;
  /** The gold answer the default reward compares against with the math verifier. */
  readonly gold?: string;
};

/**
 * The reward a run trains on: a grader and what identifies it in cache keys. Two rewards with
 * the same `name` but different code (`grade`'s source, or the source of `module` and what it
 * imports) or different `params` are different rewards: a cached run of one is never returned
 * for the other. Values `grade` closes over are not visible in its source, so a reward declares
 * them in `params`; training refuses a reward without `module` that reads an undeclared one
 * (`checkedReward`).
 */
export type Reward<P extends TrainProblem> = {
  /** A short name, e.g. `"countdown"`. */
  readonly name: string;
  /**
   * The module that defines `grade` (`import.meta.url` there): its source and its imports are
   * part of the reward's identity. Omit it for a self-contained function (a notebook's lambda).
   */
  readonly module?: string;
  /**
   * The values `grade` closes over, by the names it uses (`{ t: 5 }` for `len > t`): JSON data,
   * part of the reward's identity.
   */
  readonly params?: RewardParams;
  /** Grades one response: 1 correct, 0 wrong (PSR/NSR/W-REINFORCE need exactly 0 or 1). */
  readonly grade: (rollout: Rollout, problem: P) => number;
};

/**
 * The math-answer reward: `mathReward(rollout.response, problem.gold)` (the verifier reads the
 * final answer only). Problems without `gold` are an error.
 */
export const MATH_REWARD: Reward<TrainProblem> = {
  name: "math",
  module: import.meta.url,
  grade: (rollout, problem) => {
    if (problem.gold === undefined) {
      throw new TypeError(
        `Cannot grade a response: the math reward needs problem.gold, got a problem without one (prompt ${
          JSON.stringify(problem.prompt)
        })`,
      );
    }
    return mathReward(rollout.response, problem.gold);
  },
};

/** Options of {@link train}. */
export type TrainOptions<P extends TrainProblem> = {
  /**
   * The initial policy. It is not modified: training runs on a copy, and this policy serves as
   * the reference (GRPO's KL loss, PPO's KL reward, the KL metric). Pass the same one to resume.
   */
  policy: Policy;
  /** Encodes prompts and decodes responses. */
  tokenizer: Tokenizer;
  /** Training problems. */
  problems: readonly P[];
  /** Held-out problems: greedy accuracy and entropy at step 0, every `evalEvery` steps and at the end. */
  evalProblems?: readonly P[];
  /** The reward; default {@link MATH_REWARD}. */
  reward?: Reward<P>;
  /** Run directory: config.json, metrics.jsonl and checkpoints; a checkpoint there is resumed. */
  outDir?: string;
  /** Called after every step with its metrics (and the evaluation run after it, if any). */
  onStep?: (metrics: StepMetrics, evaluation?: EvalMetrics) => void;
  /** Stops cleanly after the current step when aborted. */
  signal?: AbortSignal;
  /** Called once when training resumes from a checkpoint in `outDir`. */
  onResume?: (resume: TrainResume) => void;
  /**
   * Worker pools that give a lone run every core: rollouts and greedy evaluations split between
   * the sampling workers (the same tokens), each mini-batch's micro-batches between the gradient
   * workers (created with `MICRO_BATCH_LOSS`; the same update to float tolerance). Default: none,
   * all in this thread.
   */
  pools?: TrainPools;
};

/** The worker pools of a lone run ({@link TrainOptions.pools}); the caller owns them. */
export type TrainPools = {
  /** Splits sampling batches between workers. */
  readonly sampling: SamplingPool;
  /** Splits each mini-batch's micro-batches between workers. */
  readonly gradients: GradientPool;
};

/** Where a resumed run picked up: the step, its checkpoint, and newer ones that were corrupt. */
export type TrainResume = {
  /** The step of the checkpoint resumed from. */
  readonly step: number;
  /** Its directory. */
  readonly dir: string;
  /** Newer checkpoints passed over as corrupt, each with its reason (naming the file). */
  readonly skipped: readonly SkippedCheckpoint[];
};

/** What {@link train} returns. */
export type TrainResult = {
  /** The trained policy (caller owns it). */
  policy: Policy;
  /** Metrics of every step, resumed ones included. */
  steps: StepMetrics[];
  /** Every held-out evaluation, step 0 included. */
  evals: EvalMetrics[];
};

function shuffled(n: number, prng: Prng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(prng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The problem indices of step s (1-based): positions (s−1)·P … s·P − 1 of the concatenation of
 * per-epoch shuffles, epoch e shuffled by a PRNG seeded with deriveSeed(seed, `epoch/e`).
 *
 * @param step The 1-based step.
 * @param options `seed`, `promptsPerStep` and the number of problems.
 * @returns The indices of the step's problems.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = stepProblemIndices(1, { seed: 0, promptsPerStep: 3, problemCount: 4 });
 * const b = stepProblemIndices(2, { seed: 0, promptsPerStep: 3, problemCount: 4 });
 * assert.deepEqual(new Set([...a, b[0]]).size, 4); // epoch 0 is a permutation
 * ```
 */
export function stepProblemIndices(
  step: number,
  options: { seed: number; promptsPerStep: number; problemCount: number },
): number[] {
  const { seed, promptsPerStep, problemCount } = options;
  const out: number[] = [];
  let epoch = -1;
  let order: number[] = [];
  for (let position = (step - 1) * promptsPerStep; out.length < promptsPerStep; position++) {
    const e = Math.floor(position / problemCount);
    if (e !== epoch) {
      epoch = e;
      order = shuffled(problemCount, seededPrng(deriveSeed(seed, `epoch/${e}`)));
    }
    out.push(order[position % problemCount]);
  }
  return out;
}

async function evaluateGreedy<P extends TrainProblem>(
  policy: Policy,
  problems: readonly P[],
  step: number,
  context: {
    config: ExperimentConfig;
    tokenizer: Tokenizer;
    reward: Reward<P>;
    pools?: TrainPools;
  },
): Promise<EvalMetrics> {
  const { config, tokenizer, reward, pools } = context;
  const sampled = await sampleRollouts(policy, problems.map((p) => p.prompt), {
    ...config.rollout,
    greedy: true,
    samplesPerPrompt: 1,
    seed: deriveSeed(config.seed, `eval/${step}`),
    tokenizer,
    pool: pools?.sampling,
  });
  const rollouts = [...sampled].sort((a, b) => a.promptIndex - b.promptIndex);
  const greedyCorrect = rollouts.map((
    r,
  ) => (reward.grade(r, problems[r.promptIndex]) === 1 ? 1 : 0));
  const greedyEntropies = rollouts.map((r) =>
    r.entropies.length > 0 ? r.entropies.reduce((a, h) => a + h, 0) / r.entropies.length : 0
  );
  const count = rollouts.length;
  const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / count;
  return {
    step,
    greedyAccuracy: mean(greedyCorrect),
    entropy: mean(greedyEntropies),
    meanResponseLength: mean(rollouts.map((r) => r.responseTokens.length)),
    greedyCorrect,
    greedyEntropies,
  };
}

function sameExceptSteps(a: ExperimentConfig, b: unknown): boolean {
  const strip = (c: unknown) =>
    JSON.stringify({
      ...(c as ExperimentConfig),
      train: { ...(c as ExperimentConfig).train, steps: 0 },
    });
  return strip(a) === strip(b);
}

/**
 * Trains a policy with the configured objective and returns the trained copy.
 *
 * With `outDir`: writes config.json, appends one JSONL record per step (and per evaluation) to
 * metrics.jsonl, and saves a checkpoint every `checkpointEvery` steps, at the end, and at the step
 * a stop (`signal`) ends on. If `outDir` already holds a checkpoint of the same config (only
 * `train.steps` may differ), training resumes after it: weights, optimizer moments, step and log
 * are restored, and the log is rewritten to end at that checkpoint, so the result equals an
 * uninterrupted run. A non-finite loss or gradient norm stops training with an error at that
 * step, before anything of it is saved: the last good checkpoint stays.
 *
 * @param config The experiment (seed, rollout, objective, train; `model` must match the policy).
 * @param options Initial policy, tokenizer, problems, reward, run directory, `onStep`.
 * @returns The trained policy and the metrics.
 * @throws {RangeError} On an empty problem set, a model/config mismatch, PPO without a value
 *   head, a run directory holding a different config, or a non-finite loss or gradient (the
 *   step and the last good checkpoint are named).
 */
export async function train<P extends TrainProblem>(
  config: ExperimentConfig,
  options: TrainOptions<P>,
): Promise<TrainResult> {
  const { policy: initial, tokenizer, problems, evalProblems = [], outDir, onStep, signal } =
    options;
  const reward: Reward<P> = checkedReward(options.reward ?? MATH_REWARD);
  checkTrainInputs(config, initial, problems);
  const { policy, log, start, resumed } = await resumeOrCopy(config, options);
  let optimizer: PolicyOptimizer;
  try {
    optimizer = new PolicyOptimizer(policy, config);
  } catch (error) {
    policy.dispose();
    throw error;
  }
  try {
    if (resumed !== null) {
      optimizer.actor.load(resumed.checkpoint.actor);
      if (resumed.checkpoint.critic !== null) optimizer.critic?.load(resumed.checkpoint.critic);
    }
    const files = await openRunFiles(outDir, config, {
      policy,
      optimizer,
      log,
      saved: start,
      tokenizerAlphabet: charTokenizerAlphabet(tokenizer),
    });
    const { pools } = options;
    const context = { config, tokenizer, reward, initial, problems, evalProblems, files, pools };
    if (start === 0 && evalProblems.length > 0) {
      const evaluation = await evaluateGreedy(policy, evalProblems, 0, context);
      log.evals.push(evaluation);
      await files.append({ kind: "eval", metrics: evaluation });
    }
    for (let step = start + 1; step <= config.train.steps && !signal?.aborted; step++) {
      const { metrics, evaluation } = await rlStep(policy, step, { ...context, optimizer });
      log.steps.push(metrics);
      if (evaluation !== undefined) log.evals.push(evaluation);
      if (isCheckpointStep(step, config.train)) {
        const before = performance.now();
        await files.save(step);
        metrics.seconds.checkpoint = (performance.now() - before) / 1000;
        metrics.seconds.total += metrics.seconds.checkpoint;
      }
      await files.append(
        { kind: "step", metrics },
        ...(evaluation === undefined ? [] : [{ kind: "eval" as const, metrics: evaluation }]),
      );
      onStep?.(metrics, evaluation);
      // A stop (abort) checkpoints the step it finished, so resuming loses nothing.
      if (signal?.aborted) {
        if (files.saved() < step) await files.save(step);
        break;
      }
    }
  } catch (error) {
    policy.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  return { policy, steps: log.steps, evals: log.evals };
}

/** Steps that save a checkpoint: every `checkpointEvery` steps and the last. */
function isCheckpointStep(step: number, train: TrainConfig): boolean {
  return step % train.checkpointEvery === 0 || step === train.steps;
}

/** Steps that evaluate the held-out problems: every `evalEvery` steps and the last. */
function isEvalStep(step: number, train: TrainConfig): boolean {
  return step % train.evalEvery === 0 || step === train.steps;
}

/**
 * Steps that log the KL to the initial policy: the first and every `evalEvery` steps; not "the
 * last step", so that a longer run logs the same numbers as the shorter one it continues.
 */
function isKlStep(step: number, train: TrainConfig): boolean {
  return step === 1 || step % train.evalEvery === 0;
}

function checkTrainInputs(
  config: ExperimentConfig,
  initial: Policy,
  problems: readonly TrainProblem[],
): void {
  if (problems.length === 0) {
    throw new RangeError(`Cannot train: problems is empty, got 0 problems`);
  }
  if (config.train.promptsPerStep > problems.length) {
    throw new RangeError(
      `Cannot train: train.promptsPerStep must be <= the number of problems, got ${config.train.promptsPerStep} for ${problems.length} problems`,
    );
  }
  if (JSON.stringify(initial.config) !== JSON.stringify(config.model)) {
    throw new RangeError(
      `Cannot train: config.model must describe the policy, got ${
        JSON.stringify(config.model)
      } for a policy of ${JSON.stringify(initial.config)}`,
    );
  }
}

/** The log of a run so far: every step's metrics and every evaluation. */
type TrainLog = { steps: StepMetrics[]; evals: EvalMetrics[] };

/**
 * Where a run starts: the checkpoint in `outDir` of the same config (only `train.steps` may
 * differ), or a copy of the initial policy at step 0. The caller owns the returned policy.
 */
async function resumeOrCopy<P extends TrainProblem>(
  config: ExperimentConfig,
  options: TrainOptions<P>,
): Promise<
  { policy: Policy; log: TrainLog; start: number; resumed: LoadedTrainCheckpoint | null }
> {
  const { policy: initial, outDir } = options;
  const resumed = outDir === undefined ? null : await loadTrainCheckpoint(outDir);
  if (outDir === undefined || resumed === null) {
    const policy = Policy.fromWeights(initial.config, initial.params);
    return { policy, log: { steps: [], evals: [] }, start: 0, resumed: null };
  }
  const saved = await readJsonFile(join(outDir, "config.json")).catch((error) => {
    resumed.policy.dispose();
    throw error;
  });
  if (!sameExceptSteps(config, saved)) {
    resumed.policy.dispose();
    throw new RangeError(
      `Cannot resume training in ${outDir}: its config.json differs from this config beyond train.steps`,
    );
  }
  const { step, log } = resumed.checkpoint;
  options.onResume?.({ step, dir: resumed.dir, skipped: resumed.skipped });
  return {
    policy: resumed.policy,
    log: { steps: log.steps, evals: log.evals },
    start: step,
    resumed,
  };
}

/** A run's directory as the loop writes it; every call is a no-op without `outDir`. */
type RunFiles = {
  /** Appends records to metrics.jsonl and rewrites metrics.csv from the log. */
  append(...records: TrainRecord[]): Promise<void>;
  /** Saves a checkpoint of the policy, the optimizers and the log at `step`. */
  save(step: number): Promise<void>;
  /** The step of the last saved checkpoint (the start step when none was saved yet). */
  saved(): number;
  /** Where the last good state is, for error messages. */
  lastGood(): string;
};

/**
 * Opens the run directory: writes config.json and rewrites metrics.jsonl and metrics.csv to end
 * at the log so far (a resumed run's log ends at its checkpoint). Checkpoints keep the tokenizer's
 * alphabet, so each can be loaded and served on its own.
 */
async function openRunFiles(
  outDir: string | undefined,
  config: ExperimentConfig,
  state: {
    policy: Policy;
    optimizer: PolicyOptimizer;
    log: TrainLog;
    saved: number;
    tokenizerAlphabet: string | undefined;
  },
): Promise<RunFiles> {
  const { policy, optimizer, log, tokenizerAlphabet } = state;
  let saved = state.saved;
  const metricsPath = outDir === undefined ? null : join(outDir, "metrics.jsonl");
  if (outDir !== undefined && metricsPath !== null) {
    await Deno.mkdir(outDir, { recursive: true });
    await writeTextFileAtomic(join(outDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
    await writeTextFileAtomic(metricsPath, formatTrainLog(log));
    await writeMetricsCsv(outDir, log);
  }
  return {
    append: async (...records) => {
      if (outDir === undefined || metricsPath === null) return;
      for (const record of records) await appendTrainRecord(metricsPath, record);
      await writeMetricsCsv(outDir, log);
    },
    save: async (step) => {
      if (outDir === undefined) return;
      await saveTrainCheckpoint(outDir, policy, {
        step,
        actor: optimizer.actor.state(),
        critic: optimizer.critic?.state() ?? null,
        log,
      }, { tokenizerAlphabet });
      saved = step;
    },
    saved: () => saved,
    lastGood: () =>
      outDir === undefined
        ? "no run directory, so nothing was saved"
        : saved > 0
        ? `the last good checkpoint, step ${saved}, stays in ${outDir}`
        : `no checkpoint was saved in ${outDir}`,
  };
}

/** What one RL step reads besides the policy it updates. */
type StepContext<P extends TrainProblem> = {
  config: ExperimentConfig;
  tokenizer: Tokenizer;
  reward: Reward<P>;
  /** The initial policy: the reference. */
  initial: Policy;
  problems: readonly P[];
  evalProblems: readonly P[];
  optimizer: PolicyOptimizer;
  files: RunFiles;
  pools?: TrainPools;
};

/**
 * One RL step s: sample the step's problems, grade the responses, update the policy
 * ({@link trainStep}), and evaluate the held-out problems when s is an evaluation step.
 */
async function rlStep<P extends TrainProblem>(
  policy: Policy,
  step: number,
  context: StepContext<P>,
): Promise<{ metrics: StepMetrics; evaluation?: EvalMetrics }> {
  const { config, reward, initial, evalProblems, optimizer, files, pools } = context;
  const { train: trainConfig, objective } = config;
  const groupSize = config.rollout.samplesPerPrompt;
  const t0 = performance.now();
  const { chosen, rollouts } = await sampleStep(policy, step, context);
  const t1 = performance.now();
  const rewards = rollouts.map((r) => reward.grade(r, chosen[r.promptIndex]));
  const bad = rewards.findIndex((r) => !Number.isFinite(r));
  if (bad >= 0) {
    const r = rollouts[bad];
    throw new RangeError(
      `Cannot train: reward "${reward.name}" gave ${rewards[bad]} at step ${step} for sample ` +
        `${r.sampleIndex} of prompt ${JSON.stringify(r.prompt)}; ${files.lastGood()}`,
    );
  }
  const t2 = performance.now();
  // The reference costs a teacher-forced pass over the whole batch: run it only where the
  // objective needs it or the KL metric is logged.
  const withReference = objectiveNeeds(objective).reference || isKlStep(step, trainConfig);
  const stepOptions = {
    objective,
    train: trainConfig,
    optimizer,
    reference: withReference ? initial : undefined,
    groupSize,
    oldFromSampler: true, // sampleStep sampled these from `policy` as it is now
  };
  const update = pools === undefined
    ? trainStep(policy, { rollouts, rewards }, stepOptions)
    : await trainStepOnPool(policy, { rollouts, rewards }, {
      ...stepOptions,
      pool: pools.gradients,
    });
  // The sampling workers hold the weights they last sampled with: they changed.
  pools?.sampling.markUpdated();
  const t3 = performance.now();
  if (![update.loss, update.gradNorm, update.weightNorm].every(Number.isFinite)) {
    throw new RangeError(
      `Cannot train: step ${step} gave a non-finite loss, gradient or weights, got loss ` +
        `${update.loss}, gradient norm ${update.gradNorm} and weight norm ` +
        `${update.weightNorm} (learning rate ${trainConfig.learningRate}); ${files.lastGood()}`,
    );
  }
  const evaluation = evalProblems.length > 0 && isEvalStep(step, trainConfig)
    ? await evaluateGreedy(policy, evalProblems, step, context)
    : undefined;
  const t4 = performance.now();
  const metrics: StepMetrics = {
    step,
    ...rolloutStats(rollouts, rewards, { groupSize }),
    samplesTrained: update.samplesTrained,
    optimizerSteps: update.optimizerSteps,
    klToInitial: update.klToInitial,
    clipFraction: update.clipFraction,
    gradNorm: update.gradNorm,
    loss: update.loss,
    policyLoss: update.policyLoss,
    entropy: update.entropy,
    kl: update.kl,
    valueLoss: update.valueLoss,
    seconds: {
      rollout: (t1 - t0) / 1000,
      grading: (t2 - t1) / 1000,
      logProbs: update.seconds.logProbs,
      update: update.seconds.update,
      eval: (t4 - t3) / 1000,
      checkpoint: 0,
      total: (t4 - t0) / 1000,
    },
  };
  return { metrics, evaluation };
}

/** Samples the step's problems (rollouts in prompt, then sample order). */
async function sampleStep<P extends TrainProblem>(
  policy: Policy,
  step: number,
  context: StepContext<P>,
): Promise<{ chosen: P[]; rollouts: Rollout[] }> {
  const { config, tokenizer, problems, pools } = context;
  const chosen = stepProblemIndices(step, {
    seed: config.seed,
    promptsPerStep: config.train.promptsPerStep,
    problemCount: problems.length,
  }).map((i) => problems[i]);
  const sampled = await sampleRollouts(policy, chosen.map((p) => p.prompt), {
    ...config.rollout,
    seed: deriveSeed(config.seed, `rollout/${step}`),
    tokenizer,
    pool: pools?.sampling,
  });
  const rollouts = [...sampled].sort((a, b) =>
    a.promptIndex - b.promptIndex || a.sampleIndex - b.sampleIndex
  );
  return { chosen, rollouts };
}
