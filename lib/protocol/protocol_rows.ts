/**
 * Tidy rows from a protocol run, for figures, tables and the summary: Pass@k curves with their
 * intervals, training curves, each method's movement away from the base, coverage, and the
 * learning-rate calibration. Plain data in, plain data out.
 *
 * @module
 */
import { bootstrapCurve } from "../eval/compare.ts";
import { coverageAgainstBase } from "../eval/coverage.ts";
import type { Interval, PassAtKRow } from "../eval/passk.ts";
import { type EvalMetrics, lastKlToInitial, type StepMetrics } from "../train/metrics.ts";
import { metricBootstrap, passAtKBootstrap, passAtKStatistic } from "./protocol_stats.ts";
import { BASE_METHOD, PRIMARY_SETTING, type ProtocolResults } from "./protocol_results.ts";

/**
 * Pass@k curves (mean over seeds, 95% interval over problems and seeds) of methods on every
 * tier under one setting, one row per (tier, method, k).
 *
 * @param results The protocol's results.
 * @param options `setting` (default the primary one) and `methods` (default the main grid).
 * @returns Rows for `passAtKFigure` and `passAtKTable` (`dataset` is the tier), on the sets every
 *   method was evaluated on.
 */
export function passAtKRows(
  results: ProtocolResults,
  options: { setting?: string; methods?: readonly string[] } = {},
): PassAtKRow[] {
  const { setting = PRIMARY_SETTING, methods = results.groups.main } = options;
  const byTier = results.evaluations[setting] ?? {};
  // The sets every method was evaluated on (an ablation: the judged set only).
  return Object.keys(byTier).flatMap((tier) => {
    if (!methods.every((m) => byTier[tier][m] !== undefined)) return [];
    const boot = passAtKBootstrap(results, { setting, tier, methods });
    return methods.flatMap((method) =>
      bootstrapCurve(boot, method).map((point) => ({ dataset: tier, method, ...point }))
    );
  });
}

/** A numeric field of a training step's metrics (one that may be null where not measured too). */
export type StepMetricName = {
  [K in keyof StepMetrics]: StepMetrics[K] extends number | null ? K : never;
}[keyof StepMetrics];
/** A numeric field of a held-out greedy evaluation during training. */
export type EvalMetricName = {
  [K in keyof EvalMetrics]: EvalMetrics[K] extends number ? K : never;
}[keyof EvalMetrics];

/** One point of a training curve: a method's metric at a step, mean over seeds. */
export type TrainingRow = {
  readonly method: string;
  readonly step: number;
  readonly value: number;
};

/**
 * A training curve per method: a step metric (`source: "steps"`) or a held-out greedy metric
 * (`source: "evals"`), mean over seeds at each step.
 *
 * @param results The protocol's results.
 * @param options `methods` (default the main grid's trained methods), `source` and `metric`.
 * @returns Rows in method order, then step order.
 */
export function trainingRows(
  results: ProtocolResults,
  options:
    & { readonly methods?: readonly string[] }
    & (
      | { readonly source: "steps"; readonly metric: StepMetricName }
      | { readonly source: "evals"; readonly metric: EvalMetricName }
    ),
): TrainingRow[] {
  const { methods = results.groups.main.filter((m) => m !== BASE_METHOD) } = options;
  return methods.flatMap((method) => {
    const sums = new Map<number, { total: number; count: number }>();
    for (const run of results.runs[method] ?? []) {
      const records = options.source === "steps" ? run.steps : run.evals;
      for (const record of records) {
        const value = (record as unknown as Record<string, number | null>)[options.metric];
        if (value === null) continue; // not measured at this step
        const entry = sums.get(record.step) ?? { total: 0, count: 0 };
        entry.total += value;
        entry.count++;
        sums.set(record.step, entry);
      }
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([step, { total, count }]) => ({
      method,
      step,
      value: total / count,
    }));
  });
}

/** How far a method moved from the base (the summary's `methods` entries). */
export type MovementRow = {
  /** The method. */
  readonly method: string;
  /** KL to the base at the last step (nats per token), mean over seeds (0 for the base). */
  readonly klToBase: number;
  /** Training-batch correct ratio, first 5 steps and last 10, mean over seeds. */
  readonly correctRatioFirst: number;
  readonly correctRatioLast: number;
  /** Greedy-response entropy on held-out problems (all tiers), nats per token, mean. */
  readonly entropy: number;
  /** Optimizer updates per run, mean over seeds. */
  readonly updates: number;
  /** Fraction of trained tokens whose ratio the PPO clip bound, mean over steps and seeds. */
  readonly clipFraction: number;
  /** Pass@1 − the base's, per tier, with its interval. */
  readonly passAt1VsBase: Readonly<Record<string, Interval>>;
};

/**
 * Each main method's movement away from the base: KL, training correct ratios, held-out entropy,
 * updates and Pass@1 gain per tier (with intervals).
 *
 * @param results The protocol's results.
 * @param options `methods` (default the main grid, base included).
 * @returns One row per method; entropy and Pass@1 on the tiers every method was evaluated on.
 */
