import assert from "node:assert/strict";
import { BOX_OPEN, solveCountdown } from "../../lib/tasks/countdown.ts";
import { countdownReward, gradeCountdown } from "../../lib/tasks/countdown_grade.ts";
import { formatWorking, treeSteps } from "../../lib/tasks/working.ts";

const problem = { digits: [3, 9, 2, 5], target: 42 };

Deno.test("gradeCountdown() grades through the verifier", async (t) => {
  await t.step("a right working with the boxed target is correct", () => {
    const grade = gradeCountdown(problem, "9*5=45,45-3=42\\boxed{42}");
    assert.equal(grade.correct, true);
    assert.equal(grade.verdict.reason, "equivalent");
    assert.equal(grade.expression, "9\\times 5-3");
  });
  await t.step("a fudged step that boxes the target is wrong-working", () => {
    const grade = gradeCountdown(problem, "9*5=45,45-2=42\\boxed{42}");
    assert.equal(grade.verdict.correct, true, "a box-only grader would accept it");
    assert.equal(grade.reason, "wrong-working");
  });
  await t.step("an honest near miss is not-equivalent", () => {
    assert.equal(gradeCountdown(problem, "9*5=45,45-2=43\\boxed{43}").reason, "not-equivalent");
  });
  await t.step("a bare boxed target or a broken working is invalid-working", () => {
    assert.equal(gradeCountdown(problem, "\\boxed{42}").reason, "invalid-working");
    assert.equal(gradeCountdown(problem, "42\\boxed{42}").reason, "invalid-working");
    assert.equal(gradeCountdown(problem, "7*6=42\\boxed{42}").reason, "invalid-working");
  });
  await t.step("garbage has no answer and never throws", () => {
    for (const junk of ["", "}}}{\\boxed{", "\\boxed{}", "9*5=45,45-3=42\\boxed{42"]) {
      assert.equal(gradeCountdown(problem, junk).correct, false, junk);
    }
  });
  await t.step("an equivalent boxed form of the target still counts (the verifier's job)", () => {
    assert.equal(countdownReward(problem, "9*5=45,45-3=42\\boxed{042}"), 1);
  });
});

Deno.test("countdownReward() is 1 on every solution written as steps, 0 with another target", () => {
  for (const p of [{ digits: [2, 5, 7, 9], target: 37 }, { digits: [1, 3, 6, 8], target: 50 }]) {
    for (const e of solveCountdown(p)) {
      const steps = treeSteps(e);
      const working = formatWorking(steps);
      assert.equal(countdownReward(p, `${working}${BOX_OPEN}${p.target}}`), 1, working);
      assert.equal(
        countdownReward({ ...p, target: p.target + 1 }, `${working}${BOX_OPEN}${p.target + 1}}`),
        0,
      );
    }
  }
});
