/**
 * Complex floating-point evaluation of a MathJSON tree with each free symbol bound to a value,
 * used for constants (`2\\sqrt3` vs `\\sqrt{12}`) and for identities checked at random points.
 * Every node spends one step of the {@link Budget}.
 *
 * @module
 */

import { type Budget, spend } from "./budget.ts";
import { type MathNode, numberLiteral } from "./math_node.ts";

/** A complex number. */
export type Complex = { re: number; im: number };

/** Symbols with a fixed value; every other symbol is a free variable. */
const CONSTANTS: Readonly<Record<string, Complex>> = {
  Pi: { re: Math.PI, im: 0 },
  ExponentialE: { re: Math.E, im: 0 },
  e: { re: Math.E, im: 0 },
  ImaginaryUnit: { re: 0, im: 1 },
  i: { re: 0, im: 1 },
  Half: { re: 0.5, im: 0 },
};

const C = (re: number, im = 0): Complex => ({ re, im });

function cAdd(a: Complex, b: Complex): Complex {
  return C(a.re + b.re, a.im + b.im);
}
function cMul(a: Complex, b: Complex): Complex {
  return C(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
function cDiv(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im;
  return C((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
}
function cExp(a: Complex): Complex {
  const m = Math.exp(a.re);
  return a.im === 0 ? C(m) : C(m * Math.cos(a.im), m * Math.sin(a.im));
}
function cLog(a: Complex): Complex {
  return C(Math.log(Math.hypot(a.re, a.im)), Math.atan2(a.im, a.re));
}
/** Largest odd denominator q for which x^(p/q) of a negative real stays real (∛ convention). */
const MAX_ODD_ROOT = 15;

function cPow(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0 && (a.re >= 0 || Number.isInteger(b.re))) {
    return C(Math.pow(a.re, b.re));
  }
  if (a.im === 0 && b.im === 0) {
    // (−8)^(1/3) = −2, as `\sqrt[3]{-8}` is: a negative base with an odd-denominator exponent.
    for (let q = 3; q <= MAX_ODD_ROOT; q += 2) {
      const p = Math.round(b.re * q);
      if (Math.abs(b.re * q - p) < 1e-9) {
        const magnitude = Math.pow(-a.re, b.re);
        return C(p % 2 === 0 ? magnitude : -magnitude);
      }
    }
  }
  if (a.re === 0 && a.im === 0) return C(0);
  return cExp(cMul(b, cLog(a)));
}
function cSqrt(a: Complex): Complex {
  if (a.im === 0) return a.re >= 0 ? C(Math.sqrt(a.re)) : C(0, Math.sqrt(-a.re));
  return cPow(a, C(0.5));
}
function cSin(a: Complex): Complex {
  return C(Math.sin(a.re) * Math.cosh(a.im), Math.cos(a.re) * Math.sinh(a.im));
}
function cCos(a: Complex): Complex {
  return C(Math.cos(a.re) * Math.cosh(a.im), -Math.sin(a.re) * Math.sinh(a.im));
}
function realOnly(f: (x: number) => number): (a: Complex) => Complex {
  return (a) => (a.im === 0 ? C(f(a.re)) : C(NaN));
}
function cRoot(a: Complex, n: Complex): Complex {
  // Real odd roots of negative reals stay real, as in school algebra: ∛(−8) = −2.
  if (a.im === 0 && n.im === 0 && a.re < 0 && Number.isInteger(n.re) && n.re % 2 !== 0) {
    return C(-Math.pow(-a.re, 1 / n.re));
  }
  return cPow(a, cDiv(C(1), n));
}

const UNARY: Readonly<Record<string, ((a: Complex) => Complex) | undefined>> = {
  Negate: (a) => C(-a.re, -a.im),
  Sqrt: cSqrt,
  Exp: cExp,
  Ln: cLog,
  Log: (a) => cDiv(cLog(a), C(Math.LN10)),
  Lg: (a) => cDiv(cLog(a), C(Math.LN10)),
  Lb: (a) => cDiv(cLog(a), C(Math.LN2)),
  Sin: cSin,
  Cos: cCos,
  Tan: (a) => cDiv(cSin(a), cCos(a)),
  Sec: (a) => cDiv(C(1), cCos(a)),
  Csc: (a) => cDiv(C(1), cSin(a)),
  Cot: (a) => cDiv(cCos(a), cSin(a)),
  Arcsin: realOnly(Math.asin),
  Arccos: realOnly(Math.acos),
  Arctan: realOnly(Math.atan),
  Sinh: realOnly(Math.sinh),
  Cosh: realOnly(Math.cosh),
  Tanh: realOnly(Math.tanh),
  Abs: (a) => C(Math.hypot(a.re, a.im)),
  Floor: realOnly(Math.floor),
  Ceil: realOnly(Math.ceil),
  Square: (a) => cMul(a, a),
  Delimiter: (a) => a,
  BaseForm: (a) => a,
  Degrees: (a) => a,
  Factorial: realOnly(factorial),
};

function factorial(x: number): number {
  if (!Number.isInteger(x) || x < 0) return NaN;
  let f = 1;
  for (let k = 2; k <= x && f < Infinity; k++) f *= k;
  return f;
}

/**
 * Evaluates a node in complex floating point with each free symbol bound by `env`.
 *
 * @param node A node from {@link toNode}.
 * @param env Values of free symbols (missing symbols make the result `null`).
 * @param budget The step budget to spend.
 * @returns The value, or `null` for an unknown operator, text, or a non-finite result.
 * @throws {BudgetExceededError} When the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const env = new Map([["x", { re: 2, im: 0 }]]);
 * assert.deepEqual(numericValue(["Power", "x", 3], env, { steps: 100 }), { re: 8, im: 0 });
 * ```
 */
export function numericValue(
  node: MathNode,
  env: ReadonlyMap<string, Complex>,
  budget: Budget,
): Complex | null {
  const v = evalNode(node, env, budget);
  return v && Number.isFinite(v.re) && Number.isFinite(v.im) ? v : null;
}

/** Smallest magnitude a non-zero product may reach before we call it an underflow. */
const UNDERFLOW = 1e-280;

const isZero = (a: Complex): boolean => a.re === 0 && a.im === 0;

/** Evaluates one node; an overflow to ±Infinity or NaN anywhere makes the whole value `null`. */
function evalNode(
  node: MathNode,
  env: ReadonlyMap<string, Complex>,
  budget: Budget,
): Complex | null {
  const value = evalUnchecked(node, env, budget);
  return value && Number.isFinite(value.re) && Number.isFinite(value.im) ? value : null;
}

/**
 * A product, quotient or power of non-zero operands that came out (almost) 0 underflowed: it lost
 * its value, so `\sqrt2 / 2^{2000}` and `\sqrt2 / 2^{2001}` must not both read as 0.
 */
function unlessUnderflow(result: Complex, operands: readonly Complex[]): Complex | null {
  const tiny = Math.hypot(result.re, result.im) < UNDERFLOW;
  return tiny && !operands.some(isZero) ? null : result;
}

function evalUnchecked(
  node: MathNode,
  env: ReadonlyMap<string, Complex>,
  budget: Budget,
): Complex | null {
  spend(budget);
  if (typeof node === "number") return C(node);
  if (typeof node === "string") return CONSTANTS[node] ?? env.get(node) ?? null;
  if (!Array.isArray(node)) {
    if (!("num" in node)) return null;
    const r = numberLiteral(node.num);
    return r ? C(Number(r.num) / Number(r.den)) : null;
  }
  const [head, ...rest] = node;
  const args: Complex[] = [];
  for (const a of rest) {
    const v = evalNode(a, env, budget);
    if (v === null) return null;
    args.push(v);
  }
  if (typeof head !== "string") return null;
  switch (head) {
    case "Add":
      return args.reduce(cAdd, C(0));
    case "Multiply":
    case "InvisibleOperator":
      return unlessUnderflow(args.reduce(cMul, C(1)), args);
    case "Subtract":
      return args.length === 2 ? cAdd(args[0], C(-args[1].re, -args[1].im)) : null;
    case "Divide":
    case "Rational":
      return args.length === 2 ? unlessUnderflow(cDiv(args[0], args[1]), args) : null;
    case "Power":
      return args.length === 2 ? unlessUnderflow(cPow(args[0], args[1]), [args[0]]) : null;
    case "Root":
      return args.length === 2 ? cRoot(args[0], args[1]) : null;
    case "Log":
      return args.length === 2
        ? cDiv(cLog(args[0]), cLog(args[1]))
        : args.length === 1
        ? cDiv(cLog(args[0]), C(Math.LN10))
        : null;
    case "Binomial": {
      if (args.length !== 2 || args[0].im !== 0 || args[1].im !== 0) return null;
      const [n, k] = [args[0].re, args[1].re];
      return C(factorial(n) / (factorial(k) * factorial(n - k)));
    }
    default: {
      const f = UNARY[head];
      return f && args.length === 1 ? f(args[0]) : null;
    }
  }
}
