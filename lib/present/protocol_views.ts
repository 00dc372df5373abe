/**
 * Figures and tables of a protocol run, for notebooks 02 and 04: curves (calibration, training
 * dynamics), the movement table and the calibration table. They take rows (protocol_rows.ts),
 * never the run itself, and return displayable figures and tables.
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import * as Plot from "@observablehq/plot";
import type { Calibration } from "../protocol/protocol_results.ts";
import type { MovementRow } from "../protocol/protocol_rows.ts";
import type { SharpeningRow } from "../protocol/sharpening_rows.ts";
import { type Figure, figure, type FigureOptions, stackFigures } from "./figure.ts";
import { type Table, table } from "./table.ts";

/** Options of {@link curvesFigure}. */
export type CurvesFigureOptions = FigureOptions & {
  /** Field of the x value. Default "step". */
  readonly x?: string;
  /** Field of the y value. Default "value". */
  readonly y?: string;
  /** Field naming a curve (one colour each). Default "method". */
  readonly series?: string;
  /** Field splitting the figure into panels, or null. Default null. */
  readonly facet?: string | null;
  /** Label of the y axis. Default the y field. */
  readonly yLabel?: string;
};

/**
 * Line curves with dots, one colour per series and optionally one panel per facet, stacked,
 * each with its own y scale (a KL of 0.04 and an accuracy of 0.6 both show).
 *
 * @param rows Tidy rows.
 * @param options Fields, labels and figure options.
 * @returns The figure.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fig = curvesFigure([{ method: "NSR", step: 1, value: 0.2 }, { method: "NSR", step: 2, value: 0.3 }]);
 * assert.match(fig.svg, /<svg/);
 * ```
 */
export function curvesFigure(rows: readonly object[], options: CurvesFigureOptions = {}): Figure {
  const { x = "step", y = "value", series = "method", facet = null, yLabel = y, ...rest } = options;
  const seen = (field: string) => [
    ...new Set(rows.map((row) => (row as Record<string, unknown>)[field])),
  ];
  const panel = (panelRows: readonly object[], label: string, first: boolean, last: boolean) =>
    figure([
      Plot.lineY(panelRows, { x, y, stroke: series }),
      Plot.dot(panelRows, { x, y, fill: series, r: 1.8 }),
    ], {
      ...rest,
      y: { label, grid: true },
      x: { label: last ? (x === "step" ? "RL step" : x) : null },
      color: { domain: seen(series), legend: first },
      ...(facet === null ? {} : { height: 180 }),
      title: first ? rest.title : undefined,
      subtitle: first ? rest.subtitle : undefined,
    });
  if (facet === null) return panel(rows, yLabel, true, true);
  const facets = seen(facet);
  return stackFigures(facets.map((value, i) =>
    panel(
      rows.filter((row) => (row as Record<string, unknown>)[facet] === value),
      String(value),
      i === 0,
      i === facets.length - 1,
    )
  ));
}

function formatDifference(interval: Interval): string {
  const pp = (v: number) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(1)}`;
  return `${pp(interval.estimate)} [${pp(interval.lower)}, ${pp(interval.upper)}]`;
}

/**
 * The movement table: per method, KL to the base, training correct ratios at the start and the
 * end, held-out greedy entropy, optimizer updates, and Pass@1 − the base's per tier (pp, 95%
 * interval).
 *
 * @param rows From `movementRows`.
 * @param options A `caption`.
 * @returns The table.
 */
export function movementTable(
  rows: readonly MovementRow[],
  options: { caption?: string } = {},
): Table {
  const tiers = Object.keys(rows[0]?.passAt1VsBase ?? {});
  return table(
    rows.map((row) => ({
      method: row.method,
      "KL to base": row.klToBase,
      "correct, first 5 steps": row.correctRatioFirst,
      "correct, last 10 steps": row.correctRatioLast,
      "test entropy": row.entropy,
      updates: row.updates,
      "clip fraction": row.clipFraction,
      ...Object.fromEntries(
        tiers.map((
          tier,
        ) => [`Pass@1 − base, ${tier} (pp)`, formatDifference(row.passAt1VsBase[tier])]),
      ),
    })),
    { caption: options.caption },
  );
}

/**
 * The calibration table: each candidate rate's training correct ratio at the start and the end,
 * its rise, KL and rollout entropy, and which rate the rule chose.
 *
 * @param calibration The protocol's calibration.
 * @returns The table, captioned with the rule.
 */
export function calibrationTable(calibration: Calibration): Table {
  return table(
    calibration.runs.map((run) => ({
      "learning rate": run.learningRate,
      "correct, first": run.correctRatioFirst,
      "correct, last": run.correctRatioLast,
      rise: run.rise,
      "KL to base": run.klToBase,
      "rollout entropy": run.rolloutEntropy,
      qualifies: run.qualifies ? "yes" : "no",
      chosen: run.learningRate === calibration.chosen ? "✓" : "",
    })),
    { caption: `Learning rate, calibrated on ${calibration.method}: ${calibration.rule}` },
  );
}

/** Options of {@link intervalsFigure}. */
export type IntervalsFigureOptions = FigureOptions & {
  /** Field of the x value. Default "share". */
  readonly x?: string;
  /** Field naming a series (one colour each). Default "quantity". */
  readonly series?: string;
  /** Label of the x axis. */
  readonly xLabel?: string;
  /** Label of the y axis. */
  readonly yLabel?: string;
  /** Show estimates and intervals ×100 (fractions as percentage points). Default false. */
  readonly percent?: boolean;
  /** Field whose value names each x position, written beside it (e.g. "base"). */
  readonly label?: string;
};

/**
 * Estimates with their 95% intervals (vertical bars) against x, one colour per series, points of
 * a series joined in x order, and a y = 0 rule: the salvage study's answer figure.
 *
 * @param rows Rows with `estimate`, `lower`, `upper` and the x and series fields.
 * @param options Fields, labels and figure options.
 * @returns The figure.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fig = intervalsFigure([{ share: 0.77, quantity: "NSR − PSR", estimate: 0.02, lower: -0.01, upper: 0.05 }]);
 * assert.match(fig.svg, /<svg/);
 * ```
 */
