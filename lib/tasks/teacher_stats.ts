/**
 * What the teacher's corpus is made of: per strategy, how often the teacher uses it, how often
 * it is right (graded by the verifier path, `gradeCountdown`), on how many problems it is ever
 * right, and how its errors come about (honest near misses, fudged last steps, slips).
 *
 * @module
 */
import { seededPrng } from "../random.ts";
import type { CountdownProblem } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";
import {
  TEACHER_STRATEGIES,
  type TeacherOptions,
  teacherResponses,
  type TeacherStrategy,
} from "./teacher.ts";

/** One strategy's (or, with strategy "all", the whole teacher's) statistics. */
export type TeacherStrategyRow = {
  /** The strategy, or "all". */
  readonly strategy: TeacherStrategy | "all";
  /** Share of all responses written with it. */
  readonly share: number;
  /** Share of its responses that `gradeCountdown` grades correct. */
  readonly accuracy: number;
  /** Share of the problems it was used on where it was right at least once. */
  readonly solvesProblems: number;
  /** Share of its responses whose search found a (believed) solution. */
  readonly hit: number;
  /** Share that are honest near misses (a wrong boxed value). */
  readonly miss: number;
  /** Share that are near misses claiming the target in the last step anyway. */
  readonly fudge: number;
  /** Share with a writing slip. */
  readonly slipped: number;
  /** Share the teacher itself marks right but the verifier path does not, or vice versa. */
  readonly markDisagrees: number;
};

/**
 * Samples the teacher on problems and tallies its strategies and error model.
 *
 * @param problems The problems (e.g. a slice of the training split).
 * @param options `samplesPerProblem`, `seed`, and any {@link TeacherOptions}.
 * @returns One row per strategy used (in {@link TEACHER_STRATEGIES} order), then "all".
 * @throws {RangeError} If there are no problems or `samplesPerProblem` is not a positive integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = teacherStrategyStats([{ digits: [3, 9, 2, 5], target: 42 }], { samplesPerProblem: 64, seed: 1 });
 * const all = rows[rows.length - 1];
 * assert.equal(all.strategy, "all");
 * assert.equal(all.share, 1);
 * assert.equal(all.markDisagrees, 0);
 * ```
 */
export function teacherStrategyStats(
  problems: readonly CountdownProblem[],
  options: TeacherOptions & { samplesPerProblem: number; seed: number },
): TeacherStrategyRow[] {
  const { samplesPerProblem, seed, ...teacher } = options;
  if (problems.length === 0) {
    throw new RangeError("Cannot tally teacher strategies: no problems, got 0");
  }
  if (!Number.isSafeInteger(samplesPerProblem) || samplesPerProblem < 1) {
    throw new RangeError(
      `Cannot tally teacher strategies: samplesPerProblem must be a positive integer, got ${samplesPerProblem}`,
    );
  }
  const prng = seededPrng(seed);
  type Tally = {
    n: number;
    correct: number;
    hit: number;
    miss: number;
    fudge: number;
    slipped: number;
    disagree: number;
    used: number;
    solved: number;
  };
  const empty = (): Tally => ({
    n: 0,
    correct: 0,
    hit: 0,
    miss: 0,
    fudge: 0,
    slipped: 0,
    disagree: 0,
    used: 0,
    solved: 0,
  });
  const keys: (TeacherStrategy | "all")[] = [...TEACHER_STRATEGIES, "all"];
  const tallies = new Map(keys.map((key) => [key, empty()]));
  for (const problem of problems) {
    const samples = teacherResponses(problem, samplesPerProblem, { ...teacher, prng });
    const used = new Set<TeacherStrategy | "all">(["all"]);
    const solved = new Set<TeacherStrategy | "all">();
    for (const sample of samples) {
      const correct = gradeCountdown(problem, sample.response).correct;
      for (const key of [sample.strategy, "all"] as const) {
        const t = tallies.get(key)!;
        t.n++;
        t.correct += correct ? 1 : 0;
        t[sample.outcome]++;
        t.slipped += sample.slipped ? 1 : 0;
        t.disagree += correct === sample.correct ? 0 : 1;
        used.add(key);
        if (correct) solved.add(key);
      }
    }
    for (const key of used) tallies.get(key)!.used++;
    for (const key of solved) tallies.get(key)!.solved++;
  }
  const total = tallies.get("all")!.n;
  return keys.filter((key) => tallies.get(key)!.n > 0).map((strategy) => {
    const t = tallies.get(strategy)!;
    return {
      strategy,
      share: t.n / total,
      accuracy: t.correct / t.n,
      solvesProblems: t.solved / t.used,
      hit: t.hit / t.n,
      miss: t.miss / t.n,
      fudge: t.fudge / t.n,
      slipped: t.slipped / t.n,
      markDisagrees: t.disagree / t.n,
    };
  });
}
