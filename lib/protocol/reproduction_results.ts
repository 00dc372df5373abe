/**
 * Reading a reproduction's results (see `runReproduction` in reproduction.ts): bootstrapped
 * Pass@k curves and paired differences per tier, coverage against the base, and per-seed
 * training and evaluation metrics, as plain rows for figures, tables and claims.
 *
 * @module
 */
import {
  bootstrapCurve,
  bootstrapDifference,
  bootstrapPassAtK,
  type Interval,
  type PassAtKBootstrap,
} from "../eval/compare.ts";
import type { SeedProblemCounts } from "../eval/compare.ts";
import { type Coverage, coverageAgainstBase } from "../eval/coverage.ts";
import type { EvalMetrics, StepMetrics } from "../train/metrics.ts";
import type { PassAtKRow } from "../eval/passk.ts";
import type { Prng } from "../random.ts";
import type { MethodRun, Reproduction, SeedEvaluation } from "./reproduction.ts";

/**
 * Bootstraps the Pass@k curves of the methods on every tier under one setting (problems and
 * seeds resampled, see `bootstrapPassAtK`), jointly per tier so differences are paired.
 *
 * @param reproduction The reproduction.
 * @param options `setting`, `ks`, optionally `methods` (default all) and bootstrap settings.
 * @returns Tier → bootstrap.
 * @throws {RangeError} If the setting is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problems = [{ problemId: "a", n: 4, c: 1, distinctCorrect: 1 }];
 * const evaluation = { seed: 0, entropy: 0.3, distinctCorrect: 1, problems };
 * const repro = { methods: ["Base"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { "T=1": { tierA: { Base: [evaluation] } } } };
 * const boots = bootstrapReproduction(repro, { setting: "T=1", ks: [1, 4], resamples: 10 });
 * assert.deepEqual(boots.tierA.estimates.Base, [0.25, 1]);
 * ```
 */
export function bootstrapReproduction(
  reproduction: Reproduction,
  options: {
    readonly setting: string;
    readonly ks: readonly number[];
    readonly methods?: readonly string[];
    readonly resamples?: number;
    readonly prng?: Prng;
  },
): Record<string, PassAtKBootstrap> {
  const { setting, ks, methods = reproduction.methods, resamples, prng } = options;
  const byTier = settingOf(reproduction, setting);
  return Object.fromEntries(
    Object.entries(byTier).map(([tier, byMethod]) => {
      const groups: Record<string, SeedProblemCounts> = {};
      for (const method of methods) {
        groups[method] = (byMethod[method] ?? []).map((e) => e.problems);
      }
      return [tier, bootstrapPassAtK(groups, ks, { resamples, prng })];
    }),
  );
}

/**
 * Pass@k rows with bootstrap intervals of every method on every tier, for `passAtKFigure` and
 * `passAtKTable` (dataset = tier).
 *
 * @param bootstraps Tier → bootstrap (from {@link bootstrapReproduction}).
 * @returns Rows `{ dataset, method, k, passAtK, lower, upper }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapPassAtK } from "../eval/compare.ts";
 * const boot = bootstrapPassAtK({ NSR: [[{ n: 2, c: 1 }]] }, [1, 2], { resamples: 5 });
 * assert.deepEqual(bootstrapRows({ tierA: boot })[1], { dataset: "tierA", method: "NSR", k: 2, passAtK: 1, lower: 1, upper: 1 });
 * ```
 */
export function bootstrapRows(
  bootstraps: Readonly<Record<string, PassAtKBootstrap>>,
): PassAtKRow[] {
  return Object.entries(bootstraps).flatMap(([dataset, boot]) =>
    boot.methods.flatMap((method) =>
      bootstrapCurve(boot, method).map((point) => ({ dataset, method, ...point }))
    )
  );
}

/**
 * The paired bootstrap difference of Pass@k between two methods at one k, as an interval for
 * `claimFromInterval`.
 *
 * @param bootstrap A joint bootstrap holding both methods.
 * @param options `method`, `base` (the difference is method − base) and `k`.
 * @returns The difference and its percentile interval (fractions).
 * @throws {RangeError} If k is not among the bootstrap's ks or a method is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapPassAtK } from "../eval/compare.ts";
 * const boot = bootstrapPassAtK({ A: [[{ n: 2, c: 2 }]], B: [[{ n: 2, c: 1 }]] }, [1, 2], { resamples: 5 });
 * assert.deepEqual(differenceInterval(boot, { method: "A", base: "B", k: 1 }), { estimate: 0.5, lower: 0.5, upper: 0.5 });
 * ```
 */
