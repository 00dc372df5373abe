import assert from "node:assert/strict";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import {
  calibrationRows,
  coverageRows,
  movementRows,
  passAtKRows,
  trainingRows,
} from "../../lib/protocol/protocol_rows.ts";
import { passAtKBootstrap, passAtKStatistic } from "../../lib/protocol/protocol_stats.ts";
import { assertClose } from "../_helpers.ts";
import {
  coverage,
  meanOver,
  syntheticProtocol,
  syntheticResults,
  truePassAtK,
  type Truth,
} from "./_synthetic_results.ts";

const STEPS = 20;
// Logged values that name their step, so a window of the wrong length or place shows: the
// correct ratio of step t is t/100, the KL is t/1000 except at the last step (not measured).
const LOGGED: Truth["step"] = (step) => ({
  correctRatio: step / 100,
  klToInitial: step === STEPS ? null : step / 1000,
  optimizerSteps: 2,
  clipFraction: step % 2 === 0 ? 0.1 : 0,
});
const BASE: Truth = { p: () => 0.05, greedyEntropy: () => 0.5 };
const BETTER: Truth = { p: () => 0.15, greedyEntropy: () => 0.3, step: LOGGED };
const PROTOCOL = await syntheticProtocol({ samples: 16, steps: STEPS });
const draw = (seed: number, tiers = ["tierA"]): ProtocolResults =>
  syntheticResults(PROTOCOL, { Base: BASE, Better: BETTER }, { seed, tiers });

Deno.test("movementRows() reads the first 5 and last 10 steps, the last measured KL and Pass@1 − Base", async (t) => {
  const results = draw(1, ["tierA", "tierB"]);
  const [base, better] = movementRows(results);
  await t.step("the training windows and sums", () => {
    assertClose(better.correctRatioFirst, meanOver(5, (i) => (i + 1) / 100), 1e-12); // steps 1–5
    assertClose(better.correctRatioLast, meanOver(10, (i) => (STEPS - 9 + i) / 100), 1e-12); // 11–20
    assertClose(better.klToBase, (STEPS - 1) / 1000, 1e-12); // the last step's KL is null
    assert.equal(better.updates, 2 * STEPS);
    assertClose(better.clipFraction, 0.05, 1e-12);
    assert.equal(base.klToBase, 0);
  });
  await t.step("the held-out entropy, pooled over the tiers", () => {
    const values = ["tierA", "tierB"].flatMap((tier) =>
      results.evaluations["T=1.0"][tier].Better.flatMap((e) =>
        e.outcomes.map((o) => o.greedyEntropy)
      )
    );
    assertClose(better.entropy, meanOver(values.length, (i) => values[i]), 1e-12);
  });
  await t.step("Pass@1 gain: method − Base, 0 for the base", () => {
    const boot = passAtKBootstrap(results, {
      setting: "T=1.0",
      tier: "tierB",
      methods: ["Better", "Base"],
    });
    assert.deepEqual(
      better.passAt1VsBase.tierB,
      passAtKStatistic(boot, (p) => p("Better", 1) - p("Base", 1)),
    );
    assert.ok(better.passAt1VsBase.tierA.lower > 0, JSON.stringify(better.passAt1VsBase));
    assert.deepEqual(base.passAt1VsBase.tierA, { estimate: 0, lower: 0, upper: 0 });
  });
  await t.step("the gain's 95% interval covers the true +0.10", () => {
    const covered = coverage(40, (seed) => movementRows(draw(seed))[1].passAt1VsBase.tierA, 0.1);
    assert.ok(covered >= 0.85, `covered in ${covered} of draws`);
  });
});

Deno.test("passAtKRows() gives every tier, method and k = 1 … n with a 95% interval of Pass@k", async (t) => {
  const rows = passAtKRows(draw(1, ["tierA", "tierB"]));
  await t.step("one row per tier, method and power of two up to n", () => {
    assert.equal(rows.length, 2 * 2 * 5);
    assert.deepEqual(
      rows.filter((r) => r.dataset === "tierB" && r.method === "Base").map((r) => r.k),
      [
        1,
        2,
        4,
        8,
        16,
      ],
    );
  });
  await t.step("the intervals cover the true Pass@1 and Pass@16 about 95% of the time", () => {
    for (const k of [1, 16]) {
      const truth = truePassAtK(0.15, k);
      const covered = coverage(
        40,
        (seed) => passAtKRows(draw(seed)).find((r) => r.method === "Better" && r.k === k)!,
        truth,
      );
      assert.ok(covered >= 0.85, `k=${k}: ${truth} covered in ${covered} of draws`);
    }
  });
});

Deno.test("trainingRows() is the mean over seeds at each step, in step order", () => {
  const results = draw(2);
  const runs = results.runs.Better.map((run, s) => ({
    ...run,
    steps: run.steps.map((m) => ({ ...m, correctRatio: m.step + s })),
  }));
  const rows = trainingRows(
    { ...results, runs: { Better: runs } },
    { source: "steps", metric: "correctRatio" },
  );
  assert.deepEqual(rows.map((r) => r.step), Array.from({ length: STEPS }, (_, i) => i + 1));
  for (const row of rows) assertClose(row.value, row.step + 1, 1e-12); // seeds 0, 1, 2
  assert.ok(rows.every((r) => r.method === "Better"));
});

Deno.test("coverageRows() counts the problems a method lost and gained against the base", () => {
  const certain = (solved: (i: number) => boolean): Truth => ({ p: (i) => (solved(i) ? 1 : 0) });
  const results = syntheticResults(PROTOCOL, {
    Base: certain((i) => i < 10),
    Shifted: certain((i) => i >= 5 && i < 15),
  }, { seed: 1 });
  const rows = coverageRows(results);
  const shifted = rows.find((r) => r.method === "Shifted")!;
  assert.deepEqual(
    { baseSolved: shifted.baseSolved, solved: shifted.solved, lost: shifted.lost },
    { baseSolved: 10, solved: 10, lost: 5 },
  );
  assert.equal(shifted.gained, 5);
  const resampled = rows.find((r) => r.method === "Base (re-sampled)")!;
  assert.deepEqual([resampled.lost, resampled.gained], [0, 0]);
});

Deno.test("calibrationRows() numbers the steps from 1", () => {
  const results = draw(1);
  const rows = calibrationRows({
    ...results,
    calibration: {
      ...results.calibration,
      curves: [{ learningRate: 1e-4, correctRatio: [0.2, 0.3] }],
    },
  });
  assert.deepEqual(rows, [
    { series: "lr 0.0001", step: 1, value: 0.2 },
    { series: "lr 0.0001", step: 2, value: 0.3 },
  ]);
});
