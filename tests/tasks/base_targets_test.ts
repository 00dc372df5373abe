import assert from "node:assert/strict";
import { assertClose } from "../_helpers.ts";
import {
  BASE_MODEL_TARGETS,
  basePassKRows,
  baseTargetRows,
  loadBaseCurves,
  parseBaseCurves,
  TIER_BENCHMARKS,
} from "../../lib/tasks/base_targets.ts";
import { TIER_NAMES } from "../../lib/tasks/splits.ts";

const PASSK = parseBaseCurves({
  tierA: { "1": 0.5, "4": 0.8, "256": 0.95, entropy: 0.4, distinctCorrect: 3 },
  tierB: { "1": 0.1, "256": 0.7, entropy: 0.4, distinctCorrect: 2 },
  tierC: { "1": 0.13, "256": 0.8, entropy: 0.4, distinctCorrect: 1.5 },
}, "test");

Deno.test("basePassKRows() keeps only k keys, in increasing k, per tier", async (t) => {
  await t.step("rows", () => {
    const rows = basePassKRows(PASSK, { method: "base" });
    assert.deepEqual(rows.filter((r) => r.dataset === "tierA").map((r) => r.k), [1, 4, 256]);
    assert.equal(rows.length, 7);
    assert.ok(rows.every((r) => r.method === "base"));
  });
  await t.step("a value outside [0, 1], or a missing entropy, is refused, naming it", () => {
    const curve = { "1": 52, entropy: 0.4, distinctCorrect: 2 };
    assert.throws(() => parseBaseCurves({ tierA: curve }, "f.json"), /f\.json: tierA\.1/);
    assert.throws(() => parseBaseCurves({ tierA: { "1": 0.5 } }, "f.json"), /tierA\.entropy/);
  });
  await t.step("the shipped base's files load, every tier's curve rising from Pass@1", async () => {
    for (const setting of ["primary", "paper"] as const) {
      const curves = await loadBaseCurves({ setting });
      assert.deepEqual(Object.keys(curves), [...TIER_NAMES]);
      for (const curve of Object.values(curves)) {
        const ks = Object.keys(curve.passAtK).map(Number).sort((a, b) => a - b);
        assert.ok(ks[0] === 1 && ks.length >= 2, `ks ${ks}`);
        assert.ok(curve.passAtK[ks.at(-1)!] > curve.passAtK[1]);
      }
    }
  });
});

Deno.test("baseTargetRows() computes met and the size of each miss", async (t) => {
  const rows = baseTargetRows(PASSK);
  await t.step("one row per target, in order", () => {
    assert.equal(rows.length, BASE_MODEL_TARGETS.length);
    assert.deepEqual(rows.map((r) => r.tier), BASE_MODEL_TARGETS.map((r) => r.tier));
  });
  await t.step("met inside the range, missed below, above and on either side", () => {
    const byKey = (tier: string, metric: string) =>
      rows.find((r) => r.tier === tier && r.metric === metric)!;
    assert.equal(byKey("tierA", "Pass@1").met, true);
    assert.equal(byKey("tierA", "Pass@1").miss, 0);
    assert.equal(byKey("tierB", "Pass@1").met, false);
    assertClose(byKey("tierB", "Pass@1").miss, 0.05, 1e-12);
    assertClose(byKey("tierB", "Pass@256").miss, 0.05, 1e-12);
    assertClose(byKey("tierC", "Pass@1").miss, 0.01, 1e-12);
    assertClose(byKey("tierC", "Pass@256").miss, 0.05, 1e-12);
    assert.equal(byKey("tierB", "distinctCorrect").met, true);
    assertClose(byKey("tierC", "distinctCorrect").miss, 0.5, 1e-12);
    assert.equal(byKey("tierC", "Pass@1").target, "≤ 0.12");
    assert.equal(byKey("tierA", "Pass@256").target, "≥ 0.90");
  });
  await t.step("a missing value is NaN and missed", () => {
    const [row] = baseTargetRows({}, [{ tier: "tierA", metric: "1", min: 0.4 }]);
    assert.ok(Number.isNaN(row.value));
    assert.equal(row.met, false);
  });
  await t.step("every tier has a benchmark", () => {
    assert.deepEqual(Object.keys(TIER_BENCHMARKS), [...TIER_NAMES]);
  });
});
