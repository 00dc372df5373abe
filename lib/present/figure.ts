/**
 * Figures: Observable Plot under Deno, with the house style, inline Jupyter display and files.
 *
 * This is the only file that imports Observable Plot. Mark builders follow Plot's own shape,
 * `(rows, options?) → marks`; {@link figure} renders marks with a DOM from linkedom into a
 * {@link Figure} (plain strings) that Jupyter displays inline as a cell's last expression, and
 * {@link saveFigure} writes `.svg` or `.png`.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { PassAtKRow } from "../eval/passk.ts";

/** Marks as Observable Plot takes them (marks, arrays of marks, or render functions). */
export type Marks = unknown[];

/** A rendered figure as plain strings. */
export type Figure = Displayable & {
  /** The figure as HTML (title, legend and SVG); what a notebook shows inline. */
  readonly html: string;
  /** A standalone SVG document of the same figure (title and legend drawn in SVG). */
  readonly svg: string;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
};

/**
 * Options of {@link figure}: a title and subtitle, plus any Observable Plot option (`x`, `y`,
 * `color`, `fx`, `width`, `height`, …), passed through over the house style.
 */
export type FigureOptions = {
  /** Title drawn above the plot. */
  title?: string;
  /** Subtitle drawn under the title. */
  subtitle?: string;
  /** Any other Observable Plot option. */
  [option: string]: unknown;
};

const HOUSE_STYLE: Plot.PlotOptions = {
  width: 640,
  height: 360,
  marginLeft: 50,
  grid: true,
  style: {
    fontFamily: "DejaVu Sans, system-ui, sans-serif",
    fontSize: "12px",
    background: "white",
  },
  color: { scheme: "tableau10" },
};
// tableau10, the house scheme; the paper's methods keep one colour in every figure.
const TABLEAU10 = [
  "#4e79a7",
  "#f28e2c",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc949",
  "#af7aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ab",
];
/** The colour of each of the paper's methods (and the base) in every figure. */
export const METHOD_COLORS: Readonly<Record<string, string>> = {
  Base: TABLEAU10[0],
  PSR: TABLEAU10[1],
  NSR: TABLEAU10[2],
  "W-REINFORCE": TABLEAU10[3],
  GRPO: TABLEAU10[4],
  PPO: TABLEAU10[5],
  REINFORCE: TABLEAU10[6],
};

// A colour range for an ordinal domain naming methods: known methods get their own colour,
// others first the house colours no method owns, then those of methods not in the domain. Undefined when none is known.
function methodRange(domain: readonly unknown[] | undefined): string[] | undefined {
  if (domain === undefined || !domain.some((d) => String(d) in METHOD_COLORS)) return undefined;
  const taken = new Set(domain.map((d) => METHOD_COLORS[String(d)]).filter(Boolean));
  const methods = new Set(Object.values(METHOD_COLORS));
  const free = [
    ...TABLEAU10.filter((c) => !methods.has(c)),
    ...TABLEAU10.filter((c) => methods.has(c) && !taken.has(c)),
  ];
  let next = 0;
  return domain.map((d) => METHOD_COLORS[String(d)] ?? free[next++ % free.length]);
}

const TITLE_HEIGHT = 26;
const SUBTITLE_HEIGHT = 18;
const LEGEND_ROW_HEIGHT = 20;
const SVG_NS = "http://www.w3.org/2000/svg";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

type ColorScale = { type?: string; domain?: unknown[]; range?: unknown[] };
type PlotElement = Element & { scale?: (name: string) => ColorScale | undefined };

// An ordinal colour legend as SVG swatches, so the standalone SVG carries the legend too.
function legendSvg(scale: ColorScale | undefined, width: number): { svg: string; height: number } {
  if (scale === undefined || scale.domain === undefined || scale.range === undefined) {
    return { svg: "", height: 0 };
  }
  if (scale.type !== "ordinal" && scale.type !== "categorical") return { svg: "", height: 0 };
  const items: string[] = [];
  let x = 0, y = 0;
  scale.domain.forEach((value, i) => {
    const label = escapeXml(String(value));
    const itemWidth = 24 + 7 * label.length;
    if (x > 0 && x + itemWidth > width) {
      x = 0;
      y += LEGEND_ROW_HEIGHT;
    }
    const colour = escapeXml(String(scale.range![i % scale.range!.length]));
    items.push(
      `<rect x="${x}" y="${y + 4}" width="12" height="12" fill="${colour}"/>` +
        `<text x="${x + 16}" y="${y + 14}" font-size="11">${label}</text>`,
    );
    x += itemWidth;
  });
  return { svg: items.join(""), height: y + LEGEND_ROW_HEIGHT + 4 };
}

