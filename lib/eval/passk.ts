/**
 * Unbiased Pass@k (Chen et al. 2021, arXiv:2107.03374), the estimator used by Zhu et al. (2025),
 * and Pass@k curves over a set of problems with a bootstrap interval over problems.
 *
 * Plain numbers only: this file never imports tf.
 *
 * @module
 */

import { type Prng, randomInt, seededPrng } from "../random.ts";
import type { ProblemOutcome } from "./task.ts";

/**
 * What the estimators read of one problem's outcome: samples drawn (`n`) and graded correct
 * (`c`), with the problem's id when known (for error messages). Every per-problem outcome is one.
 */
export type ProblemCounts =
  & Pick<ProblemOutcome, "n" | "c">
  & Partial<Pick<ProblemOutcome, "problemId">>;

/**
 * An estimate with its interval: the one interval type of the toolkit (a mean, a difference, a
 * correlation, a point of a Pass@k curve). A value known without error has lower = upper =
 * estimate.
 */
export type Interval = {
  /** The point estimate. */
  readonly estimate: number;
  /** Lower end of the interval. */
  readonly lower: number;
  /** Upper end of the interval. */
  readonly upper: number;
};

/**
 * One point of a Pass@k curve: k, and Pass@k (a fraction in [0, 1]: the mean over problems, or
 * a difference of two such means) with its interval. A curve is `PassAtKPoint[]`.
 */
export type PassAtKPoint = Interval & {
  /** The number of attempts k. */
  readonly k: number;
};

/** A tidy row for tables and plots: one point of the curve of a method on a dataset. */
export type PassAtKRow = PassAtKPoint & {
  /** Dataset or tier name, e.g. "MATH". */
  readonly dataset: string;
  /** Method name, e.g. "NSR". */
  readonly method: string;
};

/**
 * The unbiased Pass@k estimator: the probability that at least one of k samples drawn without
 * replacement from n samples, c of them correct, is correct.
 *
 * pass@k = 1 − C(n−c, k) / C(n, k) (Chen et al. 2021, arXiv:2107.03374, eq. 1), with
 * C(n−c, k) / C(n, k) = ∏_{i=n−c+1}^{n} (1 − k/i) = ∏_{j=0}^{k−1} (1 − c/(n−j)).
 * We take whichever product has fewer factors (min(c, k)), sum its logs with log1p and
 * compensated (Neumaier) summation, and return −expm1(sum): no factorials, no cancellation,
 * absolute error near machine epsilon for any n a double can count.
 *
 * @param n Samples drawn, an integer ≥ 1.
 * @param c Correct samples, an integer in [0, n].
 * @param k Attempts, an integer in [1, n].
 * @returns Pass@k in [0, 1]; exactly 1 when n − c < k, 0 when c = 0, and c/n when k = 1.
 * @throws {RangeError} If n, c, k are not integers, c is outside [0, n], or k is outside [1, n].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(passAtK(4, 2, 1), 0.5);
 * assert.equal(passAtK(4, 2, 3), 1); // any 3 of 4 include a correct one
 * assert.ok(Math.abs(passAtK(4, 1, 2) - 0.5) < 1e-15); // 1 − C(3,2)/C(4,2)
 * ```
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(c) || !Number.isSafeInteger(k)) {
    throw new RangeError(
      `Cannot compute pass@k: n, c and k must be integers, got n=${n}, c=${c} and k=${k}`,
    );
  }
  if (c < 0 || c > n) {
    throw new RangeError(`Cannot compute pass@k: c must be in [0, n], got c=${c} and n=${n}`);
  }
  if (k < 1) throw new RangeError(`Cannot compute pass@k: k must be >= 1, got k=${k}`);
  if (k > n) {
    throw new RangeError(`Cannot compute pass@k: k must be <= n, got k=${k} and n=${n}`);
  }
  if (n - c < k) return 1;
  if (c === 0) return 0;
  if (k === 1) return c / n; // the estimator reduces to c/n; one division rounds once
  // log C(n−c, k)/C(n, k) as a sum of log1p terms; both forms are the same product.
  let sum = 0;
  let compensation = 0;
  const add = (term: number): void => {
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  };
  if (c <= k) {
    for (let i = n - c + 1; i <= n; i++) add(Math.log1p(-k / i));
  } else {
    for (let j = 0; j < k; j++) add(Math.log1p(-c / (n - j)));
  }
  return -Math.expm1(sum + compensation);
}

/**
 * Options of {@link passAtKCurve}.
 */
export type PassAtKCurveOptions = {
  /** Bootstrap resamples over problems; 0 gives a degenerate interval [mean, mean]. Default 1000. */
  readonly resamples?: number;
  /** Coverage of the percentile interval, in (0, 1). Default 0.95. */
  readonly confidence?: number;
  /** Source of randomness for the bootstrap. Default `seededPrng(0)`, so results are repeatable. */
  readonly prng?: Prng;
};