export function differenceInterval(
  bootstrap: PassAtKBootstrap,
  options: { readonly method: string; readonly base: string; readonly k: number },
): Interval {
  const { method, base, k } = options;
  const d = bootstrapDifference(bootstrap, { method, base }).find((point) => point.k === k);
  if (d === undefined) {
    throw new RangeError(
      `Cannot take a difference at k=${k}: not among the bootstrap's ks, got ${
        bootstrap.ks.join(",")
      }`,
    );
  }
  return { estimate: d.difference, lower: d.lower, upper: d.upper };
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
  /** Lost in every seed. */
  readonly lostInEverySeed: number;
  /** Gained in every seed. */
  readonly gainedInEverySeed: number;
};

/**
 * Coverage against the base per tier and method under one setting: problems the base solved at
 * least once (its first seed's evaluation) that a method lost, and those it newly solved. The
 * base's other sampling seeds are compared the same way, which measures how much of that churn
 * re-sampling alone produces (the noise floor); that row is absent with a single seed.
 *
 * @param reproduction The reproduction.
 * @param options `setting`.
 * @returns One row per tier and method.
 * @throws {RangeError} If the setting is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = (seed: number, cs: number[]) => ({ seed, entropy: 0, distinctCorrect: 0,
 *   problems: cs.map((c, i) => ({ problemId: `p${i}`, n: 4, c, distinctCorrect: c })) });
 * const repro = { methods: ["Base", "NSR"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { x: { tierA: { Base: [e(0, [1, 0, 2])], NSR: [e(0, [0, 1, 3])] } } } };
 * const [row] = coverageRows(repro, { setting: "x" });
 * assert.deepEqual([row.method, row.baseSolved, row.lost, row.gained], ["NSR", 2, 1, 1]);
 * ```
 */
export function coverageRows(
  reproduction: Reproduction,
  options: { readonly setting: string },
): CoverageRow[] {
  const { setting } = options;
  const byTier = settingOf(reproduction, setting);
  return Object.entries(byTier).flatMap(([tier, byMethod]) => {
    const [first, ...resampled] = byMethod[reproduction.base].map((e) => e.problems);
    const row = (method: string, coverage: Coverage): CoverageRow => ({
      tier,
      method,
      baseSolved: coverage.baseSolved,
      solved: coverage.methodSolved,
      lost: coverage.lost.mean,
      gained: coverage.gained.mean,
      lostInEverySeed: coverage.lost.inEverySeed.length,
      gainedInEverySeed: coverage.gained.inEverySeed.length,
    });
    const rows = resampled.length === 0
      ? []
      : [row(`${reproduction.base} (re-sampled)`, coverageAgainstBase(first, resampled))];
    for (const method of reproduction.methods) {
      if (method === reproduction.base || byMethod[method] === undefined) continue;
      rows.push(row(method, coverageAgainstBase(first, byMethod[method].map((e) => e.problems))));
    }
    return rows;
  });
}

/** A numeric field of a training step's metrics. */
export type StepMetricName = Exclude<keyof StepMetrics, "seconds">;
/** A numeric field of a held-out greedy evaluation. */
export type EvalMetricName = Exclude<keyof EvalMetrics, "step">;

/**
 * One number per seed: the mean of a training metric over the steps (or greedy evaluations) of
 * each run whose step lies in [from, to].
 *
 * @param runs The runs of one method.
 * @param options `source` ("steps" or "evals"), `metric`, and the step window (default all).
 * @returns Per seed, the mean (NaN for a seed with no record in the window).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = { seed: 0, dir: "", steps: [], evals: [
 *   { step: 0, greedyAccuracy: 0.1, entropy: 0.5, meanResponseLength: 9 },
 *   { step: 4, greedyAccuracy: 0.3, entropy: 0.4, meanResponseLength: 9 }] };
 * assert.deepEqual(runMetric([run], { source: "evals", metric: "greedyAccuracy", from: 1 }), [0.3]);
 * ```
 */
