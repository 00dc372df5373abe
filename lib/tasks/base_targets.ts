/**
 * The base model's measured curves (`data/base/passk.json`) as plot rows, and the targets the
 * base model must meet (issue 7) checked against them: a notebook computes "met" / "missed" from
 * the measured numbers instead of typing them in.
 *
 * File shape: `{ "tierA": { "1": 0.52, …, "256": 0.95, "entropy": 0.41, "distinctCorrect": 3.2 },
 * "tierB": {…}, "tierC": {…} }`: Pass@k as fractions under the keys k, entropy in nats.
 *
 * @module
 */
import type { PassAtKRow } from "../eval/passk.ts";

/** A base model's measured curves: per tier, Pass@k under the keys k plus entropy and diversity. */
export type BasePassK = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** One target: a tier's metric (a k such as "1", or "distinctCorrect") within [min, max]. */
export type BaseTarget = {
  /** Tier, e.g. "tierA". */
  readonly tier: string;
  /** Key in the tier's record: a k ("1", "256") or "distinctCorrect". */
  readonly metric: string;
  /** Smallest allowed value (inclusive), if any. */
  readonly min?: number;
  /** Largest allowed value (inclusive), if any. */
  readonly max?: number;
};

/** A target checked against measured numbers. */
export type BaseTargetRow = {
  /** Tier. */
  readonly tier: string;
  /** The metric, e.g. "Pass@1" or "distinct correct". */
  readonly metric: string;
  /** The target in words, e.g. "0.40 – 0.65" or "≥ 0.90". */
  readonly target: string;
  /** The measured value (NaN when the file lacks it). */
  readonly value: number;
  /** Whether the value lies within the target. */
  readonly met: boolean;
  /** How far outside the target the value lies (0 when met). */
  readonly miss: number;
};

/**
 * The shipped base model's targets from issue 7 (n = 256 samples per problem at temperature 1.0).
 * "Well above 1" distinct correct responses per solved problem is read as at least 2.
 */
export const BASE_MODEL_TARGETS: readonly BaseTarget[] = [
  { tier: "tierA", metric: "1", min: 0.4, max: 0.65 },
  { tier: "tierA", metric: "256", min: 0.9 },
  { tier: "tierB", metric: "1", min: 0.15, max: 0.45 },
  { tier: "tierB", metric: "256", min: 0.75 },
  { tier: "tierC", metric: "1", max: 0.12 },
  { tier: "tierC", metric: "256", min: 0.35, max: 0.75 },
  { tier: "tierA", metric: "distinctCorrect", min: 2 },
  { tier: "tierB", metric: "distinctCorrect", min: 2 },
  { tier: "tierC", metric: "distinctCorrect", min: 2 },
];

/** The paper's benchmark each tier stands in for. */
export const TIER_BENCHMARKS: Readonly<Record<string, string>> = {
  tierA: "MATH",
  tierB: "AMC23",
  tierC: "AIME 2025",
};

/**
 * Turns measured curves (the shape of `data/base/passk.json`) into Pass@k plot rows, one per tier
 * and k (keys that are positive integers), in increasing k.
 *
 * @param passk The parsed file.
 * @param options The `method` name of the rows (e.g. "base v0, T = 1.0").
 * @returns Rows `{ dataset: tier, method, k, passAtK }`.
 * @throws {TypeError} If a tier is not an object or a Pass@k value is not in [0, 1].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = basePassKRows({ tierA: { "2": 0.3, "1": 0.2, entropy: 0.4 } }, { method: "base" });
 * assert.deepEqual(rows.map((r) => r.k), [1, 2]);
 * assert.equal(rows[0].dataset, "tierA");
 * ```
 */
export function basePassKRows(
  passk: BasePassK,
  options: { readonly method: string },
): PassAtKRow[] {
  const { method } = options;
  const rows: PassAtKRow[] = [];
  for (const [tier, record] of Object.entries(passk)) {
    if (typeof record !== "object" || record === null) {
      throw new TypeError(`Cannot read base curves: ${tier} must be an object, got ${record}`);
    }
    const ks = Object.keys(record).filter((key) => /^[1-9][0-9]*$/.test(key)).map(Number);
    for (const k of ks.sort((a, b) => a - b)) {
      const value = record[String(k)];
      if (!(typeof value === "number" && value >= 0 && value <= 1)) {
        throw new TypeError(
          `Cannot read base curves: ${tier}.${k} must be a fraction in [0, 1], got ${value}`,
        );
      }
      rows.push({ dataset: tier, method, k, estimate: value, lower: value, upper: value });
    }
  }
  return rows;
}

/**
 * Checks measured numbers against targets: each row says the target, the value, whether it is
 * met and by how much it is missed.
 *
 * @param passk The measured curves (shape of `data/base/passk.json`).
 * @param targets The targets. Default {@link BASE_MODEL_TARGETS}.
 * @returns One row per target, in order; a missing value is NaN and missed (miss = Infinity).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [row] = baseTargetRows({ tierA: { "1": 0.3 } }, [{ tier: "tierA", metric: "1", min: 0.4, max: 0.65 }]);
 * assert.equal(row.met, false);
 * assert.ok(Math.abs(row.miss - 0.1) < 1e-12);
 * assert.equal(row.metric, "Pass@1");
 * ```
 */
export function baseTargetRows(
  passk: BasePassK,
  targets: readonly BaseTarget[] = BASE_MODEL_TARGETS,
): BaseTargetRow[] {
  return targets.map(({ tier, metric, min, max }) => {
    const value = passk[tier]?.[metric] ?? NaN;
    const below = min !== undefined && value < min ? min - value : 0;
    const above = max !== undefined && value > max ? value - max : 0;
    const miss = Number.isNaN(value) ? Infinity : Math.max(below, above);
    return {
      tier,
      metric: /^[0-9]+$/.test(metric) ? `Pass@${metric}` : metric,
      target: describe(min, max),
      value,
      met: miss === 0,
      miss,
    };
  });
}

function describe(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min.toFixed(2)} – ${max.toFixed(2)}`;
  if (min !== undefined) return `≥ ${min.toFixed(2)}`;
  return max === undefined ? "any" : `≤ ${max.toFixed(2)}`;
}
