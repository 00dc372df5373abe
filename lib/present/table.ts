/**
 * Tables for notebooks and reports: rows of plain data rendered once as HTML (what Jupyter and
 * the report show) and once as aligned text (what a terminal or `text/plain` shows), behind
 * `Symbol.for("Jupyter.display")` like a `Figure` from figure.ts.
 *
 * @module
 */

import type { PassAtKRow } from "../eval/passk.ts";
import type { Displayable } from "./figure.ts";

/** How one column of a {@link table} is shown. */
export type TableColumn = {
  /** Field of the row this column shows. */
  readonly key: string;
  /** Header text. Default: the key. */
  readonly label?: string;
  /** Alignment. Default: right when every value is a number, else left. */
  readonly align?: "left" | "right";
  /** The cell as plain text. Default: numbers to 4 significant digits, other values as text. */
  readonly text?: (value: unknown, row: Readonly<Record<string, unknown>>) => string;
  /** The cell as raw HTML (the caller escapes what it inserts). Default: the escaped text. */
  readonly html?: (value: unknown, row: Readonly<Record<string, unknown>>) => string;
  /** CSS declarations for the cell, e.g. `"background:#dfd"`. Default: none. */
  readonly style?: (value: unknown, row: Readonly<Record<string, unknown>>) => string | undefined;
};

/** Options of {@link table}. */
export type TableOptions = {
  /** Columns in order, as keys or {@link TableColumn}s. Default: every key of the rows. */
  readonly columns?: readonly (string | TableColumn)[];
  /** A caption shown above the table. Default: none. */
  readonly caption?: string;
};

/** A rendered table: HTML, aligned text, and a Jupyter display bundle of both. */
export type Table = { readonly html: string; readonly text: string } & Displayable;

/**
 * Renders rows as a table: HTML (`<table>` with a header row; every value escaped) and aligned
 * plain text. The result displays inline in Deno's Jupyter kernel (`text/html` and `text/plain`)
 * when it is a cell's last expression or passed to `Deno.jupyter.display`.
 *
 * @param rows Plain records, one per table row.
 * @param options Columns and caption.
 * @returns The rendered {@link Table}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = table([{ method: "NSR", pass1: 0.5 }, { method: "<PSR>", pass1: 0.25 }]);
 * assert.equal(t.text, "method  pass1\n------  -----\nNSR       0.5\n<PSR>    0.25");
 * assert.match(t.html, /<td style="text-align:left">&lt;PSR&gt;<\/td>/);
 * assert.equal(t[Symbol.for("Jupyter.display")]()["text/plain"], t.text);
 * ```
 */
export function table(
  rows: readonly Readonly<Record<string, unknown>>[],
  options: TableOptions = {},
): Table {
  const { columns = [...new Set(rows.flatMap((row) => Object.keys(row)))], caption } = options;
  const specs = columns.map((column) => {
    const spec = typeof column === "string" ? { key: column } : column;
    const numeric = rows.every((row) => row[spec.key] == null || typeof row[spec.key] === "number");
    return {
      key: spec.key,
      label: spec.label ?? spec.key,
      align: spec.align ?? (numeric ? "right" : "left"),
      text: spec.text ?? formatValue,
      html: spec.html,
      style: spec.style,
    };
  });
  const cells = rows.map((row) =>
    specs.map((spec) => spec.text(row[spec.key], row).replace(/\s*\n\s*/g, " "))
  );

  const widths = specs.map((spec, j) =>
    Math.max(spec.label.length, ...cells.map((cellsOfRow) => cellsOfRow[j].length))
  );
  const pad = (text: string, j: number): string =>
    specs[j].align === "right" ? text.padStart(widths[j]) : text.padEnd(widths[j]);
  const line = (texts: readonly string[]): string =>
    texts.map((text, j) => pad(text, j)).join("  ").trimEnd();
  const textLines = [
    ...(caption === undefined ? [] : [caption]),
    line(specs.map((spec) => spec.label)),
    line(widths.map((width) => "-".repeat(width))),
    ...cells.map(line),
  ];

  const head = specs.map((spec) =>
    `<th style="text-align:${spec.align}">${escapeHtml(spec.label)}</th>`
  );
  const body = rows.map((row, i) => {
    const tds = specs.map((spec, j) => {
      const value = row[spec.key];
      const extra = spec.style?.(value, row);
      const style = `text-align:${spec.align}${extra === undefined ? "" : `;${extra}`}`;
      const content = spec.html?.(value, row) ?? escapeHtml(cells[i][j]);
      return `<td style="${escapeHtml(style)}">${content}</td>`;
    });
    return `<tr>${tds.join("")}</tr>`;
  });
  const captionHtml = caption === undefined ? "" : `<caption>${escapeHtml(caption)}</caption>`;
  const html = `<table>${captionHtml}<thead><tr>${head.join("")}</tr></thead>` +
    `<tbody>${body.join("")}</tbody></table>`;
  const text = textLines.join("\n");
  return {
    html,
    text,
    [Symbol.for("Jupyter.display")]: () => ({ "text/html": html, "text/plain": text }),
  };
}

