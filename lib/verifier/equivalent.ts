/**
 * Equivalence of two answer structures. Leaves compare, in order: identical strings; exact
 * rationals (BigInt, no tolerance); words (case-insensitive); exact evaluation of the
 * compute-engine parse; complex floating-point evaluation (constants) or evaluation at seeded
 * random points (expressions with variables). Containers compare by their own rule: lists and
 * sets unordered, tuples and intervals ordered with bracket types, unions as sets of intervals,
 * matrices element-wise, equations up to a non-zero factor, inequalities as intervals.
 *
 * @module
 */

import { deriveSeed, seededPrng } from "../random.ts";
import {
  type Budget,
  type Complex,
  exactValue,
  freeSymbols,
  type MathNode,
  numericValue,
  spend,
} from "./evaluate.ts";
import { type Leaf, prepareLeaf } from "./leaf.ts";
import { isRationalEqual, type Rational, rationalToNumber } from "./rational.ts";
import type { AnswerNode, RelationOp } from "./structure.ts";

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
/** Random points are drawn from ±[0.5, 2.5]: away from 0 and from branch points at ±1 only by chance. */
const POINT_MIN = 0.5;
const POINT_SPAN = 2;

function isClose(a: Complex, b: Complex, tolerance: number): boolean {
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  return Math.hypot(a.re - b.re, a.im - b.im) <= tolerance * Math.max(scale, 1e-12);
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
  if (leaf.literal) return { re: rationalToNumber(leaf.literal), im: 0 };
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
    if (va === null || vb === null) return false;
    // A typed decimal against an irrational value is an approximation: use the user tolerance.
    const approximate = (a.isDecimal && !exactB) || (b.isDecimal && !exactA);
    return isClose(va, vb, approximate ? relativeTolerance : SYMBOLIC_TOLERANCE);
  }
  return isIdentity(a, b, symbols, settings, (va, vb) => isClose(va, vb, SYMBOLIC_TOLERANCE));
}

