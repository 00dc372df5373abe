/**
 * Cached training runs for notebooks and the main job. A run's directory is named by the hash of
 * everything its numbers depend on ({@link trainingKey}): the config, the starting weights
 * (their fingerprint), the tokenizer, the reward (name and code), the problems, the kernel
 * engines and the code that trains (a hash of the sources of this module and all it imports).
 * Re-running a notebook resumes or reuses a finished run; editing the trainer, the sampler, the
 * model or the grader, or changing any input, trains a new one.
 *
 * @module
 */
import { join } from "node:path";
import { codeFingerprint } from "../_io/code_fingerprint.ts";
import { hashKey } from "../_io/cache.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { ExperimentConfig } from "../config.ts";
import { kernelCacheKey } from "../engine/backend.ts";
import type { Policy } from "../model/policy.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { policyFingerprint } from "../model/policy_fingerprint.ts";
import { charTokenizer, type Tokenizer } from "../model/tokenizer.ts";
import type { EvalMetrics, StepMetrics } from "./metrics.ts";
import { type RewardParams, rewardParams } from "./checked_reward.ts";
import {
  type Reward,
  train,
  type TrainProblem,
  type TrainResult,
  type TrainResume,
} from "./train.ts";
import { startTrainPools } from "./train_pools.ts";
import { copyLatestCheckpoint, findCheckpoint, latestCheckpointStep } from "./train_checkpoint.ts";

/** Options of {@link runTraining}. */
export type RunTrainingOptions<P extends TrainProblem> = {
  /** The starting policy (not modified); its weights' fingerprint is part of the key. */
  policy: Policy;
  /** Its tokenizer. */
  tokenizer: Tokenizer;
  /** Training problems (every field is part of the key: rewards may read any of them). */
  problems: readonly P[];
  /** Held-out problems for greedy accuracy and entropy. */
  evalProblems?: readonly P[];
  /** The reward. */
  reward: Reward<P>;
  /** Root of the cache; each run gets `<cacheDir>/<label>-<hash>/`. */
  cacheDir: string;
  /** Short name of the run, e.g. `nsr-seed1`. */
  label: string;
  /** Progress after each step. */
  onStep?: (metrics: StepMetrics, evaluation?: EvalMetrics) => void;
  /** Stops cleanly after the current step (which is checkpointed) when aborted. */
  signal?: AbortSignal;
  /** Called once when the run resumes from a checkpoint (see `train`). */
  onResume?: (resume: TrainResume) => void;
  /**
   * A run directory of the same config with fewer `train.steps`: when this run has no checkpoint
   * yet, it starts from that run's last one (a long run continues a main run; the result equals
   * an uninterrupted run).
   */
  continueFrom?: string;
  /**
   * Cores the run uses: 1 (default) runs it all in this thread; more start that many sampling
   * and gradient workers for it (`train`'s `pools`), which give the same tokens and the same
   * updates to float tolerance, not bit for bit, so the count is part of the key.
   */
  workers?: number;
};

/** What {@link runTraining} returns: plain data, and where the run's checkpoints are. */
export type TrainingRun = {
  /** The run directory (config.json, key.json, metrics.jsonl, checkpoints/). */
  dir: string;
  /** Metrics of every step. */
  steps: StepMetrics[];
  /** Every held-out evaluation. */
  evals: EvalMetrics[];
};

/**
 * The identity of a reward in cache keys: its name, the source of its `grade` function, its
 * declared `params` when it has any, and the code fingerprint of its `module` (with everything
 * that module imports) when given.
 *
 * @param reward The reward.
 * @returns Plain, JSON-serializable identity.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const one = await rewardIdentity({ name: "r", grade: () => 1 });
 * const zero = await rewardIdentity({ name: "r", grade: () => 0 });
 * assert.notDeepEqual(one, zero);
 * const grade = () => 1;
 * assert.notDeepEqual(
 *   await rewardIdentity({ name: "r", params: { t: 5 }, grade }),
 *   await rewardIdentity({ name: "r", params: { t: 1000 }, grade }),
 * );
 * ```
 */
export async function rewardIdentity<P extends TrainProblem>(
  reward: Reward<P>,
): Promise<{ name: string; grade: string; code: string | null; params?: RewardParams }> {
  const params = rewardParams(reward);
  return {
    name: reward.name,
    grade: reward.grade.toString(),
    code: reward.module === undefined ? null : await codeFingerprint([reward.module]),
    ...(Object.keys(params).length === 0 ? {} : { params }),
  };
}

