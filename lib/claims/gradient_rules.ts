/**
 * The rules of the gradient analysis's claims (notebook 03): the token mechanism (claim 10) from
 * probed single-sample updates on a real policy, and implicit stopping (claim 11) from NSR runs'
 * samples trained per step. Intervals are 95% bootstraps over probed samples (claim 10) and
 * Student-t intervals over seeds (claim 11: steps of one run are autocorrelated, seeds are not).
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import { meanDifferenceInterval, meanInterval } from "../eval/compare.ts";
import { seedInterval } from "../eval/seed_interval.ts";
import { logitStep } from "../analysis/softmax_gradient.ts";
import {
  type ProbePosition,
  type ProbeSummary,
  summarizeProbe,
} from "../analysis/probe_summary.ts";
import {
  claimFromInterval,
  type ClaimLabels,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
} from "./verdict.ts";

/** What notebook 03 measured: probed updates and NSR runs' samples trained per step. */
export type GradientAnalysisResults = {
  /**
   * NSR probes (one array of positions per wrong sample), PSR probes (per correct one) and the
   * control: per wrong sample, in the NSR probes' order, a step of the same rate with a random
   * sign (R = ±1 with equal odds: NSR's step or its reverse).
   */
  readonly probes: {
    readonly nsr: readonly ProbePosition[][];
    readonly psr: readonly ProbePosition[][];
    readonly control: readonly ProbePosition[][];
  };
  /** Per seed, samples trained on at each step of an NSR run, in step order. */
  readonly samplesTrained: readonly (readonly number[])[];
  /** Bootstrap resamples of every interval. Default 1000. */
  readonly resamples?: number;
};

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

function summaries(
  results: GradientAnalysisResults,
): { nsr: ProbeSummary[]; psr: ProbeSummary[]; control: ProbeSummary[] } {
  const { nsr, psr, control } = results.probes;
  if (nsr.length === 0 || psr.length === 0) {
    throw new RangeError(
      `Cannot judge the token mechanism: needs NSR and PSR probes, got ${nsr.length} and ${psr.length}`,
    );
  }
  if (control.length !== nsr.length) {
    throw new RangeError(
      `Cannot judge the token mechanism: needs one control probe per NSR probe, got ${control.length} for ${nsr.length}`,
    );
  }
  return {
    nsr: nsr.map(summarizeProbe),
    psr: psr.map(summarizeProbe),
    control: control.map(summarizeProbe),
  };
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
 * Claim 10b: the share of unsampled-token pairs an NSR step keeps in order minus the share a
 * control step keeps (same rate, random sign; paired by sample), greater than 0. Any small step
 * keeps most pairs in order whatever its sign, so a threshold alone cannot fail; the control
 * asks whether NSR's direction keeps the order better than a step of either sign.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If either list of probes is empty.
 */
export function orderKeptRule(results: GradientAnalysisResults, labels: ClaimLabels): ClaimRecord {
  const { resamples } = results;
  const { nsr, control } = summaries(results);
  const kept = (list: readonly ProbeSummary[]) =>
    (list.reduce((a, x) => a + x.orderPreserved, 0) / list.length).toFixed(4);
  const record = claimFromInterval(
    meanInterval(nsr.map((s, i) => s.orderPreserved - control[i].orderPreserved), { resamples }),
    {
      ...labels,
      relation: "greater",
      label: "share of pairs kept, NSR step − same-size random-sign step",
    },
  );
  return {
    ...record,
    evidence: `${record.evidence} (NSR ${kept(nsr)}, control ${kept(control)})`,
  };
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
  const record = claimFromInterval(
    shifted(meanInterval(psr.map((s) => s.alternativesRaised), { resamples }), RAISED_BELOW),
    {
      ...labels,
      relation: "less",
      label: `shared-parameter step: share of unsampled tokens raised − ${RAISED_BELOW}`,
    },
  );
  const exact = exactShareRaised(results.probes.psr.flat(), 1);
  return {
    ...record,
    evidence: `${record.evidence}; the exact softmax gradient at the same positions raises ` +
      `${(100 * exact).toFixed(1)}% of them`,
  };
}

/**
 * The share of unsampled tokens whose probability a small step on the logits of their own
 * position raises (the paper's Eqs. 7–8, each position's softmax alone: no shared parameters),
 * over the probed positions' distributions before the step.
 *
 * @param positions Probed positions.
 * @param reward +1 (PSR) or −1 (NSR).
 * @returns The share, in [0, 1].
 */
export function exactShareRaised(positions: readonly ProbePosition[], reward: number): number {
  let raised = 0, alternatives = 0;
  for (const { sampled, probsBefore } of positions) {
    const logits = probsBefore.map((p) => Math.log(Math.max(p, 1e-30)));
    const step = logitStep(logits, { sampled, reward, learningRate: 1e-3 });
    probsBefore.forEach((p, v) => {
      if (v === sampled) return;
      alternatives++;
      if (step.probsAfter[v] > p) raised++;
    });
  }
  return alternatives === 0 ? 0 : raised / alternatives;
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
 * Claim 11: per NSR run (seed), the mean samples trained per step over the last quarter of its
 * steps minus over the first quarter (at least one step each); the mean over seeds with its
 * Student-t interval (`seedInterval`), less than 0. "Not testable" with fewer than two seeds.
 *
 * @param results Notebook 03's results.
 * @param labels The claim's labels.
 * @returns The record.
 * @throws {RangeError} If a run has no steps.
 */
export function implicitStoppingRule(
  results: GradientAnalysisResults,
  labels: ClaimLabels,
): ClaimRecord {
  const runs = results.samplesTrained;
  if (runs.length < 2) {
    return claimNotJudged("not testable", {
      ...labels,
      reason: `an interval over seeds needs two NSR runs or more, got ${runs.length}`,
    });
  }
  const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const differences = runs.map((trained, seed) => {
    if (trained.length === 0) {
      throw new RangeError(`Cannot judge implicit stopping: NSR run ${seed} has no steps`);
    }
    const quarter = Math.max(1, Math.floor(trained.length / 4));
    return mean(trained.slice(-quarter)) - mean(trained.slice(0, quarter));
  });
  return claimFromInterval(seedInterval(differences), {
    ...labels,
    relation: "less",
    label: `samples trained, last quarter − first quarter of the steps (${runs.length} seeds)`,
  });
}
