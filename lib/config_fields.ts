/**
 * The fields of an experiment config, listed for people: each field's path, type, default and one
 * line of meaning, read from the JSON Schema that `experimentConfigJsonSchema` generates from the
 * zod schemas, so `deno task train --help` can never drift from what the parser accepts.
 *
 * @module
 */
import { experimentConfigJsonSchema } from "./config.ts";

/** One field of an experiment config. */
export type ConfigField = {
  /** Dotted path, e.g. `train.steps` (what `--set` takes). */
  readonly path: string;
  /** Type and bounds, e.g. `integer > 0` or `"none" | "shared" | "separate"`. */
  readonly type: string;
  /** The default as JSON (`undefined` for a field without one, such as `objective.kind`). */
  readonly default?: string;
  /** What it means. */
  readonly description: string;
  /** The objective kinds that have this field, when not all of them do. */
  readonly kinds?: readonly string[];
};

/** The part of a JSON Schema node this file reads. */
type SchemaNode = {
  type?: string;
  const?: unknown;
  enum?: readonly unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, SchemaNode>;
  oneOf?: readonly SchemaNode[];
  anyOf?: readonly SchemaNode[];
};

// zod writes Number.MAX_SAFE_INTEGER as the bound of every integer: no bound a reader needs.
const IMPLICIT_MAXIMUM = Number.MAX_SAFE_INTEGER;

function typeOf(node: SchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  const bounds: string[] = [];
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) bounds.push(`>= ${node.minimum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  if (node.maximum !== undefined && node.maximum !== IMPLICIT_MAXIMUM) {
    bounds.push(`<= ${node.maximum}`);
  }
  const type = node.type ?? "any";
  return bounds.length === 0 ? type : `${type} ${bounds.join(", ")}`;
}

function leaf(path: string, node: SchemaNode): ConfigField {
  return {
    path,
    type: typeOf(node),
    ...(node.default === undefined ? {} : { default: JSON.stringify(node.default) }),
    description: node.description ?? "",
  };
}

function fieldsOf(path: string, node: SchemaNode): ConfigField[] {
  const variants = node.oneOf ?? node.anyOf;
  if (variants !== undefined) return unionFields(path, node, variants);
  if (node.properties === undefined) return [leaf(path, node)];
  return Object.entries(node.properties)
    .filter(([name]) => name !== "$schema")
    .flatMap(([name, child]) => fieldsOf(path === "" ? name : `${path}.${name}`, child));
}

// A discriminated union on `kind` (the objective): the kind first, with each kind's meaning, then
// every other field once, with the kinds that have it when not all do.
function unionFields(
  path: string,
  node: SchemaNode,
  variants: readonly SchemaNode[],
): ConfigField[] {
  const kindOf = (variant: SchemaNode): string => String(variant.properties?.kind?.const);
  const kinds = variants.map(kindOf);
  const defaultKind = (node.default as { kind?: unknown } | undefined)?.kind;
  const fields: ConfigField[] = [{
    path: `${path}.kind`,
    type: kinds.map((k) => JSON.stringify(k)).join(" | "),
    ...(defaultKind === undefined ? {} : { default: JSON.stringify(defaultKind) }),
    description: [
      node.description ?? "",
      ...variants.map((v) => `${kindOf(v)}: ${v.description ?? ""}`),
    ].join("\n"),
  }];
  const seen = new Map<string, { field: ConfigField; kinds: string[] }>();
  for (const variant of variants) {
    for (const field of fieldsOf(path, { ...variant, description: undefined })) {
      if (field.path === `${path}.kind`) continue;
      // Same path and same meaning: one field; the same name with another meaning (klCoef in
      // GRPO and PPO) is listed once per meaning.
      const id = `${field.path}\n${field.type}\n${field.default}\n${field.description}`;
      const entry = seen.get(id);
      if (entry === undefined) seen.set(id, { field, kinds: [kindOf(variant)] });
      else entry.kinds.push(kindOf(variant));
    }
  }
  for (const { field, kinds: having } of seen.values()) {
    fields.push(having.length === kinds.length ? field : { ...field, kinds: having });
  }
  return fields;
}

/**
 * Every field of an experiment config, in schema order, read from
 * `experimentConfigJsonSchema()`. The objective's fields come once each, marked with the kinds
 * that have them when not every kind does.
 *
 * @returns The fields.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const steps = experimentConfigFields().find((f) => f.path === "train.steps");
 * assert.deepEqual(steps, { path: "train.steps", type: "integer > 0", default: "200", description: "Number of rollout batches (RL steps)." });
 * ```
 */
export function experimentConfigFields(): ConfigField[] {
  return fieldsOf("", experimentConfigJsonSchema() as SchemaNode);
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line !== "" && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    if (line !== "") lines.push(indent + line);
  }
  return lines;
}

/**
 * Formats config fields for a command's `--help`: per field, a line with its path, type and
 * default, then its meaning, indented and wrapped.
 *
 * @param fields The fields (from {@link experimentConfigFields}).
 * @param options `width` of the text in columns (default 100).
 * @returns The text, one field after another, ending with a newline.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = formatConfigFields([{ path: "seed", type: "integer >= 0", default: "0", description: "Root seed." }]);
 * assert.equal(text, "  seed: integer >= 0 (default 0)\n      Root seed.\n");
 * ```
 */
export function formatConfigFields(
  fields: readonly ConfigField[],
  options: { width?: number } = {},
): string {
  const { width = 100 } = options;
  return fields.map((field) => {
    const only = field.kinds === undefined ? "" : ` [${field.kinds.join(", ")} only]`;
    const fallback = field.default === undefined ? "" : ` (default ${field.default})`;
    const head = `  ${field.path}: ${field.type}${fallback}${only}`;
    return [head, ...wrap(field.description, width, "      ")].join("\n") + "\n";
  }).join("");
}
