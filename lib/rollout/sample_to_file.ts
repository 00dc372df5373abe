/**
 * {@link sampleToFile}: samples a dataset from an OpenAI-compatible endpoint into a JSONL sample
 * file, appending each problem's samples as soon as they come back, so an interrupted run keeps
 * its work and a re-run sends only the problems the file does not have yet.
 *
 * @module
 */
import { dirname } from "node:path";
import type { RolloutConfig } from "../config.ts";
import { parseJsonl } from "../_io/jsonl.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { OpenAiEndpoint } from "./openai_client.ts";
import { PartialSamplingError, type Rollout } from "./rollout.ts";
import { sampleEndpointPrompts } from "./_sample_endpoint.ts";

/** One problem to sample: the sample file's `problemId` for it, and the prompt text sent. */
export type PromptedProblem = {
  /** The problem's identifier, as the dataset and the evaluation know it. */
  readonly problemId: string;
  /** The text sent as the completion prompt. */
  readonly prompt: string;
};

/** Options of {@link sampleToFile}: the rollout config slice plus the file and the seed. */
export type SampleToFileOptions = RolloutConfig & {
  /** The JSONL sample file; created (with its folder) if missing, appended to otherwise. */
  path: string;
  /** Seed of every request: problem i of `problems` is sent `deriveSeed(seed, "prompt/i")`. */
  seed: number;
  /** When given, the rollouts in a {@link PartialSamplingError} carry token ids. */
  tokenizer?: Tokenizer;
  /** Called after each problem, with samples done (in the file) of the total. */
  onProgress?: (progress: { done: number; total: number }) => void;
};

/** What {@link sampleToFile} did. */
export type SampleToFileResult = {
  /** Problems whose samples this call appended. */
  sampled: number;
  /** Problems whose samples were already in the file, so they were not sent again. */
  skipped: number;
};

/** One line of the file, as this function writes it (`readSamples` reads the first two fields). */
type SampleLine = {
  problemId: string;
  response: string;
  sampleIndex: number;
  truncated: boolean;
};

function toLine(problemId: string, rollout: Rollout): SampleLine {
  const { response, sampleIndex, truncated } = rollout;
  return { problemId, response, sampleIndex, truncated };
}

function problemIdOf(value: unknown): string {
  const record = value as Record<string, unknown> | null;
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new TypeError(`expected an object, got ${JSON.stringify(value)}`);
  }
  const { problemId, response } = record;
  if (typeof response !== "string") {
    throw new TypeError(`"response" must be a string, got ${JSON.stringify(response)}`);
  }
  if (typeof problemId === "string" && problemId !== "") return problemId;
  if (typeof problemId === "number" && Number.isSafeInteger(problemId)) return String(problemId);
  throw new TypeError(
    `"problemId" must be a non-empty string or an integer, got ${JSON.stringify(problemId)}`,
  );
}

/**
 * Reads what an earlier run left in the file and returns the problems it holds in full. A torn
 * last line (an append cut short) and the lines of a problem with fewer than `samplesPerPrompt`
 * samples are removed (the file is rewritten atomically), so those problems are sampled afresh.
 */
async function completeProblems(
  path: string,
  known: ReadonlySet<string>,
  samplesPerPrompt: number,
): Promise<Set<string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Set();
    throw error;
  }
  let lines = text.split("\n");
  let rewrite = false;
  if (lines.at(-1) !== "") {
    const last = lines.at(-1)!;
    let whole = true;
    try {
      problemIdOf(JSON.parse(last));
    } catch {
      whole = false;
    }
    if (!whole) lines = lines.slice(0, -1); // cut short mid-append: its problem is redone
    else lines.push("");
    rewrite = true;
  }
  const ids = parseJsonl(lines.join("\n"), problemIdOf, { source: path });
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const unknown = [...counts.keys()].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new TypeError(
      `Cannot resume sampling into ${path}: it holds samples of problems not in this run, got ${
        unknown.slice(0, 5).map((id) => JSON.stringify(id)).join(", ")
      }${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""}`,
    );
  }
  const over = [...counts].find(([, count]) => count > samplesPerPrompt);
  if (over !== undefined) {
    throw new RangeError(
      `Cannot resume sampling into ${path}: problem ${
        JSON.stringify(over[0])
      } has more samples than samplesPerPrompt=${samplesPerPrompt}, got ${over[1]}`,
    );
  }
  const partial = new Set([...counts].filter(([, c]) => c < samplesPerPrompt).map(([id]) => id));
  if (partial.size > 0) {
    lines = lines.filter((line) =>
      line.trim() === "" || !partial.has(problemIdOf(JSON.parse(line)))
    );
    rewrite = true;
  }
  if (rewrite) {
    const kept = lines.filter((line) => line.trim() !== "");
    await writeTextFileAtomic(path, kept.map((line) => `${line}\n`).join(""));
  }
  return new Set([...counts.keys()].filter((id) => !partial.has(id)));
}

