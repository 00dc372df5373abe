/**
 * Evaluation datasets: problems with gold answers, from the paper's parquet files (HF/verl schema)
 * or from plain JSONL.
 *
 * verl schema (one row per problem): `prompt` = [{ role, content }], `reward_model.ground_truth` =
 * { question, target[, solution] }, `extra_info.index`, `data_source`, and for MATH `level`, `type`.
 * Plain schema (one JSON object per line): `{ question, gold[, problemId] }`. A JSONL line may also
 * use the verl schema. Without an explicit identifier, a problem's id is its 0-based row number.
 *
 * @module
 */

import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { parseJsonl } from "../_io/jsonl.ts";

/** One evaluation problem. */
export type Problem = {
  /** Identifier that sample records refer to (verl: `extra_info.index` as a decimal string). */
  readonly problemId: string;
  /** The problem statement. */
  readonly question: string;
  /** The gold final answer (verl: `reward_model.ground_truth.target`). */
  readonly gold: string;
  /** Where the problem comes from (verl: `data_source`), when known. */
  readonly dataSource?: string;
  /** Difficulty level (MATH: "Level 1" … "Level 5"), when known. */
  readonly level?: string;
  /** Subject (MATH: `type`, e.g. "Algebra"), when known. */
  readonly subject?: string;
};

/** How many bad rows a dataset error message spells out before summarising the rest. */
const MAX_ROWS_IN_MESSAGE = 10;

/**
 * Loads a dataset, choosing the reader by extension: `.parquet` or `.jsonl`.
 *
 * @param path The dataset file, e.g. `data/datasets/sample/math/test.parquet` (the committed
 *   sample) or a full copy of the paper's files.
 * @returns The problems, in file order.
 * @throws {TypeError} If the extension is unknown, a parquet row lacks a field, or ids repeat.
 * @throws {JsonlError} If a JSONL line is malformed (every such line is listed).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"question": "1+1?", "gold": "2"}\n');
 * assert.deepEqual(await loadDataset(path), [{ problemId: "0", question: "1+1?", gold: "2" }]);
 * await Deno.remove(path);
 * ```
 */
export async function loadDataset(path: string): Promise<Problem[]> {
  if (path.endsWith(".parquet")) {
    return parseParquetDataset(await Deno.readFile(path), { source: path });
  }
  if (path.endsWith(".jsonl")) {
    return parseJsonlDataset(await Deno.readTextFile(path), { source: path });
  }
  throw new TypeError(`Cannot load dataset: expected a .parquet or .jsonl file, got ${path}`);
}

/**
 * Parses a parquet dataset in the HF/verl schema (snappy, gzip, zstd, brotli, lz4 all work).
 *
 * @param bytes The parquet file's bytes.
 * @param options `source` names the input in error messages (default `"parquet dataset"`).
 * @returns The problems, in row order.
 * @throws {TypeError} Listing every row that lacks a field, or if problem ids repeat.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = new URL("../../data/datasets/sample/aime2025/test.parquet", import.meta.url);
 * const problems = await parseParquetDataset(await Deno.readFile(path));
 * assert.equal(problems.length, 11); // the committed sample of the 30
 * assert.equal(problems[0].gold, "70");
 * ```
 */
