/**
 * Command-line changes to a config: `--set train.steps=10`-style overrides applied to the raw
 * config (before `parseExperimentConfig`, which then checks the result like any config file).
 *
 * @module
 */

/**
 * Applies `PATH=VALUE` overrides to raw config data, in order, and returns a new object (the
 * input is not modified). `PATH` is dotted (`rollout.temperature`); missing objects on the way
 * are created. `VALUE` is read as JSON when it is JSON (`10`, `1e-4`, `true`, `"text"`, `null`),
 * else as a plain string (`objective.kind=ppo`). Whether the field exists, and whether its value
 * is allowed, is for the parser to say.
 *
 * @param input The raw config (e.g. a parsed JSON file; `{}` when there is none).
 * @param overrides The overrides, e.g. `["train.steps=10", "objective.kind=nsr"]`.
 * @returns The changed copy.
 * @throws {TypeError} For an override without `=`, an empty path segment, an input that is not an
 *   object, or a path that goes through a value that is not an object.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const raw = applyConfigOverrides({ train: { steps: 50 } }, ["train.steps=10", "objective.kind=nsr"]);
 * assert.deepEqual(raw, { train: { steps: 10 }, objective: { kind: "nsr" } });
 * assert.throws(() => applyConfigOverrides({}, ["train.steps"]), /Cannot apply a config override: expected PATH=VALUE, got "train.steps"/);
 * ```
 */
export function applyConfigOverrides(
  input: unknown,
  overrides: readonly string[],
): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError(
      `Cannot apply a config override: the config must be a JSON object, got ${
        JSON.stringify(input)
      }`,
    );
  }
  const root = structuredClone(input) as Record<string, unknown>;
  for (const override of overrides) {
    const at = override.indexOf("=");
    if (at < 0) {
      throw new TypeError(
        `Cannot apply a config override: expected PATH=VALUE, got ${JSON.stringify(override)}`,
      );
    }
    const path = override.slice(0, at).trim().split(".");
    if (path.some((key) => key === "")) {
      throw new TypeError(
        `Cannot apply a config override: the path has an empty part, got ${
          JSON.stringify(override)
        }`,
      );
    }
    let node = root;
    for (const [depth, key] of path.slice(0, -1).entries()) {
      const next = node[key] ?? {};
      if (typeof next !== "object" || next === null || Array.isArray(next)) {
        throw new TypeError(
          `Cannot apply the config override ${JSON.stringify(override)}: ${
            path.slice(0, depth + 1).join(".")
          } is not an object, got ${JSON.stringify(next)}`,
        );
      }
      node = node[key] = next as Record<string, unknown>;
    }
    node[path.at(-1) as string] = parseValue(override.slice(at + 1).trim());
  }
  return root;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
