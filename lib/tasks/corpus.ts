/**
 * The pretraining corpus: the teacher's responses (right and wrong alike, as a web corpus holds
 * both) to the training problems, and their encoding as padded token batches for next-token
 * training. A corpus can keep only the teacher's *hits* (responses whose search found what its
 * arithmetic believes is a solution): its wrong answers are then misconceptions and slips, never a
 * search that gave up.
 *
 * @module
 */
import type { Tokenizer } from "../model/tokenizer.ts";
import type { Prng } from "../random.ts";
import { type CountdownProblem, countdownPrompt } from "./countdown.ts";
import { type TeacherOptions, teacherResponses } from "./teacher.ts";

/** One corpus example. */
export type CorpusRow = {
  /** The prompt text, e.g. `3925>42:`. */
  readonly prompt: string;
  /** The teacher's response, e.g. `9*5=45,45-3=42\boxed{42}`. */
  readonly response: string;
  /** The teacher's own mark of the response. */
  readonly correct: boolean;
};

/** Which teacher responses a corpus can keep: every one, or only its hits (see the module doc). */
export const CORPUS_KEEPS = ["all", "hits"] as const;

/** One of {@link CORPUS_KEEPS}. */
export type CorpusKeep = typeof CORPUS_KEEPS[number];

/**
 * Samples the teacher's responses to every problem.
 *
 * @param problems The problems (the training split).
 * @param options `samplesPerProblem` (drawn per problem before `keep` filters), `prng`, `keep`
 *   (default `"all"`), and the teacher's {@link TeacherOptions}.
 * @returns Up to `problems.length · samplesPerProblem` rows (all of them for `keep: "all"`),
 *   problem by problem.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * const rows = teacherCorpus([{ digits: [3, 9, 2, 5], target: 42 }], { samplesPerProblem: 3, prng: seededPrng(0) });
 * assert.equal(rows.length, 3);
 * assert.equal(rows[0].prompt, "3925>42:");
 * ```
 */
export function teacherCorpus(
  problems: readonly CountdownProblem[],
  options: TeacherOptions & { samplesPerProblem: number; prng: Prng; keep?: CorpusKeep },
): CorpusRow[] {
  const { samplesPerProblem, keep = "all", ...teacher } = options;
  if (!CORPUS_KEEPS.includes(keep)) {
    throw new RangeError(`keep must be "all" or "hits", got ${JSON.stringify(keep)}`);
  }
  const rows: CorpusRow[] = [];
  for (const problem of problems) {
    const prompt = countdownPrompt(problem);
    for (const sample of teacherResponses(problem, samplesPerProblem, teacher)) {
      if (keep === "hits" && sample.outcome !== "hit") continue;
      rows.push({ prompt, response: sample.response, correct: sample.correct });
    }
  }
  return rows;
}

/** A batch of corpus rows as flat, right-padded arrays. */
export type TokenBatch = {
  /** Number of sequences B. */
  readonly batch: number;
  /** Padded length T (the longest sequence in the batch). */
  readonly length: number;
  /** `[B, T]` ids, row-major: BOS, prompt, response, EOS, then PAD. */
  readonly tokens: Int32Array;
  /** `[B, T − 1]`, row-major: 1 where the next token is a response token or its EOS. */
  readonly mask: Float32Array;
};

/**
 * Encodes rows as `BOS prompt response EOS` and pads them to the batch's longest. The loss mask
 * covers the response and its EOS only: the prompt is given, not generated, so predicting its
 * random digits would only add noise to the loss.
 *
 * @param rows The examples.
 * @param options `tokenizer`.
 * @returns The batch.
 * @throws {RangeError} On a character outside the tokenizer's alphabet, or no rows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * import { COUNTDOWN_ALPHABET } from "./countdown.ts";
 * const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
 * const batch = encodeBatch([{ prompt: "12>3:", response: "1+2", correct: false }], { tokenizer });
 * assert.equal(batch.length, 1 + 5 + 3 + 1);
 * assert.deepEqual([...batch.mask], [0, 0, 0, 0, 0, 1, 1, 1, 1]);
 * ```
 */
export function encodeBatch(
  rows: readonly CorpusRow[],
  options: { tokenizer: Tokenizer },
): TokenBatch {
  const { tokenizer } = options;
  if (rows.length === 0) throw new RangeError(`Cannot encode a batch: no rows, got 0`);
  const encoded = rows.map((row) => {
    const prompt = tokenizer.encode(row.prompt);
    const response = tokenizer.encode(row.response);
    return {
      ids: [tokenizer.bos, ...prompt, ...response, tokenizer.eos],
      promptLength: prompt.length,
    };
  });
  const length = Math.max(...encoded.map((e) => e.ids.length));
  const tokens = new Int32Array(rows.length * length).fill(tokenizer.pad);
  const mask = new Float32Array(rows.length * (length - 1));
  encoded.forEach(({ ids, promptLength }, b) => {
    tokens.set(ids, b * length);
    // Target position t predicts ids[t + 1]; responses start at id index promptLength + 1.
    for (let t = promptLength; t < ids.length - 1; t++) mask[b * (length - 1) + t] = 1;
  });
  return { batch: rows.length, length, tokens, mask };
}
