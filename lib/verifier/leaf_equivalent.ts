/**
 * Equivalence of two leaves (one number, expression or word each), in order: identical strings;
 * exact rationals (BigInt, no tolerance); words (case-insensitive); exact evaluation of the
 * compute-engine parse; complex floating-point evaluation (constants) or evaluation at seeded
 * random points (expressions with variables). Also equations, up to a non-zero factor.
 *
 * @module
 */

import { deriveSeed, seededPrng } from "../random.ts";
import { type Budget, spend } from "./budget.ts";
import { exactValue } from "./exact_value.ts";
import { type Leaf, prepareLeaf } from "./leaf.ts";
import { freeSymbols, type MathNode } from "./math_node.ts";
import { type Complex, numericValue } from "./numeric_value.ts";
import { isRationalEqual, type Rational, rationalToNumber } from "./rational.ts";
import type { AnswerNode } from "./structure.ts";

/** Settings of one comparison. */
export type EquivalenceSettings = {
  /** Relative tolerance between a decimal literal and an irrational value. */
  readonly relativeTolerance: number;
  /** Seed of the random evaluation points. */
  readonly seed: number;
  /** Number of random points at which expressions with variables are evaluated. */
  readonly points: number;
  /** The step budget shared by the whole verification. */
  readonly budget: Budget;
};

/**
 * Relative tolerance between two values that are both computed from exact expressions
 * (`2\sqrt3` vs `\sqrt{12}`): only floating-point rounding can separate them.
 */
const SYMBOLIC_TOLERANCE = 1e-9;
/** Each variable gets a value in ±[0.5, 2.5] with a random sign: away from 0, and |x| ≠ x. */
const POINT_MIN = 0.5;
const POINT_SPAN = 2;

/**
 * Magnitudes below this compare absolutely, so rounding noise around zero (`\sin\pi` gives
 * 1.2e-16) still equals 0.
 */
const NEAR_ZERO_SCALE = 1e-6;

function isClose(a: Complex, b: Complex, tolerance: number): boolean {
  // An infinite or NaN part would make the test below pass (∞ ≤ tolerance · ∞): never close.
  if (![a.re, a.im, b.re, b.im].every(Number.isFinite)) return false;
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im), NEAR_ZERO_SCALE);
  return Math.hypot(a.re - b.re, a.im - b.im) <= tolerance * scale;
}

function exactOf(leaf: Leaf, budget: Budget): Rational | null {
  if (leaf.literal) return leaf.literal;
  return leaf.math === null ? null : exactValue(leaf.math, budget);
}

function symbolsOf(leaf: Leaf): Set<string> {
  return leaf.math === null ? new Set() : freeSymbols(leaf.math);
}

function valueAt(
  leaf: Leaf,
  env: ReadonlyMap<string, Complex>,
  budget: Budget,
): Complex | null {
  if (leaf.literal) {
    // A literal beyond the double range has no floating-point value to compare (never ±Infinity).
    const re = rationalToNumber(leaf.literal);
    return re === null ? null : { re, im: 0 };
  }
  return leaf.math === null ? null : numericValue(leaf.math, env, budget);
}

/** Seeded values for each symbol at point `index`; the same name always gets the same value. */
function pointEnv(symbols: Iterable<string>, seed: number, index: number): Map<string, Complex> {
  const env = new Map<string, Complex>();
  for (const name of symbols) {
    const prng = seededPrng(deriveSeed(seed + index, name));
    const magnitude = POINT_MIN + POINT_SPAN * prng();
    env.set(name, { re: prng() < 0.5 ? -magnitude : magnitude, im: 0 });
  }
  return env;
}

/**
 * Whether two leaves denote the same value. See the module docs for the order of checks.
 *
 * @param gold The gold leaf's LaTeX.
 * @param predicted The predicted leaf's LaTeX.
 * @param settings Tolerance, seed, points, and budget.
 * @returns True when equivalent.
 * @throws {BudgetExceededError} When the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const settings = { relativeTolerance: 1e-6, seed: 0, points: 5, budget: { steps: 1e5 } };
 * assert.equal(isLeafEquivalent("\\frac{1}{2}", "0.5", settings), true);
 * assert.equal(isLeafEquivalent("(x+1)^2", "x^2+2x+1", settings), true);
 * assert.equal(isLeafEquivalent("1112112", "1112122", settings), false);
 * ```
 */
export function isLeafEquivalent(
  gold: string,
  predicted: string,
  settings: EquivalenceSettings,
): boolean {
  const { relativeTolerance, budget } = settings;
  spend(budget);
  if (gold === predicted) return true;
  const a = prepareLeaf(gold), b = prepareLeaf(predicted);
  if (a.literal && b.literal) return isRationalEqual(a.literal, b.literal);
  if (a.text !== null || b.text !== null) return a.text === b.text;
  if ((a.math === null && !a.literal) || (b.math === null && !b.literal)) return false;
  const exactA = exactOf(a, budget), exactB = exactOf(b, budget);
  if (exactA && exactB) return isRationalEqual(exactA, exactB);
  const symbols = new Set([...symbolsOf(a), ...symbolsOf(b)]);
  if (symbols.size === 0) {
    const va = valueAt(a, new Map(), budget), vb = valueAt(b, new Map(), budget);
    if (va === null || vb === null) return isSameUpToOrder(a, b, budget);
    // A typed decimal against an irrational value is an approximation: use the user tolerance.
    const approximate = (a.isDecimal && !exactB) || (b.isDecimal && !exactA);
    return isClose(va, vb, approximate ? relativeTolerance : SYMBOLIC_TOLERANCE);
  }
  const identity = compareAtPoints(
    a,
    b,
    symbols,
    settings,
    (va, vb) => isClose(va, vb, SYMBOLIC_TOLERANCE),
  );
  // Only when the points could not decide (values that overflow or are undefined there) is
  // the order-free form worth its cost: a wrong answer that evaluates never pays it.
  return identity === "undecided" ? isSameUpToOrder(a, b, budget) : identity === "equal";
}

