import assert from "node:assert/strict";
import {
  EXPERIMENT_CONFIG_SCHEMA_PATH,
  experimentConfigJsonSchema,
  OBJECTIVE_KINDS,
  parseExperimentConfig,
} from "../lib/config.ts";
import { experimentConfigSchemaText } from "../scripts/build_schema.ts";

Deno.test("parseExperimentConfig() applies defaults to an empty input", () => {
  const config = parseExperimentConfig({});
  assert.equal(config.seed, 0);
  assert.equal(config.rollout.temperature, 1);
  assert.equal(config.rollout.samplesPerPrompt, 8);
  assert.equal(config.objective.kind, "w-reinforce");
  assert.equal(config.objective.clipRatio, 0.2);
  assert.equal(config.objective.entropyCoef, 1e-3);
  assert.equal(config.objective.aggregation, "token-mean");
  assert.equal(config.train.miniBatches, 4);
  assert.deepEqual(JSON.parse(JSON.stringify(config)), config, "configs are JSON-serializable");
});

Deno.test("parseExperimentConfig() keeps per-kind fields of the objective", async (t) => {
  await t.step("w-reinforce defaults lambda to 0.1", () => {
    const { objective } = parseExperimentConfig({ objective: { kind: "w-reinforce" } });
    assert.equal(objective.kind === "w-reinforce" && objective.lambda, 0.1);
  });
  await t.step("grpo carries klCoef", () => {
    const { objective } = parseExperimentConfig({ objective: { kind: "grpo" } });
    assert.equal(objective.kind === "grpo" && objective.klCoef, 1e-3);
  });
  await t.step("ppo carries its critic settings", () => {
    const { objective } = parseExperimentConfig({ objective: { kind: "ppo" } });
    assert.ok(objective.kind === "ppo");
    assert.equal(objective.valueClip, 0.5);
    assert.equal(objective.criticLearningRateScale, 10);
  });
  await t.step("every kind parses", () => {
    assert.deepEqual(OBJECTIVE_KINDS, ["psr", "nsr", "w-reinforce", "reinforce", "grpo", "ppo"]);
    for (const kind of OBJECTIVE_KINDS) {
      assert.equal(parseExperimentConfig({ objective: { kind } }).objective.kind, kind);
    }
  });
});

Deno.test("parseExperimentConfig() shows NaN and infinities as such, not as null", async (t) => {
  const cases: [number, RegExp][] = [
    [NaN, /train\.learningRate must be a number, got NaN$/],
    [Infinity, /train\.learningRate must be a number, got Infinity$/],
    [-Infinity, /train\.learningRate must be a number, got -Infinity$/],
  ];
  for (const [value, pattern] of cases) {
    await t.step(String(value), () => {
      assert.throws(() => parseExperimentConfig({ train: { learningRate: value } }), (error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }
});

Deno.test("parseExperimentConfig() names the field and the value it rejects", async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ rollout: { temperature: -1 } }, /rollout\.temperature must be > 0, got -1/],
    [{ rollout: { topP: 1.5 } }, /rollout\.topP must be <= 1, got 1\.5/],
    [{ train: { steps: 1.5 } }, /train\.steps must be an integer, got 1\.5/],
    [{ seed: "a" }, /seed must be a number, got "a"/],
    [{ objective: { kind: "dpo" } }, /objective\.kind must be one of psr, .*, got "dpo"/],
    [{ objective: { kind: "nsr", lambda: 0.1 } }, /objective has unknown key\(s\) lambda/],
    [{ model: { width: 10, heads: 3 } }, /model\.heads must divide model\.width/],
    [{ typo: 1 }, /config has unknown key\(s\) typo/],
  ];
  for (const [input, pattern] of cases) {
    await t.step(JSON.stringify(input), () => {
      assert.throws(() => parseExperimentConfig(input), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }
});

Deno.test("experimentConfigJsonSchema() equals the committed schema file", async () => {
  const committed = await Deno.readTextFile(
    new URL(`../${EXPERIMENT_CONFIG_SCHEMA_PATH}`, import.meta.url),
  );
  assert.equal(
    committed,
    experimentConfigSchemaText(),
    `${EXPERIMENT_CONFIG_SCHEMA_PATH} is stale: run deno task build:schema`,
  );
});

Deno.test("experimentConfigJsonSchema() states the parser's defaults and descriptions", () => {
  type Node = { default?: unknown; description?: string; properties?: Record<string, Node> };
  const schema = experimentConfigJsonSchema() as Node;
  const defaults = parseExperimentConfig({});
  for (const section of ["model", "rollout", "train"] as const) {
    const properties = schema.properties?.[section].properties ?? {};
    assert.deepEqual(Object.keys(properties), Object.keys(defaults[section]), section);
    for (const [name, node] of Object.entries(properties)) {
      assert.deepEqual(node.default, (defaults[section] as Record<string, unknown>)[name], name);
      assert.ok((node.description ?? "").length > 0, `${section}.${name} has a description`);
    }
  }
  assert.deepEqual(schema.properties?.objective.default, defaults.objective);
});

Deno.test("parseExperimentConfig() ignores a top-level $schema link", () => {
  const linked = parseExperimentConfig({ $schema: "../schema/x.json", seed: 4 });
  assert.deepEqual(linked, parseExperimentConfig({ seed: 4 }));
  assert.throws(
    () => parseExperimentConfig({ train: { $schema: "x" } }),
    /train has unknown key\(s\) \$schema/,
  );
});
