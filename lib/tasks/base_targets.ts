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
import { readJsonFile } from "../_io/read_json_file.ts";
import type { PassAtKRow } from "../eval/passk.ts";
import { BASE_MODEL_DIR } from "./base_model.ts";

/** A tier's recorded base curve. */
export type BaseTierCurve = {
  /** Pass@k (a fraction) by k. */
  readonly passAtK: Readonly<Record<number, number>>;
  /** Mean token entropy (nats, at temperature 1) of the samples. */
  readonly entropy: number;
  /** Mean distinct correct responses per solved problem. */
  readonly distinctCorrect: number;
};

/** A base model's recorded curves, by tier (the file `data/base/passk.json`, typed). */
export type BaseCurves = Readonly<Record<string, BaseTierCurve>>;

/** One target: a tier's metric (a k such as "1", or "distinctCorrect") within [min, max]. */
export type BaseTarget = {
  /** Tier, e.g. "tierA". */
  readonly tier: string;
  /** A k ("1", "256") or "distinctCorrect". */
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
 * Parses recorded base curves (the shape in the module doc): per tier, Pass@k under the keys k
 * (fractions), `entropy` and `distinctCorrect`.
 *
 * @param json The parsed file.
 * @param source Where it came from, for errors.
 * @returns The curves.
 * @throws {TypeError} Naming the tier and key that is missing or out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curves = parseBaseCurves({ tierA: { "1": 0.5, "4": 0.8, entropy: 0.4, distinctCorrect: 3 } }, "x.json");
 * assert.equal(curves.tierA.passAtK[4], 0.8);
 * ```
 */
export function parseBaseCurves(json: unknown, source: string): BaseCurves {
  const fail = (what: string, value: unknown): never => {
    throw new TypeError(
      `Cannot read base curves from ${source}: ${what}, got ${JSON.stringify(value)}`,
    );
  };
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    fail("it must be an object", json);
  }
  const curves: Record<string, BaseTierCurve> = {};
  for (const [tier, record] of Object.entries(json as Record<string, unknown>)) {
    if (typeof record !== "object" || record === null) fail(`${tier} must be an object`, record);
    const fields = record as Record<string, unknown>;
    const passAtK: Record<number, number> = {};
    for (const key of Object.keys(fields).filter((key) => /^[1-9][0-9]*$/.test(key))) {
      const value = fields[key];
      if (!(typeof value === "number" && value >= 0 && value <= 1)) {
        fail(`${tier}.${key} must be a fraction in [0, 1]`, value);
      }
      passAtK[Number(key)] = value as number;
    }
    const number = (name: string): number =>
      typeof fields[name] === "number" && (fields[name] as number) >= 0
        ? fields[name] as number
        : fail(`${tier}.${name} must be a number >= 0`, fields[name]);
    curves[tier] = {
      passAtK,
      entropy: number("entropy"),
      distinctCorrect: number("distinctCorrect"),
    };
  }
  return curves;
}

/** The files of recorded curves beside a base's weights, by sampling setting. */
const CURVE_FILES = { primary: "passk.json", paper: "passk_t06_topp095.json" } as const;

/**
 * Reads a base's recorded curves (`deno task pretrain --evaluate` writes them beside its weights):
 * at the primary setting (T = 1.0, `passk.json`) or the paper's (T = 0.6, top-p 0.95,
 * `passk_t06_topp095.json`).
 *
 * @param options `dir`: the checkpoint directory (default: the shipped base); `setting`:
 *   `primary` (default) or `paper`.
 * @returns The curves.
 * @throws {TypeError} As {@link parseBaseCurves}; the JSON reader's errors name the file.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curves = await loadBaseCurves({ setting: "paper" });
 * assert.ok(curves.tierA.passAtK[1] > 0);
 * ```
 */
export async function loadBaseCurves(
  options: { readonly dir?: string; readonly setting?: "primary" | "paper" } = {},
): Promise<BaseCurves> {
  const { dir = BASE_MODEL_DIR, setting = "primary" } = options;
  const path = `${dir.endsWith("/") ? dir : `${dir}/`}${CURVE_FILES[setting]}`;
  return parseBaseCurves(await readJsonFile(path), path);
}

/**
 * Base curves as Pass@k plot rows, one per tier and k, in increasing k.
 *
 * @param curves The curves.
 * @param options The `method` name of the rows (e.g. "base v0, T = 1.0").
 * @returns Rows `{ dataset: tier, method, k, estimate, lower, upper }` (lower = upper = estimate).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = basePassKRows({ tierA: { passAtK: { 2: 0.3, 1: 0.2 }, entropy: 0.4, distinctCorrect: 2 } }, { method: "base" });
 * assert.deepEqual(rows.map((r) => r.k), [1, 2]);
 * assert.equal(rows[0].dataset, "tierA");
 * ```
 */
export function basePassKRows(
  curves: BaseCurves,
  options: { readonly method: string },
): PassAtKRow[] {
  const { method } = options;
  return Object.entries(curves).flatMap(([tier, curve]) =>
    Object.keys(curve.passAtK).map(Number).sort((a, b) => a - b).map((k) => {
      const value = curve.passAtK[k];
      return { dataset: tier, method, k, estimate: value, lower: value, upper: value };
    })
  );
}

/**
 * Checks measured numbers against targets: each row says the target, the value, whether it is
 * met and by how much it is missed.
 *
 * @param curves The recorded curves.
 * @param targets The targets. Default {@link BASE_MODEL_TARGETS}.
 * @returns One row per target, in order; a missing value is NaN and missed (miss = Infinity).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curves = { tierA: { passAtK: { 1: 0.3 }, entropy: 0.4, distinctCorrect: 2 } };
 * const [row] = baseTargetRows(curves, [{ tier: "tierA", metric: "1", min: 0.4, max: 0.65 }]);
 * assert.equal(row.met, false);
 * assert.ok(Math.abs(row.miss - 0.1) < 1e-12);
 * assert.equal(row.metric, "Pass@1");
 * ```
 */
export function baseTargetRows(
  curves: BaseCurves,
  targets: readonly BaseTarget[] = BASE_MODEL_TARGETS,
): BaseTargetRow[] {
  return targets.map(({ tier, metric, min, max }) => {
    const curve = curves[tier];
    const value = curve === undefined
      ? NaN
      : metric === "distinctCorrect"
      ? curve.distinctCorrect
      : curve.passAtK[Number(metric)] ?? NaN;
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
