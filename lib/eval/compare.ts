/**
 * Comparing methods by Pass@k over several training seeds: multi-seed curves and paired
 * differences with bootstrap intervals over problems and seeds.
 *
 * Results of one method on one tier are per seed, per problem counts ({@link SeedProblemCounts}):
 * `results[s][m] = { n, c, problemId }` for training seed s and problem m, the same problems in
 * every seed. The estimate of Pass@k is the mean over seeds of the mean over problems,
 *
 *   P(k) = (1/S) Σ_s (1/M) Σ_m pass@k(n_sm, c_sm),
 *
 * and its interval comes from one two-level percentile bootstrap (see {@link bootstrapPassAtK}).
 *
 * Plain numbers only: this file never imports tf.
 *
 * @module
 */

import {
  type Interval,
  passAtK,
  type PassAtKPoint,
  type ProblemCounts,
  quantile,
} from "./passk.ts";
import { type Prng, randomInt, seededPrng } from "../random.ts";

/** Counts of one method on one tier: `results[seed][problem]`, the same problems in every seed. */
export type SeedProblemCounts = readonly (readonly ProblemCounts[])[];

/** Bootstrap settings shared by every function of this file. */
export type BootstrapOptions = {
  /** Bootstrap resamples; 0 gives degenerate intervals [estimate, estimate]. Default 1000. */
  readonly resamples?: number;
  /** Coverage of the percentile intervals, in (0, 1). Default 0.95. */
  readonly confidence?: number;
  /** Source of randomness. Default `seededPrng(0)`, so results are repeatable. */
  readonly prng?: Prng;
};

/**
 * The joint bootstrap of several methods' Pass@k curves on one tier (from {@link bootstrapPassAtK}).
 * Draw b of every method used the same resampled problems, so any statistic computed per draw
 * across methods (a difference, a maximum, a rank correlation) is paired over problems.
 */
export type PassAtKBootstrap = {
  /** The values of k, in the order given. */
  readonly ks: readonly number[];
  /** Method names, in the order of the input record. */
  readonly methods: readonly string[];
  /** Number of problems M (the same for every method). */
  readonly problems: number;
  /** Number of seeds per method. */
  readonly seeds: Readonly<Record<string, number>>;
  /** Coverage of the intervals derived from the draws. */
  readonly confidence: number;
  /** Number of bootstrap draws. */
  readonly resamples: number;
  /** Per method, the estimate P(k) for each k (index as in `ks`). */
  readonly estimates: Readonly<Record<string, readonly number[]>>;
  /** Per method, per k index, the `resamples` bootstrap values of P(k). */
  readonly draws: Readonly<Record<string, readonly Float64Array[]>>;
};

/**
 * Aligns per-seed counts of several methods on their problems: every seed of every method must
 * hold the same problems. With problem ids (on every record of the first seed) records are
 * matched by id, in any order; without ids they are matched by position.
 *
 * @param groups Per-seed counts of each method.
 * @returns The problem ids (`#i` for position i when there are none) and, per method, per seed,
 *   the counts in that order.
 * @throws {RangeError} If a method has no seed, there are no problems, or the problems differ
 *   between seeds (the first missing or extra id is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = [[{ problemId: "x", n: 2, c: 1 }, { problemId: "y", n: 2, c: 0 }]];
 * const b = [[{ problemId: "y", n: 2, c: 2 }, { problemId: "x", n: 2, c: 0 }]];
 * const { ids, counts } = alignProblems([a, b]);
 * assert.deepEqual(ids, ["x", "y"]);
 * assert.deepEqual(counts[1][0].map((p) => p.c), [0, 2]);
 * ```
 */
