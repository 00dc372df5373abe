import assert from "node:assert/strict";
import { curveToRows } from "../../lib/eval/passk.ts";
import { escapeHtml, passAtKTable, table } from "../../lib/present/table.ts";

Deno.test("table() renders aligned text and escaped HTML", async (t) => {
  const rows = [
    { name: `<script>alert("x")</script>`, value: 1.23456, note: "a & b" },
    { name: "plain", value: 10, note: null },
  ];
  const rendered = table(rows, { caption: "Results <v1>" });

  await t.step("text: caption, header, rule, rows; numbers right-aligned", () => {
    assert.equal(
      rendered.text,
      [
        "Results <v1>",
        "name                         value  note",
        "---------------------------  -----  -----",
        `<script>alert("x")</script>  1.235  a & b`,
        "plain                           10",
      ].join("\n"),
    );
  });

  await t.step("HTML escapes every value, the caption and the headers", () => {
    assert.ok(!rendered.html.includes("<script>"), rendered.html);
    assert.match(rendered.html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    assert.match(rendered.html, /<caption>Results &lt;v1&gt;<\/caption>/);
    assert.match(rendered.html, /<td style="text-align:left">a &amp; b<\/td>/);
    assert.match(rendered.html, /<td style="text-align:right">1.235<\/td>/);
    const header = table([{ "<b>": 1 }]);
    assert.match(header.html, /<th style="text-align:right">&lt;b&gt;<\/th>/);
  });

  await t.step("the Jupyter bundle carries both renderings", () => {
    const bundle = rendered[Symbol.for("Jupyter.display")]();
    assert.deepEqual(bundle, { "text/html": rendered.html, "text/plain": rendered.text });
  });

  await t.step("columns pick, label, format and style cells", () => {
    const styled = table(rows, {
      columns: [
        { key: "value", label: "v", text: (v) => `${v}!`, style: () => `color:"red"` },
        "name",
      ],
    });
    assert.match(styled.text, /^ +v {2}name\n/);
    assert.match(styled.text, /1\.23456! /);
    assert.match(styled.html, /style="text-align:right;color:&quot;red&quot;"/);
  });

  await t.step("newlines in a cell do not break the text layout", () => {
    assert.equal(table([{ a: "x\ny" }]).text.split("\n").length, 3);
  });
});

Deno.test("passAtKTable() lays out Table 1: rows per tier and method, columns per k", async (t) => {
  const curve = (base: number) =>
    [1, 2, 4].map((k, i) => ({
      k,
      estimate: base + 0.1 * i,
      lower: base + 0.1 * i - 0.02,
      upper: base + 0.1 * i + 0.03,
    }));
  const rows = [
    ...curveToRows(curve(0.5), { dataset: "tier A", method: "Base" }),
    ...curveToRows(curve(0.6), { dataset: "tier A", method: "NSR" }),
    ...curveToRows(curve(0.2), { dataset: "tier B", method: "NSR" }),
    { dataset: "tier B", method: "paper <7B>", k: 1, estimate: 0.632, lower: 0.632, upper: 0.632 },
  ];
  const rendered = passAtKTable(rows, { datasetLabel: "tier" });

  await t.step("text by hand", () => {
    assert.equal(
      rendered.text,
      [
        "Pass@k (%): mean [interval]",
        "tier    method                 Pass@1             Pass@2             Pass@4",
        "------  ----------  -----------------  -----------------  -----------------",
        "tier A  Base        50.0 [48.0, 53.0]  60.0 [58.0, 63.0]  70.0 [68.0, 73.0]",
        "tier A  NSR         60.0 [58.0, 63.0]  70.0 [68.0, 73.0]  80.0 [78.0, 83.0]",
        "tier B  NSR         20.0 [18.0, 23.0]  30.0 [28.0, 33.0]  40.0 [38.0, 43.0]",
        "tier B  paper <7B>               63.2",
      ].join("\n"),
    );
  });

  await t.step("HTML bolds the best mean per tier and k and escapes names", () => {
    assert.match(rendered.html, /<b>60\.0<\/b> <small>\[58\.0, 63\.0\]<\/small>/);
    assert.match(rendered.html, /<b>63\.2<\/b>/);
    assert.match(rendered.html, /paper &lt;7B&gt;/);
    assert.ok(!rendered.html.includes("<7B>"));
    const plain = passAtKTable(rows, { highlightBest: false });
    assert.ok(!plain.html.includes("<b>"));
  });

  await t.step("ks and digits are options", () => {
    const narrow = passAtKTable(rows, { ks: [4], digits: 2, caption: "c" });
    assert.match(narrow.text, /^c\ndataset +method +Pass@4\n/);
    assert.match(narrow.text, /NSR +80\.00 \[78\.00, 83\.00\]/);
    assert.ok(!narrow.text.includes("paper"), "a method with no value at the shown ks is dropped");
  });

  await t.step("a repeated (dataset, method, k) is an error", () => {
    assert.throws(() => passAtKTable([rows[0], rows[0]]), /method "Base" and k=1 twice/);
  });
});

Deno.test("escapeHtml() escapes the five special characters", () => {
  assert.equal(escapeHtml(`&<>"'`), "&amp;&lt;&gt;&quot;&#39;");
  assert.equal(escapeHtml("&amp;"), "&amp;amp;");
});
