import assert from "node:assert/strict";
import { countdownRolloutReward, countdownTrainProblems } from "../../lib/tasks/countdown_rl.ts";
import { loadCountdownSplit } from "../../lib/tasks/splits.ts";
import { mathReward } from "../../lib/verifier/verify.ts";

Deno.test("countdownTrainProblems() adds prompts and no gold", async () => {
  const split = (await loadCountdownSplit("tierA")).slice(0, 5);
  const problems = countdownTrainProblems(split);
  problems.forEach((p, i) => {
    assert.equal(p.prompt, `${split[i].digits.join("")}>${split[i].target}:`);
    assert.equal(p.id, split[i].id);
    assert.equal("gold" in p, false);
  });
});

Deno.test("countdownRolloutReward() pays no fudged working that a box-only reward would pay", () => {
  const problem = { digits: [3, 9, 2, 5], target: 42 };
  const fudged = "9*5=45,45-2=42\\boxed{42}";
  assert.equal(mathReward(fudged, "42"), 1);
  assert.equal(countdownRolloutReward({ response: fudged, truncated: false }, problem), 0);
  assert.equal(
    countdownRolloutReward({ response: "9*5=45,45-3=42\\boxed{42}", truncated: false }, problem),
    1,
  );
});
