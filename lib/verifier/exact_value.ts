/**
 * Exact evaluation of a MathJSON tree over BigInt rationals: `+ − × ÷`, integer powers,
 * perfect-square roots, factorials, binomials and `|x|`. Anything else (π, √2, variables) is not
 * provably rational and gives `null`. Every step spends the {@link Budget}, and BigInt sizes are
 * capped so a single step stays cheap.
 *
 * @module
 */

import { type Budget, spend } from "./budget.ts";
import { type MathNode, numberLiteral } from "./math_node.ts";
import {
  addRational,
  bigintSqrt,
  divRational,
  mulRational,
  type Rational,
  rational,
} from "./rational.ts";

/** Largest factorial argument and exponent bit-size the exact evaluator will compute. */
const MAX_FACTORIAL = 3_000;
const MAX_POWER_BITS = 40_000;
/** Largest exact intermediate (numerator + denominator bits); past it, exact evaluation stops. */
const MAX_EXACT_BITS = 100_000;

function exactInteger(r: Rational | null): bigint | null {
  return r !== null && r.den === 1n ? r.num : null;
}

function bitLength(n: bigint): number {
  return (n < 0n ? -n : n).toString(16).length * 4;
}

/** Keeps a result only while it is small enough that the next operation stays cheap. */
function bounded(r: Rational | null): Rational | null {
  return r !== null && bitLength(r.num) + bitLength(r.den) <= MAX_EXACT_BITS ? r : null;
}

function exactPower(base: Rational, exponent: Rational, budget: Budget): Rational | null {
  if (exponent.den === 1n) {
    const e = exponent.num < 0n ? -exponent.num : exponent.num;
    const bits = Math.max(bitLength(base.num), bitLength(base.den)) * Number(e);
    if (bits > MAX_POWER_BITS) return null;
    spend(budget, 1 + Math.ceil(bits / 1000));
    const p = rational(base.num ** e, base.den ** e);
    return p && exponent.num < 0n ? divRational(rational(1n)!, p) : p;
  }
  if (exponent.den === 2n && base.num >= 0n) {
    const root = exactSqrt(base);
    return root ? exactPower(root, rational(exponent.num)!, budget) : null;
  }
  return null;
}

function exactSqrt(r: Rational): Rational | null {
  if (r.num < 0n) return null;
  const n = bigintSqrt(r.num), d = bigintSqrt(r.den);
  return n * n === r.num && d * d === r.den ? rational(n, d) : null;
}

/**
 * Evaluates a node exactly when it denotes a rational number (integers, fractions, decimals,
 * + − × ÷, integer powers, perfect-square roots, factorials, binomials, |x|).
 *
 * @param node A node from {@link toNode}.
 * @param budget The step budget to spend.
 * @returns The exact value, or `null` when the node is not (provably) rational.
 * @throws {BudgetExceededError} When the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(exactValue(["Divide", 6, ["Sqrt", 16]], { steps: 100 }), { num: 3n, den: 2n });
 * assert.equal(exactValue(["Sqrt", 2], { steps: 100 }), null);
 * ```
 */
export function exactValue(node: MathNode, budget: Budget): Rational | null {
  return bounded(exactUnbounded(node, budget));
}

function exactUnbounded(node: MathNode, budget: Budget): Rational | null {
  spend(budget);
  if (typeof node === "number") {
    return Number.isSafeInteger(node) ? rational(BigInt(node)) : numberLiteral(String(node));
  }
  if (typeof node === "string") return node === "Half" ? rational(1n, 2n) : null;
  if (!Array.isArray(node)) return "num" in node ? numberLiteral(node.num) : null;
  const [head, ...args] = node;
  const values = (): (Rational | null)[] => args.map((a) => exactValue(a, budget));
  switch (head) {
    case "Add": {
      let sum = rational(0n)!;
      for (const v of values()) {
        if (v === null) return null;
        sum = addRational(sum, v);
        if (bounded(sum) === null) return null;
      }
      return sum;
    }
    case "Multiply":
    case "InvisibleOperator": {
      let product = rational(1n)!;
      for (const v of values()) {
        if (v === null) return null;
        product = mulRational(product, v);
        if (bounded(product) === null) return null;
      }
      return product;
    }
    case "Subtract": {
      const [a, b] = values();
      return a && b && args.length === 2 ? addRational(a, rational(-b.num, b.den)!) : null;
    }
    case "Negate": {
      const [a] = values();
      return a && args.length === 1 ? rational(-a.num, a.den) : null;
    }
    case "Divide":
    case "Rational": {
      const [a, b] = values();
      return a && b && args.length === 2 ? divRational(a, b) : null;
    }
    case "Delimiter":
      return args.length === 1 ? exactValue(args[0], budget) : null;
    case "Power": {
      const [a, b] = values();
      return a && b && args.length === 2 ? exactPower(a, b, budget) : null;
    }
    case "Sqrt": {
      const [a] = values();
      return a && args.length === 1 ? exactSqrt(a) : null;
    }
    case "Abs": {
      const [a] = values();
      return a && args.length === 1 ? rational(a.num < 0n ? -a.num : a.num, a.den) : null;
    }
    case "Factorial": {
      const n = exactInteger(exactValue(args[0], budget));
      if (n === null || n < 0n || n > BigInt(MAX_FACTORIAL) || args.length !== 1) return null;
      spend(budget, Number(n));
      let f = 1n;
      for (let k = 2n; k <= n; k++) f *= k;
      return rational(f);
    }
    case "Binomial": {
      const [n, k] = values().map(exactInteger);
      if (n === null || k === null || k < 0n || n < 0n || k > BigInt(MAX_FACTORIAL)) return null;
      if (Number(k) * bitLength(n) > MAX_POWER_BITS) return null;
      spend(budget, Number(k));
      let c = 1n;
      for (let j = 0n; j < k; j++) c = (c * (n - j)) / (j + 1n);
      return rational(c);
    }
    case "BaseForm":
      return args.length >= 1 ? exactValue(args[0], budget) : null;
    default:
      return null;
  }
}
