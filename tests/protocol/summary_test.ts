import assert from "node:assert/strict";
import { movementRows } from "../../lib/protocol/protocol_rows.ts";
import { summarizeProtocol } from "../../lib/protocol/summary.ts";
import { assertClose } from "../_helpers.ts";
import {
  meanOver,
  syntheticProtocol,
  syntheticResults,
  truePassAtK,
  type Truth,
} from "./_synthetic_results.ts";

const STEPS = 20;
// The correct ratio of step t is t/100, so each window's mean names the window.
const LOGGED: Truth["step"] = (step) => ({ correctRatio: step / 100 });
const BASE: Truth = { p: () => 0.05 };
const TRAINED: Truth = { p: () => 0.15, step: LOGGED };
const PROTOCOL = await syntheticProtocol({ samples: 16, steps: STEPS });
const SECONDS = { screening: 300, training: 1800, evaluation: 600 };
const RESULTS = syntheticResults(
  PROTOCOL,
  { Base: BASE, PSR: TRAINED, "W-REINFORCE": TRAINED },
  { seed: 1, tiers: ["tierA", "tierB"], problems: 40, seconds: SECONDS },
);

Deno.test("summarizeProtocol() writes core-seconds as minutes", () => {
  const summary = summarizeProtocol(RESULTS);
  assert.equal(summary.trainingMinutes, 30); // 1800 s
  assert.equal(summary.evaluationMinutes, 15); // 600 s of evaluation + 300 s of screening
});

Deno.test("summarizeProtocol() states the run's settings and sizes", () => {
  const summary = summarizeProtocol(RESULTS);
  assert.deepEqual(summary.seeds, [0, 1, 2]);
  assert.equal(summary.rlSteps, STEPS);
  assert.equal(summary.learningRate, 1e-4);
  assert.deepEqual(summary.problemsPerTier, { tierA: 40, tierB: 40 });
  assert.equal(summary.pool.problems, 16);
  assertClose(summary.pool.correctRatioAtStep1, 0.01, 1e-12); // step 1 only
});

Deno.test("summarizeProtocol() gives W-REINFORCE's positive share over its first 5 and last 10 steps", () => {
  const { wReinforcePositiveShare } = summarizeProtocol(RESULTS);
  const lambda = 0.1; // data/protocol.json
  const share = (r: number) => (lambda * r) / (lambda * r + 1 - r);
  assertClose(wReinforcePositiveShare!.first, share(meanOver(5, (i) => (i + 1) / 100)), 1e-12);
  assertClose(
    wReinforcePositiveShare!.last,
    share(meanOver(10, (i) => (STEPS - 9 + i) / 100)),
    1e-12,
  );
  const without = syntheticResults(PROTOCOL, { Base: BASE, PSR: TRAINED }, { seed: 1 });
  assert.equal(summarizeProtocol(without).wReinforcePositiveShare, null);
});

Deno.test("summarizeProtocol() copies each method's movement, Pass@1 − Base with its interval", () => {
  const summary = summarizeProtocol(RESULTS);
  const psr = movementRows(RESULTS).find((r) => r.method === "PSR")!;
  assertClose(summary.methods.PSR.correctRatioFirst, 0.03, 1e-12); // steps 1–5
  assertClose(summary.methods.PSR.correctRatioLast, 0.155, 1e-12); // steps 11–20
  for (const tier of ["tierA", "tierB"]) {
    const i = psr.passAt1VsBase[tier];
    assert.deepEqual(summary.methods.PSR.passAt1VsBase[tier], {
      difference: i.estimate,
      lower: i.lower,
      upper: i.upper,
    });
  }
  assert.ok(summary.methods.PSR.passAt1VsBase.tierA.lower > 0);
  assert.deepEqual(Object.keys(summary.methods), ["Base", "PSR", "W-REINFORCE"]);
});

Deno.test("summarizeProtocol() gives each method's Pass@k at the largest judged k against the base, per set", () => {
  const { methods } = summarizeProtocol(RESULTS);
  // n = 16, so the largest judged k is 4; rates 0.15 against the base's 0.05 on every problem.
  const truth = truePassAtK(0.15, 4) - truePassAtK(0.05, 4);
  for (const set of ["tierA", "tierB"]) {
    const d = methods.PSR.passAtKmaxVsBase[set];
    assert.ok(d.lower < truth && truth < d.upper, `${set}: ${JSON.stringify(d)} vs ${truth}`);
    assert.ok(d.lower > 0, `PSR above the base on ${set}`);
    assert.deepEqual(methods.Base.passAtKmaxVsBase[set], { difference: 0, lower: 0, upper: 0 });
  }
  assert.equal(methods.PSR.primary, null); // no primary set in these results
});
