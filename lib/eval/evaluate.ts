/**
 * The evaluation pipeline: grade every sample against its problem's gold answer, count correct
 * samples per problem, and turn the counts into a Pass@k curve with bootstrap intervals.
 *
 * @module
 */

import { passAtKCurve, type PassAtKPoint, powersOfTwoUpTo } from "./passk.ts";
import type { Progress } from "../progress.ts";
import type { Prng } from "../random.ts";
import { type Verdict, type VerdictReason, verify } from "../verifier/verify.ts";
import type { Problem } from "./datasets.ts";
import type { SampleRecord } from "./samples.ts";
import type { ProblemOutcome } from "./task.ts";

/** One problem's counts: the graded part of the one per-problem outcome. */
export type ProblemResult = Pick<ProblemOutcome, "problemId" | "n" | "c">;

/** One graded sample, for auditing the grader. */
export type SampleVerdict = {
  /** The sample's problem. */
  readonly problemId: string;
  /** Its line in the sample file, when it was read from one. */
  readonly line?: number;
  /** Whether it was graded correct. */
  readonly correct: boolean;
  /** Why (the verifier's reason). */
  readonly reason: VerdictReason;
  /** The answer extracted from the response (null when it committed to none). */
  readonly predicted: string | null;
};

/** Everything an evaluation produces; plain JSON-serialisable data. */
export type EvaluationResult = {
  /** Number of samples graded. */
  readonly samples: number;
  /** Per-problem counts, in dataset order (problems without samples are not included). */
  readonly problems: readonly ProblemResult[];
  /** Pass@k per k with its bootstrap interval over problems (fractions). */
  readonly curve: readonly PassAtKPoint[];
  /** Coverage of the curve's intervals, e.g. 0.95. */
  readonly confidence: number;
  /** How many samples got each grading reason (only reasons that occurred appear). */
  readonly reasons: Readonly<Partial<Record<VerdictReason, number>>>;
  /** Dataset problems that had no sample (empty unless `allowUnsampled` was set). */
  readonly unsampledProblemIds: readonly string[];
  /** Every sample's verdict, in sample order (only with `keepVerdicts`). */
  readonly verdicts?: readonly SampleVerdict[];
};

/** Options of {@link evaluateSamples}. */
export type EvaluateSamplesOptions = {
  /** Grades one response against a gold answer. Default: the verifier's `verify`. */
  readonly grade?: (response: string, gold: string) => Verdict;
  /** Values of k. Default: the powers of two up to the smallest per-problem sample count. */
  readonly ks?: readonly number[];
  /** Bootstrap resamples for the intervals. Default 1000. */
  readonly resamples?: number;
  /** Coverage of the intervals. Default 0.95. */
  readonly confidence?: number;
  /** Randomness for the bootstrap. Default `seededPrng(0)`, as in `passAtKCurve`. */
  readonly prng?: Prng;
  /** Evaluate only the problems that have samples instead of failing. Default false. */
  readonly allowUnsampled?: boolean;
  /** Called every 1,000 graded samples and at the end, with `{ done, total }` in samples. */
  readonly onProgress?: (progress: Progress) => void;
  /** Return every sample's verdict and extracted answer (`verdicts`). Default false. */
  readonly keepVerdicts?: boolean;
};

/** How many samples to grade between two progress reports. */
const PROGRESS_EVERY = 1000;
/** How many offending ids an error message lists. */
const MAX_IDS_IN_MESSAGE = 5;

