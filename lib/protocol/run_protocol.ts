/**
 * The reproduction protocol (Zhu et al. 2025, scaled down), from one {@link ProtocolConfig}, as
 * a sequence of phases, each in its own file:
 *
 * 1. **The training pool** (training_pool.ts): the base screens train problems; those it solves
 *    often enough form the pool.
 * 2. **One learning rate** (calibration.ts): the calibration method trains at each candidate
 *    rate, and a rule fixed before any result picks one rate for every method. The base's
 *    evaluations run beside it (they do not depend on the rate).
 * 3. **The grid** (grid.ts): every method × seed trains at that rate and its final policy is
 *    evaluated on every tier; ablations vary λ, the steps and the mini-batches.
 * 4. **The results** ({@link ProtocolResults}): runs and evaluations, in seed order per method;
 *    the statistics and the claims judge them. With checkpoint evaluations, the checkpoints at
 *    matched movement are picked and evaluated at full n (matched_phase.ts).
 *
 * The work runs on a {@link Scheduler} (one worker per core, longest first); every run and
 * evaluation is cached, so a re-run redoes only what changed.
 *
 * @module
 */
import type { ExperimentConfig, ProtocolConfig } from "../config.ts";
import { parseExperimentConfig } from "../config.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import type { Progress } from "../progress.ts";
import { estimatedSeconds, estimatedStepSeconds, Scheduler } from "../schedule/scheduler.ts";
import type {
  CheckpointEvaluation,
  PolicyEvaluation,
  RunRecord,
  WorkItem,
  WorkResult,
} from "../schedule/work.ts";
import { calibrate } from "./calibration.ts";
import { grid, type GridProblems } from "./grid.ts";
import { matchedMovementPhase } from "./matched_phase.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "./protocol_results.ts";
import { deriveSeed, randomInt, seededPrng } from "../random.ts";
import { screenPool } from "./training_pool.ts";
import type { CoreGate } from "../schedule/core_gate.ts";

/** Options of {@link runProtocol}. */
export type RunProtocolOptions<P extends ProtocolProblem> = {
  /** The task world. */
  readonly task: ProtocolTask<P>;
  /** The base model's checkpoint directory. */
  readonly baseDir: string;
  /** Root of the caches. */
  readonly cacheDir: string;
  /** Workers (0: this thread). Default 2. */
  readonly workers?: number;
  /** A core gate shared with protocols running beside this one (the scheduler's `gate`). */
  readonly gate?: CoreGate;
  /** Called whenever a work item advances. */
  readonly onProgress?: (progress: Progress) => void;
  /**
   * Evaluate the base and the main runs on these sets only, not at the table's setting (a study
   * that reads the primary set alone). Default: every set, and the table.
   */
  readonly sets?: readonly string[];
};

/**
 * Runs the protocol of the module doc (or reads it back from the cache).
 *
 * @param protocol The protocol (e.g. `loadProtocol(profile)`).
 * @param options Task, base directory, cache, workers, a shared core gate, progress, the
 *   evaluated sets.
 * @returns Everything measured, as plain data.
 * @throws {RangeError} If the protocol asks for more problems than a split has, names a method
 *   it does not define, or a work item fails (its error is kept).
 * @example
 * ```ts ignore
 * const results = await runProtocol(await loadProtocol("full"), { task: COUNTDOWN_TASK,
 *   baseDir: BASE_MODEL_DIR, cacheDir: "../out/cache", workers: 2 });
 * ```
 */
export async function runProtocol<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  options: RunProtocolOptions<P>,
): Promise<ProtocolResults> {
  const { task, baseDir, cacheDir, workers = 2, gate, onProgress, sets } = options;
  const base = await loadCheckpoint(baseDir);
  const model = base.policy.config;
  base.policy.dispose();
  const shared = parseExperimentConfig({ ...protocol.experiment, model });
  const { candidates, tiers, validation } = await protocolProblems(protocol, task);
  await using scheduler = await Scheduler.create<P>({
    workers,
    gate,
    task,
    baseDir,
    cacheDir,
    onProgress,
  });

  // 1. The training pool.
  const { calibration } = protocol;
  const calibrationSteps = calibration.rates.length * calibration.steps;
  const screened = await screenPool(scheduler, protocol, candidates, {
    seconds: estimatedStepSeconds("grpo", calibrationSteps, 512),
    items: calibration.rates.length,
  });
  const problems: GridProblems<P> = { pool: screened.problems, tiers, validation };

  // 2. The learning rate, with the base's evaluations beside it.
  const provisional = grid(protocol, shared, task, problems, { sets }).items;
  const baseItems = provisional.filter((item) => item.kind === "evaluate");
  const laterItems = provisional.filter((item) => item.kind !== "evaluate");
  const calibrated = await calibrate(scheduler, protocol, shared, screened.problems, {
    beside: baseItems,
    later: { seconds: sumEstimates(laterItems), items: laterItems.length },
  });
  const tuned: ExperimentConfig = {
    ...shared,
    train: { ...shared.train, learningRate: calibrated.calibration.chosen },
  };

  // 3. The grid at that rate.
  const main = grid(protocol, tuned, task, problems, { sets });
  const trained = await scheduler.run("main", main.items.filter((i) => i.kind !== "evaluate"));

  // 4. The results, and the checkpoints at matched movement (when checkpoints are evaluated).
  const collected = collect([...calibrated.beside, ...trained]);
  const matched = protocol.evaluation.checkpoints === undefined
    ? undefined
    : await matchedMovementPhase(scheduler, protocol, tiers[PRIMARY_SET], {
      runs: collected.runs,
      evaluations: collected.evaluations[PRIMARY_SETTING][PRIMARY_SET],
      checkpoints: collected.checkpoints,
    });
  return {
    protocol: { ...protocol },
    baseId: base.fingerprint,
    pool: screened.pool,
    calibration: calibrated.calibration,
    groups: {
      main: [BASE_METHOD, ...Object.keys(protocol.methods)],
      lambda: main.lambdaGroup,
      long: main.longGroup,
      miniBatches: main.miniGroup,
    },
    runs: collected.runs,
    evaluations: collected.evaluations,
    checkpoints: collected.checkpoints,
    ...(matched === undefined ? {} : { matchedMovement: matched }),
    seconds: {
      screening: screened.seconds,
      training: calibrated.trainingSeconds + collected.trainingSeconds,
      evaluation: collected.evaluationSeconds + (matched?.seconds ?? 0),
    },
  };
}

