import assert from "node:assert/strict";
import type { MethodRun, Reproduction, SeedEvaluation } from "../../lib/protocol/reproduction.ts";
import {
  bootstrapReproduction,
  bootstrapRows,
  coverageRows,
  differenceInterval,
  evaluationMetric,
  runMetric,
  trainingRows,
} from "../../lib/protocol/reproduction_results.ts";
import { assertClose } from "../_helpers.ts";

const evaluation = (seed: number, cs: readonly number[], entropy = 0.5): SeedEvaluation => ({
  seed,
  entropy,
  distinctCorrect: 1,
  problems: cs.map((c, i) => ({ problemId: `p${i}`, n: 4, c, distinctCorrect: Math.min(c, 1) })),
});

const stepRecord = (step: number, correctRatio: number) => ({
  step,
  correctRatio,
  fullySolvedRatio: 0,
  allWrongRatio: 0,
  meanReward: correctRatio,
  samplesTrained: 8,
  optimizerSteps: 1,
  meanResponseLength: 10,
  truncationRate: 0,
  rolloutEntropy: 0.3,
  klToInitial: step / 100,
  clipFraction: 0,
  gradNorm: 1,
  loss: 0,
  policyLoss: 0,
  entropy: 0.3,
  kl: 0,
  valueLoss: 0,
  seconds: { rollout: 0, grading: 0, logProbs: 0, update: 0, eval: 0, checkpoint: 0, total: 0 },
});

const run = (seed: number, ratios: readonly number[]): MethodRun => ({
  seed,
  dir: `run-${seed}`,
  steps: ratios.map((r, i) => stepRecord(i + 1, r)),
  evals: [
    { step: 0, greedyAccuracy: 0.1, entropy: 0.5, meanResponseLength: 9 },
    { step: ratios.length, greedyAccuracy: 0.1 + seed / 10, entropy: 0.4, meanResponseLength: 9 },
  ],
});

// Two seeds; Base solves p0 and p2 in seed 0, p0 only in seed 1; NSR loses p0 in seed 0 only.
const TOY: Reproduction = {
  methods: ["Base", "NSR"],
  base: "Base",
  seeds: [0, 1],
  runs: { NSR: [run(0, [0.2, 0.4]), run(1, [0.4, 0.6])] },
  evaluations: {
    "T=1": {
      tierA: {
        Base: [evaluation(0, [1, 0, 2], 0.4), evaluation(1, [3, 0, 0], 0.6)],
        NSR: [evaluation(0, [0, 1, 4], 0.3), evaluation(1, [2, 0, 4], 0.5)],
      },
      tierB: {
        Base: [evaluation(0, [0, 0, 0], 0.2), evaluation(1, [0, 0, 0], 0.2)],
        NSR: [evaluation(0, [0, 0, 1], 0.1), evaluation(1, [0, 0, 0], 0.3)],
      },
    },
  },
  computed: { trainingSteps: 0, evaluations: 0 },
};

