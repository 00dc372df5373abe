import assert from "node:assert/strict";
import { passAtK } from "../../lib/eval/passk.ts";
import {
  correctRatioDifference,
  metricBootstrap,
  metricStatistic,
  passAtKBootstrap,
  passAtKStatistic,
} from "../../lib/protocol/protocol_stats.ts";
import { assertClose } from "../_helpers.ts";
import {
  coverage,
  meanOver,
  syntheticProtocol,
  syntheticResults,
  truePassAtK,
  type Truth,
} from "./_synthetic_results.ts";

// Known truths: a method identical to the base (every true difference is 0) and one with a
// clear effect (Pass@1 +0.10, Pass@16 +0.37, entropy −0.2 nats, training correct ratio +0.2).
const BASE: Truth = {
  p: () => 0.05,
  greedyEntropy: () => 0.5,
  trainP: (i) => 0.1 + 0.05 * (i % 8),
};
const SAME: Truth = BASE;
const BETTER: Truth = {
  p: () => 0.15,
  greedyEntropy: () => 0.3,
  trainP: (i) => 0.3 + 0.05 * (i % 8),
};
const PROTOCOL = await syntheticProtocol({ samples: 16, resamples: 200 });
const REPLICATES = 40;
const draw = (seed: number) =>
  syntheticResults(PROTOCOL, { Base: BASE, Same: SAME, Twin: SAME, Better: BETTER }, { seed });

Deno.test("passAtKBootstrap() estimates Pass@k at k = 1, 2, 4, … n, mean over problems and seeds", () => {
  const results = draw(1);
  const boot = passAtKBootstrap(results, { setting: "T=1.0", tier: "tierA", methods: ["Better"] });
  assert.deepEqual(boot.ks, [1, 2, 4, 8, 16]);
  assert.equal(boot.confidence, 0.95);
  const evals = results.evaluations["T=1.0"].tierA.Better;
  for (const [j, k] of boot.ks.entries()) {
    const byHand = evals.reduce(
      (s, e) => s + e.outcomes.reduce((t, o) => t + passAtK(o.n, o.c, k), 0) / e.outcomes.length,
      0,
    ) / evals.length;
    assertClose(boot.estimates.Better[j], byHand, 1e-12, `Pass@${k}`);
  }
});

Deno.test("passAtKStatistic() gives 95% intervals of method − base that cover the truth", async (t) => {
  const interval = (method: string, k: number) => (seed: number) => {
    const boot = passAtKBootstrap(draw(seed), {
      setting: "T=1.0",
      tier: "tierA",
      methods: [method, "Base"],
    });
    return passAtKStatistic(boot, (p) => p(method, k) - p("Base", k));
  };
  await t.step("a method identical to the base: 0 is inside about 95% of the time", () => {
    for (const k of [1, 16]) {
      const covered = coverage(REPLICATES, interval("Same", k), 0);
      assert.ok(covered >= 0.85, `k=${k}: 0 covered in ${covered} of draws`);
    }
  });
  await t.step("a better method: the true gain is inside, and 0 never is", () => {
    for (const k of [1, 16]) {
      const truth = truePassAtK(0.15, k) - truePassAtK(0.05, k);
      const covered = coverage(REPLICATES, interval("Better", k), truth);
      assert.ok(covered >= 0.85, `k=${k}: the truth ${truth} covered in ${covered} of draws`);
      for (let seed = 1; seed <= 5; seed++) {
        const i = interval("Better", k)(seed);
        assert.ok(i.lower > 0 && i.estimate > 0, `k=${k}: ${JSON.stringify(i)}`);
      }
    }
  });
});

Deno.test("metricStatistic() of metricBootstrap() pools the tiers and covers the true difference", async (t) => {
  const tiers = ["tierA", "tierB"];
  await t.step("its estimate is the mean over every tier's problems and the seeds", () => {
    const results = syntheticResults(PROTOCOL, { Base: BASE, Better: BETTER }, { seed: 3, tiers });
    const boot = metricBootstrap(results, {
      setting: "T=1.0",
      tiers,
      methods: ["Better"],
      metrics: ["greedyEntropy"],
    });
    const values = tiers.flatMap((tier) =>
      results.evaluations["T=1.0"][tier].Better.flatMap((e) =>
        e.outcomes.map((o) => o.greedyEntropy)
      )
    );
    assertClose(
      boot.estimates.Better.greedyEntropy,
      meanOver(values.length, (i) => values[i]),
      1e-12,
    );
  });
  const interval = (method: string) => (seed: number) => {
    const results = syntheticResults(PROTOCOL, {
      Base: BASE,
      [method]: method === "Same" ? SAME : BETTER,
    }, {
      seed,
      tiers,
    });
    const boot = metricBootstrap(results, {
      setting: "T=1.0",
      tiers,
      methods: [method, "Base"],
      metrics: ["greedyEntropy"],
    });
    return metricStatistic(boot, (v) => v(method, "greedyEntropy") - v("Base", "greedyEntropy"));
  };
  await t.step("identical entropies: 0 is inside about 95% of the time", () => {
    const covered = coverage(REPLICATES, interval("Same"), 0);
    assert.ok(covered >= 0.85, `0 covered in ${covered} of draws`);
  });
  await t.step("entropy 0.3 against 0.5: the truth −0.2 is inside, the sign is negative", () => {
    const covered = coverage(REPLICATES, interval("Better"), -0.2);
    assert.ok(covered >= 0.85, `−0.2 covered in ${covered} of draws`);
    const i = interval("Better")(1);
    assert.ok(i.upper < 0, JSON.stringify(i));
  });
});

Deno.test("correctRatioDifference() is A − B, paired by prompt, with a 95% interval", async (t) => {
  await t.step("its estimate is the mean over seeds and steps of A's minus B's batch ratio", () => {
    const results = draw(5);
    const d = correctRatioDifference(results, { a: "Better", b: "Same" });
    const perSeed = results.runs.Better.map((run, s) =>
      meanOver(
        run.steps.length,
        (t) => run.steps[t].correctRatio - results.runs.Same[s].steps[t].correctRatio,
      )
    );
    assertClose(d.estimate, meanOver(perSeed.length, (s) => perSeed[s]), 1e-12);
    assert.ok(d.estimate > 0.1 && d.lower > 0, JSON.stringify(d));
    const reversed = correctRatioDifference(results, { a: "Same", b: "Better" });
    assertClose(reversed.estimate, -d.estimate, 1e-12);
  });
  await t.step("equal methods: 0 is inside about 95% of the time", () => {
    const covered = coverage(
      REPLICATES,
      (seed) => correctRatioDifference(draw(seed), { a: "Same", b: "Twin" }),
      0,
    );
    assert.ok(covered >= 0.85, `0 covered in ${covered} of draws`);
  });
  await t.step("a method 0.2 more often correct on every prompt: 0.2 is inside", () => {
    const covered = coverage(
      REPLICATES,
      (seed) => correctRatioDifference(draw(seed), { a: "Better", b: "Same" }),
      0.2,
    );
    assert.ok(covered >= 0.85, `0.2 covered in ${covered} of draws`);
  });
});
