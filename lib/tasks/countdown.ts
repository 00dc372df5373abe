/**
 * Countdown-lite: given four distinct digits 1–9 and a target 10–99, reach the target with an
 * expression over two to four of the digits, each used at most once, with `+`, `-`, `*` (any
 * grouping; every intermediate result a positive integer). Many problems have many solutions.
 *
 * Text form (character budget: BOS + prompt + longest response + EOS ≤ 48 tokens):
 * - prompt `3925>42:` (the digits, `>`, the target, `:`);
 * - response `9*5=45,45-3=42\boxed{42}`: the working as steps, then the boxed result.
 *
 * Grading lives in countdown_grade.ts (it runs through the verifier).
 *
 * @module
 */
import type { Prng } from "../random.ts";
import { randomInt } from "../random.ts";
import { applyOperator, type Expr, exprKey, OPERATORS } from "./expression.ts";

/** A Countdown problem: `digits` in the order the prompt lists them, and the `target`. */
export type CountdownProblem = { readonly digits: readonly number[]; readonly target: number };

/** Number of digits in a problem. */
export const DIGIT_COUNT = 4;
/** Smallest target. */
export const TARGET_MIN = 10;
/** Largest target. */
export const TARGET_MAX = 99;
/** Every character a prompt or response may contain (for `charTokenizer`), 25 in all. */
export const COUNTDOWN_ALPHABET = "0123456789+-*=,>:\\boxed{}";
/** Characters of every prompt (four digits, `>`, a two-digit target, `:`). */
export const PROMPT_CHARS = 8;
/**
 * Longest response the teacher writes, in characters: three steps of at most 6, 8 and 10
 * characters (`9*8=72,72*7=504,504*6=3024`), two commas and `\boxed{3024}`. So BOS + prompt +
 * response + EOS ≤ 1 + 8 + 38 + 1 = 48 tokens, the policy's context.
 */
export const MAX_RESPONSE_CHARS = 38;
/** Opening of the boxed answer. */
export const BOX_OPEN = "\\boxed{";

/**
 * The prompt text of a problem.
 *
 * @param problem The problem.
 * @returns e.g. `3925>42:`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(countdownPrompt({ digits: [3, 9, 2, 5], target: 42 }), "3925>42:");
 * ```
 */
export function countdownPrompt(problem: CountdownProblem): string {
  return `${problem.digits.join("")}>${problem.target}:`;
}

/**
 * Identity of a problem regardless of digit order: the sorted digits and the target. Splits are
 * disjoint in this key.
 *
 * @param problem The problem.
 * @returns e.g. `2359>42`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(problemKey({ digits: [3, 9, 2, 5], target: 42 }), "2359>42");
 * ```
 */
export function problemKey(problem: CountdownProblem): string {
  return `${[...problem.digits].sort((a, b) => a - b).join("")}>${problem.target}`;
}

/**
 * Every solution of every target for one digit set: expression trees over 2–4 of the digits,
 * each used at most once, with positive intermediate results, distinct up to the commutativity
 * of `+` and `*` (so `9+3` and `3+9` count once; `(9+3)+5` and `9+(3+5)` twice).
 *
 * @param digits Distinct digits 1–9.
 * @returns Map from value (only values with ≥ 2 digits used) to its solutions.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const byValue = solutionsByValue([1, 2]);
 * assert.deepEqual([...byValue.keys()].sort((a, b) => a - b), [1, 2, 3]);
 * ```
 */
export function solutionsByValue(digits: readonly number[]): Map<number, Expr[]> {
  const n = digits.length;
  // trees[mask] = every distinct tree over exactly the digits in `mask`, with its value.
  const trees: { expr: Expr; value: number; key: string }[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    const found = new Map<string, { expr: Expr; value: number; key: string }>();
    if ((mask & (mask - 1)) === 0) {
      const value = digits[Math.log2(mask)];
      found.set(String(value), { expr: { kind: "digit", value }, value, key: String(value) });
    }
    for (let left = (mask - 1) & mask; left > 0; left = (left - 1) & mask) {
      const right = mask ^ left;
      for (const l of trees[left]) {
        for (const r of trees[right]) {
          for (const op of OPERATORS) {
            const value = applyOperator(op, l.value, r.value);
            if (value <= 0) continue;
            const expr: Expr = { kind: "op", op, left: l.expr, right: r.expr };
            const key = exprKey(expr);
            if (!found.has(key)) found.set(key, { expr, value, key });
          }
        }
      }
    }
    trees[mask] = [...found.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  const byValue = new Map<number, Expr[]>();
  for (let mask = 1; mask < 1 << n; mask++) {
    if ((mask & (mask - 1)) === 0) continue;
    for (const t of trees[mask]) {
      const list = byValue.get(t.value) ?? [];
      list.push(t.expr);
      byValue.set(t.value, list);
    }
  }
  return byValue;
}

/**
 * Every solution of one problem (see {@link solutionsByValue} for what counts as distinct).
 *
 * @param problem The problem.
 * @returns Its solutions in a fixed order; empty when the target cannot be reached.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exprKey } from "./expression.ts";
 * const solutions = solveCountdown({ digits: [1, 2, 3, 4], target: 24 });
 * assert.ok(solutions.map(exprKey).includes("(((1*2)*3)*4)"));
 * ```
 */
export function solveCountdown(problem: CountdownProblem): Expr[] {
  return solutionsByValue(problem.digits).get(problem.target) ?? [];
}

/** A problem in the full space, with its number of solutions. */
export type CountedProblem = CountdownProblem & { readonly solutions: number };

/**
 * The whole problem space: every set of four distinct digits (ascending) and every target
 * 10–99 with at least one solution, in a fixed order.
 *
 * @returns The solvable problems and their solution counts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const all = allCountdownProblems();
 * assert.ok(all.length > 5000 && all.every((p) => p.solutions >= 1));
 * ```
 */
export function allCountdownProblems(): CountedProblem[] {
  const problems: CountedProblem[] = [];
  for (let a = 1; a <= 9; a++) {
    for (let b = a + 1; b <= 9; b++) {
      for (let c = b + 1; c <= 9; c++) {
        for (let d = c + 1; d <= 9; d++) {
          const byValue = solutionsByValue([a, b, c, d]);
          for (let target = TARGET_MIN; target <= TARGET_MAX; target++) {
            const solutions = byValue.get(target)?.length ?? 0;
            if (solutions > 0) problems.push({ digits: [a, b, c, d], target, solutions });
          }
        }
      }
    }
  }
  return problems;
}

/**
 * Puts a problem's digits in a random prompt order.
 *
 * @param problem The problem.
 * @param options `prng`: the randomness.
 * @returns The same problem with shuffled digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * const p = shuffleDigits({ digits: [1, 2, 3, 4], target: 10 }, { prng: seededPrng(1) });
 * assert.deepEqual([...p.digits].sort(), [1, 2, 3, 4]);
 * ```
 */
export function shuffleDigits(
  problem: CountdownProblem,
  options: { prng: Prng },
): CountdownProblem {
  const { prng } = options;
  const digits = [...problem.digits];
  for (let i = digits.length - 1; i > 0; i--) {
    const j = randomInt(prng, i + 1);
    [digits[i], digits[j]] = [digits[j], digits[i]];
  }
  return { digits, target: problem.target };
}