/**
 * Grades samples against a dataset and computes per-problem counts, the Pass@k curve and the
 * counts of grading reasons. Nothing is dropped silently: a sample whose problem is not in the
 * dataset is an error, and so is a problem without samples unless `allowUnsampled` is set.
 *
 * @param samples Sample records `{ problemId, response }`, any order, any number per problem.
 * @param problems The dataset (`{ problemId, gold, … }`).
 * @param options Grader, ks, bootstrap settings and a progress callback.
 * @returns Per-problem counts, the curve and the reason counts.
 * @throws {TypeError} If a sample's problem is unknown or (by default) a problem has no sample.
 * @throws {RangeError} If a k exceeds some problem's sample count (the problem is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problems = [{ problemId: "0", question: "1+1?", gold: "2" }];
 * const samples = [
 *   { problemId: "0", response: "so \\boxed{2}" },
 *   { problemId: "0", response: "so \\boxed{3}" },
 * ];
 * const result = evaluateSamples(samples, problems, { resamples: 0 });
 * assert.deepEqual(result.problems, [{ problemId: "0", n: 2, c: 1 }]);
 * assert.deepEqual(result.curve.map((p) => p.estimate), [0.5, 1]);
 * ```
 */
export function evaluateSamples(
  samples: readonly SampleRecord[],
  problems: readonly Problem[],
  options: EvaluateSamplesOptions = {},
): EvaluationResult {
  const {
    grade = verify,
    ks,
    resamples = 1000,
    confidence = 0.95,
    prng,
    allowUnsampled = false,
    onProgress,
    keepVerdicts = false,
  } = options;
  const counts = new Map<string, { gold: string; n: number; c: number }>();
  for (const { problemId, gold } of problems) counts.set(problemId, { gold, n: 0, c: 0 });
  const unknown = new Set<string>();
  for (const { problemId } of samples) if (!counts.has(problemId)) unknown.add(problemId);
  if (unknown.size > 0) {
    throw new TypeError(
      `Cannot evaluate samples: ${unknown.size} problem id(s) are not in the dataset, got ${
        listIds([...unknown])
      }`,
    );
  }

  const reasons: Partial<Record<VerdictReason, number>> = {};
  const verdicts: SampleVerdict[] = [];
  samples.forEach(({ problemId, response, line }, index) => {
    const entry = counts.get(problemId)!;
    const verdict = grade(response, entry.gold);
    if (keepVerdicts) {
      const { correct, reason, predicted } = verdict;
      verdicts.push({
        problemId,
        ...(line === undefined ? {} : { line }),
        correct,
        reason,
        predicted,
      });
    }
    entry.n++;
    if (verdict.correct) entry.c++;
    reasons[verdict.reason] = (reasons[verdict.reason] ?? 0) + 1;
    const done = index + 1;
    if (onProgress !== undefined && (done % PROGRESS_EVERY === 0 || done === samples.length)) {
      onProgress({ done, total: samples.length });
    }
  });

  const results: ProblemResult[] = [];
  const unsampledProblemIds: string[] = [];
  for (const [problemId, { n, c }] of counts) {
    if (n === 0) unsampledProblemIds.push(problemId);
    else results.push({ problemId, n, c });
  }
  if (unsampledProblemIds.length > 0 && !allowUnsampled) {
    throw new TypeError(
      `Cannot evaluate samples: ${unsampledProblemIds.length} of ${problems.length} problems have no sample (set allowUnsampled to skip them), got ${
        listIds(unsampledProblemIds)
      }`,
    );
  }
  if (results.length === 0) {
    throw new RangeError("Cannot evaluate samples: no problem has a sample, got 0 samples");
  }
  const minN = results.reduce((least, { n }) => Math.min(least, n), Infinity);
  const curve = passAtKCurve(results, ks ?? powersOfTwoUpTo(minN), {
    resamples,
    confidence,
    ...(prng === undefined ? {} : { prng }),
  });
  return {
    samples: samples.length,
    problems: results,
    curve,
    confidence,
    reasons,
    unsampledProblemIds,
    ...(keepVerdicts ? { verdicts } : {}),
  };
}

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, MAX_IDS_IN_MESSAGE).map((id) => `"${id}"`).join(", ");
  return ids.length > MAX_IDS_IN_MESSAGE
    ? `${shown} and ${ids.length - MAX_IDS_IN_MESSAGE} more`
    : shown;
}
