/**
 * Cached training runs for notebooks and the main job: a run's directory is named by the hash of
 * everything the run depends on (config, base model, problems, matmul engine), so re-running a notebook resumes
 * or reuses a finished run instead of retraining it.
 *
 * @module
 */
import { kernelCacheKey } from "../engine/backend.ts";
import { hashKey } from "../_io/cache.ts";
import type { ExperimentConfig } from "../config.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { Policy } from "../model/policy.ts";
import { type RewardFunction, train, type TrainProblem, type TrainResult } from "./train.ts";
import type { EvalMetrics, StepMetrics } from "./metrics.ts";

/** Options of {@link runTraining}. */
export type RunTrainingOptions<P extends TrainProblem> = {
  /** The starting policy (not modified). */
  policy: Policy;
  /** A stable name of the starting policy (e.g. its checkpoint command), part of the cache key. */
  policyId: string;
  /** Its tokenizer. */
  tokenizer: Tokenizer;
  /** Training problems. */
  problems: readonly P[];
  /** Held-out problems for greedy accuracy and entropy. */
  evalProblems?: readonly P[];
  /** The reward. */
  reward: RewardFunction<P>;
  /** Root of the cache; each run gets `<cacheDir>/<label>-<hash>/`. */
  cacheDir: string;
  /** Short name of the run, e.g. `nsr-seed1`. */
  label: string;
  /** Progress after each step. */
  onStep?: (metrics: StepMetrics, evaluation?: EvalMetrics) => void;
};

/** What {@link runTraining} returns: plain data, and where the run's checkpoints are. */
export type TrainingRun = {
  /** The run directory (config.json, metrics.jsonl, checkpoints/). */
  dir: string;
  /** Metrics of every step. */
  steps: StepMetrics[];
  /** Every held-out evaluation. */
  evals: EvalMetrics[];
};

/**
 * Trains (or resumes, or reuses) the run identified by its config, starting policy and problems.
 * A BOUNDARY: the trained policy stays on disk in the run directory; nothing tensor comes out.
 *
 * @param config The experiment config.
 * @param options Starting policy and its id, problems, reward, cache location, progress.
 * @returns The run's directory and metrics.
 * @example
 * ```ts ignore
 * const run = await runTraining(config, { policy, policyId: "base-v1", tokenizer, problems,
 *   reward: countdownRolloutReward, cacheDir: "out/cache", label: "nsr" });
 * ```
 */
export async function runTraining<P extends TrainProblem>(
  config: ExperimentConfig,
  options: RunTrainingOptions<P>,
): Promise<TrainingRun> {
  const { policy, policyId, tokenizer, problems, evalProblems = [], reward, cacheDir } = options;
  const { label, onStep } = options;
  const key = {
    config,
    policyId,
    problems: problems.map((p) => p.prompt),
    evalProblems: evalProblems.map((p) => p.prompt),
    ...kernelCacheKey(),
  };
  const dir = `${cacheDir.replace(/\/$/, "")}/${label}-${await hashKey(key)}`;
  const result: TrainResult = await train(config, {
    policy,
    tokenizer,
    problems,
    evalProblems,
    reward,
    outDir: dir,
    onStep,
  });
  result.policy.dispose();
  return { dir, steps: result.steps, evals: result.evals };
}
