/**
 * Reads the shape of a normalised answer: unordered lists (`1, 2`, `\{1,2\}`, `3\pm\sqrt2`),
 * ordered tuples and intervals with their bracket types (`(1,2)`, `[0,1)`), unions of
 * intervals, matrices, relations (`y = 2x+1`, `a < x \le b`) and leaves. Leaves are LaTeX
 * strings that `equivalent.ts` compares. Only splitting at top-level separators happens here;
 * the mathematics inside a leaf is parsed by compute-engine.
 *
 * @module
 */

import { type Budget, BudgetExceededError, spend } from "./budget.ts";
import { matchBrace } from "./normalize.ts";

/** Bracket characters of a tuple or interval. */
export type OpenBracket = "(" | "[";
/** Closing bracket characters of a tuple or interval. */
export type CloseBracket = ")" | "]";
/** Relation operators, normalised (`\leq` → `\le`, `\lt` → `<`). */
export type RelationOp = "=" | "<" | ">" | "\\le" | "\\ge" | "\\ne";

/** The structure of an answer. */
export type AnswerNode =
  | { kind: "list"; items: AnswerNode[] }
  | { kind: "tuple"; open: OpenBracket; close: CloseBracket; items: AnswerNode[] }
  | { kind: "union"; items: AnswerNode[] }
  | { kind: "matrix"; rows: AnswerNode[][] }
  | { kind: "relation"; ops: RelationOp[]; sides: AnswerNode[] }
  | { kind: "leaf"; latex: string };

/** Deepest bracket nesting accepted before the verdict is `budget-exceeded`. */
const MAX_NESTING = 40;

const RELATION_OPS: ReadonlyArray<readonly [string, RelationOp]> = [
  ["\\leq", "\\le"],
  ["\\geq", "\\ge"],
  ["\\neq", "\\ne"],
  ["\\le", "\\le"],
  ["\\ge", "\\ge"],
  ["\\ne", "\\ne"],
  ["\\lt", "<"],
  ["\\gt", ">"],
  ["=", "="],
  ["<", "<"],
  [">", ">"],
];

type Split = { parts: string[]; seps: string[] };

/**
 * Splits `text` at separators that occur outside every bracket, brace and environment.
 * Commands among `separators` match only as whole names (`\le` does not match `\left`).
 */
function splitTopLevel(text: string, separators: readonly string[]): Split {
  const parts: string[] = [];
  const seps: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (depth === 0) {
      const sep = separators.find((s) =>
        text.startsWith(s, i) && !(/[a-zA-Z]$/.test(s) && /[a-zA-Z]/.test(text[i + s.length] ?? ""))
      );
      if (sep !== undefined) {
        parts.push(text.slice(start, i));
        seps.push(sep);
        i += sep.length;
        start = i;
        continue;
      }
    }
    if (ch === "\\") {
      const name = /^\\([a-zA-Z]+|.)/.exec(text.slice(i, i + 40))?.[1] ?? "";
      if (name === "{") depth++;
      else if (name === "}") depth--;
      else if (name === "begin") depth++;
      else if (name === "end") depth--;
      i += 1 + Math.max(name.length, 1);
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (depth > MAX_NESTING) throw new BudgetExceededError("reading the answer structure");
    i++;
  }
  parts.push(text.slice(start));
  return { parts, seps };
}

/** `(…)`, `[…]`, `\{…\}` enclosing the whole text, with its inner text. */
function outerBracket(text: string): { open: string; close: string; inner: string } | null {
  const open = text.startsWith("\\{") ? "\\{" : text[0] === "(" || text[0] === "[" ? text[0] : "";
  if (open === "") return null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    let step = 1;
    if (ch === "\\") {
      const next = text[i + 1] ?? "";
      if (next === "{") depth++;
      else if (next === "}") depth--;
      else if (text.startsWith("\\begin", i)) depth++;
      else if (text.startsWith("\\end", i)) depth--;
      step = 2;
    } else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    if (depth === 0) {
      const closeLength = ch === "\\" ? 2 : 1;
      if (i + closeLength !== text.length) return null;
      const close = text.slice(i, i + closeLength);
      if (open === "\\{" ? close !== "\\}" : close !== ")" && close !== "]") return null;
      return { open, close, inner: text.slice(open.length, i) };
    }
    i += step - 1;
  }
  return null;
}

function stripBraces(text: string): string {
  text = text.trim();
  while (text.startsWith("{") && matchBrace(text, 0) === text.length - 1) text = text.slice(1, -1);
  return text.replace(/^\+(?=.)/, "");
}

function parseMatrix(text: string, budget: Budget, depth: number): AnswerNode | null {
  const m = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[lcr|]*\})?([\s\S]*)\\end\{\1\}$/.exec(text);
  if (!m) return null;
  const body = m[2];
  let rows = splitTopLevel(body, ["\\\\"]).parts;
  const collapsed = rows.length === 1;
  if (collapsed) {
    // Some datasets collapse the row separator `\\` into a single `\` before a non-letter.
    rows = body.split(/\\(?=[^a-zA-Z{}])/);
  }
  let grid = rows.filter((row) => row.length > 0).map((row) => splitTopLevel(row, ["&"]).parts);
  if (collapsed && (grid.length === 1 || !isRectangular(grid))) {
    grid = repairLostRowBreaks(grid) ?? grid;
  }
  return {
    kind: "matrix",
    rows: grid.map((row) => row.map((cell) => parseAnswerNode(cell, budget, depth + 1))),
  };
}

