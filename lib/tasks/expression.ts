/**
 * Arithmetic expression trees over single digits with `+`, `-` and `*`: the objects a Countdown
 * response derives. Plain data; exact integer arithmetic.
 *
 * @module
 */

/** A binary operator of the Countdown task. */
export type Operator = "+" | "-" | "*";

/** Every {@link Operator}, in the order the task lists them. */
export const OPERATORS: readonly Operator[] = ["+", "-", "*"];

/** An expression tree: a digit leaf, or a binary operation on two subtrees. */
export type Expr =
  | { readonly kind: "digit"; readonly value: number }
  | {
    readonly kind: "op";
    readonly op: Operator;
    readonly left: Expr;
    readonly right: Expr;
  };

/**
 * Applies an operator to two integers exactly.
 *
 * @param op The operator.
 * @param a The left operand.
 * @param b The right operand.
 * @returns `a op b`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(applyOperator("-", 9, 4), 5);
 * ```
 */
export function applyOperator(op: Operator, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    default: {
      const never: never = op;
      throw new TypeError(`Cannot apply operator: unknown operator, got ${never}`);
    }
  }
}

/**
 * Evaluates an expression tree exactly.
 *
 * @param expr The tree.
 * @returns Its integer value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const three = { kind: "digit", value: 3 } as const;
 * assert.equal(exprValue({ kind: "op", op: "*", left: three, right: three }), 9);
 * ```
 */
export function exprValue(expr: Expr): number {
  if (expr.kind === "digit") return expr.value;
  return applyOperator(expr.op, exprValue(expr.left), exprValue(expr.right));
}

/**
 * The digits an expression uses, in left-to-right order.
 *
 * @param expr The tree.
 * @returns Its leaves' values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = { kind: "op", op: "+", left: { kind: "digit", value: 4 }, right: { kind: "digit", value: 7 } } as const;
 * assert.deepEqual(exprDigits(e), [4, 7]);
 * ```
 */
export function exprDigits(expr: Expr): number[] {
  if (expr.kind === "digit") return [expr.value];
  return [...exprDigits(expr.left), ...exprDigits(expr.right)];
}

const PRECEDENCE: Record<Operator, number> = { "+": 1, "-": 1, "*": 2 };

/**
 * Writes an expression in infix with the fewest parentheses that keep its tree (and its value).
 *
 * @param expr The tree.
 * @param options `times`: how to write multiplication (default `*`; `\times` for LaTeX).
 * @returns The infix text, e.g. `(9-3)*5+2`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = (value: number) => ({ kind: "digit", value }) as const;
 * const e = { kind: "op", op: "*", left: { kind: "op", op: "-", left: d(9), right: d(3) }, right: d(5) } as const;
 * assert.equal(exprInfix(e), "(9-3)*5");
 * assert.equal(exprInfix(e, { times: "\\times " }), "(9-3)\\times 5");
 * ```
 */
export function exprInfix(expr: Expr, options: { times?: string } = {}): string {
  const { times = "*" } = options;
  const write = (e: Expr): string => {
    if (e.kind === "digit") return String(e.value);
    const p = PRECEDENCE[e.op];
    const leftText = write(e.left);
    const rightText = write(e.right);
    // Left operand: parenthesise only a lower-precedence operation. Right operand: also an
    // equal-precedence one unless the operator is associative (a+(b-c) = a+b-c, a*(b*c) = a*b*c).
    const leftNeeds = e.left.kind === "op" && PRECEDENCE[e.left.op] < p;
    const rightNeeds = e.right.kind === "op" &&
      (PRECEDENCE[e.right.op] < p || (PRECEDENCE[e.right.op] === p && e.op === "-"));
    const l = leftNeeds ? `(${leftText})` : leftText;
    const r = rightNeeds ? `(${rightText})` : rightText;
    return `${l}${e.op === "*" ? times : e.op}${r}`;
  };
  return write(expr);
}

/**
 * A canonical key of an expression tree up to the commutativity of `+` and `*`: two trees get
 * the same key iff one becomes the other by swapping operands of `+` or `*`.
 *
 * @param expr The tree.
 * @returns A fully parenthesised canonical text, e.g. `((3+9)*5)`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const d = (value: number) => ({ kind: "digit", value }) as const;
 * const a = { kind: "op", op: "+", left: d(9), right: d(3) } as const;
 * const b = { kind: "op", op: "+", left: d(3), right: d(9) } as const;
 * assert.equal(exprKey(a), exprKey(b));
 * ```
 */
export function exprKey(expr: Expr): string {
  if (expr.kind === "digit") return String(expr.value);
  let l = exprKey(expr.left);
  let r = exprKey(expr.right);
  if (expr.op !== "-" && r < l) [l, r] = [r, l];
  return `(${l}${expr.op}${r})`;
}
