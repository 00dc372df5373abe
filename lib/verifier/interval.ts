/**
 * Relations read as intervals and assignments: `x < 3` → `(-\\infty, 3)`, `a \\le x < b` →
 * `[a, b)`, `x < 1 or x > 2` → a union, and `x = 5` → `5`.
 *
 * @module
 */

import type { AnswerNode, RelationOp } from "./structure.ts";

const INFINITY = "\\infty";

function isVariable(node: AnswerNode): boolean {
  return node.kind === "leaf" &&
    /^[a-zA-Z]{1,3}(_\{?\w+\}?)?(\^\{?-1\}?)?(\([a-zA-Z]\))?$/.test(node.latex);
}

function flip(op: RelationOp): RelationOp {
  return op === "<" ? ">" : op === ">" ? "<" : op === "\\le" ? "\\ge" : op === "\\ge" ? "\\le" : op;
}

/**
 * Reads an inequality in one variable as an interval; an interval (a 2-tuple) is returned as is.
 *
 * @param node A structure from `parseAnswerNode`.
 * @returns The interval as a tuple node, or `null` when the node is not one.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswerNode } from "./structure.ts";
 * const interval = relationToInterval(parseAnswerNode("-2 \\le x < 7", { steps: 100 }));
 * assert.equal(interval?.kind === "tuple" && interval.open + interval.close, "[)");
 * ```
 */
export function relationToInterval(node: AnswerNode): AnswerNode | null {
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

/**
 * The intervals that a union, an interval, an inequality, or a list of inequalities stands for.
 *
 * @param node A structure from `parseAnswerNode`.
 * @returns The intervals, or `null` when some part is not an interval.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswerNode } from "./structure.ts";
 * assert.equal(intervalsOf(parseAnswerNode("x<1,x>2", { steps: 100 }))?.length, 2);
 * ```
 */
export function intervalsOf(node: AnswerNode): AnswerNode[] | null {
  const items = node.kind === "union" || node.kind === "list" ? node.items : [node];
  const out: AnswerNode[] = [];
  for (const item of items) {
    const interval = relationToInterval(item);
    if (interval === null) return null;
    out.push(interval);
  }
  return out;
}

/**
 * The right side of `x = 5` when the left side is a variable name (`x`, `AB`, `f(x)`,
 * `f^{-1}(x)`) or a tuple of them (`(a, b) = (2, 3)`).
 *
 * @param node A structure from `parseAnswerNode`.
 * @returns The assigned value, or `null` when the node is not such an assignment.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAnswerNode } from "./structure.ts";
 * const node = parseAnswerNode("k=5", { steps: 100 });
 * assert.deepEqual(assignedValue(node), { kind: "leaf", latex: "5" });
 * ```
 */
export function assignedValue(node: AnswerNode): AnswerNode | null {
  if (node.kind !== "relation" || node.ops.length !== 1 || node.ops[0] !== "=") return null;
  const [name, value] = node.sides;
  const names = name.kind === "tuple" ? name.items : [name];
  return names.every(isVariable) ? value : null;
}
