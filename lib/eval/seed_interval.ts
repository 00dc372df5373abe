/**
 * {@link seedInterval}: a 95% Student-t interval for the mean of a few per-seed numbers. With
 * three seeds a percentile bootstrap has only ten distinct resampled means and covers far less
 * than 95%; the t interval is exact when the per-seed numbers are normal and is wide as it
 * should be (t = 4.30 for three seeds). No tf.
 *
 * @module
 */
import type { Interval } from "./passk.ts";

/** t quantiles at 0.975 for 1 … 30 degrees of freedom. */
const T_975 = [
  12.7062,
  4.3027,
  3.1824,
  2.7764,
  2.5706,
  2.4469,
  2.3646,
  2.306,
  2.2622,
  2.2281,
  2.201,
  2.1788,
  2.1604,
  2.1448,
  2.1314,
  2.1199,
  2.1098,
  2.1009,
  2.093,
  2.086,
  2.0796,
  2.0739,
  2.0687,
  2.0639,
  2.0595,
  2.0555,
  2.0518,
  2.0484,
  2.0452,
  2.0423,
];

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: a table up to 30, then the
 * Cornish–Fisher expansion around the normal quantile (error < 1e-4 there).
 *
 * @param df Degrees of freedom, a positive integer.
 * @returns The quantile.
 * @throws {RangeError} If `df` is not a positive integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(tQuantile975(2), 4.3027);
 * assert.ok(Math.abs(tQuantile975(1000) - 1.9623) < 1e-3);
 * ```
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new RangeError(`Cannot give a t quantile: df must be a positive integer, got ${df}`);
  }
  if (df <= T_975.length) return T_975[df - 1];
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/**
 * The mean of per-seed numbers with its 95% Student-t interval, mean ± t(0.975, s − 1)·sd/√s. One
 * seed gives an unbounded interval (nothing is known of the spread between seeds).
 *
 * @param values One number per seed.
 * @returns The mean and the interval.
 * @throws {RangeError} If `values` is empty or holds a non-finite number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const interval = seedInterval([1, 2, 3]);
 * assert.equal(interval.estimate, 2);
 * assert.ok(Math.abs(interval.upper - (2 + 4.3027 / Math.sqrt(3))) < 1e-12);
 * assert.equal(seedInterval([5]).upper, Infinity);
 * ```
 */
export function seedInterval(values: readonly number[]): Interval {
  if (values.length === 0) throw new RangeError("Cannot give a seed interval: no values, got 0");
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new RangeError(`Cannot give a seed interval: value ${bad} is ${values[bad]}`);
  }
  const s = values.length;
  const estimate = values.reduce((a, x) => a + x, 0) / s;
  if (s === 1) return { estimate, lower: -Infinity, upper: Infinity };
  const variance = values.reduce((a, x) => a + (x - estimate) ** 2, 0) / (s - 1);
  const half = tQuantile975(s - 1) * Math.sqrt(variance / s);
  return { estimate, lower: estimate - half, upper: estimate + half };
}