/**
 * Samples `samplesPerPrompt` responses to every problem from an endpoint into a JSONL sample
 * file (`{ problemId, response, sampleIndex, truncated }` per line, as `readSamples` and
 * `deno task eval` read it). Each problem's samples are appended as soon as its request
 * completes, and a re-run skips the problems whose samples are all in the file already (one cut
 * short is sampled again), so an interrupted or partly failed run is resumed by running it again.
 * Requests are those of `sampleRollouts` with the same seed: problem i gets the seed of prompt i.
 *
 * @param endpoint The server and its client settings.
 * @param problems Problem ids (distinct) and prompts.
 * @param options The rollout config, the file `path`, `seed`, and `onProgress`.
 * @returns How many problems were sampled now and how many were already in the file.
 * @throws {PartialSamplingError} After every problem was tried, when some failed after their
 *   retries: the others are in the file (and in `rollouts`), `failures` names the failed ones.
 * @throws {TypeError} If problem ids repeat, or the file holds problems not in `problems`.
 * @throws {RangeError} If the file holds more samples of a problem than `samplesPerPrompt`.
 * @throws {JsonlError} If a line of the file (other than a torn last one) is malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = `${await Deno.makeTempDir()}/samples.jsonl`;
 * await Deno.writeTextFile(path, '{"problemId":"a","response":"2"}\n');
 * const endpoint = { kind: "openai", baseUrl: "http://127.0.0.1:9", model: "m" } as const;
 * const rollout = { samplesPerPrompt: 1, temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 4 };
 * const done = await sampleToFile(endpoint, [{ problemId: "a", prompt: "1+1=" }], { ...rollout, path, seed: 0 });
 * assert.deepEqual(done, { sampled: 0, skipped: 1 }); // already in the file: nothing is sent
 * ```
 */
export async function sampleToFile(
  endpoint: OpenAiEndpoint,
  problems: readonly PromptedProblem[],
  options: SampleToFileOptions,
): Promise<SampleToFileResult> {
  const { path, samplesPerPrompt, onProgress } = options;
  const known = new Set<string>();
  for (const { problemId } of problems) {
    if (known.has(problemId)) {
      throw new TypeError(
        `Cannot sample into ${path}: problem ids must be distinct, got ${
          JSON.stringify(problemId)
        } twice`,
      );
    }
    known.add(problemId);
  }
  const complete = await completeProblems(path, known, samplesPerPrompt);
  const indices = problems.flatMap((p, i) => complete.has(p.problemId) ? [] : [i]);
  await Deno.mkdir(dirname(path), { recursive: true });
  const total = problems.length * samplesPerPrompt;
  let done = complete.size * samplesPerPrompt;
  const results: Rollout[][] = new Array(problems.length);
  const failures = await sampleEndpointPrompts(endpoint, problems.map((p) => p.prompt), {
    ...options,
    indices,
    onPrompt: async (promptIndex, rollouts) => {
      const { problemId } = problems[promptIndex];
      const text = rollouts.map((r) => JSON.stringify(toLine(problemId, r)) + "\n").join("");
      // One append per problem: a crash tears at most this problem's lines, which a re-run redoes.
      await Deno.writeTextFile(path, text, { append: true });
      results[promptIndex] = rollouts;
      done += rollouts.length;
      onProgress?.({ done, total });
    },
  });
  if (failures.length > 0) {
    throw new PartialSamplingError(endpoint.baseUrl, problems.length, results.flat(), failures);
  }
  return { sampled: indices.length, skipped: complete.size };
}
