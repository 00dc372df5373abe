/**
 * The verifier's entry points: {@link verify} (a verdict with its reason) and
 * {@link mathReward} (the 0/1 reward of an RL run). Pipeline: extract → normalise → read the
 * structure → compare (exact rationals first, compute-engine parse and seeded evaluation
 * after). Deterministic, never throws on model output, and bounded by a step count.
 *
 * @module
 */

import { assertIntegerInRange } from "../_assert.ts";
import { type Budget, BudgetExceededError } from "./budget.ts";
import { type EquivalenceSettings, isAnswerEquivalent } from "./equivalent.ts";
import { extractAnswer, type ExtractOptions } from "./extract.ts";
import { prepareLeaf } from "./leaf.ts";
import { normalizeAnswer } from "./normalize.ts";
import { isRationalEqual, parseRationalLiteral } from "./rational.ts";
import { type AnswerNode, parseAnswerNode } from "./structure.ts";

/** Why a verdict is what it is. */
export type VerdictReason =
  | "equivalent"
  | "not-equivalent"
  | "no-answer"
  | "unparsable"
  | "budget-exceeded";

/** The outcome of {@link verify}. `correct` is true iff `reason` is `"equivalent"`. */
export type Verdict = {
  correct: boolean;
  reason: VerdictReason;
  /** The extracted answer, or `null` when the response commits to none. */
  predicted: string | null;
  gold: string;
};

/** Options of {@link verify} and {@link mathReward}. */
export type VerifyOptions = ExtractOptions & {
  /** Relative tolerance between a decimal and an irrational value (`1.41421` vs `\sqrt2`). */
  readonly relativeTolerance?: number;
  /** Seed of the random points at which expressions are compared. */
  readonly seed?: number;
  /** Random points per expression comparison. */
  readonly points?: number;
  /** Work bound: steps of structure reading and evaluation before `budget-exceeded`. */
  readonly maxSteps?: number;
  /** Longest extracted answer (characters) that is compared at all. */
  readonly maxAnswerLength?: number;
};

/** Most random points per comparison an option may ask for. */
const MAX_POINTS = 1_000;
/** Gold readings kept before the cache is cleared (memory bound only; results never change). */
const GOLD_CACHE_LIMIT = 20_000;
const goldCache = new Map<string, AnswerNode[] | "budget-exceeded">();
/** Steps one gold may spend on its structure when first read (it is cached afterwards). */
const GOLD_STRUCTURE_STEPS = 10_000;
/** `45,135` is both 45135 and the list 45, 135: MATH golds use it for each (`81,256` is a list). */
const AMBIGUOUS_THOUSANDS = /^[-+]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/;

/** The structures a gold may stand for: one, or two for an ambiguous `45,135`. */
function goldReadings(gold: string, maxAnswerLength: number): AnswerNode[] | "budget-exceeded" {
  const key = `${maxAnswerLength}\u0000${gold}`;
  const hit = goldCache.get(key);
  if (hit !== undefined) return hit;
  let readings: AnswerNode[] | "budget-exceeded";
  try {
    const texts = AMBIGUOUS_THOUSANDS.test(gold.trim())
      ? [gold, gold.replaceAll(",", ", ")]
      : [gold];
    readings = gold.length > maxAnswerLength
      ? "budget-exceeded"
      : texts.map((text) =>
        parseAnswerNode(normalizeAnswer(text), { steps: GOLD_STRUCTURE_STEPS })
      );
  } catch (error) {
    if (!(error instanceof BudgetExceededError)) throw error;
    readings = "budget-exceeded";
  }
  if (goldCache.size >= GOLD_CACHE_LIMIT) goldCache.clear();
  goldCache.set(key, readings);
  return readings;
}

function isUnparsable(node: AnswerNode): boolean {
  switch (node.kind) {
    case "leaf": {
      const leaf = prepareLeaf(node.latex);
      return node.latex.length === 0 ||
        (leaf.literal === null && leaf.text === null && leaf.math === null);
    }
    case "list":
    case "tuple":
    case "union":
      return node.items.some(isUnparsable);
    case "relation":
      return node.sides.some(isUnparsable);
    case "matrix":
      return node.rows.some((row) => row.some(isUnparsable));
    default: {
      const unreachable: never = node;
      return unreachable;
    }
  }
}