export function intervalsFigure(
  rows: readonly (Interval & Record<string, unknown>)[],
  options: IntervalsFigureOptions = {},
): Figure {
  const {
    x = "share",
    series = "quantity",
    xLabel = x,
    yLabel = "",
    percent = false,
    label,
    ...rest
  } = options;
  const scale = percent ? 100 : 1;
  const sorted = [...rows].sort((a, b) => Number(a[x]) - Number(b[x]));
  const seen = [...new Set(sorted.map((row) => row[series]))];
  // One name per x position, written upward from the bottom of the frame beside it.
  const names = label === undefined
    ? []
    : [...new Map(sorted.map((row) => [row[x], { [x]: row[x], name: String(row[label]) }]))
      .values()];
  return figure([
    ...(names.length === 0 ? [] : [
      Plot.text(names, {
        x,
        frameAnchor: "bottom",
        text: "name",
        rotate: -90,
        textAnchor: "start",
        dx: -6,
        dy: -4,
        fill: "#555",
      }),
    ]),
    Plot.ruleY([0], { stroke: "#999" }),
    Plot.ruleX(sorted, {
      x,
      y1: (row: Interval) => scale * row.lower,
      y2: (row: Interval) => scale * row.upper,
      stroke: series,
      strokeWidth: 2,
      strokeOpacity: 0.6,
    }),
    Plot.lineY(sorted, { x, y: (row: Interval) => scale * row.estimate, stroke: series }),
    Plot.dot(sorted, { x, y: (row: Interval) => scale * row.estimate, fill: series, r: 3.5 }),
  ], {
    // Inset, so that a name beside the first or last position stays inside the frame.
    x: { label: xLabel, grid: true, inset: 24 },
    y: { label: yLabel, grid: true },
    color: { domain: seen },
    ...rest,
  });
}

/**
 * Learning against sharpening (sharpening_rows.ts): Pass@1 against Pass@k at the largest judged
 * k on the primary set; the base over its temperature grid as a labelled curve, each method's
 * final policies as large dots and its checkpoints as small ones. Above the curve is more than
 * sharpening; on it, sharpening.
 *
 * @param rows The rows of `sharpeningRows`.
 * @param options Figure options.
 * @returns The figure.
 * @throws {RangeError} If there are no rows (the run evaluated no cooled base).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const fig = sharpeningFigure([
 *   { method: "Base", kind: "temperature", at: 1, passAt1: 0.3, passAtKmax: 0.8, k: 16 },
 *   { method: "Base", kind: "temperature", at: 0.6, passAt1: 0.4, passAtKmax: 0.75, k: 16 },
 *   { method: "NSR", kind: "final", at: 150, passAt1: 0.38, passAtKmax: 0.79, k: 16 },
 * ]);
 * assert.match(fig.svg, /<svg/);
 * ```
 */
export function sharpeningFigure(
  rows: readonly SharpeningRow[],
  options: FigureOptions = {},
): Figure {
  if (rows.length === 0) {
    throw new RangeError("Cannot draw learning against sharpening: no rows (no cooled base)");
  }
  const k = rows[0].k;
  const pct = (row: SharpeningRow) => ({ ...row, x: 100 * row.passAt1, y: 100 * row.passAtKmax });
  const base = rows.filter((r) => r.kind === "temperature").map(pct);
  const finals = rows.filter((r) => r.kind === "final").map(pct);
  const checkpoints = rows.filter((r) => r.kind === "checkpoint").map(pct);
  const methods = [...new Set(rows.map((r) => r.method))];
  return figure([
    Plot.line(base, { x: "x", y: "y", stroke: "method", strokeDasharray: "4 3" }),
    Plot.dot(base, { x: "x", y: "y", fill: "method", r: 2.5 }),
    Plot.text(base, { x: "x", y: "y", text: (d) => `T=${d.at}`, dy: -9, fontSize: 10 }),
    Plot.dot(checkpoints, { x: "x", y: "y", fill: "method", r: 2.5, fillOpacity: 0.45 }),
    Plot.dot(finals, { x: "x", y: "y", fill: "method", r: 6, stroke: "white" }),
  ], {
    x: { label: "Pass@1 (%)" },
    y: { label: `Pass@${k} (%)` },
    color: { domain: methods },
    title: "Learning or sharpening?",
    subtitle: "primary set, means over seeds · dashed: the base by temperature · large: final · " +
      "small: checkpoints",
    ...options,
  });
}
