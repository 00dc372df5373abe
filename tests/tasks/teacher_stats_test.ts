import assert from "node:assert/strict";
import { assertClose } from "../_helpers.ts";
import { teacherStrategyStats } from "../../lib/tasks/teacher_stats.ts";
import { TEACHER_STRATEGIES } from "../../lib/tasks/teacher.ts";

const PROBLEMS = [
  { digits: [3, 9, 2, 5], target: 42 },
  { digits: [1, 4, 6, 8], target: 31 },
  { digits: [2, 3, 4, 1], target: 24 },
  { digits: [7, 8, 2, 1], target: 57 },
];

Deno.test("teacherStrategyStats() tallies the teacher's strategies and errors", async (t) => {
  const rows = teacherStrategyStats(PROBLEMS, { samplesPerProblem: 200, seed: 3 });
  const all = rows[rows.length - 1];
  const strategies = rows.slice(0, -1);
  await t.step("seeded", () => {
    assert.deepEqual(rows, teacherStrategyStats(PROBLEMS, { samplesPerProblem: 200, seed: 3 }));
  });
  await t.step("shares sum to 1, strategies in order, the total last", () => {
    assert.equal(all.strategy, "all");
    assertClose(strategies.reduce((s, r) => s + r.share, 0), 1, 1e-12);
    const order = strategies.map((r) => TEACHER_STRATEGIES.indexOf(r.strategy as never));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });
  await t.step("outcomes partition each strategy; accuracy is the share-weighted mean", () => {
    for (const r of rows) assertClose(r.hit + r.miss + r.fudge, 1, 1e-12);
    assertClose(all.accuracy, strategies.reduce((s, r) => s + r.share * r.accuracy, 0), 1e-12);
  });
  await t.step("the verifier agrees with the teacher's marks; strategies differ", () => {
    assert.equal(all.markDisagrees, 0);
    assert.ok(all.accuracy > 0 && all.accuracy < 1);
    const accuracies = strategies.map((r) => r.accuracy);
    assert.ok(Math.max(...accuracies) - Math.min(...accuracies) > 0.1);
  });
  await t.step("bad sizes are refused", () => {
    assert.throws(() => teacherStrategyStats([], { samplesPerProblem: 1, seed: 0 }), /no problems/);
    assert.throws(() => teacherStrategyStats(PROBLEMS, { samplesPerProblem: 0, seed: 0 }), /got 0/);
  });
});
