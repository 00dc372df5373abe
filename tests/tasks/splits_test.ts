import assert from "node:assert/strict";
import { allCountdownProblems, problemKey } from "../../lib/tasks/countdown.ts";
import {
  loadCountdownSplit,
  makeSplitProblem,
  SPLIT_NAMES,
  type SplitName,
  type SplitProblem,
} from "../../lib/tasks/splits.ts";

async function committed(): Promise<Record<SplitName, SplitProblem[]>> {
  const entries = await Promise.all(SPLIT_NAMES.map(async (n) => [n, await loadCountdownSplit(n)]));
  return Object.fromEntries(entries);
}

Deno.test("the committed splits are disjoint and follow the tier rules", async (t) => {
  const splits = await committed();
  await t.step("sizes", () => {
    for (const tier of ["tierA", "tierB", "tierC"] as const) assert.equal(splits[tier].length, 200);
    assert.ok(splits.train.length > 3000);
  });
  await t.step("no problem is in two splits (digit order ignored)", () => {
    const ids = SPLIT_NAMES.flatMap((n) => splits[n].map((p) => problemKey(p)));
    assert.equal(new Set(ids).size, ids.length);
  });
  await t.step("solution counts are recomputed exactly and match each tier's band", () => {
    const truth = new Map(allCountdownProblems().map((p) => [problemKey(p), p.solutions]));
    for (const name of SPLIT_NAMES) {
      for (const p of splits[name]) assert.equal(p.solutions, truth.get(p.id), p.id);
    }
    assert.ok([...splits.train, ...splits.tierA].every((p) => p.solutions >= 4));
    assert.ok(splits.tierB.every((p) => p.solutions === 2 || p.solutions === 3));
    assert.ok(
      splits.tierC.every((p) => p.solutions === 1 && p.teacherPass1 > 0 && p.teacherPass1 <= 0.1),
    );
  });
  await t.step("tier A has the training distribution; B and C are harder for the teacher", () => {
    const mean = (ps: SplitProblem[]) => ps.reduce((s, p) => s + p.teacherPass1, 0) / ps.length;
    assert.ok(Math.abs(mean(splits.tierA) - mean(splits.train)) < 0.05);
    assert.ok(
      mean(splits.tierA) > mean(splits.tierB) + 0.1 &&
        mean(splits.tierB) > mean(splits.tierC) + 0.1,
    );
  });
  await t.step("rows are reproduced from the seed (digit order and teacher Pass@1)", () => {
    for (const name of SPLIT_NAMES) {
      for (const p of splits[name].filter((_, i) => i % 97 === 0)) {
        assert.deepEqual(makeSplitProblem(p, { seed: 0 }), p);
      }
    }
  });
});

Deno.test("makeSplitProblem() ignores the given digit order", () => {
  const a = makeSplitProblem({ digits: [9, 5, 3, 2], target: 42, solutions: 9 }, {
    teacherSamples: 8,
  });
  const b = makeSplitProblem({ digits: [2, 3, 5, 9], target: 42, solutions: 9 }, {
    teacherSamples: 8,
  });
  assert.deepEqual(a, b);
});
