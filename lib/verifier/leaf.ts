/**
 * One leaf of an answer (a single number, expression or word) prepared for comparison: its
 * exact literal value when it is a plain number, whether it is text, and its MathJSON parse by
 * `@cortex-js/compute-engine`. Parses are cached by string, so a gold answer is parsed once.
 *
 * @module
 */

import { parseLatex } from "@cortex-js/compute-engine";
import { hasError, type MathNode, toNode } from "./math_node.ts";
import { parseRationalLiteral, type Rational } from "./rational.ts";

/** A leaf ready for comparison. */
export type Leaf = {
  /** The normalised LaTeX. */
  readonly latex: string;
  /** Exact value when the leaf is a plain number literal (the fast path), else `null`. */
  readonly literal: Rational | null;
  /** Whether the literal was written as a finite decimal (`0.75`), an inexact-looking form. */
  readonly isDecimal: boolean;
  /** Lower-cased letters and digits when the leaf is a word answer (`Monday`), else `null`. */
  readonly text: string | null;
  /** The MathJSON parse, or `null` when compute-engine reported an error. */
  readonly math: MathNode | null;
};

/** Entries kept in the parse cache before it is cleared (bounds memory, not results). */
const CACHE_LIMIT = 50_000;
const cache = new Map<string, Leaf>();

/** A run of three or more letters outside any command marks a word answer. */
function textOf(latex: string): string | null {
  const bare = latex.replace(/\\[a-zA-Z]+/g, " ");
  if (!/[a-zA-Z]{3,}/.test(bare)) return null;
  return bare.toLowerCase().replace(/[\s{}]/g, "");
}

function parseMath(latex: string): MathNode | null {
  try {
    const node = toNode(parseLatex(latex));
    return hasError(node) ? null : node;
  } catch {
    return null;
  }
}

/**
 * Prepares (and caches) a leaf for comparison. Compute-engine runs only when the leaf is not a
 * plain number literal and not a word.
 *
 * @param latex A leaf's normalised LaTeX.
 * @returns The prepared {@link Leaf}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(prepareLeaf("0.75").literal, { num: 3n, den: 4n });
 * assert.equal(prepareLeaf("Monday").text, "monday");
 * ```
 */
export function prepareLeaf(latex: string): Leaf {
  const hit = cache.get(latex);
  if (hit) return hit;
  const literal = parseRationalLiteral(latex);
  const text = literal === null ? textOf(latex) : null;
  const leaf: Leaf = {
    latex,
    literal,
    isDecimal: literal !== null && /^-?\d*\.\d+$/.test(latex),
    text,
    math: literal === null && text === null ? parseMath(latex) : null,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(latex, leaf);
  return leaf;
}
