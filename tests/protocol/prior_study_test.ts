import assert from "node:assert/strict";
import {
  POOLED_TIER,
  pooledDifference,
  poolTiers,
  priorEntropyRows,
  type PriorStudyResults,
  priorStudyRows,
} from "../../lib/protocol/prior_study.ts";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import { assertClose } from "../_helpers.ts";
import {
  coverage,
  syntheticProtocol,
  syntheticResults,
  truePassAtK,
  type Truth,
} from "./_synthetic_results.ts";

const TIERS = ["tierA", "tierB", "tierC"];
const PROTOCOL = await syntheticProtocol({ samples: 16 });
const truths = (nsr: number): Record<string, Truth> => ({
  Base: { p: () => 0.05, greedyEntropy: () => 0.5 },
  PSR: { p: () => 0.1, greedyEntropy: () => 0.2 },
  NSR: { p: () => nsr, greedyEntropy: () => 0.45 },
});
const draw = (seed: number, nsr = 0.15): ProtocolResults =>
  syntheticResults(PROTOCOL, truths(nsr), { seed, tiers: TIERS, problems: 20 });

Deno.test("poolTiers() makes one tier of every tier's problems, per method and seed", () => {
  const results = draw(1);
  const pooled = poolTiers(results);
  assert.deepEqual(Object.keys(pooled.evaluations["T=1.0"]), [POOLED_TIER]);
  const nsr = pooled.evaluations["T=1.0"][POOLED_TIER].NSR;
  assert.equal(nsr.length, 3); // seeds
  for (const [s, evaluation] of nsr.entries()) {
    const byTier = TIERS.flatMap((tier) => results.evaluations["T=1.0"][tier].NSR[s].outcomes);
    assert.deepEqual(evaluation.outcomes, byTier);
    assert.equal(evaluation.seconds, 3); // one second per tier
    assert.equal(evaluation.tier, POOLED_TIER);
  }
});

Deno.test("poolTiers() keeps only the methods evaluated on every tier", () => {
  const results = draw(1);
  const { NSR: _dropped, ...rest } = results.evaluations["T=1.0"].tierC;
  const partial = {
    ...results,
    evaluations: { "T=1.0": { ...results.evaluations["T=1.0"], tierC: rest } },
  };
  assert.deepEqual(Object.keys(poolTiers(partial).evaluations["T=1.0"][POOLED_TIER]), [
    "Base",
    "PSR",
  ]);
});

Deno.test("pooledDifference() is x − y at k over the pooled tiers, with a 95% interval", async (t) => {
  await t.step("its sign follows x − y", () => {
    const results = draw(2);
    const d = pooledDifference(results, { x: "NSR", y: "PSR", k: 16 });
    const r = pooledDifference(results, { x: "PSR", y: "NSR", k: 16 });
    assertClose(r.estimate, -d.estimate, 1e-12);
    assert.ok(d.lower > 0, JSON.stringify(d));
  });
  await t.step("it covers the true difference at k = 1 and k = n", () => {
    for (const k of [1, 16]) {
      const truth = truePassAtK(0.15, k) - truePassAtK(0.1, k);
      const covered = coverage(
        40,
        (seed) => pooledDifference(draw(seed), { x: "NSR", y: "PSR", k }),
        truth,
      );
      assert.ok(covered >= 0.85, `k=${k}: ${truth} covered in ${covered} of draws`);
    }
  });
  await t.step("a method identical to another: 0 is inside about 95% of the time", () => {
    const covered = coverage(
      40,
      (seed) => pooledDifference(draw(seed, 0.1), { x: "NSR", y: "PSR", k: 16 }),
      0,
    );
    assert.ok(covered >= 0.85, `0 covered in ${covered} of draws`);
  });
});

function study(): PriorStudyResults {
  const bases = [
    { name: "weak", results: draw(3, 0.1), passAt1: 0.05 },
    { name: "strong", results: draw(4, 0.3), passAt1: 0.2 },
  ];
  return {
    study: { bases: [], methods: ["PSR", "NSR"], seeds: [0, 1, 2] },
    bases: bases.map((b) => ({ ...b, dir: "", trainPassRate: 0.5 })),
  };
}

Deno.test("priorStudyRows() gives per base NSR − PSR and NSR − Base at k = n and NSR − Base at k = 1", () => {
  const rows = priorStudyRows(study());
  assert.deepEqual(rows.map((r) => `${r.base}: ${r.quantity}`), [
    "weak: NSR − PSR at k=16",
    "weak: NSR − Base at k=16",
    "weak: NSR − Base at k=1",
    "strong: NSR − PSR at k=16",
    "strong: NSR − Base at k=16",
    "strong: NSR − Base at k=1",
  ]);
  const strong = study().bases[1].results;
  const pairs = [["PSR", 16], ["Base", 16], ["Base", 1]] as const;
  for (const [j, [y, k]] of pairs.entries()) {
    const { quantity: _, base, prior, ...interval } = rows[3 + j];
    assert.deepEqual(interval, pooledDifference(strong, { x: "NSR", y, k }), rows[3 + j].quantity);
    assert.deepEqual([base, prior], ["strong", 0.2]);
  }
  assert.ok(rows[3].lower > 0 && rows[5].lower > 0, "the strong base's NSR is clearly better");
});

Deno.test("priorEntropyRows() gives each method's pooled greedy entropy per base", () => {
  const rows = priorEntropyRows(study());
  assert.deepEqual(rows.map((r) => `${r.base} ${r.quantity}`), [
    "weak Base",
    "weak PSR",
    "weak NSR",
    "strong Base",
    "strong PSR",
    "strong NSR",
  ]);
  for (const row of rows) {
    const truth = { Base: 0.5, PSR: 0.2, NSR: 0.45 }[row.quantity]!;
    assert.ok(row.lower <= truth && truth <= row.upper, JSON.stringify(row));
  }
});
