import assert from "node:assert/strict";
import { explainCountdownResponse } from "../../lib/tasks/countdown_explain.ts";
import { gradeCountdown } from "../../lib/tasks/countdown_grade.ts";

const PROBLEM = { digits: [3, 9, 2, 5], target: 42 };

Deno.test("explainCountdownResponse() says why each kind of response is graded so", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["9*5=45,45-3=42\\boxed{42}", "correct", /computes 9\*5-3 = 42 and boxes it/],
    [
      "9*5=45,45-2=43\\boxed{43}",
      "not-equivalent",
      /^boxed 43, not 42 \(the working computes 9\*5-2 = 43\)$/,
    ],
    ["9*5=45,45-2=42\\boxed{42}", "wrong-working", /claims 42 but computes 9\*5-2 = 43/],
    ["9*5=45,45-9=36,36+6=42\\boxed{42}", "invalid-working", /breaks the rules/],
    ["9*5=45,45-", "no-answer", /no boxed answer/],
  ];
  for (const [response, reason, why] of cases) {
    await t.step(reason, () => {
      const e = explainCountdownResponse(PROBLEM, response);
      assert.equal(e.reason, reason);
      assert.equal(e.correct, gradeCountdown(PROBLEM, response).correct);
      assert.match(e.why, why);
    });
  }
  await t.step("derived value and boxed answer", () => {
    const e = explainCountdownResponse(PROBLEM, "9*5=45,45-2=43\\boxed{43}");
    assert.equal(e.boxed, "43");
    assert.equal(e.derived, "9*5-2");
    assert.equal(e.derivedValue, 43);
    assert.equal(explainCountdownResponse(PROBLEM, "garbage").derived, null);
  });
});