export function alignProblems(
  groups: readonly SeedProblemCounts[],
): { ids: string[]; counts: ProblemCounts[][][] } {
  if (groups.length === 0 || groups.some((seeds) => seeds.length === 0)) {
    throw new RangeError(
      `Cannot align problems: every method needs at least one seed, got seed counts ${
        groups.map((seeds) => seeds.length).join(", ") || "none"
      }`,
    );
  }
  const reference = groups[0][0];
  if (reference.length === 0) throw new RangeError("Cannot align problems: got 0 problems");
  const byId = reference.every((p) => p.problemId !== undefined);
  const ids = reference.map((p, i) => byId ? p.problemId! : `#${i}`);
  const position = new Map(ids.map((id, i) => [id, i]));
  if (position.size !== ids.length) {
    throw new RangeError(`Cannot align problems: problem ids repeat, got ${ids.length} ids`);
  }
  const counts = groups.map((seeds, g) =>
    seeds.map((seed, s) => {
      if (seed.length !== ids.length) {
        throw new RangeError(
          `Cannot align problems: every seed must hold the same problems, got ${seed.length} ` +
            `problems in method ${g} seed ${s} and ${ids.length} in the first`,
        );
      }
      if (!byId) return [...seed];
      const ordered: ProblemCounts[] = new Array(ids.length);
      for (const problem of seed) {
        const at = problem.problemId === undefined ? undefined : position.get(problem.problemId);
        if (at === undefined || ordered[at] !== undefined) {
          throw new RangeError(
            `Cannot align problems: every seed must hold the same problems, got problem ` +
              `"${problem.problemId}" (unknown or repeated) in method ${g} seed ${s}`,
          );
        }
        ordered[at] = problem;
      }
      return ordered;
    })
  );
  return { ids, counts };
}

/**
 * Bootstraps the Pass@k curves of several methods on one tier, jointly.
 *
 * Scheme (two-level percentile bootstrap, Efron 1979; Davison & Hinkley 1997, §3.8): each draw
 * resamples the M problems with replacement (one set of indices, shared by every seed and every
 * method) and, for each method separately, its S seeds with replacement; the draw's value is
 * the mean over the drawn seeds of the mean over the drawn problems. Why: a result should hold
 * for other problems from the same tier (problem sampling) and for other training runs (seed
 * sampling), so both are resampled. Problems are crossed with seeds and methods (the same
 * problem is hard for everyone), so they are resampled once per draw: this keeps that
 * correlation and pairs every comparison over problems. Seeds of different methods are
 * independent runs, so they are resampled independently; a method with a single evaluation
 * (e.g. the base model) simply keeps it. Caveats: with few seeds (3), the seed level of the
 * bootstrap underestimates the seed variance by a factor (S−1)/S; resampling both levels counts
 * the problem × seed interaction twice, which errs the other way; a simulation with 3 seeds and
 * 40 problems covered the true difference 95% (k = 1) and 94% (k = 4) of the time. With a single
 * seed only problem sampling is covered (the same simulation with one seed: 85%). Intervals are
 * pointwise in k.
 *
 * @param groups Per-seed, per-problem counts of each method, keyed by method name (methods keep
 *   the record's key order; as in any JS object, integer-like names such as "0" come first).
 * @param ks The values of k, each ≤ every problem's n.
 * @param options Bootstrap settings.
 * @returns Estimates and draws of every method's curve.
 * @throws {RangeError} If there are no methods or ks, problems differ between seeds, a k
 *   exceeds a problem's n (the problem is named), or counts or options are out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const base = [[{ n: 4, c: 1 }, { n: 4, c: 0 }]];
 * const nsr = [[{ n: 4, c: 2 }, { n: 4, c: 0 }], [{ n: 4, c: 2 }, { n: 4, c: 2 }]];
 * const boot = bootstrapPassAtK({ base, nsr }, [1, 4], { resamples: 20 });
 * assert.deepEqual(boot.estimates.nsr, [0.375, 0.75]);
 * assert.equal(boot.draws.base[0].length, 20);
 * ```
 */