/** MathJSON heads whose arguments may be reordered without changing the value. */
const COMMUTATIVE = new Set(["Add", "Multiply"]);
const orderFreeForms = new WeakMap<Leaf, string>();

/** A MathJSON node as text with the arguments of `+` and `×` sorted and parentheses dropped. */
function orderFreeForm(node: MathNode, budget: Budget): string {
  spend(budget);
  if (!Array.isArray(node)) return typeof node === "object" ? JSON.stringify(node) : String(node);
  const [head, ...args] = node;
  if (head === "Delimiter" && args.length === 1) return orderFreeForm(args[0], budget);
  const forms = args.map((arg) => orderFreeForm(arg, budget));
  if (typeof head === "string" && COMMUTATIVE.has(head)) forms.sort();
  return `${JSON.stringify(head)}(${forms.join(",")})`;
}

/**
 * Whether two leaves are the same expression up to the order of sums' and products' terms
 * (`(x+1)^{10^9}` and `(1+x)^{10^9}`). Sound whatever the values: the fallback when evaluation
 * cannot decide because a value overflowed or is undefined at the sampled points.
 */
function isSameUpToOrder(a: Leaf, b: Leaf, budget: Budget): boolean {
  if (a.math === null || b.math === null) return false;
  const form = (leaf: Leaf & { math: MathNode }): string => {
    let text = orderFreeForms.get(leaf);
    if (text === undefined) orderFreeForms.set(leaf, text = orderFreeForm(leaf.math, budget));
    return text;
  };
  return form(a as Leaf & { math: MathNode }) === form(b as Leaf & { math: MathNode });
}

/**
 * Evaluates both leaves at seeded points: "different" as soon as two values disagree,
 * "undecided" when one side has no value where the other has one, or fewer than two points
 * have values on both sides, else "equal".
 */
function compareAtPoints(
  a: Leaf,
  b: Leaf,
  symbols: Set<string>,
  { seed, points, budget }: EquivalenceSettings,
  agree: (va: Complex, vb: Complex) => boolean,
): "equal" | "different" | "undecided" {
  let defined = 0;
  for (let index = 0; index < points; index++) {
    const env = pointEnv(symbols, seed, index);
    const va = valueAt(a, env, budget), vb = valueAt(b, env, budget);
    if (va === null && vb === null) continue;
    if (va === null || vb === null) return "undecided";
    if (!agree(va, vb)) return "different";
    defined++;
  }
  return defined < Math.min(2, points) ? "undecided" : "equal";
}

/** Evaluates both leaves at seeded points; every point where either is defined must agree. */
function isIdentity(
  a: Leaf,
  b: Leaf,
  symbols: Set<string>,
  settings: EquivalenceSettings,
  agree: (va: Complex, vb: Complex) => boolean,
): boolean {
  return compareAtPoints(a, b, symbols, settings, agree) === "equal";
}

/** `lhs − rhs` of an equation as one leaf-like MathJSON node. */
function difference(sides: readonly AnswerNode[]): Leaf | null {
  const [l, r] = sides;
  if (l.kind !== "leaf" || r.kind !== "leaf") return null;
  const a = prepareLeaf(l.latex), b = prepareLeaf(r.latex);
  const node = (leaf: Leaf): MathNode | null =>
    leaf.literal
      ? ["Divide", { num: String(leaf.literal.num) }, { num: String(leaf.literal.den) }]
      : leaf.math;
  const na = node(a), nb = node(b);
  if (na === null || nb === null) return null;
  return { latex: "", literal: null, isDecimal: false, text: null, math: ["Subtract", na, nb] };
}

/**
 * Whether two equations are equivalent: `lhs − rhs` of one is a non-zero constant multiple of the
 * other at every seeded random point (`y = 2x+1` and `2x − y + 1 = 0`).
 *
 * @param gold The gold equation's two sides.
 * @param predicted The predicted equation's two sides.
 * @param settings Tolerance, seed, points, and budget.
 * @returns True when equivalent.
 * @throws {BudgetExceededError} When the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const settings = { relativeTolerance: 1e-6, seed: 0, points: 5, budget: { steps: 1e5 } };
 * const leaf = (latex: string) => ({ kind: "leaf" as const, latex });
 * const sides = (l: string, r: string) => [leaf(l), leaf(r)];
 * assert.equal(isEquationEquivalent(sides("y", "2x+1"), sides("2x-y+1", "0"), settings), true);
 * ```
 */
export function isEquationEquivalent(
  gold: readonly AnswerNode[],
  predicted: readonly AnswerNode[],
  settings: EquivalenceSettings,
): boolean {
  const a = difference(gold), b = difference(predicted);
  if (a === null || b === null) return false;
  const symbols = new Set([...symbolsOf(a), ...symbolsOf(b)]);
  if (symbols.size === 0) return false;
  let ratio: Complex | null = null;
  return isIdentity(a, b, symbols, settings, (va, vb) => {
    const zeroA = Math.hypot(va.re, va.im) < 1e-12, zeroB = Math.hypot(vb.re, vb.im) < 1e-12;
    if (zeroA || zeroB) return zeroA && zeroB;
    const d = va.re * va.re + va.im * va.im;
    const r = { re: (vb.re * va.re + vb.im * va.im) / d, im: (vb.im * va.re - vb.re * va.im) / d };
    ratio ??= r;
    return isClose(ratio, r, SYMBOLIC_TOLERANCE * 10);
  });
}
