import assert from "node:assert/strict";
import {
  baselinesBlock,
  findingBlock,
  type FindingsSummary,
} from "../../lib/job/readme_findings.ts";

const d = (difference: number, lower: number, upper: number) => ({ difference, lower, upper });

const SUMMARY: FindingsSummary = {
  kMax: 16,
  primarySet: { name: "primary", problems: 256 },
  methods: {
    Base: {
      passAt1VsBase: { primary: d(0, 0, 0) },
      passAtKmaxVsBase: { primary: d(0, 0, 0) },
      primary: { passAt1: 0.3, passAtKmax: 0.8 },
      greedyAccuracy: 0.5,
    },
    PSR: {
      passAt1VsBase: { primary: d(0.1, 0.08, 0.12) },
      passAtKmaxVsBase: { primary: d(-0.05, -0.07, -0.03) },
      primary: { passAt1: 0.4, passAtKmax: 0.75 },
      greedyAccuracy: 0.55,
    },
    NSR: {
      passAt1VsBase: { primary: d(0.05, 0.03, 0.07) },
      passAtKmaxVsBase: { primary: d(0.005, -0.01, 0.02) },
      primary: { passAt1: 0.35, passAtKmax: 0.805 },
      greedyAccuracy: 0.52,
    },
  },
  baselines: {
    cooledBase: {
      PSR: { temperature: 0.6, passAt1: 0.41, passAtKmax: 0.74 },
      NSR: { temperature: 0.8, passAt1: 0.34, passAtKmax: 0.79 },
    },
  },
  matchedMovement: {
    target: 0.05,
    methods: {
      PSR: { steps: [50, 50, 75], passAt1Gain: 0.052, passAtKmaxVsBase: d(-0.02, -0.04, -0.001) },
      NSR: { steps: [150, 150, 150], passAt1Gain: 0.05, passAtKmaxVsBase: d(0.005, -0.01, 0.02) },
    },
  },
  claims: [
    { id: "1", claim: "", verdict: "reproduced", evidence: "" },
    { id: "3", claim: "", verdict: "inconclusive", evidence: "", fragile: true },
    { id: "3m", claim: "", verdict: "not reproduced", evidence: "" },
  ],
};

Deno.test("findingBlock() sorts methods by the side of the base their interval falls on", () => {
  const text = findingBlock(SUMMARY);
  assert.match(
    text,
    /Pass@1 at the last step: PSR \(\+10\.0 pp \[\+8\.0, \+12\.0\]\) and NSR \(\+5\.0 pp \[\+3\.0, \+7\.0\]\) above the base\./,
  );
  assert.match(
    text,
    /At k = 16: PSR \(−5\.0 pp \[−7\.0, −3\.0\]\) below the base; NSR \(\+0\.5 pp \[−1\.0, \+2\.0\]\) level with the base\./,
  );
  assert.match(
    text,
    /Pass@16 differs by PSR \+1\.0 pp \(T = 0\.6\) and NSR \+1\.5 pp \(T = 0\.8\)/,
  );
  assert.match(
    text,
    /gain of \+5\.0 pp\), Pass@16: PSR \(−2\.0 pp \[−4\.0, −0\.1\]\) below the base; NSR .* level with/,
  );
  assert.match(
    text,
    /reproduced: 1; not reproduced: 3m; inconclusive: 3; fragile \(could flip on another machine\): 3\./,
  );
});

Deno.test("findingBlock() flips with the sign of a difference; a v2 summary gets one sentence", () => {
  const flipped = {
    ...SUMMARY,
    methods: {
      ...SUMMARY.methods,
      NSR: { ...SUMMARY.methods.NSR, passAtKmaxVsBase: { primary: d(0.03, 0.01, 0.05) } },
    },
  };
  assert.match(findingBlock(flipped), /NSR \(\+3\.0 pp \[\+1\.0, \+5\.0\]\) above the base/);
  assert.match(findingBlock({ ...SUMMARY, primarySet: null }), /predates protocol v3/);
  const failed = { ...SUMMARY, gate: { passed: false, evidence: "greedy accuracy −3.9 pp" } };
  assert.match(findingBlock(failed), /The movement gate failed \(greedy accuracy −3\.9 pp\)/);
  assert.doesNotMatch(findingBlock({ ...failed, gate: { ...failed.gate, passed: true } }), /gate/);
});

Deno.test("baselinesBlock() gives one row per method with its cooled base and matched steps", () => {
  const table = baselinesBlock(SUMMARY) ?? "";
  assert.match(
    table,
    /\| NSR \| 35\.0% \| 80\.5% \| 52\.0% \| 0\.8 \| 34\.0% \| 79\.0% \| 150 \/ 150 \/ 150 \| \+5\.0 pp \|/,
  );
  assert.match(table, /the base: Pass@1 30\.0%, Pass@16 80\.0%, greedy accuracy 50\.0%/);
  assert.equal(baselinesBlock({ ...SUMMARY, matchedMovement: null }), null);
});
