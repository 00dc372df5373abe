/**
 * Equivalence of two answer structures. Containers compare by their own rule: lists and sets
 * unordered, tuples and intervals ordered with bracket types, unions as sets of intervals
 * (inequalities become intervals), matrices element-wise, equations up to a non-zero factor;
 * leaves by `isLeafEquivalent`.
 *
 * @module
 */

import { spend } from "./budget.ts";
import { assignedValue, intervalsOf, relationToInterval } from "./interval.ts";
import {
  type EquivalenceSettings,
  isEquationEquivalent,
  isLeafEquivalent,
} from "./leaf_equivalent.ts";
import type { AnswerNode } from "./structure.ts";

export type { EquivalenceSettings } from "./leaf_equivalent.ts";

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
        // A column or row vector may be written as a tuple:
        // (1, 2) = \begin{pmatrix}1\\2\end{pmatrix}.
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
