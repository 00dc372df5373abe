/**
 * The main job's report: one self-contained HTML page with every notebook's status, time, and
 * its rich outputs (figures, tables, claims tables) in order, without the code.
 *
 * @module
 */
import type { NotebookRun } from "./notebook_runner.ts";

/** One notebook's run, as the report shows it. */
export type ReportEntry = {
  /** Notebook file name, e.g. `02_psr_vs_nsr.ipynb`. */
  name: string;
  /** What the run produced. */
  run: NotebookRun;
  /** Path of the notebook's HTML export, relative to the report, when there is one. */
  htmlExport?: string;
};

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Builds the report page from notebook runs.
 *
 * @param entries One entry per notebook, in report order.
 * @param options `title` of the page and `subtitle` (e.g. profile, date and total time).
 * @returns A complete HTML document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = { executedPath: "x", errors: [], figures: [], seconds: 1, displays: [
 *   { cell: 1, mime: "text/html" as const, content: "<table></table>" }] };
 * assert.match(reportHtml([{ name: "a.ipynb", run }]), /<table><\/table>/);
 * ```
 */
export function reportHtml(
  entries: readonly ReportEntry[],
  options: { title?: string; subtitle?: string } = {},
): string {
  const { title = "rlvr-kit reproduction report", subtitle = "" } = options;
  const toc = entries.map((entry, i) => {
    const status = entry.run.errors.length === 0 ? "ok" : `${entry.run.errors.length} error(s)`;
    return `<li><a href="#nb${i}">${escapeHtml(entry.name)}</a>: ${status}, ` +
      `${entry.run.seconds.toFixed(0)} s</li>`;
  });
  const sections = entries.map((entry, i) => {
    const link = entry.htmlExport === undefined
      ? ""
      : ` <small>(<a href="${escapeHtml(entry.htmlExport)}">full notebook</a>)</small>`;
    const errors = entry.run.errors.length === 0
      ? ""
      : `<pre class="error">${escapeHtml(entry.run.errors.join("\n"))}</pre>`;
    const body = entry.run.displays.map((display) => `<div class="out">${display.content}</div>`);
    return `<section id="nb${i}"><h2>${escapeHtml(entry.name)}${link}</h2>${errors}` +
      `${body.join("\n")}</section>`;
  });
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}
.out{margin:1em 0;overflow-x:auto}.error{color:#b00;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p>
<ul>${toc.join("")}</ul>${sections.join("\n")}</body></html>\n`;
}