export function bootstrapPassAtK(
  groups: Readonly<Record<string, SeedProblemCounts>>,
  ks: readonly number[],
  options: BootstrapOptions = {},
): PassAtKBootstrap {
  const { resamples = 1000, confidence = 0.95, prng = seededPrng(0) } = options;
  checkBootstrapOptions("bootstrap pass@k", resamples, confidence);
  const methods = Object.keys(groups);
  if (methods.length === 0) throw new RangeError("Cannot bootstrap pass@k: got 0 methods");
  if (ks.length === 0) throw new RangeError("Cannot bootstrap pass@k: no ks, got []");
  const { ids, counts } = alignProblems(methods.map((method) => groups[method]));
  const m = ids.length;
  // values[g][j][s * M + i] = pass@k_j of seed s on problem i; (n, c) pairs repeat, so memoise.
  const memo = new Map<string, number>();
  const values = counts.map((seeds) =>
    ks.map((k) => {
      const flat = new Float64Array(seeds.length * m);
      seeds.forEach((seed, s) =>
        seed.forEach(({ n, c }, i) => {
          if (Number.isInteger(k) && Number.isInteger(n) && k > n) {
            throw new RangeError(
              `Cannot bootstrap pass@k: k must be <= n for every problem, got k=${k} and ` +
                `n=${n} for problem "${ids[i]}"`,
            );
          }
          const key = `${n},${c},${k}`;
          let value = memo.get(key);
          if (value === undefined) {
            value = passAtK(n, c, k);
            memo.set(key, value);
          }
          flat[s * m + i] = value;
        })
      );
      return flat;
    })
  );
  const joint = resampleProblemMeans(values, counts.map((seeds) => seeds.length), m, {
    resamples,
    prng,
  });
  return {
    ks: [...ks],
    methods,
    problems: m,
    seeds: Object.fromEntries(methods.map((method, g) => [method, counts[g].length])),
    confidence,
    resamples,
    estimates: Object.fromEntries(methods.map((method, g) => [method, joint.estimates[g]])),
    draws: Object.fromEntries(methods.map((method, g) => [method, joint.draws[g]])),
  };
}

/**
 * The two-level bootstrap of {@link bootstrapPassAtK} on any per-problem values: for group g and
 * quantity j, `values[g][j][s * M + i]` is the value on problem i of seed s. Each draw resamples
 * the M problems once (shared by every group and quantity) and each group's seeds separately (a
 * group with one seed keeps it); its value is the mean over drawn seeds of the mean over drawn
 * problems. Returns the estimates (plain means) and the draws, per group and quantity.
 */
function resampleProblemMeans(
  values: readonly (readonly Float64Array[])[],
  seedCounts: readonly number[],
  m: number,
  options: { resamples: number; prng: Prng },
): { estimates: number[][]; draws: Float64Array[][] } {
  const { resamples, prng } = options;
  const estimates = values.map((perK) => perK.map((flat) => mean(flat)));
  const draws = values.map((perK) => perK.map(() => new Float64Array(resamples)));
  const problemWeights = new Uint32Array(m);
  const seedMix = new Float64Array(m);
  for (let b = 0; b < resamples; b++) {
    problemWeights.fill(0);
    for (let i = 0; i < m; i++) problemWeights[randomInt(prng, m)]++;
    values.forEach((perK, g) => {
      const seedCount = seedCounts[g];
      const seedWeights = new Uint32Array(seedCount);
      // A single evaluation stays fixed without a draw, so one seed reproduces passAtKCurve.
      if (seedCount === 1) seedWeights[0] = 1;
      else for (let s = 0; s < seedCount; s++) seedWeights[randomInt(prng, seedCount)]++;
      perK.forEach((flat, j) => {
        // Σ_s v_s x_si first, then Σ_i w_i (…): S·M + M products instead of a triple loop.
        seedMix.fill(0);
        for (let s = 0; s < seedCount; s++) {
          const weight = seedWeights[s];
          if (weight === 0) continue;
          for (let i = 0; i < m; i++) seedMix[i] += weight * flat[s * m + i];
        }
        let total = 0;
        for (let i = 0; i < m; i++) total += problemWeights[i] * seedMix[i];
        draws[g][j][b] = total / (seedCount * m);
      });
    });
  }
  return { estimates, draws };
}

/** Per-seed, per-problem values of one quantity: `values[seed][problem]`. */
export type SeedProblemValues = readonly (readonly number[])[];