/**
 * The symbols of a tokenizer, id by id: what the ids mean, whatever kind of tokenizer it is.
 *
 * @param tokenizer The tokenizer.
 * @returns The decoded text of each id, in id order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * assert.deepEqual(tokenizerSymbols(charTokenizer("ab")), ["", "", "", "a", "b"]);
 * ```
 */
export function tokenizerSymbols(tokenizer: Tokenizer): string[] {
  return Array.from({ length: tokenizer.vocabSize }, (_, id) => tokenizer.decode([id]));
}

/**
 * Everything a training run's numbers depend on, as plain data; its hash names the run.
 *
 * @param config The experiment config.
 * @param options The starting policy, tokenizer, problems and reward of the run.
 * @returns The key (JSON-serializable).
 * @example
 * ```ts ignore
 * const key = await trainingKey(config, { policy, tokenizer, problems, reward: COUNTDOWN_REWARD });
 * ```
 */
export async function trainingKey<P extends TrainProblem>(
  config: ExperimentConfig,
  options: Pick<
    RunTrainingOptions<P>,
    "policy" | "tokenizer" | "problems" | "evalProblems" | "reward" | "workers"
  >,
): Promise<Record<string, unknown>> {
  const { policy, tokenizer, problems, evalProblems = [], reward, workers = 1 } = options;
  return {
    // Only a pooled run records its workers, so a one-core run keeps its key.
    ...(workers > 1 ? { workers } : {}),
    config,
    policy: await policyFingerprint(policy),
    tokenizer: tokenizerSymbols(tokenizer),
    reward: await rewardIdentity(reward),
    problems,
    evalProblems,
    engines: kernelCacheKey(),
    code: await codeFingerprint([import.meta.url]),
  };
}

function runDirectoryOf(cacheDir: string, label: string, hash: string): string {
  return `${cacheDir.replace(/\/$/, "")}/${label}-${hash}`;
}

/**
 * Where {@link runTraining} keeps a run, and how far it has come: the run directory named by
 * the hash of its {@link trainingKey}, and the step of its latest checkpoint (0 when it has none;
 * `config.train.steps` when it is finished, so `runTraining` would return it from the cache).
 * It creates nothing.
 *
 * @param config The experiment config.
 * @param options As for `runTraining`: policy, tokenizer, problems, reward, cache and label.
 * @returns The run directory and its latest checkpoint's step.
 * @example
 * ```ts ignore
 * const { dir, step } = await locateRun(config, options);
 * if (step > 0) console.log(`resuming at step ${step} of ${config.train.steps}: ${dir}`);
 * ```
 */
export async function locateRun<P extends TrainProblem>(
  config: ExperimentConfig,
  options: Pick<
    RunTrainingOptions<P>,
    | "policy"
    | "tokenizer"
    | "problems"
    | "evalProblems"
    | "reward"
    | "cacheDir"
    | "label"
    | "workers"
  >,
): Promise<{ dir: string; step: number }> {
  const dir = runDirectoryOf(
    options.cacheDir,
    options.label,
    await hashKey(await trainingKey(config, options)),
  );
  return { dir, step: await latestCheckpointStep(dir) };
}

/**
 * Trains (or resumes, or reuses) the run identified by {@link trainingKey}. A BOUNDARY: the
 * trained policy stays on disk in the run directory (with the key beside it, `key.json`);
 * nothing tensor comes out.
 *
 * @param config The experiment config.
 * @param options Starting policy, tokenizer, problems, reward, cache location, progress, stop.
 * @returns The run's directory and metrics.
 * @throws {RangeError} As `train` (a non-finite loss names the step and keeps the last good
 *   checkpoint).
 * @example
 * ```ts ignore
 * const run = await runTraining(config, { policy, tokenizer, problems,
 *   reward: COUNTDOWN_REWARD, cacheDir: "out/cache", label: "nsr" });
 * ```
 */