/** The problems a protocol uses: the candidates, each tier's evaluated problems, validation. */
async function protocolProblems<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  task: ProtocolTask<P>,
): Promise<{ candidates: P[]; tiers: Record<string, P[]>; validation: P[] }> {
  const { pool, evaluation, ablations, calibration } = protocol;
  const train = await task.loadProblems("train");
  if (pool.candidates > train.length) {
    throw new RangeError(
      `Cannot run the protocol: pool.candidates must be <= the ${train.length} train problems, got ${pool.candidates}`,
    );
  }
  const tiers: Record<string, P[]> = {};
  for (const tier of task.tiers) {
    const problems = await task.loadProblems(tier);
    if (evaluation.problemsPerTier > problems.length) {
      throw new RangeError(
        `Cannot run the protocol: evaluation.problemsPerTier must be <= the ${problems.length} problems of ${tier}, got ${evaluation.problemsPerTier}`,
      );
    }
    tiers[tier] = problems.slice(0, evaluation.problemsPerTier);
  }
  const named = [
    ...(ablations.long?.methods ?? []),
    ...(ablations.miniBatches?.methods ?? []),
    ...(ablations.lambda === undefined ? [] : [ablations.lambda.method]),
    calibration.method,
  ];
  for (const method of named.filter((m) => !(m in protocol.methods))) {
    throw new RangeError(
      `Cannot run the protocol: it names method ${
        JSON.stringify(method)
      }, which protocol.methods does not define (${Object.keys(protocol.methods).join(", ")})`,
    );
  }
  const firstTier = await task.loadProblems(task.tiers[0]);
  const { primary, rest } = drawPrimary(protocol, train);
  return {
    candidates: rest.slice(0, pool.candidates),
    tiers: primary === undefined ? tiers : { [PRIMARY_SET]: primary, ...tiers },
    validation: firstTier.slice(-evaluation.validationProblems),
  };
}

/**
 * The primary held-out set (a seeded draw from the train split, in split order) and the train
 * problems left for the pool.
 */
export function drawPrimary<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  train: readonly P[],
): { primary?: P[]; rest: readonly P[] } {
  const { primary, cooledBase, checkpoints } = protocol.evaluation;
  if (primary === undefined) {
    const needs = cooledBase ? "cooledBase" : checkpoints ? "checkpoints" : undefined;
    if (needs !== undefined) {
      throw new RangeError(
        `Cannot run the protocol: evaluation.${needs} needs evaluation.primary, got none`,
      );
    }
    return { rest: train };
  }
  if (primary.problems + protocol.pool.candidates > train.length) {
    throw new RangeError(
      `Cannot run the protocol: evaluation.primary.problems + pool.candidates must be <= the ${train.length} train problems, got ${primary.problems} + ${protocol.pool.candidates}`,
    );
  }
  const prng = seededPrng(deriveSeed(primary.seed, "primary-set"));
  const order = train.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(prng, i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const chosen = new Set(order.slice(0, primary.problems));
  return {
    primary: train.filter((_, i) => chosen.has(i)),
    rest: train.filter((_, i) => !chosen.has(i)),
  };
}

const sumEstimates = (items: readonly WorkItem[]): number =>
  items.reduce((t, item) => t + estimatedSeconds(item), 0);

/** Runs and evaluations by method, in seed order, and their core-seconds. */
function collect(results: readonly WorkResult[]): {
  runs: Record<string, RunRecord[]>;
  evaluations: Record<string, Record<string, Record<string, PolicyEvaluation[]>>>;
  checkpoints: Record<string, CheckpointEvaluation[][]>;
  trainingSeconds: number;
  evaluationSeconds: number;
} {
  const runs: Record<string, RunRecord[]> = {};
  const evaluations: Record<string, Record<string, Record<string, PolicyEvaluation[]>>> = {};
  const checkpoints: Record<string, CheckpointEvaluation[][]> = {};
  let trainingSeconds = 0;
  let evaluationSeconds = 0;
  const ordered = [...results].sort((a, b) =>
    a.kind === "screen" || b.kind === "screen" ? 0 : a.seed - b.seed
  );
  for (const result of ordered) {
    if (result.kind === "screen") continue;
    if (result.run !== null) {
      (runs[result.method] ??= []).push(result.run);
      trainingSeconds += result.run.steps.reduce((s, m) => s + m.seconds.total, 0);
    }
    if (result.checkpoints.length > 0) {
      (checkpoints[result.method] ??= []).push([...result.checkpoints]);
    }
    for (const e of [...result.evaluations, ...result.checkpoints]) evaluationSeconds += e.seconds;
    for (const e of result.evaluations) {
      ((evaluations[e.settingName] ??= {})[e.tier] ??= {})[result.method] ??= [];
      evaluations[e.settingName][e.tier][result.method].push(e);
    }
  }
  return { runs, evaluations, checkpoints, trainingSeconds, evaluationSeconds };
}
