/**
 * Phase 2 of the protocol, one learning rate from standard RL: the calibration method (GRPO)
 * trains `calibration.steps` steps at each candidate rate. Rule, fixed before any result: the
 * smallest rate at which its training-batch correct ratio rises by at least
 * `calibration.minRise` (mean of the last 10 steps minus mean of the first 5), with finite
 * losses; if none does, the largest rate. It reads only training-batch numbers of the
 * calibration method: never held-out Pass@k, never a method under test. Every method then trains
 * at that rate, as the paper used one rate for all. A single candidate is a fixed rate: no
 * calibration run (the salvage study fixes the main job's rate for every base).
 *
 * @module
 */
import type { ExperimentConfig, ProtocolConfig } from "../config.ts";
import type { ProtocolProblem } from "../eval/task.ts";
import type { LaterWork, Scheduler } from "../schedule/scheduler.ts";
import type { RunRecord, WorkItem, WorkResult } from "../schedule/work.ts";
import { lastKlToInitial } from "../train/metrics.ts";
import { methodConfig, slug } from "./grid.ts";
import type { Calibration, CalibrationRun } from "./protocol_results.ts";

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? NaN : xs.reduce((a, x) => a + x, 0) / xs.length;

/**
 * Applies the calibration rule (module doc) to calibration runs' step metrics.
 *
 * @param runs Per candidate rate, its steps' correct ratios, last KL and entropy, finiteness.
 * @param options `minRise`.
 * @returns The runs with their summary and whether each qualifies, and the chosen rate.
 * @throws {RangeError} If there is no run, or a run has fewer than 2 steps.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = (learningRate: number, last: number) => ({ learningRate, finite: true, klToBase: 0.01, rolloutEntropy: 0.2,
 *   correctRatios: [...Array(5).fill(0.4), ...Array(10).fill(last)] });
 * const { chosen } = chooseLearningRate([run(1e-5, 0.42), run(1e-4, 0.55), run(1e-3, 0.8)], { minRise: 0.1 });
 * assert.equal(chosen, 1e-4);
 * ```
 */
export function chooseLearningRate(
  runs: readonly {
    learningRate: number;
    correctRatios: readonly number[];
    klToBase: number;
    rolloutEntropy: number;
    finite: boolean;
  }[],
  options: { minRise: number },
): { runs: CalibrationRun[]; chosen: number } {
  const { minRise } = options;
  if (runs.length === 0) throw new RangeError("Cannot choose a learning rate: no calibration runs");
  const summarised = [...runs].sort((a, b) => a.learningRate - b.learningRate).map((run) => {
    const n = run.correctRatios.length;
    if (n < 2) {
      throw new RangeError(
        `Cannot choose a learning rate: a calibration run needs >= 2 steps, got ${n} at ${run.learningRate}`,
      );
    }
    // The first 5 and last 10 steps of a 40-step run; shorter runs use an eighth and a quarter.
    const correctRatioFirst = mean(run.correctRatios.slice(0, Math.min(5, Math.ceil(n / 8))));
    const correctRatioLast = mean(run.correctRatios.slice(-Math.min(10, Math.ceil(n / 4))));
    const rise = correctRatioLast - correctRatioFirst;
    return {
      learningRate: run.learningRate,
      correctRatioFirst,
      correctRatioLast,
      rise,
      klToBase: run.klToBase,
      rolloutEntropy: run.rolloutEntropy,
      // A rise equal to the threshold qualifies (up to float rounding of the means).
      qualifies: run.finite && rise >= minRise - RISE_TOLERANCE,
    };
  });
  const chosen = summarised.find((r) => r.qualifies)?.learningRate ??
    (summarised.at(-1) as CalibrationRun).learningRate;
  return { runs: summarised, chosen };
}

/** Rounding slack of the calibration rule's comparison (a rise of exactly minRise qualifies). */
const RISE_TOLERANCE = 1e-9;

/** What {@link calibrate} gives: the calibration, and the results of the items run beside it. */
export type CalibrationPhase = {
  /** The calibration and its choice. */
  readonly calibration: Calibration;
  /** Core-seconds of the calibration runs' RL steps. */
  readonly trainingSeconds: number;
  /** Results of the `beside` items, in order. */
  readonly beside: readonly WorkResult[];
};

/**
 * Runs the calibration (module doc) on the scheduler, with other items that do not depend on the
 * rate beside it (the base's evaluations), so no core waits for its last run.
 *
 * @param scheduler The scheduler.
 * @param protocol The protocol.
 * @param shared The shared experiment config (the base's model).
 * @param problems The training pool.
 * @param options `beside`: items to run in the same batch; `later`: work announced after it.
 * @returns The calibration, its training seconds and the `beside` results.
 * @throws {RangeError} As {@link chooseLearningRate}, or if a run fails.
 */
export async function calibrate<P extends ProtocolProblem>(
  scheduler: Scheduler<P>,
  protocol: ProtocolConfig,
  shared: ExperimentConfig,
  problems: readonly P[],
  options: { beside: readonly WorkItem<P>[]; later: LaterWork },
): Promise<CalibrationPhase> {
  const { calibration } = protocol;
  if (calibration.rates.length === 1) {
    const [rate] = calibration.rates;
    const beside = options.beside.length === 0
      ? []
      : await scheduler.run("calibration", options.beside, options.later);
    return {
      calibration: {
        method: calibration.method,
        runs: [],
        chosen: rate,
        rule: `fixed at ${rate}: a single candidate rate, no calibration run`,
        curves: [],
      },
      trainingSeconds: 0,
      beside,
    };
  }
  const calibrationBase = methodConfig(shared, protocol.methods[calibration.method], {
    name: calibration.method,
  });
  const items: WorkItem<P>[] = calibration.rates.map((rate) => ({
    kind: "train",
    label: `calibrate-${slug(calibration.method)}-lr${rate}`,
    method: calibration.method,
    seed: calibration.seed,
    config: {
      ...calibrationBase,
      seed: calibration.seed,
      train: {
        ...calibrationBase.train,
        learningRate: rate,
        steps: calibration.steps,
        checkpointEvery: calibration.steps,
        evalEvery: calibration.steps,
      },
    },
    problems,
    evalProblems: [],
    evaluations: [],
  }));
  const results = await scheduler.run("calibration", [...items, ...options.beside], options.later);
  let trainingSeconds = 0;
  const runs = results.slice(0, items.length).map((result) => {
    const run = (result as Exclude<WorkResult, { kind: "screen" }>).run as RunRecord;
    trainingSeconds += run.steps.reduce((s, m) => s + m.seconds.total, 0);
    const last = run.steps.at(-1);
    return {
      learningRate: run.learningRate,
      correctRatios: run.steps.map((m) => m.correctRatio),
      klToBase: lastKlToInitial(run.steps),
      rolloutEntropy: last?.rolloutEntropy ?? 0,
      finite: run.steps.every((m) => Number.isFinite(m.loss)),
    };
  });
  const choice = chooseLearningRate(runs, { minRise: calibration.minRise });
  return {
    calibration: {
      method: calibration.method,
      runs: choice.runs,
      chosen: choice.chosen,
      rule: `the smallest rate at which ${calibration.method}'s training correct ratio rises by ` +
        `>= ${calibration.minRise} in ${calibration.steps} steps (mean of the last 10 steps minus ` +
        `mean of the first 5), finite losses; else the largest rate`,
      curves: runs.map((r) => ({ learningRate: r.learningRate, correctRatio: r.correctRatios })),
    },
    trainingSeconds,
    beside: results.slice(items.length),
  };
}
