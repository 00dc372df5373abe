import assert from "node:assert/strict";
import { solveCountdown } from "../../lib/tasks/countdown.ts";
import { exprKey, exprValue } from "../../lib/tasks/expression.ts";
import { formatWorking, parseWorking, treeSteps } from "../../lib/tasks/working.ts";

Deno.test("parseWorking() enforces the task's rules", async (t) => {
  const digits = [3, 9, 2, 5];
  await t.step("a valid working derives its tree", () => {
    const parsed = parseWorking("9*5=45,45-3=42", digits);
    assert.ok(parsed.ok);
    assert.equal(exprKey(parsed.expr), "((5*9)-3)");
  });
  await t.step("a digit used twice, or not given, is rejected", () => {
    assert.equal(parseWorking("9*9=81", digits).ok, false);
    assert.equal(parseWorking("9*7=63", digits).ok, false);
  });
  await t.step("an intermediate result never used is rejected", () => {
    assert.equal(parseWorking("9*5=45,3+2=5", digits).ok, false);
  });
  await t.step("malformed steps and leading zeros are rejected", () => {
    for (const bad of ["", "9*5", "9*5=45,", "9**5=45", "09*5=45", "9*5=-45", "9*5=45;45-3=42"]) {
      assert.equal(parseWorking(bad, digits).ok, false, bad);
    }
  });
  await t.step(
    "claims are carried, not checked: a wrong claim still derives the written tree",
    () => {
      const parsed = parseWorking("9*5=44,44-3=41", digits);
      assert.ok(parsed.ok);
      assert.equal(exprValue(parsed.expr), 42);
    },
  );
  await t.step("an operand equal to an earlier result prefers the result", () => {
    const parsed = parseWorking("9-5=4,4*3=12", [9, 5, 4, 3]);
    assert.ok(parsed.ok);
    assert.equal(exprKey(parsed.expr), "((9-5)*3)");
  });
});

Deno.test("treeSteps() round-trips through formatWorking() and parseWorking()", () => {
  for (
    const problem of [{ digits: [2, 5, 7, 9], target: 37 }, { digits: [1, 3, 6, 8], target: 50 }]
  ) {
    const solutions = solveCountdown(problem);
    assert.ok(solutions.length > 0);
    for (const e of solutions) {
      const steps = treeSteps(e);
      const parsed = parseWorking(formatWorking(steps), problem.digits);
      assert.ok(parsed.ok);
      assert.equal(exprKey(parsed.expr), exprKey(e));
      assert.equal(steps[steps.length - 1].claim, problem.target);
    }
  }
});