/**
 * The joint bootstrap of several methods' per-problem quantities (an entropy, a greedy
 * accuracy, a count of distinct correct answers), by the scheme of {@link bootstrapPassAtK}:
 * problems resampled once per draw for every method and quantity (paired), seeds per method.
 *
 * @param groups Method → quantity → per-seed, per-problem values (the same problems, in the same
 *   order, in every seed of every method).
 * @param options Bootstrap settings.
 * @returns Estimates and draws, per method and quantity.
 * @throws {RangeError} If there are no methods, a method lacks a quantity, or the numbers of
 *   problems differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const boot = bootstrapProblemMeans({ a: { h: [[1, 2], [3, 4]] }, b: { h: [[0, 0]] } }, { resamples: 10 });
 * assert.deepEqual(boot.estimates.a, { h: 2.5 });
 * assert.equal(boot.draws.b.h.length, 10);
 * ```
 */
export function bootstrapProblemMeans(
  groups: Readonly<Record<string, Readonly<Record<string, SeedProblemValues>>>>,
  options: BootstrapOptions = {},
): ProblemMeansBootstrap {
  const { resamples = 1000, confidence = 0.95, prng = seededPrng(0) } = options;
  checkBootstrapOptions("bootstrap problem means", resamples, confidence);
  const methods = Object.keys(groups);
  if (methods.length === 0) throw new RangeError("Cannot bootstrap problem means: got 0 methods");
  const quantities = Object.keys(groups[methods[0]]);
  const m = groups[methods[0]][quantities[0]]?.[0]?.length ?? 0;
  const values = methods.map((method) =>
    quantities.map((q) => {
      const seeds = groups[method][q];
      if (seeds === undefined || seeds.length === 0) {
        throw new RangeError(
          `Cannot bootstrap problem means: method "${method}" has no values of "${q}"`,
        );
      }
      const flat = new Float64Array(seeds.length * m);
      seeds.forEach((row, s) => {
        if (row.length !== m) {
          throw new RangeError(
            `Cannot bootstrap problem means: every seed needs ${m} problems, got ${row.length} for "${method}" seed ${s}`,
          );
        }
        flat.set(row, s * m);
      });
      return flat;
    })
  );
  const seedCounts = methods.map((method) => groups[method][quantities[0]].length);
  const joint = resampleProblemMeans(values, seedCounts, m, { resamples, prng });
  const record = <T>(perMethod: T[][]) =>
    Object.fromEntries(
      methods.map((method, g) => [
        method,
        Object.fromEntries(quantities.map((q, j) => [q, perMethod[g][j]])),
      ]),
    );
  return {
    methods,
    quantities,
    problems: m,
    confidence,
    resamples,
    estimates: record(joint.estimates),
    draws: record(joint.draws),
  };
}

/** What {@link bootstrapProblemMeans} returns: per method and quantity, estimate and draws. */
export type ProblemMeansBootstrap = {
  /** Method names, in input order. */
  readonly methods: readonly string[];
  /** Quantity names, in input order. */
  readonly quantities: readonly string[];
  /** Number of problems M. */
  readonly problems: number;
  /** Coverage of intervals derived from the draws. */
  readonly confidence: number;
  /** Number of draws. */
  readonly resamples: number;
  /** Method → quantity → estimate (mean over seeds of the mean over problems). */
  readonly estimates: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Method → quantity → the draws. */
  readonly draws: Readonly<Record<string, Readonly<Record<string, Float64Array>>>>;
};

/**
 * One method's Pass@k curve from a joint bootstrap: the multi-seed estimate and its interval.
 *
 * @param boot A bootstrap from {@link bootstrapPassAtK}.
 * @param method The method's name.
 * @returns One {@link PassAtKPoint} per k.
 * @throws {RangeError} If the method is not in the bootstrap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const boot = bootstrapPassAtK({ nsr: [[{ n: 2, c: 1 }], [{ n: 2, c: 2 }]] }, [1]);
 * const [point] = bootstrapCurve(boot, "nsr");
 * assert.equal(point.estimate, 0.75);
 * assert.ok(point.lower >= 0.5 && point.upper <= 1);
 * ```
 */
export function bootstrapCurve(boot: PassAtKBootstrap, method: string): PassAtKPoint[] {
  const estimates = methodField(boot, method, "estimates");
  const draws = methodField(boot, method, "draws");
  return boot.ks.map((k, j) => {
    const { lower, upper } = percentileInterval(draws[j], estimates[j], boot.confidence);
    return { k, estimate: estimates[j], lower, upper };
  });
}

