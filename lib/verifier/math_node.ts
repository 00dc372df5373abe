/**
 * The MathJSON trees that `@cortex-js/compute-engine`'s `parseLatex` returns, in a plain shape,
 * with the helpers both evaluators share.
 *
 * @module
 */

import { parseRationalLiteral, type Rational } from "./rational.ts";

/** A MathJSON node after unwrapping `{fn}`, `{sym}`, `{num}`, `{str}` object forms. */
export type MathNode = number | string | { num: string } | { str: string } | MathNode[];

/** Symbols with a fixed value (π, e, i, ½); every other symbol is a free variable. */
export const CONSTANT_SYMBOLS: ReadonlySet<string> = new Set([
  "Pi",
  "ExponentialE",
  "e",
  "ImaginaryUnit",
  "i",
  "Half",
]);

/**
 * Converts compute-engine's MathJSON into the plain {@link MathNode} shape used here.
 *
 * @param json The value returned by `parseLatex`.
 * @returns The plain node.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const json = { fn: ["Add", { sym: "x" }, { num: "1.5" }] };
 * assert.deepEqual(toNode(json), ["Add", "x", { num: "1.5" }]);
 * ```
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
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(hasError(["Add", 1, ["Error", { str: "missing" }]]), true);
 * ```
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
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([...freeSymbols(["Multiply", "Pi", ["Power", "r", 2]])], ["r"]);
 * ```
 */
export function freeSymbols(node: MathNode, out: Set<string> = new Set()): Set<string> {
  if (typeof node === "string") {
    if (!CONSTANT_SYMBOLS.has(node) && !node.startsWith("'")) out.add(node);
  } else if (Array.isArray(node)) {
    for (let i = 1; i < node.length; i++) freeSymbols(node[i], out);
  }
  return out;
}
/**
 * Reads a MathJSON number string exactly (compute-engine writes repeating decimals as `0.(3)`).
 *
 * @param text The `num` string of a MathJSON number.
 * @returns The exact value, or `null` for `NaN`, infinities and other non-literals.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(numberLiteral("0.(3)"), { num: 1n, den: 3n });
 * ```
 */
export function numberLiteral(text: string): Rational | null {
  const repeating = /^(-?\d*\.\d*)\((\d+)\)$/.exec(text);
  if (repeating) return parseRationalLiteral(`${repeating[1]}\\overline{${repeating[2]}}`);
  return parseRationalLiteral(text);
}
