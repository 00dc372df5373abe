/**
 * Sample files: one JSON object per line, `{ "problemId": …, "response": … }`, the response being
 * a model's full text for that problem. A line may also carry the `prompt` it answered, which is
 * then checked against its problem ({@link checkSamplePrompts}). Other fields on a line are allowed
 * and ignored (`sampleToFile` in lib/rollout/sample_to_file.ts, which samples an endpoint into such
 * a file problem by problem, adds `sampleIndex` and `truncated`).
 *
 * @module
 */

import { JsonlError, type JsonlIssue, parseJsonl } from "../_io/jsonl.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { Problem } from "./datasets.ts";

/** One sampled response to one problem. */
export type SampleRecord = {
  /** The problem's identifier, as in the dataset (integers in files become strings). */
  readonly problemId: string;
  /** The model's full response text. */
  readonly response: string;
  /** The prompt the response answered, when the file records it. */
  readonly prompt?: string;
  /** The record's 1-based line in its file, when it was read from one. */
  readonly line?: number;
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
 * assert.deepEqual(parseSamples(text), [{ problemId: "3", response: "\\boxed{2}", line: 1 }]);
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
 * assert.deepEqual(await readSamples(path), [{ problemId: "0", response: "\\boxed{1}", line: 1 }]);
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

function toSampleRecord(value: unknown, line: number): SampleRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`expected an object, got ${JSON.stringify(value)}`);
  }
  const { problemId, response, prompt } = value as Record<string, unknown>;
  if (prompt !== undefined && prompt !== null && typeof prompt !== "string") {
    throw new TypeError(`"prompt" must be a string when given, got ${JSON.stringify(prompt)}`);
  }
  return {
    problemId: parseProblemId(problemId),
    response: parseResponse(response),
    ...(typeof prompt === "string" ? { prompt } : {}),
    line,
  };
}

/** Whitespace runs as one space, ends trimmed: a prompt template may re-wrap a question. */
function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Checks that every sample that records its prompt answered its problem: the prompt must
 * contain the problem's question (whitespace aside; a prompt template may wrap it). A sample
 * whose prompt is another problem's (a shuffled or mislabelled file) would otherwise be graded
 * against the wrong gold.
 *
 * @param samples Sample records (from {@link readSamples}, with their lines).
 * @param problems The dataset, with each problem's question.
 * @param options `source` names the sample file in the error.
 * @throws {JsonlError} Listing every contradicting sample by its line (and which problem its
 *   prompt belongs to, when it is another's).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problems = [{ problemId: "a", question: "1+1?", gold: "2" }, { problemId: "b", question: "2+2?", gold: "4" }];
 * checkSamplePrompts(parseSamples('{"problemId": "a", "prompt": "Q: 1+1?", "response": "2"}\n'), problems);
 * const wrong = parseSamples('{"problemId": "a", "prompt": "2+2?", "response": "4"}\n');
 * assert.throws(() => checkSamplePrompts(wrong, problems), /line 1: its prompt is not problem "a"'s/);
 * ```
 */
export function checkSamplePrompts(
  samples: readonly SampleRecord[],
  problems: readonly Problem[],
  options: { readonly source?: string } = {},
): void {
  const { source = "samples" } = options;
  const questions = new Map(problems.map((p) => [p.problemId, collapse(p.question)]));
  const byQuestion = new Map(problems.map((p) => [collapse(p.question), p.problemId]));
  const issues: JsonlIssue[] = [];
  samples.forEach(({ problemId, prompt, line }, index) => {
    const question = questions.get(problemId);
    if (prompt === undefined || question === undefined) return;
    const text = collapse(prompt);
    if (text.includes(question)) return;
    const owner = byQuestion.get(text);
    const clip = (s: string) => JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}…` : s);
    issues.push({
      line: line ?? index + 1,
      message: `its prompt is not problem ${JSON.stringify(problemId)}'s: it lacks the question ${
        clip(question)
      }, got ${clip(prompt)}${
        owner === undefined ? "" : ` (the prompt of problem ${JSON.stringify(owner)})`
      }`,
    });
  });
  if (issues.length > 0) throw new JsonlError(source, issues);
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
