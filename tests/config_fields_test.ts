import assert from "node:assert/strict";
import { OBJECTIVE_KINDS, parseExperimentConfig } from "../lib/config.ts";
import { experimentConfigFields, formatConfigFields } from "../lib/config_fields.ts";

Deno.test("experimentConfigFields() lists every field the parser fills in, with its default", () => {
  const fields = experimentConfigFields();
  const listed = (path: string, kind?: string) =>
    fields.filter((f) =>
      f.path === path && (kind === undefined || f.kinds === undefined || f.kinds.includes(kind))
    );
  const config = parseExperimentConfig({});
  for (const section of ["model", "rollout", "train"] as const) {
    for (const [name, value] of Object.entries(config[section])) {
      const [field] = listed(`${section}.${name}`);
      assert.ok(field !== undefined, `${section}.${name} is listed`);
      assert.equal(field.default, JSON.stringify(value), `${section}.${name}'s default`);
      assert.ok(field.description.length > 0, `${section}.${name} has a meaning`);
    }
  }
  assert.equal(listed("seed")[0].default, "0");
  for (const kind of OBJECTIVE_KINDS) {
    const objective = parseExperimentConfig({ objective: { kind } }).objective;
    for (const [name, value] of Object.entries(objective)) {
      if (name === "kind") continue;
      const found = listed(`objective.${name}`, kind);
      assert.equal(found.length, 1, `objective.${name} is listed once for ${kind}`);
      assert.equal(found[0].default, JSON.stringify(value), `objective.${name} of ${kind}`);
    }
  }
  const kind = listed("objective.kind")[0];
  assert.equal(kind.default, '"w-reinforce"');
  for (const name of OBJECTIVE_KINDS) assert.match(kind.description, new RegExp(`^${name}: `, "m"));
});

Deno.test("experimentConfigFields() marks fields only some objectives have", () => {
  const fields = experimentConfigFields();
  assert.deepEqual(fields.find((f) => f.path === "objective.lambda")?.kinds, ["w-reinforce"]);
  assert.equal(fields.find((f) => f.path === "objective.clipRatio")?.kinds, undefined);
  assert.deepEqual(
    fields.filter((f) => f.path === "objective.klCoef").map((f) => f.kinds),
    [["grpo"], ["ppo"]],
  );
});

Deno.test("formatConfigFields() wraps meanings under their field, within the width", () => {
  const text = formatConfigFields(experimentConfigFields(), { width: 80 });
  assert.match(
    text,
    /^ {2}train\.steps: integer > 0 \(default 200\)\n {6}Number of rollout batches/m,
  );
  assert.match(text, /^ {2}objective\.lambda: number >= 0 \(default 0\.1\) \[w-reinforce only\]$/m);
  for (const line of text.split("\n")) {
    if (line.startsWith("      ")) assert.ok(line.length <= 80, line);
  }
});