Deno.test("bootstrapReproduction() and bootstrapRows() give every tier's curves with intervals", () => {
  const boots = bootstrapReproduction(TOY, { setting: "T=1", ks: [1, 4], resamples: 50 });
  assert.deepEqual(Object.keys(boots), ["tierA", "tierB"]);
  // NSR tierA: seed 0 pass@1 = (0 + 1/4 + 1)/3, seed 1 = (2/4 + 0 + 1)/3; mean over seeds.
  assertClose(boots.tierA.estimates.NSR[0], ((1.25 / 3) + (1.5 / 3)) / 2, 1e-12);
  assertClose(boots.tierA.estimates.Base[1], (2 / 3 + 1 / 3) / 2, 1e-12);
  const rows = bootstrapRows(boots);
  assert.equal(rows.length, 2 * 2 * 2);
  const row = rows.find((r) => r.dataset === "tierB" && r.method === "NSR" && r.k === 4)!;
  assertClose(row.passAtK, (1 / 3) / 2, 1e-12);
  assert.ok(row.lower! <= row.passAtK && row.passAtK <= row.upper!);
  const d = differenceInterval(boots.tierA, { method: "NSR", base: "Base", k: 1 });
  assertClose(d.estimate, boots.tierA.estimates.NSR[0] - boots.tierA.estimates.Base[0], 1e-12);
  assert.ok(d.lower <= d.estimate && d.estimate <= d.upper);
  assert.throws(
    () => differenceInterval(boots.tierA, { method: "NSR", base: "Base", k: 2 }),
    /k=2: not among/,
  );
  const only = bootstrapReproduction(TOY, {
    setting: "T=1",
    ks: [1],
    methods: ["NSR"],
    resamples: 0,
  });
  assert.deepEqual(only.tierA.methods, ["NSR"]);
  assert.throws(
    () => bootstrapReproduction(TOY, { setting: "T=0.6", ks: [1] }),
    /unknown setting "T=0.6", got T=1/,
  );
});

Deno.test("coverageRows() counts lost and gained problems against the base's first seed", () => {
  const rows = coverageRows(TOY, { setting: "T=1" });
  const a = rows.filter((r) => r.tier === "tierA");
  assert.deepEqual(a.map((r) => r.method), ["Base (re-sampled)", "NSR"]);
  // The base re-sampled: seed 1 solves p0 only, so it "loses" p2 against seed 0.
  assert.deepEqual([a[0].baseSolved, a[0].solved, a[0].lost, a[0].gained], [2, 1, 1, 0]);
  // NSR seed 0 solves p1, p2 (lost p0, gained p1); seed 1 solves p0, p2 (no change).
  assert.deepEqual([a[1].solved, a[1].lost, a[1].gained], [2, 0.5, 0.5]);
  assert.deepEqual([a[1].lostInEverySeed, a[1].gainedInEverySeed], [0, 0]);
  const b = rows.find((r) => r.tier === "tierB" && r.method === "NSR")!;
  assert.deepEqual([b.baseSolved, b.gained, b.lost], [0, 0.5, 0]);
});

Deno.test("runMetric(), trainingRows() and evaluationMetric() read per-seed numbers", async (t) => {
  await t.step("runMetric averages a window of steps per seed", () => {
    const runs = TOY.runs.NSR;
    assert.deepEqual(runMetric(runs, { source: "steps", metric: "correctRatio" }), [
      0.30000000000000004,
      0.5,
    ]);
    assert.deepEqual(runMetric(runs, { source: "steps", metric: "correctRatio", from: 2 }), [
      0.4,
      0.6,
    ]);
    assert.deepEqual(runMetric(runs, { source: "evals", metric: "greedyAccuracy", to: 0 }), [
      0.1,
      0.1,
    ]);
    assert.ok(
      Number.isNaN(runMetric(runs, { source: "steps", metric: "klToInitial", from: 9 })[0]),
    );
  });
  await t.step("trainingRows averages over seeds per step, methods without runs give none", () => {
    const rows = trainingRows(TOY, { source: "steps", metric: "correctRatio" });
    assert.deepEqual(rows.map((r) => [r.method, r.step]), [["NSR", 1], ["NSR", 2]]);
    assertClose(rows[0].value, 0.3, 1e-12);
    assertClose(rows[1].value, 0.5, 1e-12);
  });
  await t.step("evaluationMetric averages over tiers per seed", () => {
    const values = evaluationMetric(TOY, { setting: "T=1", method: "NSR", metric: "entropy" });
    assertClose(values[0], 0.2, 1e-12);
    assertClose(values[1], 0.4, 1e-12);
    assert.throws(
      () => evaluationMetric(TOY, { setting: "T=1", method: "PSR", metric: "entropy" }),
      /unknown method "PSR", got Base, NSR/,
    );
  });
});
