import assert from "node:assert/strict";
import {
  claimFromInterval,
  claimNotJudged,
  type ClaimRecord,
  type ClaimRelation,
  type ClaimVerdict,
  combineClaims,
  formatInterval,
  judgeInterval,
} from "../../lib/claims/verdict.ts";
import { claimsTable } from "../../lib/present/claims_table.ts";

const R: ClaimVerdict = "reproduced",
  N: ClaimVerdict = "not reproduced",
  I: ClaimVerdict = "inconclusive",
  T: ClaimVerdict = "not tested",
  U: ClaimVerdict = "not testable";

Deno.test("judgeInterval() gives every verdict of every relation by the module doc's rule", async (t) => {
  const cases: [ClaimRelation, number, [number, number], ClaimVerdict][] = [
    ["greater", 0, [0.01, 0.2], R],
    ["greater", 0, [-0.2, -0.01], N],
    ["greater", 0, [0, 0], N], // both the same, exactly
    ["greater", 0.02, [-0.01, 0.015], N], // within the margin: no difference
    ["greater", 0, [-0.01, 0.2], I],
    ["less", 0, [-0.2, -0.01], R],
    ["less", 0, [0.01, 0.2], N],
    ["less", 0, [-0.2, 0.01], I],
    ["at-least", 0.01, [-0.005, 0.3], R],
    ["at-least", 0, [0, 0], R],
    ["at-least", 0.01, [-0.008, -0.001], R], // below 0 but within the margin: not inferior
    ["at-least", 0.01, [-0.05, -0.02], N], // entirely below the margin
    ["at-least", 0.01, [-0.05, 0.02], I],
    ["at-most", 0.01, [-0.3, 0.005], R],
    ["at-most", 0.01, [0.001, 0.008], R],
    ["at-most", 0.01, [0.02, 0.05], N],
    ["at-most", 0.01, [-0.02, 0.05], I],
    ["close", 0.02, [-0.015, 0.01], R],
    ["close", 0.02, [0.03, 0.05], N],
    ["close", 0.02, [-0.09, -0.03], N],
    ["close", 0.02, [0.01, 0.05], I],
  ];
  for (const [relation, margin, [lower, upper], expected] of cases) {
    await t.step(`${relation} ±${margin} [${lower}, ${upper}] → ${expected}`, () => {
      assert.equal(judgeInterval({ lower, upper }, { relation, margin }), expected);
    });
  }

  await t.step("rejects unordered intervals and bad margins", () => {
    assert.throws(() => judgeInterval({ lower: 1, upper: 0 }, { relation: "greater" }), /\[1, 0\]/);
    assert.throws(
      () => judgeInterval({ lower: NaN, upper: 0 }, { relation: "greater" }),
      RangeError,
    );
    assert.throws(
      () => judgeInterval({ lower: 0, upper: 1 }, { relation: "greater", margin: -1 }),
      /margin/,
    );
    assert.throws(() => judgeInterval({ lower: 0, upper: 1 }, { relation: "close" }), /"close"/);
  });
});

Deno.test("claimFromInterval() writes the evidence in the chosen unit", () => {
  const labels = { id: "7", claim: "NSR keeps entropy near the base", relation: "close" as const };
  const record = claimFromInterval({ estimate: -0.0123, lower: -0.031, upper: 0.0042 }, {
    ...labels,
    margin: 0.05,
    label: "entropy NSR − Base (nats)",
  });
  assert.deepEqual(
    { id: record.id, verdict: record.verdict, evidence: record.evidence },
    { id: "7", verdict: R, evidence: "entropy NSR − Base (nats): -0.0123 [-0.031, 0.0042]" },
  );
});

Deno.test("claimNotJudged() and formatInterval() say why and how much", () => {
  const record = claimNotJudged("not testable", {
    id: "4/tierA",
    claim: "c",
    reason: "both at 100%",
  });
  assert.deepEqual(record, {
    id: "4/tierA",
    claim: "c",
    verdict: U,
    evidence: "not testable: both at 100%",
  });
  assert.equal(
    formatInterval({ estimate: -0.021, lower: -0.05, upper: 0.004 }, "percent"),
    "-2.1 pp [-5.0, +0.4]",
  );
  assert.equal(
    formatInterval({ estimate: 0.12345, lower: 0.1, upper: 0.15 }, "number"),
    "0.123 [0.1, 0.15]",
  );
});

Deno.test("combineClaims() applies the 'all' and 'most' rules", async (t) => {
  const part = (id: string, verdict: ClaimVerdict): ClaimRecord => ({
    id,
    claim: "",
    verdict,
    evidence: "e",
  });
  const labels = { id: "x", claim: "c" };
  const verdictOf = (verdicts: ClaimVerdict[], rule: "all" | "most") =>
    combineClaims(verdicts.map((v, i) => part(`t${i}`, v)), { ...labels, rule }).verdict;

  await t.step("all", () => {
    assert.equal(verdictOf([R, R, R], "all"), R);
    assert.equal(verdictOf([R, I, R], "all"), I);
    assert.equal(verdictOf([R, I, N], "all"), N);
  });

  await t.step("most", () => {
    assert.equal(verdictOf([R, R, N], "most"), R);
    assert.equal(verdictOf([R, I, N], "most"), I);
    assert.equal(verdictOf([R, N, N], "most"), N);
    assert.equal(verdictOf([R, R, N, N], "most"), N); // a tie is not a majority
    assert.equal(verdictOf([R, I, N, N], "most"), N);
  });

  await t.step("not testable parts are set aside; not tested anywhere is not tested", () => {
    assert.equal(verdictOf([R, U, R], "all"), R);
    assert.equal(verdictOf([U, U], "most"), U);
    assert.equal(verdictOf([R, T, R], "all"), T);
    assert.equal(verdictOf([R, R, U], "most"), R);
  });

  await t.step("evidence lists the parts; no parts is an error", () => {
    const record = combineClaims([part("MATH", R), part("AIME", N)], { ...labels, rule: "all" });
    assert.equal(record.evidence, "MATH reproduced: e; AIME not reproduced: e");
    assert.throws(() => combineClaims([], { ...labels, rule: "all" }), /no parts/);
  });
});

Deno.test("claimsTable() shows id, claim, coloured verdict and evidence, escaped", () => {
  const records: ClaimRecord[] = [
    { id: "1", claim: "PSR <Pass@1> up", verdict: R, evidence: "a & b" },
    { id: "2", claim: "NSR", verdict: N, evidence: "x" },
    { id: "3", claim: "W", verdict: I, evidence: "y" },
  ];
  const rendered = claimsTable(records, { caption: "Notebook 04" });
  assert.match(rendered.text, /^Notebook 04\nid {2}claim +verdict +evidence\n/);
  assert.match(rendered.text, /\n1 {3}PSR <Pass@1> up {2}reproduced {6}a & b\n/);
  assert.match(rendered.html, /PSR &lt;Pass@1&gt; up/);
  assert.match(rendered.html, /a &amp; b/);
  assert.match(rendered.html, /background:#d9f2d9">reproduced/);
  assert.match(rendered.html, /background:#f8d7d7">not reproduced/);
  assert.match(rendered.html, /background:#fff3cd">inconclusive/);
  const untested = claimsTable([
    claimNotJudged("not tested", { id: "9", claim: "", reason: "gate" }),
  ]);
  assert.match(untested.html, /background:#e8e8e8">not tested/);
  const bundle = rendered[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
});
