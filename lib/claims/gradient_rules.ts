/**
 * The rules of the gradient analysis's claims (notebook 03): the token mechanism (claim 10) from
 * probed single-sample updates on a real policy, and implicit stopping (claim 11) from an NSR
 * run's samples trained per step. Intervals are 95% bootstraps over probed samples (claim 10) and
 * over steps (claim 11).
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import { meanDifferenceInterval, meanInterval } from "../eval/compare.ts";
import {
  type ProbePosition,
  type ProbeSummary,
  summarizeProbe,
} from "../analysis/probe_summary.ts";
import { claimFromInterval, type ClaimLabels, type ClaimRecord, combineClaims } from "./verdict.ts";

/** What notebook 03 measured: probed updates and an NSR run's samples trained per step. */
export type GradientAnalysisResults = {
  /** NSR probes (one array of positions per wrong sample) and PSR probes (per correct one). */
  readonly probes: {
    readonly nsr: readonly ProbePosition[][];
    readonly psr: readonly ProbePosition[][];
  };
  /** Samples trained on at each step of the NSR run, in step order. */
  readonly samplesTrained: readonly number[];
  /** Bootstrap resamples of every interval. Default 1000. */
  readonly resamples?: number;
};

/** "Keeps the order": the share of unsampled-token pairs that must keep their order. */
export const ORDER_THRESHOLD = 0.9;
/** A sampled token with π above this counts as confident. */
export const CONFIDENT_ABOVE = 0.9;
/** "Lowers the alternatives": the share of unsampled tokens raised must stay below this. */
const RAISED_BELOW = 0.5;

function shifted(interval: Interval, by: number): Interval {
  return {
    estimate: interval.estimate - by,
    lower: interval.lower - by,
    upper: interval.upper - by,
  };
}

function summaries(results: GradientAnalysisResults): { nsr: ProbeSummary[]; psr: ProbeSummary[] } {
  const { nsr, psr } = results.probes;
  if (nsr.length === 0 || psr.length === 0) {
    throw new RangeError(
      `Cannot judge the token mechanism: needs NSR and PSR probes, got ${nsr.length} and ${psr.length}`,
    );
  }
  return { nsr: nsr.map(summarizeProbe), psr: psr.map(summarizeProbe) };
}

/**
 * Claim 10a: the mean per-sample correlation of Δπ with π over unsampled tokens after an NSR
 * step, greater than 0.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function priorProportionalRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  const { resamples } = results;
  const { nsr } = summaries(results);
  return claimFromInterval(meanInterval(nsr.map((s) => s.priorChangeCorrelation), { resamples }), {
    ...labels,
    relation: "greater",
    label: "mean corr(Δπ, π) over unsampled tokens",
  });
}

/**
 * Claim 10b: the mean share of unsampled-token pairs an NSR step keeps in order, minus
 * {@link ORDER_THRESHOLD}, at-least 0.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function orderKeptRule(results: GradientAnalysisResults, labels: ClaimLabels): ClaimRecord {
  const { resamples } = results;
  const { nsr } = summaries(results);
  return claimFromInterval(
    shifted(meanInterval(nsr.map((s) => s.orderPreserved), { resamples }), ORDER_THRESHOLD),
    { ...labels, relation: "at-least", label: `share of pairs kept − ${ORDER_THRESHOLD}` },
  );
}

/**
 * Claim 10c: mean |Δ log π_y| of the sampled token after an NSR step, confident positions
 * (π_y > {@link CONFIDENT_ABOVE}) minus the rest, less than 0; "inconclusive" when either group is
 * empty.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function confidentStillRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  summaries(results);
  const positions = results.probes.nsr.flat();
  const moves = (confident: boolean): number[] =>
    positions
      .filter((p) => (p.probsBefore[p.sampled] > CONFIDENT_ABOVE) === confident)
      .map((p) => Math.abs(Math.log(p.probsAfter[p.sampled]) - Math.log(p.probsBefore[p.sampled])));
  const confident = moves(true), unsure = moves(false);
  if (confident.length === 0 || unsure.length === 0) {
    return {
      ...labels,
      verdict: "inconclusive",
      evidence: `${confident.length} confident and ${unsure.length} unsure positions`,
    };
  }
  return claimFromInterval(
    meanDifferenceInterval(confident, unsure, { resamples: results.resamples }),
    { ...labels, relation: "less", label: "|Δ log π_y|, confident − unsure" },
  );
}

/**
 * Claim 10d: the mean share of unsampled tokens a PSR step raises, minus 0.5, less than 0.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function alternativesLoweredRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  const { resamples } = results;
  const { psr } = summaries(results);
  return claimFromInterval(
    shifted(meanInterval(psr.map((s) => s.alternativesRaised), { resamples }), RAISED_BELOW),
    { ...labels, relation: "less", label: `share of unsampled tokens raised − ${RAISED_BELOW}` },
  );
}

/**
 * Claim 10: 10a–10d together (the "all" rule).
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function tokenMechanismRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  const parts = [
    priorProportionalRule(results, { id: "10a", claim: "" }),
    orderKeptRule(results, { id: "10b", claim: "" }),
    confidentStillRule(results, { id: "10c", claim: "" }),
    alternativesLoweredRule(results, { id: "10d", claim: "" }),
  ];
  return combineClaims(parts, { ...labels, rule: "all" });
}

/**
 * Claim 11: the mean samples trained per step over the last quarter of the NSR run's steps minus
 * over the first quarter (at least one step each), less than 0.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If the run has no steps.
 */
export function implicitStoppingRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  const trained = results.samplesTrained;
  const quarter = Math.max(1, Math.floor(trained.length / 4));
  return claimFromInterval(
    meanDifferenceInterval(trained.slice(-quarter), trained.slice(0, quarter), {
      resamples: results.resamples,
    }),
    {
      ...labels,
      relation: "less",
      label: `samples trained, last ${quarter} steps − first ${quarter} steps`,
    },
  );
}