export async function parseParquetDataset(
  bytes: Uint8Array,
  options: { readonly source?: string } = {},
): Promise<Problem[]> {
  const { source = "parquet dataset" } = options;
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let rows: unknown[];
  try {
    rows = await parquetReadObjects({ file: file as ArrayBuffer, compressors });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Cannot load ${source}: not a readable parquet file (${reason})`);
  }
  const problems: Problem[] = [];
  const issues: string[] = [];
  rows.forEach((row, index) => {
    try {
      problems.push(toProblem(row, index));
    } catch (error) {
      issues.push(`row ${index}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  if (issues.length > 0) {
    const more = issues.length > MAX_ROWS_IN_MESSAGE
      ? `; and ${issues.length - MAX_ROWS_IN_MESSAGE} more`
      : "";
    throw new TypeError(
      `Cannot load ${source}: ${issues.length} malformed row(s): ${
        issues.slice(0, MAX_ROWS_IN_MESSAGE).join("; ")
      }${more}`,
    );
  }
  return checkUniqueIds(problems, source);
}

/**
 * Parses a JSONL dataset: each line `{ question, gold[, problemId] }` or a verl-schema row.
 *
 * @param text The file contents.
 * @param options `source` names the input in error messages (default `"JSONL dataset"`).
 * @returns The problems, in file order; without `problemId`, a problem's id is its record index.
 * @throws {JsonlError} Listing every malformed line with its line number.
 * @throws {TypeError} If problem ids repeat.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problems = parseJsonlDataset('{"problemId": "a", "question": "2+2?", "gold": "4"}\n');
 * assert.deepEqual(problems, [{ problemId: "a", question: "2+2?", gold: "4" }]);
 * assert.throws(() => parseJsonlDataset('{"question": "2+2?"}\n'), /line 1: .*gold/);
 * ```
 */
export function parseJsonlDataset(
  text: string,
  options: { readonly source?: string } = {},
): Problem[] {
  const { source = "JSONL dataset" } = options;
  let index = 0;
  const problems = parseJsonl(text, (value) => toProblem(value, index++), { source });
  return checkUniqueIds(problems, source);
}

// One record, either schema, to a Problem. `index` is the record's 0-based position.
function toProblem(value: unknown, index: number): Problem {
  const record = asObject(value, "a record");
  if (record.reward_model !== undefined) return verlToProblem(record, index);
  const problemId = record.problemId === undefined ? String(index) : idString(record.problemId);
  return {
    problemId,
    question: requireString(record.question, "question"),
    gold: requireString(record.gold, "gold"),
  };
}

function verlToProblem(record: Record<string, unknown>, index: number): Problem {
  const groundTruth = asObject(
    asObject(record.reward_model, "reward_model").ground_truth,
    "reward_model.ground_truth",
  );
  const gold = requireString(groundTruth.target, "reward_model.ground_truth.target");
  const question = typeof groundTruth.question === "string"
    ? groundTruth.question
    : lastUserContent(record.prompt);
  const extraInfo = record.extra_info === undefined || record.extra_info === null
    ? {}
    : asObject(record.extra_info, "extra_info");
  const problemId = extraInfo.index === undefined || extraInfo.index === null
    ? String(index)
    : idString(extraInfo.index);
  return {
    problemId,
    question,
    gold,
    ...optionalString("dataSource", record.data_source),
    ...optionalString("level", record.level),
    ...optionalString("subject", record.type),
  };
}

function lastUserContent(prompt: unknown): string {
  if (Array.isArray(prompt)) {
    for (let i = prompt.length - 1; i >= 0; i--) {
      const message = prompt[i];
      if (message?.role === "user" && typeof message.content === "string") return message.content;
    }
  }
  throw new TypeError(
    "expected reward_model.ground_truth.question or a user message in prompt, got neither",
  );
}

function checkUniqueIds(problems: Problem[], source: string): Problem[] {
  const seen = new Set<string>();
  for (const { problemId } of problems) {
    if (seen.has(problemId)) {
      throw new TypeError(
        `Cannot load ${source}: problem ids must be unique, got "${problemId}" twice`,
      );
    }
    seen.add(problemId);
  }
  return problems;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`expected ${what} to be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function requireString(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  throw new TypeError(`"${field}" must be a string, got ${describe(value)}`);
}

// Parquet integers decode as BigInt; JSON ids may be numbers or strings.
function idString(value: unknown): string {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value)) return String(value);
  throw new TypeError(
    `a problem id must be a non-empty string or an integer, got ${describe(value)}`,
  );
}

function optionalString<K extends string>(key: K, value: unknown): { [P in K]?: string } {
  return (typeof value === "string" ? { [key]: value } : {}) as { [P in K]?: string };
}

function describe(value: unknown): string {
  return typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);
}
