import assert from "node:assert/strict";
import {
  claimAtEveryK,
  claimBest,
  claimCrossover,
  claimFromInterval,
  type ClaimRecord,
  type ClaimRelation,
  claimTrend,
  type ClaimVerdict,
  combineClaims,
  judgeInterval,
  PASS_AT_K_MARGIN,
} from "../../lib/protocol/claims.ts";
import { claimsTable } from "../../lib/present/claims_table.ts";
import {
  bootstrapDifference,
  bootstrapPassAtK,
  type PassAtKBootstrap,
  type PassAtKDifference,
} from "../../lib/eval/compare.ts";
import { assertClose } from "../_helpers.ts";

const R: ClaimVerdict = "reproduced",
  N: ClaimVerdict = "not reproduced",
  I: ClaimVerdict = "inconclusive";

Deno.test("judgeInterval() gives all three verdicts for every relation", async (t) => {
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
    ["at-least", 0.01, [-0.008, -0.001], N], // significantly below, however slightly
    ["at-least", 0.01, [-0.05, 0.02], I],
    ["at-most", 0.01, [-0.3, 0.005], R],
    ["at-most", 0.01, [0.001, 0.008], N],
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

const d = (k: number, difference: number, lower: number, upper: number): PassAtKDifference => ({
  k,
  difference,
  lower,
  upper,
});

Deno.test("claimAtEveryK() needs every k and names the worst one", async (t) => {
  const labels = { id: "3", claim: "NSR ≥ Base at every k", label: "NSR − Base" };
  const good = [d(1, 0.05, 0.03, 0.07), d(16, 0.01, -0.005, 0.02), d(256, 0, 0, 0)];

  await t.step("reproduced: every k within the margin or above", () => {
    const record = claimAtEveryK(good, labels);
    assert.equal(record.verdict, R);
    assert.equal(record.worstK, 256);
    assert.deepEqual(record.perK, [R, R, R]);
    assert.equal(record.evidence, "NSR − Base, worst k=256: +0.0 pp [+0.0, +0.0]");
  });

  await t.step("not reproduced: one k significantly below", () => {
    const record = claimAtEveryK([...good, d(64, -0.004, -0.007, -0.001)], labels);
    assert.equal(record.verdict, N);
    assert.equal(record.worstK, 64);
    assert.match(record.evidence, /worst k=64: -0\.4 pp \[-0\.7, -0\.1\]; not reproduced at k=64$/);
  });

  await t.step("inconclusive: one k too uncertain", () => {
    const record = claimAtEveryK([...good, d(128, -0.01, -0.04, 0.02)], labels);
    assert.equal(record.verdict, I);
    assert.match(record.evidence, /inconclusive at k=128$/);
  });

  await t.step("the margin is one point by default and an option", () => {
    assert.equal(PASS_AT_K_MARGIN, 0.01);
    const slightlyWide = [d(1, 0, -0.015, 0.01)];
    assert.equal(claimAtEveryK(slightlyWide, labels).verdict, I);
    assert.equal(claimAtEveryK(slightlyWide, { ...labels, margin: 0.02 }).verdict, R);
  });

  await t.step("relation 'greater' asks for a significant gain at every k", () => {
    assert.equal(claimAtEveryK(good, { ...labels, relation: "greater" }).verdict, N);
    assert.equal(claimAtEveryK(good.slice(0, 1), { ...labels, relation: "greater" }).verdict, R);
  });

  await t.step("no differences is an error", () => {
    assert.throws(() => claimAtEveryK([], labels), /no differences/);
  });
});

Deno.test("claimCrossover() tests Pass@1 up and large k down, and finds the crossover", async (t) => {
  const labels = { id: "1", claim: "PSR up at k=1, below Base at large k", label: "PSR − Base" };
  const up = d(1, 0.1, 0.05, 0.15);

  await t.step("reproduced, crossover at 16, significant from 64", () => {
    const record = claimCrossover(
      [d(256, -0.08, -0.1, -0.05), up, d(16, -0.01, -0.03, 0.01), d(64, -0.05, -0.07, -0.02)],
      labels,
    );
    assert.equal(record.verdict, R);
    assert.deepEqual(
      [record.crossoverK, record.crossoverSignificant, record.firstSignificantK],
      [16, false, 64],
    );
    assert.equal(
      record.evidence,
      "PSR − Base: k=1 +10.0 pp [+5.0, +15.0]; k=256 -8.0 pp [-10.0, -5.0]; " +
        "crossover at k=16 (significant from k=64)",
    );
  });

  await t.step("not reproduced when Pass@1 falls, or the large-k gap is above 0", () => {
    assert.equal(
      claimCrossover([d(1, -0.05, -0.08, -0.02), d(256, -0.1, -0.2, -0.05)], labels).verdict,
      N,
    );
    const record = claimCrossover([up, d(256, 0.03, 0.01, 0.05)], labels);
    assert.equal(record.verdict, N);
    assert.equal(record.crossoverK, null);
    assert.match(record.evidence, /no crossover$/);
  });

  await t.step("inconclusive when the large-k gap straddles 0", () => {
    const record = claimCrossover([up, d(256, -0.01, -0.03, 0.01)], labels);
    assert.equal(record.verdict, I);
    assert.deepEqual([record.crossoverK, record.firstSignificantK], [256, null]);
    assert.match(record.evidence, /never significant/);
  });

  await t.step("largeK picks the k that must be below", () => {
    const diffs = [up, d(64, -0.05, -0.07, -0.02), d(256, 0, 0, 0)];
    assert.equal(claimCrossover(diffs, labels).verdict, N); // equal at 256
    assert.equal(claimCrossover(diffs, { ...labels, largeK: 64 }).verdict, R);
    assert.throws(() => claimCrossover(diffs, { ...labels, largeK: 8 }), /largeK=8/);
    assert.throws(() => claimCrossover([up], labels), /needs two ks/);
  });
});

// A bootstrap built by hand: per method, per k, the estimate and a few draws.
function handBoot(
  ks: number[],
  curves: Record<string, { estimates: number[]; draws: number[][] }>,
): PassAtKBootstrap {
  const methods = Object.keys(curves);
  return {
    ks,
    methods,
    problems: 10,
    seeds: Object.fromEntries(methods.map((m) => [m, 1])),
    confidence: 0.5, // with 5 draws: the 25% and 75% quantiles are the 2nd and 4th draws
    resamples: curves[methods[0]].draws[0].length,
    estimates: Object.fromEntries(methods.map((m) => [m, curves[m].estimates])),
    draws: Object.fromEntries(
      methods.map((m) => [m, curves[m].draws.map((x) => Float64Array.from(x))]),
    ),
  };
}

Deno.test("claimBest() compares the best claimed method with the best other one", async (t) => {
  const labels = { id: "5", claim: "W-REINFORCE has the best mean Pass@k" };
  const flat = (value: number) => ({
    estimates: [value, value],
    draws: [[value, value, value, value, value], [value, value, value, value, value]],
  });

  await t.step("reproduced: above every other method in every draw", () => {
    const boot = handBoot([1, 8], { w: flat(0.6), nsr: flat(0.5), base: flat(0.4) });
    const record = claimBest(boot, { ...labels, methods: ["w"] });
    assert.equal(record.verdict, R);
    assert.equal(record.winner, "w");
    assert.equal(record.probabilityBest, 1);
    assert.equal(
      record.evidence,
      "mean Pass@k over k=1,8: w 60.0%, nsr 50.0%, base 40.0%; best claimed − best other: " +
        "+10.0 pp [+10.0, +10.0]; claimed best in 100% of draws",
    );
  });

  await t.step("not reproduced: another method is clearly better", () => {
    const boot = handBoot([1, 8], { w: flat(0.5), nsr: flat(0.6) });
    const record = claimBest(boot, { ...labels, methods: ["w"] });
    assert.equal(record.verdict, N);
    assert.equal(record.winner, "nsr");
  });

  await t.step("inconclusive: the draws cross; probability counted by hand", () => {
    // w − nsr per draw (mean over the two ks): −0.01, 0.005, 0.015, −0.005, 0.01 → sorted
    // −0.01, −0.005, 0.005, 0.01, 0.015: 50% interval [−0.005, 0.01]; w best in 3 of 5 draws.
    const boot = handBoot([1, 8], {
      w: { estimates: [0.5, 0.7], draws: [[0.5, 0.5, 0.5, 0.5, 0.5], [0.7, 0.7, 0.7, 0.7, 0.7]] },
      nsr: {
        estimates: [0.5, 0.69],
        draws: [[0.52, 0.49, 0.47, 0.51, 0.48], [0.7, 0.7, 0.7, 0.7, 0.7]],
      },
    });
    const record = claimBest(boot, { ...labels, methods: ["w"] });
    assert.equal(record.verdict, I);
    assertClose(record.probabilityBest, 0.6, 1e-12);
    assert.match(record.evidence, /\+0\.5 pp \[-0\.5, \+1\.0\]/);
  });

  await t.step("ks: [1] tests a peak of Pass@1 among a set of methods", () => {
    const boot = handBoot([1, 8], {
      small: {
        estimates: [0.7, 0.4],
        draws: [[0.7, 0.7, 0.7, 0.7, 0.7], [0.4, 0.4, 0.4, 0.4, 0.4]],
      },
      large: flat(0.6),
    });
    assert.equal(claimBest(boot, { ...labels, methods: ["small"], ks: [1] }).verdict, R);
    assert.equal(claimBest(boot, { ...labels, methods: ["small"] }).verdict, N);
  });

  await t.step("unknown names, no rival and unknown ks are errors", () => {
    const boot = handBoot([1, 8], { w: flat(0.5), nsr: flat(0.6) });
    assert.throws(() => claimBest(boot, { ...labels, methods: ["x"] }), /unknown method "x"/);
    assert.throws(() => claimBest(boot, { ...labels, methods: ["w", "nsr"] }), /others to beat/);
    assert.throws(() => claimBest(boot, { ...labels, methods: ["w"], ks: [2] }), /k=2/);
  });
});

Deno.test("claimTrend() tests a monotone trend by end-to-end difference or rank correlation", async (t) => {
  const labels = { id: "6", claim: "Pass@256 falls as λ grows", k: 256 };
  const lambdas = [0.1, 0.5, 1];
  const curve = (...draws: number[][]) => {
    const methods = ["l0.1", "l0.5", "l1"];
    return handBoot(
      [256],
      Object.fromEntries(methods.map((m, i) => [m, {
        estimates: [draws[i][0]],
        draws: [draws[i].slice(1)],
      }])),
    );
  };
  const options = { ...labels, methods: ["l0.1", "l0.5", "l1"], values: lambdas };

  await t.step("reproduced: falls in every draw", () => {
    const boot = curve([0.9, 0.9, 0.9, 0.9, 0.9, 0.9], [0.8, 0.8, 0.8, 0.8, 0.8, 0.8], [
      0.7,
      0.7,
      0.7,
      0.7,
      0.7,
      0.7,
    ]);
    const record = claimTrend(boot, { ...options, direction: "decreasing" });
    assert.equal(record.verdict, R);
    assertClose(record.endToEnd.estimate, -0.2, 1e-12);
    assert.deepEqual([record.spearman.lower, record.spearman.upper], [-1, -1]);
    assert.equal(claimTrend(boot, { ...options, direction: "increasing" }).verdict, N);
  });

  await t.step("inconclusive: the end points cross over the draws", () => {
    const boot = curve([0.8, 0.7, 0.8, 0.9, 0.75, 0.85], [0.8, 0.8, 0.8, 0.8, 0.8, 0.8], [
      0.78,
      0.8,
      0.8,
      0.8,
      0.8,
      0.8,
    ]);
    assert.equal(claimTrend(boot, { ...options, direction: "decreasing" }).verdict, I);
  });

  await t.step("Spearman by hand: a bump in the middle, then ties", () => {
    // Estimates 0.5, 0.7, 0.3: ranks 2, 3, 1 against 1, 2, 3 → ρ = −0.5.
    const bump = curve([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.7, 0.7, 0.7, 0.7, 0.7, 0.7], [
      0.3,
      0.3,
      0.3,
      0.3,
      0.3,
      0.3,
    ]);
    const record = claimTrend(bump, { ...options, direction: "decreasing", statistic: "spearman" });
    assertClose(record.spearman.estimate, -0.5, 1e-12);
    assert.equal(record.verdict, R);
    assert.equal(claimTrend(bump, { ...options, direction: "decreasing" }).verdict, R);
    // Ties 0.5, 0.5, 0.3: ranks 2.5, 2.5, 1 → ρ = −1.5 / √3.
    const tied = curve([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [
      0.3,
      0.3,
      0.3,
      0.3,
      0.3,
      0.3,
    ]);
    assertClose(
      claimTrend(tied, { ...options, direction: "decreasing" }).spearman.estimate,
      -1.5 / Math.sqrt(3),
      1e-12,
    );
    // A constant curve has no trend: ρ = 0, and the end-to-end difference is exactly 0.
    const constant = curve([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [
      0.5,
      0.5,
      0.5,
      0.5,
      0.5,
      0.5,
    ]);
    const flat = claimTrend(constant, {
      ...options,
      direction: "decreasing",
      statistic: "spearman",
    });
    assert.equal(flat.spearman.estimate, 0);
    assert.equal(flat.verdict, N);
  });

  await t.step("mismatched lengths and unknown k are errors", () => {
    const boot = curve([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [
      0.5,
      0.5,
      0.5,
      0.5,
      0.5,
      0.5,
    ]);
    assert.throws(
      () => claimTrend(boot, { ...options, values: [1, 2], direction: "decreasing" }),
      /3 methods and 2 values/,
    );
    assert.throws(() => claimTrend(boot, { ...options, k: 1, direction: "decreasing" }), /k=1/);
  });
});

Deno.test("claims from real bootstraps agree with the data that made them", () => {
  // 30 problems, n = 16. PSR solves more at k = 1 but loses 6 problems entirely; NSR gains at
  // every k where there is room (at k = 16 the base already solves everything).
  const problem = (i: number, c: number) => ({ problemId: `p${i}`, n: 16, c });
  const base = [Array.from({ length: 30 }, (_, i) => problem(i, 2 + (i % 3)))];
  const psr = [0, 1, 2].map(() => Array.from({ length: 30 }, (_, i) => problem(i, i < 6 ? 0 : 12)));
  const nsr = [0, 1, 2].map((s) =>
    Array.from({ length: 30 }, (_, i) => problem(i, 10 + ((i + s) % 3)))
  );
  const boot = bootstrapPassAtK({ base, psr, nsr }, [1, 4, 16], { resamples: 400 });
  const psrVsBase = bootstrapDifference(boot, { method: "psr", base: "base" });
  const nsrVsBase = bootstrapDifference(boot, { method: "nsr", base: "base" });
  const crossover = claimCrossover(psrVsBase, { id: "1", claim: "PSR crossover" });
  assert.equal(crossover.verdict, R);
  assert.equal(crossover.firstSignificantK, 16);
  assert.equal(claimAtEveryK(nsrVsBase, { id: "3", claim: "NSR ≥ Base" }).verdict, R);
  assert.equal(claimAtEveryK(psrVsBase, { id: "3", claim: "PSR ≥ Base" }).verdict, N);
  assert.equal(claimBest(boot, { id: "5", claim: "NSR best", methods: ["nsr"] }).verdict, R);
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

  await t.step("evidence lists the parts; no parts is an error", () => {
    const record = combineClaims([part("MATH", R), part("AIME", N)], { ...labels, rule: "all" });
    assert.equal(record.evidence, "[MATH] reproduced: e; [AIME] not reproduced: e");
    assert.equal(record.parts.length, 2);
    assert.throws(() => combineClaims([], { ...labels, rule: "all" }), /0 parts/);
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
  const bundle = rendered[Symbol.for("Jupyter.display")]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
});
