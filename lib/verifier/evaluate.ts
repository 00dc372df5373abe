/**
 * Two evaluators over MathJSON (the tree `@cortex-js/compute-engine`'s `parseLatex` returns):
 * an exact one that returns a {@link Rational} when the expression is a rational number, and a
 * complex floating-point one that evaluates at given symbol values. Both spend a step
 * {@link Budget}, so the work of one verification is bounded by counts, never by time.
 *
 * @module
 */

import {
  addRational,
  bigintSqrt,
  divRational,
  mulRational,
  parseRationalLiteral,
  type Rational,
  rational,
} from "./rational.ts";

/** A count of remaining evaluation steps, shared by everything one verification does. */
export type Budget = { steps: number };

/** Thrown when a {@link Budget} runs out; `verify` turns it into `budget-exceeded`. */
export class BudgetExceededError extends Error {
  /**
   * Creates the error.
   *
   * @param what The work that ran out of steps.
   */
  constructor(what: string) {
    super(`Cannot finish ${what}: step budget exhausted`);
    this.name = "BudgetExceededError";
  }
}

/**
 * Spends `n` steps of a budget.
 *
 * @param budget The budget to charge.
 * @param n Steps to spend.
 * @throws {BudgetExceededError} When fewer than `n` steps are left.
 */
export function spend(budget: Budget, n: number = 1): void {
  budget.steps -= n;
  if (budget.steps < 0) throw new BudgetExceededError("the verification");
}

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

/** Largest factorial argument and exponent bit-size the exact evaluator will compute. */
const MAX_FACTORIAL = 3_000;
const MAX_POWER_BITS = 40_000;
/** Largest exact intermediate (numerator plus denominator bits); past it, exact evaluation stops. */
const MAX_EXACT_BITS = 100_000;

/** A MathJSON node after unwrapping `{fn}`, `{sym}`, `{num}`, `{str}` object forms. */
export type MathNode = number | string | { num: string } | { str: string } | MathNode[];

/**
 * Converts compute-engine's MathJSON into the plain {@link MathNode} shape used here.
 *
 * @param json The value returned by `parseLatex`.
 * @returns The plain node.
 */
export function toNode(json: unknown): MathNode {
  if (typeof json === "number" || typeof json === "string") return json;
  if (Array.isArray(json)) return json.map(toNode);
  if (json !== null && typeof json === "object") {
    const o = json as Record<string, unknown>;
    if (Array.isArray(o.fn)) return o.fn.map(toNode);
    if (typeof o.sym === "string") return o.sym;
    if (typeof o.num === "string") return { num: o.num };
    if (typeof o.str === "string") return { str: o.str };
  }
  return { str: "?" };
}

/**
 * Whether the node contains a parse error or text that is not mathematics.
 *
 * @param node A node from {@link toNode}.
 * @returns True when compute-engine reported an `Error` somewhere in it.
 */
export function hasError(node: MathNode): boolean {
  if (Array.isArray(node)) return node[0] === "Error" || node.some(hasError);
  return false;
}

/**
 * Collects the free variables (symbols that are not known constants).
 *
 * @param node A node from {@link toNode}.
 * @param out The set to add to.
 * @returns `out`.
 */
export function freeSymbols(node: MathNode, out: Set<string> = new Set()): Set<string> {
  if (typeof node === "string") {
    if (!(node in CONSTANTS) && !node.startsWith("'")) out.add(node);
  } else if (Array.isArray(node)) {
    for (let i = 1; i < node.length; i++) freeSymbols(node[i], out);
  }
  return out;
}

function numberLiteral(text: string): Rational | null {
  // compute-engine writes repeating decimals as "0.(3)" and exponents as "5e-2".
  const repeating = /^(-?\d*\.\d*)\((\d+)\)$/.exec(text);
  if (repeating) return parseRationalLiteral(`${repeating[1]}\\overline{${repeating[2]}}`);
  return parseRationalLiteral(text);
}

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
function cPow(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0 && (a.re >= 0 || Number.isInteger(b.re))) {
    return C(Math.pow(a.re, b.re));
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
 */
export function numericValue(
  node: MathNode,
  env: ReadonlyMap<string, Complex>,
  budget: Budget,
): Complex | null {
  const v = evalNode(node, env, budget);
  return v && Number.isFinite(v.re) && Number.isFinite(v.im) ? v : null;
}

function evalNode(
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
      return args.reduce(cMul, C(1));
    case "Subtract":
      return args.length === 2 ? cAdd(args[0], C(-args[1].re, -args[1].im)) : null;
    case "Divide":
    case "Rational":
      return args.length === 2 ? cDiv(args[0], args[1]) : null;
    case "Power":
      return args.length === 2 ? cPow(args[0], args[1]) : null;
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
