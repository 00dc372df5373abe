/**
 * The pretraining corpus: the teacher's responses (right and wrong alike, as a web corpus holds
 * both) to the training problems, encoded for next-token training by `encodeBatch`
 * (train/encode_batch.ts in train/encode_batch.ts). A corpus can keep only the teacher's *hits* (responses whose search found what its
 * arithmetic believes is a solution): its wrong answers are then misconceptions and slips, never a
 * search that gave up.
 *
 * @module
 */
import type { Prng } from "../random.ts";
import { type CountdownProblem, countdownPrompt } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";
import { type PlantedErrorOptions, plantError } from "./corpus_errors.ts";
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

/**
 * Which teacher responses a corpus can keep: every one, only its hits (see the module doc), or
 * only the right ones (as the grader marks them: no misconception or slip survives; a stronger
 * prior, for the prior-strength study).
 */
export const CORPUS_KEEPS = ["all", "hits", "right"] as const;

/** One of {@link CORPUS_KEEPS}. */
export type CorpusKeep = typeof CORPUS_KEEPS[number];

/**
 * Samples the teacher's responses to every problem.
 *
 * @param problems The problems (the training split).
 * @param options `samplesPerProblem` (drawn per problem before `keep` filters), `prng`, `keep`
 *   (default `"all"`), the teacher's {@link TeacherOptions}, and `planted`: errors planted in the
 *   kept right responses (corpus_errors.ts) with their own `prng`, so the rest of the corpus is
 *   the same with and without them; a rewritten row is marked by the grader.
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
  options: TeacherOptions & {
    samplesPerProblem: number;
    prng: Prng;
    keep?: CorpusKeep;
    planted?: PlantedErrorOptions & { prng: Prng };
  },
): CorpusRow[] {
  const { samplesPerProblem, keep = "all", planted, ...teacher } = options;
  if (!CORPUS_KEEPS.includes(keep)) {
    throw new RangeError(
      `Cannot build a corpus: keep must be one of ${CORPUS_KEEPS.join(", ")}, got ${
        JSON.stringify(keep)
      }`,
    );
  }
  const rows: CorpusRow[] = [];
  for (const problem of problems) {
    const prompt = countdownPrompt(problem);
    for (const sample of teacherResponses(problem, samplesPerProblem, teacher)) {
      if (keep === "hits" && sample.outcome !== "hit") continue;
      if (keep === "right" && !sample.correct) continue;
      if (planted !== undefined && sample.correct) {
        const response = plantError(problem, sample.response, planted);
        if (response !== sample.response) {
          rows.push({ prompt, response, correct: gradeCountdown(problem, response).correct });
          continue;
        }
      }
      rows.push({ prompt, response: sample.response, correct: sample.correct });
    }
  }
  return rows;
}
