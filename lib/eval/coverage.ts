/**
 * Coverage against the base model: which problems a trained method lost or newly solved, and how
 * many distinct correct responses it gives per solved problem.
 *
 * A problem is *solved* by an evaluation when at least one of its n samples is correct (c > 0),
 * i.e. Pass@n > 0. Against the base's single evaluation, in training seed s of a method:
 * - lost_s   = { problems the base solved and seed s did not (c = 0) },
 * - gained_s = { problems the base did not solve and seed s did (c > 0) }.
 * We report |lost_s| per seed and its mean over seeds, and two seed-robust sets: problems lost
 * (gained) in *every* seed (the intersection; a consistent effect of the method) and in *any*
 * seed (the union; an upper bound that grows with the number of seeds).
 *
 * Plain data only: this file never imports tf.
 *
 * @module
 */

import type { ProblemCounts } from "./passk.ts";
import { alignProblems, type SeedProblemCounts } from "./compare.ts";

/** Problems that changed status against the base, per seed and across seeds. */
export type CoverageChange = {
  /** How many problems changed, in each seed. */
  readonly perSeed: readonly number[];
  /** Mean of `perSeed` over seeds. */
  readonly mean: number;
  /** Ids of the problems that changed in every seed (the intersection), in problem order. */
  readonly inEverySeed: readonly string[];
  /** Ids of the problems that changed in at least one seed (the union), in problem order. */
  readonly inAnySeed: readonly string[];
};

/** Coverage of one method against the base on one tier (from {@link coverageAgainstBase}). */
export type Coverage = {
  /** Number of problems M. */
  readonly problems: number;
  /** Number of training seeds S of the method. */
  readonly seeds: number;
  /** Problems the base solved (c > 0). */
  readonly baseSolved: number;
  /** Problems the method solved, mean over seeds. */
  readonly methodSolved: number;
  /** Problems the base solved that the method did not. */
  readonly lost: CoverageChange;
  /** Problems the base did not solve that the method did. */
  readonly gained: CoverageChange;
};

/** One graded response (a sample record with the verifier's verdict). */
export type GradedResponse = {
  /** The problem's identifier. */
  readonly problemId: string;
  /** The model's full response text. */
  readonly response: string;
  /** Whether the verifier graded it correct. */
  readonly correct: boolean;
};

/** Distinct correct responses, per problem and on average (from {@link distinctCorrect}). */
export type DistinctCorrect = {
  /** Per problem, in order of first appearance: correct responses and distinct ones among them. */
  readonly perProblem: readonly {
    readonly problemId: string;
    readonly correct: number;
    readonly distinct: number;
  }[];
  /** Problems with at least one correct response. */
  readonly solved: number;
  /** Mean of `distinct` over solved problems; 0 when none is solved. */
  readonly meanDistinct: number;
};

/**
 * Compares a method's per-seed counts with the base's single evaluation on the same problems
 * (matched by id, see `alignProblems`): problems lost and newly solved, per seed, on average, and
 * in every or any seed (definitions in the module doc). If the base was evaluated more than once,
 * sum its n and c per problem first.
 *
 * @param base The base model's per-problem counts.
 * @param method The method's per-seed, per-problem counts.
 * @returns The coverage record.
 * @throws {RangeError} If the problems differ between the base and any seed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const base = [{ problemId: "a", n: 8, c: 1 }, { problemId: "b", n: 8, c: 0 }];
 * const nsr = [[{ problemId: "a", n: 8, c: 0 }, { problemId: "b", n: 8, c: 3 }]];
 * const coverage = coverageAgainstBase(base, nsr);
 * assert.deepEqual(coverage.lost.inEverySeed, ["a"]);
 * assert.equal(coverage.gained.mean, 1);
 * ```
 */
export function coverageAgainstBase(
  base: readonly ProblemCounts[],
  method: SeedProblemCounts,
): Coverage {
  const { ids, counts } = alignProblems([[base], method]);
  const baseSolved = counts[0][0].map(({ c }) => c > 0);
  const seeds = counts[1];
  const solvedPerSeed = seeds.map((seed) => seed.map(({ c }) => c > 0));
  const change = (changed: (was: boolean, now: boolean) => boolean): CoverageChange => {
    const flags = solvedPerSeed.map((now) =>
      now.map((solved, i) => changed(baseSolved[i], solved))
    );
    const perSeed = flags.map((seed) => seed.filter(Boolean).length);
    return {
      perSeed,
      mean: perSeed.reduce((total, count) => total + count, 0) / seeds.length,
      inEverySeed: ids.filter((_, i) => flags.every((seed) => seed[i])),
      inAnySeed: ids.filter((_, i) => flags.some((seed) => seed[i])),
    };
  };
  const methodSolved = solvedPerSeed.reduce(
    (total, seed) => total + seed.filter(Boolean).length,
    0,
  );
  return {
    problems: ids.length,
    seeds: seeds.length,
    baseSolved: baseSolved.filter(Boolean).length,
    methodSolved: methodSolved / seeds.length,
    lost: change((was, now) => was && !now),
    gained: change((was, now) => !was && now),
  };
}

/**
 * Counts distinct correct responses per problem: a measure of diversity among the solutions a
 * model finds (more distinct correct responses per solved problem = less collapsed). Two
 * responses are the same when their `key` is equal; the default key is the text with runs of
 * whitespace collapsed and the ends trimmed, so layout alone does not make responses distinct.
 *
 * @param records Graded responses, any order, any number per problem.
 * @param options `key` maps a response to what makes it distinct (e.g. its extracted answer).
 * @returns Per-problem counts, the number of solved problems and the mean over them.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const result = distinctCorrect([
 *   { problemId: "a", response: "2+2 = 4", correct: true },
 *   { problemId: "a", response: " 2+2  = 4", correct: true },
 *   { problemId: "a", response: "4, since 2·2", correct: true },
 *   { problemId: "b", response: "5", correct: false },
 * ]);
 * assert.deepEqual(result.perProblem[0], { problemId: "a", correct: 3, distinct: 2 });
 * assert.equal(result.meanDistinct, 2);
 * ```
 */
export function distinctCorrect(
  records: readonly GradedResponse[],
  options: { readonly key?: (response: string) => string } = {},
): DistinctCorrect {
  const { key = collapseWhitespace } = options;
  const problems = new Map<string, { correct: number; distinct: Set<string> }>();
  for (const { problemId, response, correct } of records) {
    let entry = problems.get(problemId);
    if (entry === undefined) {
      entry = { correct: 0, distinct: new Set() };
      problems.set(problemId, entry);
    }
    if (!correct) continue;
    entry.correct++;
    entry.distinct.add(key(response));
  }
  const perProblem = [...problems].map(([problemId, { correct, distinct }]) => ({
    problemId,
    correct,
    distinct: distinct.size,
  }));
  const solved = perProblem.filter(({ correct }) => correct > 0);
  const total = solved.reduce((sum, { distinct }) => sum + distinct, 0);
  return {
    perProblem,
    solved: solved.length,
    meanDistinct: solved.length === 0 ? 0 : total / solved.length,
  };
}

function collapseWhitespace(response: string): string {
  return response.trim().replace(/\s+/g, " ");
}
