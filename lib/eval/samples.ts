/**
 * Sample files: one JSON object per line, `{ "problemId": …, "response": … }`, the response being
 * a model's full text for that problem. Other fields on a line are allowed and ignored (`sampleToFile`
 * in lib/rollout/sample_to_file.ts, which samples an endpoint into such a file problem by problem,
 * adds `sampleIndex` and `truncated`).
 *
 * @module
 */

import { parseJsonl } from "../_io/jsonl.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";

/** One sampled response to one problem. */
export type SampleRecord = {
  /** The problem's identifier, as in the dataset (integers in files become strings). */
  readonly problemId: string;
  /** The model's full response text. */
  readonly response: string;
};

/**
 * Parses JSONL sample records. `problemId` may be a string or an integer (kept as its decimal
 * string); `response` must be a string.
 *
 * @param text The file contents.
 * @param options `source` names the input in error messages (default `"samples"`).
 * @returns The records, in file order.
 * @throws {JsonlError} Listing every malformed line with its line number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = '{"problemId": 3, "response": "\\\\boxed{2}"}\n';
 * assert.deepEqual(parseSamples(text), [{ problemId: "3", response: "\\boxed{2}" }]);
 * assert.throws(() => parseSamples('{"problemId": 3}\n'), /line 1: .*response/);
 * ```
 */
export function parseSamples(
  text: string,
  options: { readonly source?: string } = {},
): SampleRecord[] {
  const { source = "samples" } = options;
  return parseJsonl(text, toSampleRecord, { source });
}

/**
 * Reads a JSONL sample file.
 *
 * @param path The file to read.
 * @returns The records, in file order.
 * @throws {JsonlError} Listing every malformed line with its line number.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await writeSamples(path, [{ problemId: "0", response: "\\boxed{1}" }]);
 * assert.deepEqual(await readSamples(path), [{ problemId: "0", response: "\\boxed{1}" }]);
 * await Deno.remove(path);
 * ```
 */
export async function readSamples(path: string): Promise<SampleRecord[]> {
  return parseSamples(await Deno.readTextFile(path), { source: path });
}

/**
 * Formats sample records as JSONL text (one line each, with a final newline).
 *
 * @param samples The records.
 * @returns The JSONL text; `parseSamples` reads it back unchanged.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatSamples([{ problemId: "7", response: "42" }]), '{"problemId":"7","response":"42"}\n');
 * ```
 */
export function formatSamples(samples: readonly SampleRecord[]): string {
  return samples.map(({ problemId, response }) => JSON.stringify({ problemId, response }) + "\n")
    .join("");
}

/**
 * Writes sample records to a JSONL file atomically (temporary file, then rename).
 *
 * @param path The destination; its directory must exist.
 * @param samples The records.
 * @returns A promise that resolves once the file is in place.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await writeSamples(path, [{ problemId: "1", response: "x" }]);
 * assert.equal(await Deno.readTextFile(path), '{"problemId":"1","response":"x"}\n');
 * await Deno.remove(path);
 * ```
 */
export async function writeSamples(path: string, samples: readonly SampleRecord[]): Promise<void> {
  await writeTextFileAtomic(path, formatSamples(samples));
}

function toSampleRecord(value: unknown): SampleRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`expected an object, got ${JSON.stringify(value)}`);
  }
  const { problemId, response } = value as Record<string, unknown>;
  return { problemId: parseProblemId(problemId), response: parseResponse(response) };
}

function parseProblemId(problemId: unknown): string {
  if (typeof problemId === "string" && problemId !== "") return problemId;
  if (typeof problemId === "number" && Number.isSafeInteger(problemId)) return String(problemId);
  throw new TypeError(
    `"problemId" must be a non-empty string or an integer, got ${JSON.stringify(problemId)}`,
  );
}

function parseResponse(response: unknown): string {
  if (typeof response === "string") return response;
  throw new TypeError(`"response" must be a string, got ${JSON.stringify(response)}`);
}