/**
 * The paired difference of Pass@k, method − base, at each k, from a joint bootstrap: the
 * difference of the estimates and the percentile interval of the per-draw differences (the same
 * resampled problems for both, seeds resampled within each method).
 *
 * @param boot A bootstrap from {@link bootstrapPassAtK}.
 * @param pair The `method` and the `base` it is compared with.
 * @returns One point per k: the difference and its interval (a curve of differences).
 * @throws {RangeError} If either name is not in the bootstrap.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const base = [[{ n: 2, c: 0 }, { n: 2, c: 1 }]];
 * const nsr = [[{ n: 2, c: 1 }, { n: 2, c: 2 }]];
 * const [d] = bootstrapDifference(bootstrapPassAtK({ base, nsr }, [1]), { method: "nsr", base: "base" });
 * assert.equal(d.estimate, 0.5);
 * assert.deepEqual([d.lower, d.upper], [0.5, 0.5]); // every problem gains 0.5
 * ```
 */
export function bootstrapDifference(
  boot: PassAtKBootstrap,
  pair: { readonly method: string; readonly base: string },
): PassAtKPoint[] {
  const { method, base } = pair;
  const a = methodField(boot, method, "estimates"), b = methodField(boot, base, "estimates");
  const drawsA = methodField(boot, method, "draws"), drawsB = methodField(boot, base, "draws");
  return boot.ks.map((k, j) => {
    const draws = drawsA[j].map((value, r) => value - drawsB[j][r]);
    const difference = a[j] - b[j];
    const { lower, upper } = percentileInterval(draws, difference, boot.confidence);
    return { k, estimate: difference, lower, upper };
  });
}

/**
 * The multi-seed Pass@k curve of one method: mean over seeds of the mean over problems, with the
 * two-level bootstrap interval of {@link bootstrapPassAtK}. With one seed this is the problem
 * bootstrap of `passAtKCurve`.
 *
 * @param seeds Per-seed, per-problem counts.
 * @param ks The values of k.
 * @param options Bootstrap settings.
 * @returns One {@link PassAtKPoint} per k.
 * @throws {RangeError} As {@link bootstrapPassAtK}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const seeds = [[{ n: 4, c: 1 }, { n: 4, c: 3 }], [{ n: 4, c: 2 }, { n: 4, c: 2 }]];
 * const [point] = multiSeedPassAtKCurve(seeds, [1], { resamples: 100 });
 * assert.equal(point.estimate, 0.5);
 * ```
 */
export function multiSeedPassAtKCurve(
  seeds: SeedProblemCounts,
  ks: readonly number[],
  options: BootstrapOptions = {},
): PassAtKPoint[] {
  return bootstrapCurve(bootstrapPassAtK({ method: seeds }, ks, options), "method");
}

/**
 * The difference of means of two samples of a scalar, mean(a) − mean(b), with a percentile
 * bootstrap interval: per-seed metrics such as final test entropy (unpaired: each sample is
 * resampled on its own; a single value stays fixed) or per-item paired metrics (`paired`: the
 * same indices for both).
 *
 * @param a Values of the first sample.
 * @param b Values of the second sample (the same length as `a` when paired).
 * @param options Bootstrap settings and `paired` (default false).
 * @returns The estimate and its interval.
 * @throws {RangeError} If a sample is empty, lengths differ when paired, or options are out of
 *   range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = meanDifferenceInterval([2, 2, 2], [1]);
 * assert.deepEqual(d, { estimate: 1, lower: 1, upper: 1 });
 * ```
 */
