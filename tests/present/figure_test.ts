import assert from "node:assert/strict";
import { figure, saveFigure, seriesMarks } from "../../lib/present/figure.ts";

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
