import assert from "node:assert/strict";
import { computeAdvantages } from "../../lib/objective/advantage.ts";
import { objectiveNeeds } from "../../lib/objective/objective_needs.ts";
import { OBJECTIVE_KINDS, ObjectiveConfigSchema } from "../../lib/config.ts";

Deno.test("objectiveNeeds() describes every objective kind", () => {
  const needs = Object.fromEntries(
    OBJECTIVE_KINDS.map((kind) => [kind, objectiveNeeds(ObjectiveConfigSchema.parse({ kind }))]),
  );
  assert.deepEqual(
    Object.fromEntries(Object.entries(needs).map(([kind, n]) => [kind, n.samples])),
    {
      psr: "correct",
      nsr: "incorrect",
      "w-reinforce": "all",
      reinforce: "all",
      grpo: "all",
      ppo: "all",
    },
  );
  const withReference = OBJECTIVE_KINDS.filter((kind) => needs[kind].reference);
  assert.deepEqual(withReference, ["grpo", "ppo"]);
  const withKlLoss = OBJECTIVE_KINDS.filter((kind) => needs[kind].klLossCoef !== null);
  assert.deepEqual(withKlLoss, ["grpo"]);
  assert.deepEqual(OBJECTIVE_KINDS.filter((kind) => needs[kind].critic !== null), ["ppo"]);
});

Deno.test("objectiveNeeds() carries the objective's own coefficients", () => {
  const grpo = ObjectiveConfigSchema.parse({ kind: "grpo", klCoef: 0.25 });
  assert.equal(objectiveNeeds(grpo).klLossCoef, 0.25);
  const ppo = ObjectiveConfigSchema.parse({
    kind: "ppo",
    valueClip: 0.3,
    criticLearningRateScale: 4,
  });
  assert.deepEqual(objectiveNeeds(ppo).critic, { valueClip: 0.3, learningRateScale: 4 });
});

Deno.test("objectiveNeeds() samples agree with the samples computeAdvantages() keeps", () => {
  const rewards = [1, 0, 0, 1];
  const responseLengths = [2, 1, 3, 1];
  const expected = { correct: [true, false, false, true], incorrect: [false, true, true, false] };
  for (const kind of OBJECTIVE_KINDS.filter((k) => k !== "ppo")) {
    const objective = ObjectiveConfigSchema.parse({ kind });
    const { keep } = computeAdvantages({ rewards, responseLengths }, objective, { groupSize: 2 });
    const samples = objectiveNeeds(objective).samples;
    assert.deepEqual(keep, samples === "all" ? rewards.map(() => true) : expected[samples], kind);
  }
});
