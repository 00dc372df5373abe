// Tests of the Pass@k marks and figure that lib/plot.ts builds from our rows.
import assert from "node:assert/strict";
import { paperTableToRows } from "../../lib/eval/paper_table.ts";
import { curveToRows, passAtKCurve, type PassAtKRow } from "../../lib/eval/passk.ts";
import { passAtKFigure, passAtKMarks } from "../../lib/present/figure.ts";

type MarkView = {
  ariaLabel: string;
  fx: unknown;
  data: PassAtKRow[];
  channels: Record<string, { value: unknown }>;
};

const ROWS: PassAtKRow[] = [
  ...curveToRows(passAtKCurve([{ n: 8, c: 2 }, { n: 8, c: 5 }], [4, 1, 2], { resamples: 50 }), {
    dataset: "tier A",
    method: "NSR",
  }),
  { dataset: "tier A", method: "PSR", k: 2, estimate: 0.5, lower: 0.5, upper: 0.5 },
  { dataset: "tier A", method: "PSR", k: 1, estimate: 0.4, lower: 0.4, upper: 0.4 },
];

Deno.test("passAtKMarks() draws a band for curves with an interval, then lines and dots", () => {
  const marks = passAtKMarks(ROWS) as MarkView[];
  assert.deepEqual(marks.map((m) => m.ariaLabel), ["area", "line", "dot"]);
  assert.ok(marks.every((m) => m.fx === "dataset"));
  assert.ok(marks[0].data.every((row) => row.method === "NSR"));
  assert.deepEqual(marks[1].data.map((row) => row.k), [1, 1, 2, 2, 4]);
  const y = marks[1].channels.y.value as (row: PassAtKRow) => number;
  assert.equal(
    y({ dataset: "x", method: "m", k: 1, estimate: 0.25, lower: 0.25, upper: 0.25 }),
    25,
  );
  const y2 = marks[0].channels.y2.value as (row: PassAtKRow) => number;
  assert.equal(y2(marks[0].data[0]), 100 * marks[0].data[0].upper);
});

Deno.test("passAtKMarks() options: no band, no facet, another series field", () => {
  const marks = passAtKMarks(ROWS, { band: false, facet: null, series: "dataset" }) as MarkView[];
  assert.deepEqual(marks.map((m) => m.ariaLabel), ["line", "dot"]);
  assert.ok(marks.every((m) => m.fx === undefined));
  assert.equal(marks[0].channels.stroke.value, "dataset");
  const paperOnly = passAtKMarks(paperTableToRows({
    unit: "percent",
    ks: [1, 2],
    datasets: { MATH: { passAtK: { NSR: [75.7, 82.4] } } },
  })) as MarkView[];
  assert.deepEqual(paperOnly.map((m) => m.ariaLabel), ["line", "dot"]);
});

Deno.test("passAtKFigure() renders an SVG with one panel per dataset on a log2 k axis", () => {
  const table = JSON.parse(
    Deno.readTextFileSync(new URL("../../data/paper/table1.json", import.meta.url)),
  );
  const rows = [
    ...paperTableToRows(table),
    ...ROWS.map((row) => ({ ...row, dataset: "MATH" })),
  ];
  const fig = passAtKFigure(rows, { title: "Pass@k, Table 1", width: 900 });
  assert.match(fig.svg, /^<svg xmlns=/);
  assert.match(fig.svg, />Pass@k, Table 1</);
  for (const panel of ["MATH", "AIME 2025", "AMC23"]) {
    assert.match(fig.svg, new RegExp(`>${panel}<`));
  }
  for (const method of ["Base", "NSR", "W-REINFORCE"]) {
    assert.match(fig.svg, new RegExp(`>${method}<`));
  }
  // nine powers of two in side-by-side panels: every other one is labelled, from 1
  for (const k of [1, 4, 16, 64, 256]) {
    assert.match(fig.svg, new RegExp(`y="0.71em">${k}</text>`));
  }
  for (const k of [2, 128]) assert.doesNotMatch(fig.svg, new RegExp(`y="0.71em">${k}</text>`));
  const single = passAtKFigure(rows.filter((row) => row.dataset === "MATH"), { facet: null });
  assert.match(single.svg, /y="0.71em">128<\/text>/, "one panel labels every power");
  assert.match(fig.svg, /Pass@k \(%\)/);
  const position = (text: string): number => fig.svg.indexOf(`>${text}<`);
  assert.ok(position("MATH") < position("AIME 2025") && position("AIME 2025") < position("AMC23"));
  assert.equal(fig.width, 900);
});