/**
 * Renders marks with the house style (size, grid, colours, white background) into a
 * {@link Figure}, using a linkedom document, so it works in Deno scripts and notebooks alike.
 *
 * @param marks Observable Plot marks.
 * @param options House-style overrides and any Plot option (`x`, `y`, `color`, `fx`, …).
 * @returns The figure's HTML and a standalone SVG.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * const fig = figure([Plot.lineY([1, 3, 2])], { title: "demo" });
 * assert.match(fig.svg, /^<svg/);
 * assert.match(fig.html, /demo/);
 * ```
 */
export function figure(marks: Marks, options: FigureOptions = {}): Figure {
  const { title, subtitle, ...rest } = options;
  const plotOptions = rest as Plot.PlotOptions;
  const { document } = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
  const color = { ...HOUSE_STYLE.color, legend: true, ...plotOptions.color } as Plot.ScaleOptions;
  const range = color.range === undefined ? methodRange(color.domain as unknown[]) : undefined;
  const merged: Plot.PlotOptions = {
    ...HOUSE_STYLE,
    ...plotOptions,
    style: { ...(HOUSE_STYLE.style as object), ...(plotOptions.style as object ?? {}) },
    color: range === undefined ? color : { ...color, scheme: undefined, range },
    marks: marks as Plot.Markish[],
    document: document as unknown as Document,
  };
  const plotEl = Plot.plot({ ...merged, title, subtitle }) as unknown as PlotElement;
  const bare = Plot.plot({
    ...merged,
    color: { ...merged.color, legend: false },
  }) as unknown as PlotElement;
  const width = Number(bare.getAttribute("width") ?? merged.width);
  const plotHeight = Number(bare.getAttribute("height") ?? merged.height);

  const header: string[] = [];
  let top = 0;
  if (title !== undefined) {
    header.push(
      `<text x="0" y="${top + 18}" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    );
    top += TITLE_HEIGHT;
  }
  if (subtitle !== undefined) {
    header.push(`<text x="0" y="${top + 13}" font-size="12">${escapeXml(subtitle)}</text>`);
    top += SUBTITLE_HEIGHT;
  }
  const legend = (merged.color as Plot.ScaleOptions).legend === false
    ? { svg: "", height: 0 }
    : legendSvg(plotEl.scale?.("color"), width);
  if (legend.height > 0) {
    header.push(`<g transform="translate(0,${top})">${legend.svg}</g>`);
    top += legend.height;
  }
  bare.setAttribute("y", String(top));
  bare.setAttribute("xmlns", SVG_NS);
  return assemble(plotEl.outerHTML, `${header.join("")}${bare.outerHTML}`, width, top + plotHeight);
}

// A Figure from its HTML and the SVG content of its standalone document (white background).
function assemble(html: string, content: string, width: number, height: number): Figure {
  const svg = `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${content}</svg>`;
  return {
    html,
    svg,
    width,
    height,
    // A figure is the last expression of a cell: Deno's kernel displays it through this bundle.
    [Symbol.for("Jupyter.display")]: () => ({
      "text/html": html,
      "image/svg+xml": svg,
      "text/plain": `Figure ${width}×${height}`,
    }),
  };
}

/**
 * Stacks figures top to bottom into one, e.g. panels that each need their own y scale (Plot's
 * facets share one). Draw the title and legend on the first figure only.
 *
 * @param figures The figures, top first.
 * @returns One figure as wide as the widest.
 * @throws {RangeError} If `figures` is empty.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * const top = figure([Plot.lineY([1, 2])], { height: 100 });
 * const stacked = stackFigures([top, figure([Plot.lineY([300, 100])], { height: 100 })]);
 * assert.equal(stacked.height, top.height * 2);
 * ```
 */
export function stackFigures(figures: readonly Figure[]): Figure {
  if (figures.length === 0) throw new RangeError("Cannot stack figures: none given");
  const width = Math.max(...figures.map((f) => f.width));
  let height = 0;
  const parts = figures.map((f) => {
    const part = f.svg.replace(/^<svg /, `<svg y="${height}" `);
    height += f.height;
    return part;
  });
  return assemble(
    `<div>${figures.map((f) => f.html).join("")}</div>`,
    parts.join(""),
    width,
    height,
  );
}

/** What Deno's Jupyter kernel displays: a MIME bundle behind `Symbol.for("Jupyter.display")`. */
export type Displayable = { [key: symbol]: () => Record<string, string> };

const FONT_PATHS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/Library/Fonts/Arial.ttf",
];
let resvgReady: Promise<typeof import("@resvg/resvg-wasm")> | undefined;

async function loadResvg(): Promise<typeof import("@resvg/resvg-wasm")> {
  resvgReady ??= (async () => {
    const resvg = await import("@resvg/resvg-wasm");
    const wasmUrl = new URL("index_bg.wasm", import.meta.resolve("@resvg/resvg-wasm"));
    await resvg.initWasm(await Deno.readFile(wasmUrl));
    return resvg;
  })();
  return await resvgReady;
}

async function fontBuffers(): Promise<Uint8Array[]> {
  const fonts: Uint8Array[] = [];
  for (const path of FONT_PATHS) {
    try {
      fonts.push(await Deno.readFile(path));
    } catch {
      // Not on this system; try the next one.
    }
  }
  return fonts;
}

/**
 * Writes a figure to `path` as SVG, or as PNG (rendered with resvg) when the path ends in `.png`.
 * The file is written to a temporary name first and then renamed, so a crash never leaves a
 * half-written figure.
 *
 * @param fig A figure from {@link figure}.
 * @param path Destination ending in `.svg` or `.png`.
 * @param options `scale` multiplies the PNG's pixel size (default 2).
 * @throws {RangeError} If the extension is neither `.svg` nor `.png`.
 * @throws {Error} If a PNG is asked for and no font can be found to draw its text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * const path = await Deno.makeTempFile({ suffix: ".svg" });
 * await saveFigure(figure([Plot.lineY([1, 2])]), path);
 * assert.match(await Deno.readTextFile(path), /<svg/);
 * ```
 */
export async function saveFigure(
  fig: Figure,
  path: string,
  options: { scale?: number } = {},
): Promise<void> {
  const { scale = 2 } = options;
  let bytes: Uint8Array;
  if (path.endsWith(".svg")) {
    bytes = new TextEncoder().encode(fig.svg);
  } else if (path.endsWith(".png")) {
    const fonts = await fontBuffers();
    if (fonts.length === 0) {
      throw new Error(
        `Cannot render a PNG: no font found, looked in ${FONT_PATHS.join(", ")} ` +
          `(install one with: apt-get install fonts-dejavu-core)`,
      );
    }
    const { Resvg } = await loadResvg();
    const renderer = new Resvg(fig.svg, {
      fitTo: { mode: "zoom", value: scale },
      font: { fontBuffers: fonts, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
    });
    bytes = renderer.render().asPng();
  } else {
    throw new RangeError(`Cannot save a figure: path must end in .svg or .png, got ${path}`);
  }
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
}

/** Options of {@link seriesMarks}. */
export type SeriesMarksOptions = {
  /** Field of the x value. Default `"step"`. */
  x?: string;
  /** Field of the y value. Default `"value"`. */
  y?: string;
  /** Field naming the series (one colour each). Default `"series"`. */
  series?: string;
  /** Draw a dot at every point. Default true. */
  dots?: boolean;
};

/**
 * Lines (and dots) for tidy rows such as `{ step, value, series }`: one coloured line per series.
 * Training curves, metrics over steps and any y-against-x comparison use it.
 *
 * @param rows Tidy rows.
 * @param options Field names and whether to draw dots.
 * @returns Marks for {@link figure}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const marks = seriesMarks([{ step: 0, value: 1, series: "nsr" }]);
 * assert.equal(marks.length, 2);
 * ```
 */
export function seriesMarks(rows: readonly object[], options: SeriesMarksOptions = {}): Marks {
  const { x = "step", y = "value", series = "series", dots = true } = options;
  const marks: Marks = [Plot.lineY(rows, { x, y, stroke: series })];
  if (dots) marks.push(Plot.dot(rows, { x, y, fill: series, r: 2.5 }));
  return marks;
}

/** Options of {@link passAtKMarks} (and the mark part of {@link passAtKFigure}). */
export type PassAtKMarksOptions = {
  /** Field that splits the figure into panels (`fx`), or null for one panel. Default "dataset". */
  facet?: string | null;
  /** Field naming a curve (one colour each). Default "method". */
  series?: string;
  /** Draw each curve's interval as a band where rows carry `lower` and `upper`. Default true. */
  band?: boolean;
};

/**
 * Pass@k curves in the style of the paper's Fig. 2: x = k, y = Pass@k in %, one line (with dots)
 * per method, its interval as a translucent band, one panel per dataset. Rows carry fractions
 * (as from `curveToRows` or `paperTableToRows`); the marks show percent. Use a log2 x scale, as
 * {@link passAtKFigure} does.
 *
 * @param rows Tidy rows `{ dataset, method, k, passAtK[, lower, upper] }`.
 * @param options Facet and series fields, and whether to draw bands.
 * @returns Marks for {@link figure}: band (if any rows have an interval), line, dots.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [{ dataset: "MATH", method: "NSR", k: 1, estimate: 0.5, lower: 0.4, upper: 0.6 }];
 * assert.equal(passAtKMarks(rows).length, 3);
 * assert.equal(passAtKMarks(rows, { band: false }).length, 2);
 * ```
 */
export function passAtKMarks(
  rows: readonly PassAtKRow[],
  options: PassAtKMarksOptions = {},
): Marks {
  const { facet = "dataset", series = "method", band = true } = options;
  const sorted = [...rows].sort((a, b) => a.k - b.k); // lines and bands join points in k order
  const fx = facet ?? undefined;
  const percent = (value: number): number => 100 * value;
  const marks: Marks = [];
  // A band for each curve with an interval somewhere (a curve known without error, such as the
  // paper's published numbers, has lower = upper everywhere and gets none).
  const banded = new Set(
    sorted.filter((row) => row.lower < row.upper).map((row) =>
      (row as Record<string, unknown>)[series]
    ),
  );
  const withInterval = sorted.filter((row) => banded.has((row as Record<string, unknown>)[series]));
  if (band && withInterval.length > 0) {
    marks.push(Plot.areaY(withInterval, {
      x: "k",
      y1: (row: PassAtKRow) => percent(row.lower),
      y2: (row: PassAtKRow) => percent(row.upper),
      fill: series,
      fillOpacity: 0.18,
      fx,
    }));
  }
  const y = (row: PassAtKRow): number => percent(row.estimate);
  marks.push(Plot.lineY(sorted, { x: "k", y, stroke: series, fx }));
  marks.push(Plot.dot(sorted, { x: "k", y, fill: series, r: 2, fx }));
  return marks;
}

/**
 * A whole Pass@k figure: {@link passAtKMarks} on a log2 k axis with ticks at powers of two (every
 * other one, from 1, when more than seven would share a faceted panel), y in %.
 *
 * @param rows Tidy rows `{ dataset, method, k, passAtK[, lower, upper] }` (fractions).
 * @param options Mark options plus any {@link figure} option (title, size, …).
 * @returns The rendered figure.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = [1, 2, 4].map((k) => ({ dataset: "MATH", method: "NSR", k, estimate: k / 5, lower: k / 5, upper: k / 5 }));
 * const fig = passAtKFigure(rows, { title: "Pass@k" });
 * assert.match(fig.svg, /Pass@k \(%\)</);
 * ```
 */
export function passAtKFigure(
  rows: readonly PassAtKRow[],
  options: PassAtKMarksOptions & FigureOptions = {},
): Figure {
  const { facet = "dataset", series = "method", band, ...figureOptions } = options;
  const ks = [...new Set(rows.map((row) => row.k))];
  const powers = ks.filter((k) => Number.isInteger(Math.log2(k)));
  // Side-by-side panels have no room for nine labels (1 … 256 ran "128" into "256"): label 1, 4, 16, …
  const crowded = facet !== null && powers.length > 7;
  const ticks = crowded ? powers.filter((k) => Math.log2(k) % 2 === 0) : powers;
  // Panels and colours in the order rows first name them (the paper's order), not alphabetical.
  const firstSeen = (field: string): unknown[] => [
    ...new Set(rows.map((row) => (row as Record<string, unknown>)[field])),
  ];
  return figure(passAtKMarks(rows, { facet, series, band }), {
    x: { type: "log", base: 2, label: "k", ticks, tickFormat: "d" },
    y: { label: "Pass@k (%)" },
    fx: { label: null, ...(facet === null ? {} : { domain: firstSeen(facet) }) },
    color: { domain: firstSeen(series) },
    ...figureOptions,
  });
}

/** Options of {@link scatterMarks}. */
export type ScatterMarksOptions = {
  /** Field of the x value. */
  x: string;
  /** Field of the y value. */
  y: string;
  /** Field naming the group (one colour each). Default none (one colour). */
  series?: string;
  /** Draw a y = 0 rule. Default true. */
  zero?: boolean;
  /** Dot radius. Default 2.5. */
  r?: number;
};

/**
 * A scatter plot of tidy rows, e.g. each unsampled token's change in probability against its
 * prior probability, coloured by objective.
 *
 * @param rows Tidy rows.
 * @param options Field names, colour field, zero rule, dot size.
 * @returns Marks for {@link figure}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const marks = scatterMarks([{ prior: 0.2, change: 0.01 }], { x: "prior", y: "change" });
 * assert.equal(marks.length, 2);
 * ```
 */
export function scatterMarks(rows: readonly object[], options: ScatterMarksOptions): Marks {
  const { x, y, series, zero = true, r = 2.5 } = options;
  const marks: Marks = [];
  if (zero) marks.push(Plot.ruleY([0], { stroke: "#999" }));
  marks.push(Plot.dot(rows, { x, y, fill: series, r, fillOpacity: 0.7 }));
  return marks;
}
