/**
 * Learning against sharpening, as rows for one figure: on the primary set, Pass@1 against Pass@k
 * at the largest judged k for the base at each temperature of the cooled-base grid (a curve:
 * what cooling alone reaches), each method's final policies and its checkpoints (points, means
 * over seeds). A point above the base's curve is more than sharpening; on it, sharpening.
 *
 * @module
 */
import { meanPassAtK } from "./baselines.ts";
import { cooledGrid } from "./baseline_views.ts";
import {
  BASE_METHOD,
  judgedKMax,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "./protocol_results.ts";
import type { ProblemCounts } from "../eval/passk.ts";

/** One point of the figure. */
export type SharpeningRow = {
  /** "Base" (the temperature curve) or a method. */
  readonly method: string;
  /** What the point is. */
  readonly kind: "temperature" | "final" | "checkpoint";
  /** The temperature (base) or the step (checkpoints; the last step for finals). */
  readonly at: number;
  /** Pass@1 on the primary set (mean over seeds). */
  readonly passAt1: number;
  /** Pass@k at the largest judged k (mean over seeds). */
  readonly passAtKmax: number;
  /** That k. */
  readonly k: number;
};

const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

/**
 * The figure's rows (module doc); empty when the run has no primary set or cooled base.
 *
 * @param results The run.
 * @returns The rows: the base's curve by falling temperature, then each main method's final
 *   point and checkpoints (those evaluated with n ≥ k).
 */
export function sharpeningRows(results: ProtocolResults): SharpeningRow[] {
  const k = judgedKMax(results.protocol.evaluation.samples);
  const grid = cooledGrid(results, PRIMARY_SET);
  if (grid.size === 0) return [];
  const point = (seeds: readonly (readonly ProblemCounts[])[]) => ({
    passAt1: mean(seeds.map((o) => meanPassAtK(o, 1))),
    passAtKmax: mean(seeds.map((o) => meanPassAtK(o, k))),
    k,
  });
  const rows: SharpeningRow[] = [...grid.entries()].sort((a, b) => b[0] - a[0]).map((
    [temperature, outcomes],
  ) => ({ method: BASE_METHOD, kind: "temperature", at: temperature, ...point([outcomes]) }));
  const steps = results.protocol.experiment.train.steps;
  for (const method of results.groups.main.filter((m) => m !== BASE_METHOD)) {
    const finals = results.evaluations[PRIMARY_SETTING]?.[PRIMARY_SET]?.[method] ?? [];
    if (finals.length > 0) {
      rows.push({ method, kind: "final", at: steps, ...point(finals.map((e) => e.outcomes)) });
    }
    const bySeed = results.checkpoints[method] ?? [];
    const byStep = new Map<number, ProblemCounts[][]>();
    for (const seed of bySeed) {
      for (const e of seed) {
        if (e.outcomes.some((o) => o.n < k)) continue;
        byStep.set(e.step, [...(byStep.get(e.step) ?? []), [...e.outcomes]]);
      }
    }
    for (const [step, seeds] of [...byStep.entries()].sort((a, b) => a[0] - b[0])) {
      rows.push({ method, kind: "checkpoint", at: step, ...point(seeds) });
    }
  }
  return rows;
}