function isRectangular(grid: readonly string[][]): boolean {
  return grid.every((row) => row.length === grid[0].length);
}

/**
 * MATH golds sometimes lost a row break entirely before `\frac` or `\sqrt`
 * (`\frac{3}{5}&\frac{1}{5}\frac{3}{5}&\frac{1}{5}` is a 2x2 matrix). Splits each cell with one
 * such juxtaposition into two rows, and keeps the result only when it is a square matrix.
 */
function repairLostRowBreaks(grid: readonly string[][]): string[][] | null {
  const repaired: string[][] = [[]];
  for (const [r, row] of grid.entries()) {
    if (r > 0) repaired.push([]);
    for (const cell of row) {
      const breaks = [...cell.matchAll(/(?<=[\d}])\\(?:frac|sqrt)(?![a-zA-Z])/g)];
      if (breaks.length > 1) return null;
      if (breaks.length === 0) {
        repaired[repaired.length - 1].push(cell);
        continue;
      }
      const at = breaks[0].index;
      if (splitTopLevel(cell.slice(0, at), [","]).parts.length !== 1) return null;
      repaired[repaired.length - 1].push(cell.slice(0, at));
      repaired.push([cell.slice(at)]);
    }
  }
  const square = repaired.length >= 2 && repaired.every((row) => row.length === repaired.length);
  return square ? repaired : null;
}

/**
 * Parses a normalised answer into its {@link AnswerNode} structure.
 *
 * @param text A string from `normalizeAnswer`.
 * @param budget The step budget to spend.
 * @param depth Current nesting (internal; callers pass nothing).
 * @returns The structure.
 * @throws {BudgetExceededError} When nesting or the budget runs out.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const node = parseAnswerNode("[0,1)", { steps: 100 });
 * assert.equal(node.kind === "tuple" && node.open + node.close, "[)");
 * ```
 */
export function parseAnswerNode(text: string, budget: Budget, depth: number = 0): AnswerNode {
  spend(budget);
  if (depth > MAX_NESTING) throw new BudgetExceededError("reading the answer structure");
  text = stripBraces(text);
  const approx = splitTopLevel(text, ["\\approx"]).parts.filter((p) => p.length > 0);
  // `\frac23 \approx 0.67` is 2/3; `x \approx 0.67` is 0.67.
  if (approx.length > 1) {
    text = /^[a-zA-Z]$/.test(approx[0]) ? approx[approx.length - 1] : approx[0];
  }
  const list = splitTopLevel(text, [",", ";"]).parts.filter((p) => p.length > 0);
  if (list.length > 1) {
    return { kind: "list", items: list.map((p) => parseAnswerNode(p, budget, depth + 1)) };
  }
  text = list[0] ?? "";
  const union = splitTopLevel(text, ["\\cup"]).parts;
  if (union.length > 1) {
    return { kind: "union", items: union.map((p) => parseAnswerNode(p, budget, depth + 1)) };
  }
  const member = splitTopLevel(text, ["\\in"]).parts;
  if (member.length === 2 && /^[a-zA-Z]$/.test(member[0])) text = member[1];
  const relation = splitTopLevel(text, RELATION_OPS.map(([s]) => s));
  if (relation.parts.length > 1 && relation.parts.every((p) => p.length > 0)) {
    return {
      kind: "relation",
      ops: relation.seps.map((s) => RELATION_OPS.find(([t]) => t === s)![1]),
      // A bracketed side keeps its structure: `(a, b) = (2, 3)`.
      sides: relation.parts.map((p): AnswerNode =>
        outerBracket(stripBraces(p)) ? parseAnswerNode(p, budget, depth + 1) : {
          kind: "leaf",
          latex: stripBraces(p),
        }
      ),
    };
  }
  const pm = splitTopLevel(text, ["\\pm", "\\mp"]).parts;
  if (pm.length === 2) {
    const [a, b] = pm;
    const plus = a === "" ? b : `${a}+${b}`;
    const minus = a === "" ? `-(${b})` : `${a}-(${b})`;
    return {
      kind: "list",
      items: [parseAnswerNode(plus, budget, depth + 1), parseAnswerNode(minus, budget, depth + 1)],
    };
  }
  const bracket = outerBracket(text);
  if (bracket) {
    const items = splitTopLevel(bracket.inner, [","]).parts;
    if (bracket.open === "\\{") {
      return { kind: "list", items: items.map((p) => parseAnswerNode(p, budget, depth + 1)) };
    }
    if (items.length === 1) return parseAnswerNode(bracket.inner, budget, depth + 1);
    return {
      kind: "tuple",
      open: bracket.open as OpenBracket,
      close: bracket.close as CloseBracket,
      items: items.map((p) => parseAnswerNode(p, budget, depth + 1)),
    };
  }
  return parseMatrix(text, budget, depth) ?? { kind: "leaf", latex: text };
}
