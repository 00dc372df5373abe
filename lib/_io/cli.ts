/**
 * One command-line flag parser for every script: each flag is declared once, with its type,
 * default and help text, and the same rules hold everywhere: `--help` prints the usage, an
 * unknown flag (`--chekpoint`), a stray argument or a bad value is a usage error that names the
 * flag and the value, and a usage error exits with status 2.
 *
 * Flags are `--name value`, `--name=value`, or `--name` alone for a boolean. A list flag takes
 * comma-separated values and may repeat (`--ks 1,2 --ks 4`).
 *
 * @module
 */

import { parseArgs } from "node:util";

/** What every flag declares. */
type FlagBase = {
  /** One line for the usage text. */
  readonly help: string;
  /** Name of the value in the usage text, e.g. `DIR`. Default: the type in capitals. */
  readonly placeholder?: string;
};

/** A text flag. */
export type StringFlag = FlagBase & {
  readonly type: "string";
  readonly default?: string;
  /** The flag must be given (it then needs no default). */
  readonly required?: boolean;
};

/** A whole-number flag, checked against `min` and `max`. */
export type IntegerFlag = FlagBase & {
  readonly type: "integer";
  readonly default?: number;
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
};

/** A finite-number flag (`2e-3` is fine), checked against `min` and `max`. */
export type NumberFlag = FlagBase & {
  readonly type: "number";
  readonly default?: number;
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
};

/** An on/off flag: false unless given; it takes no value. */
export type BooleanFlag = FlagBase & { readonly type: "boolean" };

/** A flag whose value is one of `values`. */
export type EnumFlag = FlagBase & {
  readonly type: "enum";
  readonly values: readonly string[];
  readonly default?: string;
  readonly required?: boolean;
};

/** A comma-separated list of strings or of integers (checked against `min`). */
export type ListFlag = FlagBase & {
  readonly type: "list";
  /** What each item is. Default `"string"`. */
  readonly of?: "string" | "integer";
  readonly default?: readonly string[] | readonly number[];
  readonly required?: boolean;
  /** Smallest integer item. */
  readonly min?: number;
};

/** One flag's declaration. */
export type FlagSpec = StringFlag | IntegerFlag | NumberFlag | BooleanFlag | EnumFlag | ListFlag;

/** The flags of a command, by name without the leading `--`. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed type of one flag. */
export type FlagValue<F extends FlagSpec> = F extends BooleanFlag ? boolean
  : F extends IntegerFlag | NumberFlag ? number
  : F extends { readonly type: "enum"; readonly values: readonly (infer V)[] } ? V
  : F extends { readonly type: "list"; readonly of: "integer" } ? number[]
  : F extends ListFlag ? string[]
  : string;

/** Parsed flags: a flag without a default that is not required may be `undefined`. */
export type Flags<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends BooleanFlag ? boolean
    : S[K] extends { readonly default: unknown } | { readonly required: true } ? FlagValue<S[K]>
    : FlagValue<S[K]> | undefined;
};

/** Options of {@link parseFlags} and {@link parseCommandLine}. */
export type ParseFlagsOptions = {
  /** The synopsis after `Usage: `, e.g. `deno task serve [--checkpoint DIR] [--port 8000]`. */
  readonly usage: string;
  /** Paragraphs printed after the synopsis in `--help`. */
  readonly description?: string;
  /**
   * The positional arguments, e.g. `{ name: "name-filter...", help: "Filters." }`: the command
   * then accepts any number of them. Default: none accepted.
   */
  readonly positionals?: { readonly name: string; readonly help: string };
  /** Text printed after the flags in `--help` (e.g. the fields of a config file). */
  readonly epilog?: string;
};

/** The result of {@link parseFlags}: the usage text on `--help`, else the values. */
export type ParsedCommandLine<S extends FlagSpecs> =
  | { readonly help: true; readonly usage: string }
  | { readonly help: false; readonly values: Flags<S>; readonly positionals: string[] };

/**
 * A mistake in the command line. Scripts catch it to print the message and the usage and exit
 * with {@link USAGE_EXIT_CODE}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const error = new UsageError("unknown flag --x", "Usage: deno task demo");
 * assert.equal(error.message, "Cannot parse the command line: unknown flag --x");
 * ```
 */
export class UsageError extends Error {
  /** The full usage text of the command. */
  readonly usage: string;