export function meanDifferenceInterval(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions & { readonly paired?: boolean } = {},
): Interval {
  const { resamples = 1000, confidence = 0.95, prng = seededPrng(0), paired = false } = options;
  checkBootstrapOptions("bootstrap a mean difference", resamples, confidence);
  if (a.length === 0 || b.length === 0) {
    throw new RangeError(
      `Cannot bootstrap a mean difference: both samples need values, got ${a.length} and ${b.length}`,
    );
  }
  if (paired && a.length !== b.length) {
    throw new RangeError(
      `Cannot bootstrap a paired mean difference: lengths differ, got ${a.length} and ${b.length}`,
    );
  }
  const estimate = mean(a) - mean(b);
  const draws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let totalA = 0, totalB = 0;
    if (paired) {
      for (let i = 0; i < a.length; i++) {
        const at = randomInt(prng, a.length);
        totalA += a[at];
        totalB += b[at];
      }
    } else {
      for (let i = 0; i < a.length; i++) totalA += a[randomInt(prng, a.length)];
      for (let i = 0; i < b.length; i++) totalB += b[randomInt(prng, b.length)];
    }
    draws[r] = totalA / a.length - totalB / b.length;
  }
  return { estimate, ...percentileInterval(draws, estimate, confidence) };
}

/**
 * A bootstrap interval for the mean of one sample (per-seed or per-sample numbers).
 *
 * @param values The sample.
 * @param options Resamples, confidence and the PRNG (default `seededPrng(0)`).
 * @returns The mean and its percentile interval.
 * @throws {RangeError} If `values` is empty or the options are out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const interval = meanInterval([1, 2, 3], { resamples: 200 });
 * assert.equal(interval.estimate, 2);
 * assert.ok(interval.lower >= 1 && interval.upper <= 3);
 * ```
 */
export function meanInterval(values: readonly number[], options: BootstrapOptions = {}): Interval {
  const { resamples = 1000, confidence = 0.95, prng = seededPrng(0) } = options;
  checkBootstrapOptions("bootstrap a mean", resamples, confidence);
  if (values.length === 0) {
    throw new RangeError("Cannot bootstrap a mean: no values, got 0");
  }
  const estimate = mean(values);
  const draws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[randomInt(prng, values.length)];
    draws[r] = total / values.length;
  }
  return { estimate, ...percentileInterval(draws, estimate, confidence) };
}

/**
 * The percentile interval of bootstrap draws: the (1−confidence)/2 and (1+confidence)/2
 * quantiles (linear interpolation between order statistics, numpy's default), or
 * [estimate, estimate] when there are no draws.
 *
 * @param draws Bootstrap values of a statistic (not modified).
 * @param estimate The statistic on the original data, used when there are no draws.
 * @param confidence Coverage, in (0, 1).
 * @returns The interval's ends.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(percentileInterval([3, 1, 2], 2, 0.5), { lower: 1.5, upper: 2.5 });
 * assert.deepEqual(percentileInterval([], 2, 0.95), { lower: 2, upper: 2 });
 * ```
 */
export function percentileInterval(
  draws: ArrayLike<number>,
  estimate: number,
  confidence: number,
): { lower: number; upper: number } {
  if (draws.length === 0) return { lower: estimate, upper: estimate };
  const sorted = Float64Array.from(draws).sort();
  const alpha = (1 - confidence) / 2;
  return { lower: quantile(sorted, alpha), upper: quantile(sorted, 1 - alpha) };
}

function methodField<F extends "estimates" | "draws">(
  boot: PassAtKBootstrap,
  method: string,
  field: F,
): PassAtKBootstrap[F][string] {
  if (!boot.methods.includes(method)) {
    throw new RangeError(
      `Cannot read a bootstrap: unknown method "${method}", got methods ${boot.methods.join(", ")}`,
    );
  }
  return boot[field][method] as PassAtKBootstrap[F][string];
}

function checkBootstrapOptions(action: string, resamples: number, confidence: number): void {
  if (!Number.isSafeInteger(resamples) || resamples < 0) {
    throw new RangeError(`Cannot ${action}: resamples must be an integer >= 0, got ${resamples}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`Cannot ${action}: confidence must be in (0, 1), got ${confidence}`);
  }
}

function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total / values.length;
}

/**
 * Pearson correlation of two equally long samples; 0 when either side is constant (no trend to
 * speak of).
 *
 * @param x First sample.
 * @param y Second sample, same length.
 * @returns The correlation in [−1, 1].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(pearson([1, 2, 3], [2, 4, 6]), 1);
 * assert.equal(pearson([1, 2, 3], [5, 5, 5]), 0);
 * ```
 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}