export function runMetric(
  runs: readonly MethodRun[],
  options:
    & { readonly from?: number; readonly to?: number }
    & (
      | { readonly source: "steps"; readonly metric: StepMetricName }
      | { readonly source: "evals"; readonly metric: EvalMetricName }
    ),
): number[] {
  const { from = -Infinity, to = Infinity } = options;
  return runs.map((run) => {
    const records: readonly { step: number }[] = options.source === "steps" ? run.steps : run.evals;
    const values = records
      .filter((r) => r.step >= from && r.step <= to)
      .map((r) => (r as unknown as Record<string, number>)[options.metric]);
    return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
  });
}

/**
 * Training curves for figures: per method and step, a metric's mean over seeds.
 *
 * @param reproduction The reproduction.
 * @param options `source` and `metric` as in {@link runMetric}, optionally `methods`.
 * @returns Rows `{ method, step, value }`, methods in order, steps ascending.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = (seed: number, acc: number) => ({ seed, dir: "", steps: [],
 *   evals: [{ step: 5, greedyAccuracy: acc, entropy: 0, meanResponseLength: 0 }] });
 * const repro = { methods: ["Base", "NSR"], base: "Base", seeds: [0, 1], evaluations: {},
 *   computed: { trainingSteps: 0, evaluations: 0 }, runs: { NSR: [run(0, 0.2), run(1, 0.4)] } };
 * const rows = trainingRows(repro, { source: "evals", metric: "greedyAccuracy" });
 * assert.equal(rows[0].method, "NSR");
 * assert.ok(Math.abs(rows[0].value - 0.3) < 1e-12);
 * ```
 */
export function trainingRows(
  reproduction: Reproduction,
  options:
    & { readonly methods?: readonly string[] }
    & (
      | { readonly source: "steps"; readonly metric: StepMetricName }
      | { readonly source: "evals"; readonly metric: EvalMetricName }
    ),
): { method: string; step: number; value: number }[] {
  const { methods = reproduction.methods } = options;
  return methods.flatMap((method) => {
    const sums = new Map<number, { total: number; count: number }>();
    for (const run of reproduction.runs[method] ?? []) {
      const records: readonly { step: number }[] = options.source === "steps"
        ? run.steps
        : run.evals;
      for (const r of records) {
        const entry = sums.get(r.step) ?? { total: 0, count: 0 };
        entry.total += (r as unknown as Record<string, number>)[options.metric];
        entry.count++;
        sums.set(r.step, entry);
      }
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([step, { total, count }]) => ({
      method,
      step,
      value: total / count,
    }));
  });
}

/**
 * One number per seed from the held-out evaluations of a method: its sampled-token entropy or
 * distinct correct responses, averaged over tiers.
 *
 * @param reproduction The reproduction.
 * @param options `setting`, `method`, `metric`.
 * @returns Per seed, the mean over tiers.
 * @throws {RangeError} If the setting or method is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = (entropy: number) => [{ seed: 0, entropy, distinctCorrect: 0, problems: [] }];
 * const repro = { methods: ["Base"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { x: { tierA: { Base: e(0.2) }, tierB: { Base: e(0.4) } } } };
 * assert.deepEqual(evaluationMetric(repro, { setting: "x", method: "Base", metric: "entropy" }).map((v) => v.toFixed(2)), ["0.30"]);
 * ```
 */
export function evaluationMetric(
  reproduction: Reproduction,
  options: {
    readonly setting: string;
    readonly method: string;
    readonly metric: "entropy" | "distinctCorrect";
  },
): number[] {
  const { setting, method, metric } = options;
  const tiers = Object.values(settingOf(reproduction, setting));
  const perTier = tiers.map((byMethod) => {
    const seeds = byMethod[method];
    if (seeds === undefined) {
      throw new RangeError(
        `Cannot read evaluations: unknown method "${method}", got ${
          Object.keys(byMethod).join(", ")
        }`,
      );
    }
    return seeds.map((e) => e[metric]);
  });
  return perTier[0].map((_, s) =>
    perTier.reduce((total, values) => total + values[s], 0) / tiers.length
  );
}

function settingOf(
  reproduction: Reproduction,
  setting: string,
): Readonly<Record<string, Readonly<Record<string, readonly SeedEvaluation[]>>>> {
  const byTier = reproduction.evaluations[setting];
  if (byTier === undefined) {
    throw new RangeError(
      `Cannot read evaluations: unknown setting "${setting}", got ${
        Object.keys(reproduction.evaluations).join(", ")
      }`,
    );
  }
  return byTier;
}