export function movementRows(
  results: ProtocolResults,
  options: { methods?: readonly string[] } = {},
): MovementRow[] {
  const { methods = results.groups.main } = options;
  // The tiers every method was evaluated on (ablations of the mini-batches: the first tier only).
  const byTier = results.evaluations[PRIMARY_SETTING] ?? {};
  const tiers = Object.keys(byTier).filter((tier) =>
    methods.every((m) => byTier[tier][m] !== undefined)
  );
  const entropy = metricBootstrap(results, {
    setting: PRIMARY_SETTING,
    tiers,
    methods,
    metrics: ["greedyEntropy"],
    resamples: 0,
  });
  const mean = (xs: readonly number[]) =>
    xs.length === 0 ? 0 : xs.reduce((a, x) => a + x, 0) / xs.length;
  return methods.map((method) => {
    const runs = results.runs[method] ?? [];
    const passAt1VsBase: Record<string, Interval> = {};
    for (const tier of tiers) {
      if (method === BASE_METHOD) {
        passAt1VsBase[tier] = { estimate: 0, lower: 0, upper: 0 };
        continue;
      }
      const boot = passAtKBootstrap(results, {
        setting: PRIMARY_SETTING,
        tier,
        methods: [method, BASE_METHOD],
      });
      passAt1VsBase[tier] = passAtKStatistic(boot, (p) => p(method, 1) - p(BASE_METHOD, 1));
    }
    return {
      method,
      klToBase: mean(runs.map((r) => lastKlToInitial(r.steps))),
      correctRatioFirst: mean(
        runs.map((r) => mean(r.steps.slice(0, 5).map((s) => s.correctRatio))),
      ),
      correctRatioLast: mean(runs.map((r) => mean(r.steps.slice(-10).map((s) => s.correctRatio)))),
      entropy: entropy.estimates[method].greedyEntropy,
      updates: mean(runs.map((r) => r.steps.reduce((s, m) => s + m.optimizerSteps, 0))),
      clipFraction: mean(runs.map((r) => mean(r.steps.map((s) => s.clipFraction)))),
      passAt1VsBase,
    };
  });
}

/** One row of {@link coverageRows}. */
export type CoverageRow = {
  /** The tier. */
  readonly tier: string;
  /** The method (for the base: its other sampling seeds against its first). */
  readonly method: string;
  /** Problems the base solved (first seed's evaluation). */
  readonly baseSolved: number;
  /** Problems the method solved, mean over seeds. */
  readonly solved: number;
  /** Problems the base solved that the method lost, mean over seeds. */
  readonly lost: number;
  /** Problems the base missed that the method solved, mean over seeds. */
  readonly gained: number;
};

/**
 * Per tier, the problems each method lost and gained against the base's first evaluation
 * (means over seeds); "Base (re-sampled)" compares the base's other sampling seeds with its
 * first, the churn re-sampling alone causes.
 *
 * @param results The protocol's results.
 * @param options `setting` (default the primary one), `methods` (default the main grid).
 * @returns One row per tier and method.
 */
export function coverageRows(
  results: ProtocolResults,
  options: { setting?: string; methods?: readonly string[] } = {},
): CoverageRow[] {
  const { setting = PRIMARY_SETTING, methods = results.groups.main } = options;
  return Object.entries(results.evaluations[setting] ?? {}).flatMap(([tier, byMethod]) => {
    const [first, ...resampled] = byMethod[BASE_METHOD].map((e) => e.outcomes);
    const row = (
      method: string,
      coverage: ReturnType<typeof coverageAgainstBase>,
    ): CoverageRow => ({
      tier,
      method,
      baseSolved: coverage.baseSolved,
      solved: coverage.methodSolved,
      lost: coverage.lost.mean,
      gained: coverage.gained.mean,
    });
    const rows = resampled.length === 0
      ? []
      : [row(`${BASE_METHOD} (re-sampled)`, coverageAgainstBase(first, resampled))];
    for (const method of methods) {
      if (method === BASE_METHOD || byMethod[method] === undefined) continue;
      rows.push(row(method, coverageAgainstBase(first, byMethod[method].map((e) => e.outcomes))));
    }
    return rows;
  });
}

/**
 * The calibration's training curves, one row per (rate, step), for a figure.
 *
 * @param results The protocol's results.
 * @returns Rows with `series` naming the rate.
 */
export function calibrationRows(
  results: ProtocolResults,
): { series: string; step: number; value: number }[] {
  return results.calibration.curves.flatMap((curve) =>
    curve.correctRatio.map((value, i) => ({
      series: `lr ${curve.learningRate}`,
      step: i + 1,
      value,
    }))
  );
}

/** One metric of {@link trainingCurveRows}: where it is logged, its field and its label. */
export type TrainingCurve =
  | { readonly source: "steps"; readonly metric: StepMetricName; readonly label: string }
  | { readonly source: "evals"; readonly metric: EvalMetricName; readonly label: string };

/** The paper's Fig. 4 panels: held-out greedy accuracy and entropy, training-batch ratios. */
export const FIGURE_4_CURVES: readonly TrainingCurve[] = [
  { source: "evals", metric: "greedyAccuracy", label: "greedy accuracy (held-out)" },
  { source: "evals", metric: "entropy", label: "greedy entropy (held-out, nats)" },
  { source: "steps", metric: "correctRatio", label: "correct ratio (training batch)" },
  { source: "steps", metric: "klToInitial", label: "KL to base (nats/token)" },
];

/**
 * Several training curves at once, one panel each (`metric` is the panel's label): the
 * training-dynamics figure of notebooks 02 and 04.
 *
 * @param results The protocol's results.
 * @param options `curves` (default {@link FIGURE_4_CURVES}) and `methods`.
 * @returns Rows `{ method, step, value, metric }`.
 */
export function trainingCurveRows(
  results: ProtocolResults,
  options: { curves?: readonly TrainingCurve[]; methods?: readonly string[] } = {},
): (TrainingRow & { readonly metric: string })[] {
  const { curves = FIGURE_4_CURVES, methods } = options;
  return curves.flatMap((curve) =>
    trainingRows(results, { ...curve, methods }).map((row) => ({ ...row, metric: curve.label }))
  );
}
