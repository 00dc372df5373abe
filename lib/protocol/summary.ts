/**
 * The main job's machine-readable summary (`out/summary.json`; the README's tables come from
 * it): how long the work took, how far the policies moved, and every claim's verdict. Notebooks
 * write their parts (`writeSummaryPart`); `deno task repro` merges them with the run's time.
 *
 * @module
 */
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import { movementRows } from "./protocol_rows.ts";
import type { ProtocolResults } from "./protocol_results.ts";

/** A Pass@1 difference with its interval, as the summary writes it. */
export type SummaryDifference = { difference: number; lower: number; upper: number };

/** One method's movement in the summary. */
export type SummaryMethod = {
  klToBase: number;
  correctRatioFirst: number;
  correctRatioLast: number;
  entropy: number;
  updates: number;
  passAt1VsBase: Record<string, SummaryDifference>;
};

/** The summary of a protocol run (without the run's wall time, which the main job adds). */
export type ProtocolSummary = {
  /** Core-minutes of RL training (calibration included). */
  trainingMinutes: number;
  /** Core-minutes of evaluation (pool screening included). */
  evaluationMinutes: number;
  /** Training seeds of the main grid. */
  seeds: number[];
  /** RL steps of each main run. */
  rlSteps: number;
  /** The calibrated learning rate. */
  learningRate: number;
  /** Held-out problems per tier. */
  problemsPerTier: Record<string, number>;
  /** The training pool: size and the base's mean pass rate on it. */
  pool: { problems: number; meanPassRate: number | null; correctRatioAtStep1: number };
  /**
   * Positive share of W-REINFORCE's gradient mass, λr / (λr + 1 − r) at its training correct
   * ratio r, over its first 5 and last 10 steps (null without a W-REINFORCE run).
   */
  wReinforcePositiveShare: { first: number; last: number } | null;
  /** Main method → movement. */
  methods: Record<string, SummaryMethod>;
};

/**
 * The protocol part of the summary, from a protocol run.
 *
 * @param results The protocol's results.
 * @returns Times, settings and each main method's movement.
 */
export function summarizeProtocol(results: ProtocolResults): ProtocolSummary {
  const { protocol, seconds, evaluations, calibration, groups, runs } = results;
  const tiers = Object.entries(evaluations["T=1.0"] ?? {});
  const methods: Record<string, SummaryMethod> = {};
  for (const row of movementRows(results)) {
    methods[row.method] = {
      klToBase: row.klToBase,
      correctRatioFirst: row.correctRatioFirst,
      correctRatioLast: row.correctRatioLast,
      entropy: row.entropy,
      updates: row.updates,
      passAt1VsBase: Object.fromEntries(
        Object.entries(row.passAt1VsBase).map(([tier, i]) => [
          tier,
          { difference: i.estimate, lower: i.lower, upper: i.upper },
        ]),
      ),
    };
  }
  const firstSteps = groups.main.flatMap((m) =>
    (runs[m] ?? []).map((r) => r.steps[0]?.correctRatio ?? NaN)
  );
  const r = firstSteps.reduce((a, x) => a + x, 0) / Math.max(firstSteps.length, 1);
  const wRuns = runs["W-REINFORCE"] ?? [];
  const wConfig = protocol.methods["W-REINFORCE"]?.objective;
  const lambda = typeof wConfig?.lambda === "number" ? wConfig.lambda : 0.1;
  const meanRatio = (
    pick: (steps: readonly { correctRatio: number }[]) => readonly { correctRatio: number }[],
  ) => {
    const values = wRuns.flatMap((run) => pick(run.steps).map((s) => s.correctRatio));
    return values.reduce((a, x) => a + x, 0) / Math.max(values.length, 1);
  };
  const share = (ratio: number) => (lambda * ratio) / (lambda * ratio + 1 - ratio);
  return {
    trainingMinutes: seconds.training / 60,
    evaluationMinutes: (seconds.evaluation + seconds.screening) / 60,
    seeds: [...protocol.seeds],
    rlSteps: protocol.experiment.train.steps,
    learningRate: calibration.chosen,
    problemsPerTier: Object.fromEntries(
      tiers.map(([tier, byMethod]) => [tier, byMethod["Base"]?.[0]?.outcomes.length ?? 0]),
    ),
    pool: {
      problems: results.pool.problemIds.length,
      meanPassRate: results.pool.meanPassRate,
      correctRatioAtStep1: r,
    },
    wReinforcePositiveShare: wRuns.length === 0 ? null : {
      first: share(meanRatio((steps) => steps.slice(0, 5))),
      last: share(meanRatio((steps) => steps.slice(-10))),
    },
    methods,
  };
}

/**
 * Writes one notebook's part of the summary (atomically), for `deno task repro` to merge.
 *
 * @param path The file, e.g. `../out/summary/full/02.json` (`deno task repro` merges a profile's parts).
 * @param part What the notebook contributes: `claims` (the claims registry's records), and any
 *   summary fields.
 * @returns Resolves when written.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeSummaryPart(`${dir}/part.json`, { claims: [] });
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/part.json`)), { claims: [] });
 * ```
 */
export async function writeSummaryPart(
  path: string,
  part: Readonly<Record<string, unknown>>,
): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, "") || ".", { recursive: true });
  await writeTextFileAtomic(path, JSON.stringify(part, null, 2) + "\n");
}