/** Evaluates both leaves at seeded points; every point where either is defined must agree. */
function isIdentity(
  a: Leaf,
  b: Leaf,
  symbols: Set<string>,
  { seed, points, budget }: EquivalenceSettings,
  agree: (va: Complex, vb: Complex) => boolean,
): boolean {
  let defined = 0;
  for (let index = 0; index < points; index++) {
    const env = pointEnv(symbols, seed, index);
    const va = valueAt(a, env, budget), vb = valueAt(b, env, budget);
    if (va === null && vb === null) continue;
    if (va === null || vb === null || !agree(va, vb)) return false;
    defined++;
  }
  return defined >= Math.min(2, points);
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

/** Equations are equivalent when `lhs − rhs` of one is a non-zero constant multiple of the other. */
function isEquationEquivalent(
  gold: AnswerNode[],
  predicted: AnswerNode[],
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

const INFINITY = "\\infty";

function isVariable(node: AnswerNode): boolean {
  return node.kind === "leaf" && /^[a-zA-Z]{1,3}(_\{?\w+\}?)?(\([a-zA-Z]\))?$/.test(node.latex);
}

function flip(op: RelationOp): RelationOp {
  return op === "<" ? ">" : op === ">" ? "<" : op === "\\le" ? "\\ge" : op === "\\ge" ? "\\le" : op;
}

/** `x < 3` → `(-\infty, 3)`, `a \le x < b` → `[a, b)`; `null` when not an interval. */
function relationToInterval(node: AnswerNode): AnswerNode | null {
  if (node.kind !== "relation") {
    return node.kind === "tuple" && node.items.length === 2 ? node : null;
  }
  let { ops, sides } = node;
  if (ops.some((op) => op === "=" || op === "\\ne")) return null;
  if (ops.some((op) => op === ">" || op === "\\ge")) {
    ops = [...ops].reverse().map(flip);
    sides = [...sides].reverse();
  }
  if (ops.some((op) => op === ">" || op === "\\ge")) return null;
  const leaf = (latex: string): AnswerNode => ({ kind: "leaf", latex });
  const strict = (op: RelationOp): boolean => op === "<";
  if (sides.length === 2 && isVariable(sides[0])) {
    return {
      kind: "tuple",
      open: "(",
      close: strict(ops[0]) ? ")" : "]",
      items: [leaf(`-${INFINITY}`), sides[1]],
    };
  }
  if (sides.length === 2 && isVariable(sides[1])) {
    return {
      kind: "tuple",
      open: strict(ops[0]) ? "(" : "[",
      close: ")",
      items: [sides[0], leaf(INFINITY)],
    };
  }
  if (sides.length === 3 && isVariable(sides[1])) {
    return {
      kind: "tuple",
      open: strict(ops[0]) ? "(" : "[",
      close: strict(ops[1]) ? ")" : "]",
      items: [sides[0], sides[2]],
    };
  }
  return null;
}

/** The intervals a union, an interval, an inequality, or a list of inequalities stands for. */
function intervalsOf(node: AnswerNode): AnswerNode[] | null {
  const items = node.kind === "union" || node.kind === "list" ? node.items : [node];
  const out: AnswerNode[] = [];
  for (const item of items) {
    const interval = relationToInterval(item);
    if (interval === null) return null;
    out.push(interval);
  }
  return out;
}

/** Unordered comparison: every gold item matches a distinct predicted item. */
function isMultisetEquivalent(
  gold: readonly AnswerNode[],
  predicted: readonly AnswerNode[],
  settings: EquivalenceSettings,
): boolean {
  if (gold.length !== predicted.length) return false;
  const used = new Array<boolean>(predicted.length).fill(false);
  for (const g of gold) {
    const j = predicted.findIndex((p, k) => !used[k] && isAnswerEquivalent(g, p, settings));
    if (j < 0) return false;
    used[j] = true;
  }
  return true;
}

function isOrderedEquivalent(
  gold: readonly AnswerNode[],
  predicted: readonly AnswerNode[],
  settings: EquivalenceSettings,
): boolean {
  return gold.length === predicted.length &&
    gold.every((g, i) => isAnswerEquivalent(g, predicted[i], settings));
}

/** The right side of `x = 5` when the left side is a plain variable. */
function assignedValue(node: AnswerNode): AnswerNode | null {
  return node.kind === "relation" && node.ops.length === 1 && node.ops[0] === "=" &&
      isVariable(node.sides[0])
    ? node.sides[1]
    : null;
}

/**
 * Whether two answer structures are equivalent (gold first: the rules are symmetric except
 * that the gold's shape decides how a bare value and `x = value` meet).
 *
 * @param gold The gold structure.
 * @param predicted The predicted structure.
 * @param settings Tolerance, seed, points, and budget.
 * @returns True when equivalent.
 * @throws {BudgetExceededError} When the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswerNode } from "./structure.ts";
 * const budget = { steps: 1e5 };
 * const settings = { relativeTolerance: 1e-6, seed: 0, points: 5, budget };
 * const node = (s: string) => parseAnswerNode(s, budget);
 * assert.equal(isAnswerEquivalent(node("\\{1,2\\}"), node("2,1"), settings), true);
 * assert.equal(isAnswerEquivalent(node("[0,1)"), node("(0,1)"), settings), false);
 * ```
 */
export function isAnswerEquivalent(
  gold: AnswerNode,
  predicted: AnswerNode,
  settings: EquivalenceSettings,
): boolean {
  spend(settings.budget);
  if (gold.kind === "list" && gold.items.length === 1) gold = gold.items[0];
  if (predicted.kind === "list" && predicted.items.length === 1) predicted = predicted.items[0];
  if (gold.kind === "union" || predicted.kind === "union") {
    const a = intervalsOf(gold), b = intervalsOf(predicted);
    if (a !== null && b !== null) return isMultisetEquivalent(a, b, settings);
    // A union with a non-interval part (`\{-1\} \cup [0, 7)`): compare the parts as a set.
    return gold.kind === "union" && predicted.kind === "union" &&
      isMultisetEquivalent(gold.items, predicted.items, settings);
  }
  if (gold.kind !== "relation" && predicted.kind === "relation") {
    const value = assignedValue(predicted);
    if (value) return isAnswerEquivalent(gold, value, settings);
    const interval = relationToInterval(predicted);
    return interval !== null && gold.kind === "tuple" &&
      isAnswerEquivalent(gold, interval, settings);
  }
  if (gold.kind === "relation" && predicted.kind !== "relation") {
    const value = assignedValue(gold);
    if (value) return isAnswerEquivalent(value, predicted, settings);
    const interval = relationToInterval(gold);
    return interval !== null && predicted.kind === "tuple" &&
      isAnswerEquivalent(interval, predicted, settings);
  }
  if (predicted.kind === "list" && gold.kind !== "list") {
    const values = predicted.items.map(assignedValue);
    if (gold.kind === "tuple" && values.every((v) => v !== null)) {
      // A point written as assignments: (1, -2) vs `x = 1, y = -2`, in order.
      return gold.open === "(" && isOrderedEquivalent(gold.items, values as AnswerNode[], settings);
    }
    // One answer written several ways (`x+11, 11+x`): every item must equal the gold.
    return predicted.items.every((item) => isAnswerEquivalent(gold, item, settings));
  }
  switch (gold.kind) {
    case "leaf":
      return predicted.kind === "leaf" && isLeafEquivalent(gold.latex, predicted.latex, settings);
    case "list":
      return predicted.kind === "list" &&
        isMultisetEquivalent(gold.items, predicted.items, settings);
    case "tuple":
      if (predicted.kind === "matrix") return isAnswerEquivalent(predicted, gold, settings);
      return predicted.kind === "tuple" && gold.open === predicted.open &&
        gold.close === predicted.close &&
        isOrderedEquivalent(gold.items, predicted.items, settings);
    case "matrix": {
      if (predicted.kind === "tuple") {
        // A column or row vector may be written as a tuple: (1, 2) = \begin{pmatrix}1\\2\end{pmatrix}.
        const flat = gold.rows.length === 1
          ? gold.rows[0]
          : gold.rows.every((r) => r.length === 1)
          ? gold.rows.map((r) => r[0])
          : null;
        return flat !== null && predicted.open === "(" && predicted.close === ")" &&
          isOrderedEquivalent(flat, predicted.items, settings);
      }
      if (predicted.kind !== "matrix" || gold.rows.length !== predicted.rows.length) return false;
      return gold.rows.every((row, i) => isOrderedEquivalent(row, predicted.rows[i], settings));
    }
    case "relation": {
      if (predicted.kind !== "relation") return false;
      const same = gold.ops.join() === predicted.ops.join() &&
        isOrderedEquivalent(gold.sides, predicted.sides, settings);
      if (same) return true;
      if (
        gold.ops.length === 1 && gold.ops[0] === "=" && predicted.ops.length === 1 &&
        predicted.ops[0] === "="
      ) {
        return isEquationEquivalent(gold.sides, predicted.sides, settings);
      }
      const a = relationToInterval(gold), b = relationToInterval(predicted);
      return a !== null && b !== null && isAnswerEquivalent(a, b, settings);
    }
    default: {
      const unreachable: never = gold;
      return unreachable;
    }
  }
}