  /**
   * Creates the error.
   *
   * @param detail What is wrong, naming the flag and the value.
   * @param usage The command's usage text.
   */
  constructor(detail: string, usage: string) {
    super(`Cannot parse the command line: ${detail}`);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** Exit status of a command-line usage error (as in BSD `sysexits` and most shells' builtins). */
export const USAGE_EXIT_CODE = 2;

/**
 * The usage text of a command: the synopsis, the description, then one line per flag with its
 * help text, its choices and its default, then the epilog.
 *
 * @param specs The flags.
 * @param options The synopsis, description and positionals.
 * @returns The text, ending with a newline.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = formatUsage({ port: { type: "integer", default: 8000, help: "Port." } }, { usage: "deno task serve" });
 * assert.match(text, /^Usage: deno task serve\n/);
 * assert.match(text, /--port INTEGER +Port\. \(default 8000\)/);
 * ```
 */
export function formatUsage(specs: FlagSpecs, options: ParseFlagsOptions): string {
  const { usage, description, positionals, epilog } = options;
  const rows: [string, string][] = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === "boolean" ? "" : ` ${spec.placeholder ?? placeholderOf(spec)}`;
    return [`--${name}${value}`, `${spec.help}${describeDefault(spec)}`];
  });
  rows.push(["--help", "Print this text and exit."]);
  if (positionals !== undefined) rows.unshift([positionals.name, positionals.help]);
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = [`Usage: ${usage}`];
  if (description !== undefined) lines.push("", description);
  lines.push("", "Flags:", ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`));
  if (epilog !== undefined) lines.push("", epilog.replace(/\n$/, ""));
  return lines.join("\n") + "\n";
}

/**
 * Parses a command line against its flag declarations (Node's `parseArgs`, then every check of
 * its strict mode with messages that name the flag and the value). Pure: it prints nothing and
 * never exits; {@link parseCommandLine} does both for a script.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @param specs The flags.
 * @param options The synopsis, description and whether positionals are accepted.
 * @returns `{ help: true, usage }` when `--help` or `-h` is given, else the values (defaults
 *   filled in) and the positionals.
 * @throws {UsageError} For an unknown flag, a missing or malformed value, a value out of range or
 *   not among the choices, a missing required flag, or an unexpected positional argument.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const specs = { port: { type: "integer", default: 8000, min: 0, help: "Port." } } as const;
 * const parsed = parseFlags(["--port", "9"], specs, { usage: "demo" });
 * assert.ok(!parsed.help && parsed.values.port === 9);
 * assert.throws(() => parseFlags(["--prot", "9"], specs, { usage: "demo" }), /unknown flag --prot \(did you mean --port\?\)/);
 * assert.throws(() => parseFlags(["--port", "x"], specs, { usage: "demo" }), /--port must be an integer >= 0, got "x"/);
 * ```
 */
export function parseFlags<const S extends FlagSpecs>(
  args: readonly string[],
  specs: S,
  options: ParseFlagsOptions,
): ParsedCommandLine<S> {
  const usage = formatUsage(specs, options);
  const fail = (detail: string): never => {
    throw new UsageError(detail, usage);
  };
  const parserOptions = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      { type: spec.type === "boolean" ? "boolean" : "string", multiple: spec.type === "list" },
    ]),
  ) as Record<string, { type: "string" | "boolean"; multiple: boolean }>;
  // Not strict: the checks strict mode makes are made below, with messages that name the value.
  const { tokens } = parseArgs({
    args: [...args],
    options: { ...parserOptions, help: { type: "boolean", short: "h" } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const raw = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === "option-terminator") continue;
    const { name, rawName, value } = token;
    if (name === "help") {
      help = true;
      continue;
    }
    const spec = specs[name];
    if (spec === undefined || !Object.hasOwn(specs, name) || !rawName.startsWith("--")) {
      fail(`unknown flag ${rawName}${suggestion(name, Object.keys(specs))}`);
    }
    if (spec.type === "boolean") {
      if (value !== undefined) fail(`--${name} takes no value, got ${JSON.stringify(value)}`);
      raw.set(name, ["true"]);
      continue;
    }
    if (value === undefined || (!token.inlineValue && value.startsWith("--"))) {
      fail(`--${name} needs a value${value === undefined ? "" : `, got ${value}`}`);
    }
    if (spec.type !== "list" && raw.has(name)) {
      fail(
        `--${name} is given twice, got ${JSON.stringify(raw.get(name)![0])} and ${
          JSON.stringify(value)
        }`,
      );
    }
    raw.set(name, [...(raw.get(name) ?? []), value!]);
  }
  if (help) return { help: true, usage };
  if (positionals.length > 0 && options.positionals === undefined) {
    fail(`unexpected argument ${JSON.stringify(positionals[0])} (flags are --name value)`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = raw.get(name);
    if (spec.type === "boolean") {
      values[name] = given !== undefined;
    } else if (given !== undefined) {
      values[name] = parseValue(name, spec, given, fail);
    } else if (spec.required) {
      fail(`--${name} is required`);
    } else {
      values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
  }
  return { help: false, values: values as Flags<S>, positionals };
}

/**
 * {@link parseFlags} for a script's top level: on `--help` it prints the usage to stdout and exits
 * with status 0; on a usage error it prints the message and the usage to stderr and exits with
 * status 2. Otherwise it returns the values and the positionals.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @param specs The flags.
 * @param options The synopsis, description and whether positionals are accepted.
 * @returns The values (defaults filled in) and the positionals.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const specs = { out: { type: "string", default: "out", help: "Output folder." } } as const;
 * const { values } = parseCommandLine(["--out", "x"], specs, { usage: "demo [--out DIR]" });
 * assert.equal(values.out, "x");
 * ```
 */
export function parseCommandLine<const S extends FlagSpecs>(
  args: readonly string[],
  specs: S,
  options: ParseFlagsOptions,
): { values: Flags<S>; positionals: string[] } {
  let parsed: ParsedCommandLine<S>;
  try {
    parsed = parseFlags(args, specs, options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    writeText(Deno.stderr, `${error.message}\n${error.usage}`);
    Deno.exit(USAGE_EXIT_CODE);
  }
  if (parsed.help) {
    writeText(Deno.stdout, parsed.usage);
    Deno.exit(0);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function writeText(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let written = 0; written < bytes.length;) {
    written += stream.writeSync(bytes.subarray(written));
  }
}

function parseValue(
  name: string,
  spec: Exclude<FlagSpec, BooleanFlag>,
  given: readonly string[],
  fail: (detail: string) => never,
): unknown {
  const text = given[0];
  switch (spec.type) {
    case "string":
      return text;
    case "integer":
    case "number":
      return parseNumber(name, spec, text, fail);
    case "enum":
      if (!spec.values.includes(text)) {
        fail(`--${name} must be one of ${spec.values.join(", ")}, got ${JSON.stringify(text)}`);
      }
      return text;
    case "list": {
      const items = given.flatMap((part) => part.split(",")).map((item) => item.trim());
      if (items.some((item) => item === "")) {
        fail(
          `--${name} must be a comma-separated list without empty items, got ${
            JSON.stringify(given.join(","))
          }`,
        );
      }
      if (spec.of !== "integer") return items;
      const min = spec.min ?? -Infinity;
      const bad = items.find((item) => !isInteger(item) || Number(item) < min);
      if (bad !== undefined) {
        fail(
          `--${name} must be a list of integers${
            Number.isFinite(min) ? ` >= ${min}` : ""
          } like 1,2,4, got ${JSON.stringify(bad)} in ${JSON.stringify(given.join(","))}`,
        );
      }
      return items.map(Number);
    }
    default: {
      const unknown: never = spec;
      throw new TypeError(`Cannot parse a flag: unknown flag type, got ${JSON.stringify(unknown)}`);
    }
  }
}

function parseNumber(
  name: string,
  spec: IntegerFlag | NumberFlag,
  text: string,
  fail: (detail: string) => never,
): number {
  const { min, max } = spec;
  const kind = spec.type === "integer" ? "an integer" : "a number";
  const bounds = [min === undefined ? "" : `>= ${min}`, max === undefined ? "" : `<= ${max}`]
    .filter((b) => b !== "").join(" and ");
  const wanted = `--${name} must be ${kind}${bounds === "" ? "" : ` ${bounds}`}`;
  const ok = spec.type === "integer" ? isInteger(text) : isFiniteNumber(text);
  const value = Number(text);
  if (!ok || (min !== undefined && value < min) || (max !== undefined && value > max)) {
    fail(`${wanted}, got ${JSON.stringify(text)}`);
  }
  return value;
}

// Number("") is 0 and Number("0x10") is 16: accept only plain decimal notation.
function isInteger(text: string): boolean {
  return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text));
}

function isFiniteNumber(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) && Number.isFinite(Number(text));
}

function placeholderOf(spec: Exclude<FlagSpec, BooleanFlag>): string {
  switch (spec.type) {
    case "enum":
      return spec.values.join("|");
    case "list":
      return spec.of === "integer" ? "N,N,..." : "A,B,...";
    default:
      return spec.type.toUpperCase();
  }
}

function describeDefault(spec: FlagSpec): string {
  if (spec.type === "boolean") return "";
  if ("required" in spec && spec.required) return " (required)";
  if (spec.default === undefined) return "";
  const text = Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default);
  return ` (default ${text === "" ? '""' : text})`;
}

/** ` (did you mean --x?)` for the declared name closest to a mistyped one, within 2 edits. */
function suggestion(name: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? "" : ` (did you mean --${best}?)`;
}

/** Levenshtein distance (insertions, deletions, substitutions), one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length];
}