/**
 * Checks a model response against a gold answer.
 *
 * @param response A whole model output (the final answer is extracted from it).
 * @param gold A bare gold answer such as `\frac{3}{4}`, `336^\circ`, `(1, 2]`.
 * @param options Extraction, tolerance, seed, points and work bounds; see {@link VerifyOptions}.
 * @returns A {@link Verdict}; never throws on any strings.
 * @throws {RangeError} For invalid options (a non-integer `maxSteps`, a negative tolerance, …).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const verdict = verify("… so the answer is $\\boxed{0.75}$.", "\\frac{3}{4}");
 * assert.deepEqual(verdict, {
 *   correct: true, reason: "equivalent", predicted: "0.75", gold: "\\frac{3}{4}",
 * });
 * assert.equal(verify("no idea", "3").reason, "no-answer");
 * ```
 */
export function verify(response: string, gold: string, options: VerifyOptions = {}): Verdict {
  const {
    relativeTolerance = 1e-6,
    seed = 0,
    points = 6,
    maxSteps = 50_000,
    maxAnswerLength = 1_000,
    lastNumberFallback = false,
  } = options;
  assertIntegerInRange("maxSteps", maxSteps, 1);
  assertIntegerInRange("points", points, 1, MAX_POINTS);
  assertIntegerInRange("maxAnswerLength", maxAnswerLength, 1);
  assertIntegerInRange("seed", seed, Number.MIN_SAFE_INTEGER);
  if (!(relativeTolerance >= 0 && relativeTolerance < 1)) {
    throw new RangeError(
      `Cannot verify: relativeTolerance must be in [0, 1), got ${relativeTolerance}`,
    );
  }
  let predicted: string | null = null;
  const verdict = (reason: VerdictReason): Verdict => ({
    correct: reason === "equivalent",
    reason,
    predicted,
    gold,
  });
  try {
    predicted = extractAnswer(String(response), { lastNumberFallback });
    if (predicted === null) return verdict("no-answer");
    // The gold's own text is equivalent however long it is: a string comparison costs no more
    // than the extraction did, so the length bound (which bounds parsing) need not apply.
    if (predicted.trim() === String(gold).trim()) return verdict("equivalent");
    if (predicted.length > maxAnswerLength) return verdict("budget-exceeded");
    const readings = goldReadings(String(gold), maxAnswerLength);
    if (readings === "budget-exceeded") return verdict("budget-exceeded");
    const normalized = normalizeAnswer(predicted);
    if (normalized.length === 0) return verdict("no-answer");
    // Fast path: two plain number literals compare exactly without any parser.
    const goldLiteral = readings[0].kind === "leaf"
      ? parseRationalLiteral(readings[0].latex)
      : null;
    const predictedLiteral = goldLiteral ? parseRationalLiteral(normalized) : null;
    if (goldLiteral && predictedLiteral) {
      if (isRationalEqual(goldLiteral, predictedLiteral)) return verdict("equivalent");
      if (readings.length === 1) return verdict("not-equivalent");
    }
    const budget: Budget = { steps: maxSteps };
    const predictedStructure = parseAnswerNode(normalized, budget);
    const settings: EquivalenceSettings = { relativeTolerance, seed, points, budget };
    if (readings.some((reading) => isAnswerEquivalent(reading, predictedStructure, settings))) {
      return verdict("equivalent");
    }
    return verdict(isUnparsable(predictedStructure) ? "unparsable" : "not-equivalent");
  } catch (error) {
    // Model output is data: a budget overrun is a verdict, and so is any internal failure on
    // pathological text (reported as unparsable rather than thrown into the training loop).
    return verdict(error instanceof BudgetExceededError ? "budget-exceeded" : "unparsable");
  }
}

/**
 * The reward an RL run uses: 1 when {@link verify} says the response is correct, else 0.
 *
 * @param response A whole model output.
 * @param gold A bare gold answer.
 * @param options As for {@link verify}.
 * @returns 1 or 0.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(mathReward("Answer: $\\dfrac12$", "0.5"), 1);
 * assert.equal(mathReward("\\boxed{2}", "1+\\sqrt{2}"), 0);
 * ```
 */
export function mathReward(response: string, gold: string, options: VerifyOptions = {}): 0 | 1 {
  return verify(response, gold, options).correct ? 1 : 0;
}