/** Options of {@link passAtKTable}. */
export type PassAtKTableOptions = {
  /** The ks shown, one column each. Default: every k in the rows, ascending. */
  readonly ks?: readonly number[];
  /** Decimals of the percentages. Default 1, as in the paper's Table 1. */
  readonly digits?: number;
  /** A caption. Default: "Pass@k (%): mean [interval]". */
  readonly caption?: string;
  /** Set the best mean per tier and k in bold (HTML only). Default true. */
  readonly highlightBest?: boolean;
  /** Header of the dataset column, e.g. "tier". Default "dataset". */
  readonly datasetLabel?: string;
};

/**
 * A Table-1-style table: one row per (dataset or tier, method), in the order the rows first name
 * them, grouped by tier; one column per k with Pass@k in % as `mean [lower, upper]` (just the mean
 * for rows without an interval, such as the paper's own numbers).
 *
 * @param rows Tidy rows `{ dataset, method, k, passAtK[, lower, upper] }` (fractions), e.g. from
 *   `curveToRows`.
 * @param options Columns, digits, caption, highlighting.
 * @returns The rendered {@link Table}.
 * @throws {RangeError} If two rows share a dataset, method and k.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = passAtKTable([
 *   { dataset: "A", method: "NSR", k: 1, estimate: 0.5, lower: 0.4, upper: 0.61 },
 *   { dataset: "A", method: "NSR", k: 2, estimate: 0.7, lower: 0.7, upper: 0.7 },
 * ]);
 * assert.match(t.text, /NSR +50\.0 \[40\.0, 61\.0\] +70\.0$/m);
 * ```
 */
export function passAtKTable(
  rows: readonly PassAtKRow[],
  options: PassAtKTableOptions = {},
): Table {
  const {
    ks = [...new Set(rows.map((row) => row.k))].sort((a, b) => a - b),
    digits = 1,
    caption = "Pass@k (%): mean [interval]",
    highlightBest = true,
    datasetLabel = "dataset",
  } = options;
  const datasets = [...new Set(rows.map((row) => row.dataset))];
  const methods = [...new Set(rows.map((row) => row.method))];
  const cellOf = new Map<string, PassAtKRow>();
  for (const row of rows) {
    const key = JSON.stringify([row.dataset, row.method, row.k]);
    if (cellOf.has(key)) {
      throw new RangeError(
        `Cannot build a pass@k table: rows repeat, got dataset "${row.dataset}", method ` +
          `"${row.method}" and k=${row.k} twice`,
      );
    }
    cellOf.set(key, row);
  }
  const get = (dataset: string, method: string, k: number): PassAtKRow | undefined =>
    cellOf.get(JSON.stringify([dataset, method, k]));
  const best = new Map<string, number>(); // best mean per (dataset, k)
  for (const row of rows) {
    const key = JSON.stringify([row.dataset, row.k]);
    best.set(key, Math.max(best.get(key) ?? -Infinity, row.estimate));
  }
  const percent = (value: number): string => (100 * value).toFixed(digits);
  const text = (value: unknown): string => {
    if (value === undefined) return "";
    const { estimate, lower, upper } = value as PassAtKRow;
    if (lower === upper) return percent(estimate);
    return `${percent(estimate)} [${percent(lower)}, ${percent(upper)}]`;
  };
  const html = (value: unknown): string => {
    if (value === undefined) return "";
    const row = value as PassAtKRow;
    const isBest = highlightBest && row.estimate === best.get(JSON.stringify([row.dataset, row.k]));
    const mean = isBest ? `<b>${percent(row.estimate)}</b>` : percent(row.estimate);
    if (row.lower === undefined || row.upper === undefined) return mean;
    return `${mean} <small>[${percent(row.lower)}, ${percent(row.upper)}]</small>`;
  };
  const tableRows = datasets.flatMap((dataset) =>
    methods
      .filter((method) => ks.some((k) => get(dataset, method, k) !== undefined))
      .map((method) => ({
        dataset,
        method,
        ...Object.fromEntries(ks.map((k) => [`k${k}`, get(dataset, method, k)])),
      }))
  );
  const kColumns: TableColumn[] = ks.map((k) => ({
    key: `k${k}`,
    label: `Pass@${k}`,
    align: "right",
    text,
    html,
  }));
  return table(tableRows, {
    columns: [{ key: "dataset", label: datasetLabel }, "method", ...kColumns],
    caption,
  });
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param text Any text.
 * @returns The text with `&`, `<`, `>`, `"` and `'` replaced by entities.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeHtml(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    return Number.isInteger(value) || !Number.isFinite(value)
      ? String(value)
      : String(Number(value.toPrecision(4)));
  }
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}