export async function runTraining<P extends TrainProblem>(
  config: ExperimentConfig,
  options: RunTrainingOptions<P>,
): Promise<TrainingRun> {
  const { policy, tokenizer, problems, evalProblems = [], reward, cacheDir } = options;
  const { label, onStep, signal, continueFrom, onResume, workers = 1 } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`Cannot run training: workers must be an integer >= 1, got ${workers}`);
  }
  const key = await trainingKey(config, options);
  const dir = runDirectoryOf(cacheDir, label, await hashKey(key));
  await Deno.mkdir(dir, { recursive: true });
  if (continueFrom !== undefined) await copyLatestCheckpoint(continueFrom, dir);
  await writeTextFileAtomic(`${dir}/key.json`, JSON.stringify(key, null, 1) + "\n");
  await using pools = workers > 1 ? await startTrainPools({ workers }) : null;
  const result: TrainResult = await train(config, {
    policy,
    tokenizer,
    problems,
    evalProblems,
    reward,
    outDir: dir,
    onStep,
    signal,
    onResume,
    pools: pools ?? undefined,
  });
  result.policy.dispose();
  return { dir, steps: result.steps, evals: result.evals };
}

/** What {@link loadRunPolicy} returns. */
export type RunPolicy = {
  /** The policy; the caller owns it (dispose it, or declare it with `using`). */
  policy: Policy;
  /** The RL step of its checkpoint (0 for a policy that is no run's checkpoint, such as a base). */
  step: number;
  /** Its tokenizer. */
  tokenizer: Tokenizer;
  /** The policy directory that was loaded (`…/checkpoints/step-000050/policy`). */
  policyDir: string;
};

/**
 * The tokenizer a run trained with, from the tokenizer symbols its `key.json` records (a
 * character tokenizer's alphabet, for checkpoints saved before they kept it themselves).
 */
async function runTokenizer(runDir: string): Promise<Tokenizer | undefined> {
  let key: { tokenizer?: unknown };
  try {
    key = JSON.parse(await Deno.readTextFile(join(runDir, "key.json")));
  } catch {
    return undefined;
  }
  const symbols = key.tokenizer;
  if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === "string")) return undefined;
  try {
    const tokenizer = charTokenizer(symbols.slice(3).join(""));
    const same = JSON.stringify(tokenizerSymbols(tokenizer)) === JSON.stringify(symbols);
    return same ? tokenizer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Loads a trained policy with its tokenizer, from whichever level of a run `run.dir` names: the
 * run directory (its latest checkpoint, e.g. `runTraining`'s result), its `checkpoints/` folder,
 * one checkpoint (`checkpoints/step-000050`) or that checkpoint's `policy/`. A policy directory
 * that belongs to no run (a base model such as `data/base`) loads too. The tokenizer comes from
 * the alphabet the checkpoint stores, else (checkpoints saved before they stored it) from the
 * tokenizer symbols of the run's `key.json`.
 *
 * @param run The run (anything with its `dir`) or a checkpoint path.
 * @returns The policy, its step, its tokenizer and the policy directory; the caller owns the
 *   policy.
 * @throws {RangeError} If the path holds no checkpoint.
 * @throws {TypeError} If the checkpoint is invalid (see `loadCheckpoint`) or no tokenizer
 *   alphabet can be found for it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * using base = (await loadRunPolicy({ dir: new URL("../../data/base", import.meta.url).pathname })).policy;
 * assert.equal(base.config.vocabSize, 28);
 * await assert.rejects(loadRunPolicy({ dir: "/nonexistent" }), /Cannot find a checkpoint/);
 * ```
 */
export async function loadRunPolicy(run: { readonly dir: string }): Promise<RunPolicy> {
  const { policyDir, step, runDir } = await findCheckpoint(run.dir);
  const { policy, tokenizerAlphabet } = await loadCheckpoint(policyDir);
  const tokenizer = tokenizerAlphabet !== undefined
    ? charTokenizer(tokenizerAlphabet)
    : runDir === null
    ? undefined
    : await runTokenizer(runDir);
  if (tokenizer === undefined || tokenizer.vocabSize !== policy.config.vocabSize) {
    policy.dispose();
    throw new TypeError(
      `Cannot load a run's policy: ${policyDir} has no tokenizer alphabet${
        runDir === null ? "" : ` and ${join(runDir, "key.json")} names no character tokenizer`
      } of ${policy.config.vocabSize} ids, got ${
        tokenizer === undefined ? "none" : `one of ${tokenizer.vocabSize}`
      }`,
    );
  }
  return { policy, step, tokenizer, policyDir };
}
