/**
 * The working of a Countdown response: steps such as `9*8=72,6*5=30,72-30=42`, each combining two
 * numbers (an unused given digit or an earlier step's result) into a claimed result. Writing a
 * tree as steps, and reading steps back into the tree they derive.
 *
 * @module
 */
import { applyOperator, type Expr, type Operator } from "./expression.ts";

/** One written step `left op right=claim`; `claim` may be wrong (a slip or a misconception). */
export type WorkingStep = {
  readonly left: number;
  readonly op: Operator;
  readonly right: number;
  readonly claim: number;
};

/**
 * Joins steps into working text.
 *
 * @param steps The steps, in the order they are written.
 * @returns e.g. `9*8=72,72-30=42`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatWorking([{ left: 9, op: "*", right: 8, claim: 72 }]), "9*8=72");
 * ```
 */
export function formatWorking(steps: readonly WorkingStep[]): string {
  return steps.map((s) => `${s.left}${s.op}${s.right}=${s.claim}`).join(",");
}

/** What {@link parseWorking} reads from working text. */
export type ParsedWorking =
  | { readonly ok: true; readonly expr: Expr; readonly steps: readonly WorkingStep[] }
  | { readonly ok: false; readonly error: string };

const STEP = /^(0|[1-9][0-9]*)([+\-*])(0|[1-9][0-9]*)=(0|[1-9][0-9]*)$/;

/**
 * Reads working text into the expression tree it derives, checking the task's rules: every step
 * is `a op b=c` with plain numerals; each operand is an unused earlier result (preferred, most
 * recent first, matched by its claimed value) or an unused given digit; every result but the last
 * is used exactly once. Claimed values are not checked here: the derived tree's true value is
 * what counts, and the caller grades it.
 *
 * @param text The working (the response before its `\boxed{…}`).
 * @param digits The problem's given digits (distinct); each may be used at most once.
 * @returns The derived tree and the steps, or why the working breaks the rules.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const parsed = parseWorking("9*8=72,72-5=67", [5, 8, 9, 2]);
 * assert.ok(parsed.ok);
 * assert.equal(parseWorking("9*9=81", [5, 8, 9, 2]).ok, false);
 * ```
 */
export function parseWorking(text: string, digits: readonly number[]): ParsedWorking {
  if (text.length === 0) return { ok: false, error: "empty working" };
  const unusedDigits = new Set(digits);
  const results: { claim: number; expr: Expr }[] = [];
  const steps: WorkingStep[] = [];
  const take = (n: number): Expr | null => {
    for (let i = results.length - 1; i >= 0; i--) {
      if (results[i].claim === n) return results.splice(i, 1)[0].expr;
    }
    if (unusedDigits.delete(n)) return { kind: "digit", value: n };
    return null;
  };
  for (const part of text.split(",")) {
    const match = STEP.exec(part);
    if (match === null) return { ok: false, error: `malformed step ${JSON.stringify(part)}` };
    const step: WorkingStep = {
      left: Number(match[1]),
      op: match[2] as Operator,
      right: Number(match[3]),
      claim: Number(match[4]),
    };
    const left = take(step.left);
    const right = left === null ? null : take(step.right);
    if (left === null || right === null) {
      return { ok: false, error: `operand not available in ${JSON.stringify(part)}` };
    }
    results.push({ claim: step.claim, expr: { kind: "op", op: step.op, left, right } });
    steps.push(step);
  }
  if (results.length !== 1) return { ok: false, error: "an intermediate result is never used" };
  return { ok: true, expr: results[0].expr, steps };
}

/**
 * Writes a tree as correct steps (post-order, left subtree first), each claim its true value.
 *
 * @param expr A tree with at least one operation.
 * @returns The steps; the last one's claim is the tree's value.
 * @throws {RangeError} If `expr` is a single digit (a working needs at least one step).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = (value: number) => ({ kind: "digit", value }) as const;
 * const steps = treeSteps({ kind: "op", op: "*", left: d(9), right: d(8) });
 * assert.deepEqual(steps, [{ left: 9, op: "*", right: 8, claim: 72 }]);
 * ```
 */
export function treeSteps(expr: Expr): WorkingStep[] {
  if (expr.kind === "digit") {
    throw new RangeError(`Cannot write steps: the expression must have an operation, got a digit`);
  }
  const steps: WorkingStep[] = [];
  const walk = (e: Expr): number => {
    if (e.kind === "digit") return e.value;
    const left = walk(e.left);
    const right = walk(e.right);
    const claim = applyOperator(e.op, left, right);
    steps.push({ left, op: e.op, right, claim });
    return claim;
  };
  walk(expr);
  return steps;
}
