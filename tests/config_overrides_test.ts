import assert from "node:assert/strict";
import { parseExperimentConfig } from "../lib/config.ts";
import { applyConfigOverrides } from "../lib/config_overrides.ts";

Deno.test("applyConfigOverrides() sets dotted paths, reading values as JSON when they are", async (t) => {
  await t.step("numbers, booleans, strings and nested objects", () => {
    const file = { objective: { kind: "nsr" }, train: { steps: 50 } };
    const raw = applyConfigOverrides(file, [
      "train.steps=10",
      "train.learningRate=3e-5",
      "rollout.greedy=true",
      "objective.kind=ppo",
      "model.valueHead=separate",
      'seed="7"',
    ]);
    assert.deepEqual(raw, {
      objective: { kind: "ppo" },
      train: { steps: 10, learningRate: 3e-5 },
      rollout: { greedy: true },
      model: { valueHead: "separate" },
      seed: "7",
    });
    assert.deepEqual(file, { objective: { kind: "nsr" }, train: { steps: 50 } }, "input unchanged");
  });
  await t.step("later overrides win", () => {
    assert.deepEqual(applyConfigOverrides({}, ["seed=1", "seed=2"]), { seed: 2 });
  });
  await t.step("the parser then checks the result as it checks a file", () => {
    const parse = (o: string) => parseExperimentConfig(applyConfigOverrides({}, [o]));
    assert.equal(parse("train.steps=10").train.steps, 10);
    assert.throws(() => parse("train.stpes=10"), /train has unknown key\(s\) stpes/);
    assert.throws(() => parse("train.steps=0"), /train\.steps must be > 0, got 0/);
    assert.throws(() => parse('seed="7"'), /seed must be a number, got "7"/);
  });
});

Deno.test("applyConfigOverrides() refuses malformed overrides, naming them", () => {
  assert.throws(
    () => applyConfigOverrides({}, ["train.steps"]),
    /expected PATH=VALUE, got "train\.steps"/,
  );
  assert.throws(
    () => applyConfigOverrides({}, ["train..steps=1"]),
    /empty part, got "train\.\.steps=1"/,
  );
  assert.throws(
    () => applyConfigOverrides({ train: 3 }, ["train.steps=1"]),
    /override "train\.steps=1": train is not an object, got 3/,
  );
  assert.throws(() => applyConfigOverrides([], ["seed=1"]), /must be a JSON object, got \[\]/);
});