/**
 * A Pass@k curve over problems: for each k, the mean over problems of {@link passAtK} and a
 * percentile bootstrap interval that resamples problems with replacement (the same resamples for
 * every k, so the band is coherent across k).
 *
 * curve(k) = (1/M) Σ_m pass@k(n_m, c_m); interval = the (1−confidence)/2 and (1+confidence)/2
 * quantiles of that mean over `resamples` bootstrap draws of M problems (Efron 1979).
 *
 * @param results Per-problem counts; n may differ between problems.
 * @param ks The values of k, each an integer ≥ 1 and ≤ every problem's n.
 * @param options Bootstrap settings.
 * @returns One {@link PassAtKPoint} per k, in the order of `ks`.
 * @throws {RangeError} If there are no problems or no ks, if a k exceeds a problem's n (naming
 *   the problem), or if the counts or options are out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curve = passAtKCurve([{ n: 4, c: 1 }, { n: 4, c: 0 }], [1, 4], { resamples: 50 });
 * assert.deepEqual(curve.map((p) => p.estimate), [0.125, 0.5]);
 * assert.ok(curve[1].lower <= 0.5 && curve[1].upper >= 0.5);
 * ```
 */
export function passAtKCurve(
  results: readonly ProblemCounts[],
  ks: readonly number[],
  options: PassAtKCurveOptions = {},
): PassAtKPoint[] {
  const { resamples = 1000, confidence = 0.95, prng = seededPrng(0) } = options;
  if (results.length === 0) {
    throw new RangeError("Cannot compute a pass@k curve: no problems, got 0 results");
  }
  if (ks.length === 0) throw new RangeError("Cannot compute a pass@k curve: no ks, got []");
  if (!Number.isSafeInteger(resamples) || resamples < 0) {
    throw new RangeError(
      `Cannot compute a pass@k curve: resamples must be an integer >= 0, got ${resamples}`,
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `Cannot compute a pass@k curve: confidence must be in (0, 1), got ${confidence}`,
    );
  }
  const m = results.length;
  // perProblem[kIndex][problem]; problems often share (n, c), so memoise per k.
  const perProblem = ks.map((k) => {
    const memo = new Map<string, number>();
    return results.map(({ n, c, problemId }, index) => {
      if (Number.isInteger(k) && Number.isInteger(n) && k > n) {
        const name = problemId === undefined ? `#${index}` : `"${problemId}"`;
        throw new RangeError(
          `Cannot compute a pass@k curve: k must be <= n for every problem, got k=${k} and n=${n} for problem ${name}`,
        );
      }
      const key = `${n},${c}`;
      let value = memo.get(key);
      if (value === undefined) {
        value = passAtK(n, c, k);
        memo.set(key, value);
      }
      return value;
    });
  });
  const means = perProblem.map((values) => sum(values) / m);
  const draws = ks.map(() => new Float64Array(resamples));
  const weights = new Uint32Array(m);
  for (let b = 0; b < resamples; b++) {
    weights.fill(0);
    for (let i = 0; i < m; i++) weights[randomInt(prng, m)]++;
    for (let j = 0; j < ks.length; j++) {
      const values = perProblem[j];
      let total = 0;
      for (let i = 0; i < m; i++) total += weights[i] * values[i];
      draws[j][b] = total / m;
    }
  }
  const alpha = (1 - confidence) / 2;
  return ks.map((k, j) => {
    if (resamples === 0) return { k, estimate: means[j], lower: means[j], upper: means[j] };
    const sorted = draws[j].sort();
    return {
      k,
      estimate: means[j],
      lower: quantile(sorted, alpha),
      upper: quantile(sorted, 1 - alpha),
    };
  });
}

/**
 * Turns a Pass@k curve into tidy rows for tables and {@link PassAtKRow}-based plots.
 *
 * @param curve The curve from {@link passAtKCurve}.
 * @param labels The dataset (or tier) and method the curve belongs to.
 * @returns One row per point, Pass@k and interval as fractions.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = curveToRows([{ k: 1, estimate: 0.5, lower: 0.4, upper: 0.6 }], {
 *   dataset: "MATH",
 *   method: "NSR",
 * });
 * assert.deepEqual(rows[0], { dataset: "MATH", method: "NSR", k: 1, estimate: 0.5, lower: 0.4, upper: 0.6 });
 * ```
 */
export function curveToRows(
  curve: readonly PassAtKPoint[],
  labels: { readonly dataset: string; readonly method: string },
): PassAtKRow[] {
  const { dataset, method } = labels;
  return curve.map((point) => ({ dataset, method, ...point }));
}

/**
 * The ks of a Pass@k curve with n samples per problem: 1, 2, 4, … up to n.
 *
 * @param n Samples per problem.
 * @returns The powers of two ≤ n.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(powersOfTwoUpTo(10), [1, 2, 4, 8]);
 * ```
 */
export function powersOfTwoUpTo(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  return ks;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/**
 * The q-quantile of sorted values by linear interpolation between order statistics (Hyndman &
 * Fan type 7, numpy's default): the percentile intervals of every bootstrap here.
 *
 * @param sorted Values in ascending order (at least one).
 * @param q The quantile, in [0, 1].
 * @returns The interpolated value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(quantile(Float64Array.from([1, 2, 3, 4]), 0.5), 2.5);
 * ```
 */
export function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
