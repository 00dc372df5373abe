import assert from "node:assert/strict";
import {
  figure,
  METHOD_COLORS,
  saveFigure,
  seriesMarks,
  stackFigures,
} from "../../lib/present/figure.ts";
import { curvesFigure } from "../../lib/present/protocol_views.ts";

const rows = [
  { step: 0, value: 0.1, series: "psr" },
  { step: 1, value: 0.4, series: "psr" },
  { step: 0, value: 0.2, series: "nsr" },
  { step: 1, value: 0.3, series: "nsr" },
];

Deno.test("seriesMarks() draws one line per series, with or without dots", () => {
  assert.equal(seriesMarks(rows).length, 2);
  assert.equal(seriesMarks(rows, { dots: false }).length, 1);
});

Deno.test("figure() renders a standalone SVG with title and legend", () => {
  const fig = figure(seriesMarks(rows), { title: "Reward", subtitle: "two objectives" });
  assert.match(fig.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(fig.svg, />Reward</);
  assert.match(fig.svg, />two objectives</);
  assert.match(fig.svg, />nsr</);
  assert.match(fig.svg, />psr</);
  assert.equal((fig.svg.match(/<path/g) ?? []).length >= 2, true);
  assert.match(fig.html, /^<figure/);
  assert.ok(fig.width === 640 && fig.height > 360);
});

Deno.test("a figure displays in Jupyter as both inline HTML and SVG", () => {
  const fig = figure(seriesMarks(rows));
  const bundle = fig[Symbol.for("Jupyter.display")]();
  assert.equal(bundle["text/html"], fig.html);
  assert.equal(bundle["image/svg+xml"], fig.svg);
});

Deno.test("saveFigure() writes SVG and PNG atomically and rejects other extensions", async () => {
  const dir = await Deno.makeTempDir();
  const fig = figure(seriesMarks(rows), { title: "t" });
  await saveFigure(fig, `${dir}/f.svg`);
  assert.equal(await Deno.readTextFile(`${dir}/f.svg`), fig.svg);
  await saveFigure(fig, `${dir}/f.png`, { scale: 1 });
  const png = await Deno.readFile(`${dir}/f.png`);
  assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
  await assert.rejects(() => saveFigure(fig, `${dir}/f.pdf`), /must end in \.svg or \.png/);
  const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  assert.deepEqual(names, ["f.png", "f.svg"], "no temp files left behind");
});

Deno.test("the paper's methods keep their colour whatever the figure's domain", () => {
  const colourOf = (fig: { svg: string }, label: string) =>
    fig.svg.match(new RegExp(`fill="(#[0-9a-f]{6})"/><text[^>]*>${label}<`))?.[1];
  const withBase = figure(seriesMarks(rows), { color: { domain: ["Base", "PSR", "NSR"] } });
  const without = figure(seriesMarks(rows), { color: { domain: ["NSR", "PSR", "mine"] } });
  assert.equal(colourOf(withBase, "PSR"), METHOD_COLORS.PSR);
  assert.equal(colourOf(without, "PSR"), METHOD_COLORS.PSR);
  assert.equal(colourOf(without, "NSR"), METHOD_COLORS.NSR);
  const mine = colourOf(without, "mine");
  assert.ok(mine !== undefined && !Object.values(METHOD_COLORS).includes(mine));
  const other = figure(seriesMarks(rows), { color: { domain: ["psr", "nsr"] } });
  assert.equal(colourOf(other, "psr"), "#4e79a7"); // no method named: the scheme's order
});

Deno.test("stackFigures() stacks panels with one title and legend, each with its own y scale", () => {
  const curves = curvesFigure([
    { method: "NSR", step: 1, value: 0.5, metric: "accuracy" },
    { method: "NSR", step: 2, value: 0.6, metric: "accuracy" },
    { method: "NSR", step: 1, value: 0.001, metric: "KL" },
    { method: "NSR", step: 2, value: 0.04, metric: "KL" },
  ], { facet: "metric", title: "Dynamics" });
  assert.equal((curves.svg.match(/>Dynamics</g) ?? []).length, 1);
  assert.equal((curves.svg.match(/>NSR</g) ?? []).length, 1);
  assert.match(curves.svg, />0\.04</); // the KL panel's own ticks
  assert.match(curves.svg, />0\.60</);
  assert.throws(() => stackFigures([]), RangeError);
});
