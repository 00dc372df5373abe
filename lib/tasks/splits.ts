/**
 * The fixed Countdown splits: a training split and three held-out test tiers, disjoint by
 * {@link problemKey} (digit order does not make a new problem).
 * - `train` and `tierA` (≈ MATH: the same distribution as the RL training prompts): problems with
 *   at least 4 solutions; tier A is a random sample held out of that pool.
 * - `tierB` (≈ AMC23, harder): problems with 2–3 solutions.
 * - `tierC` (≈ AIME 2025, hardest): problems with exactly one solution that the teacher finds
 *   rarely but not never (its Pass@1 above 0 and at most `tierCMaxTeacherPass1`): rarely solved in
 *   one try, sometimes in hundreds.
 * Every row records its number of solutions and the teacher's Pass@1 (from its own marks).
 *
 * @module
 */
import { parseJsonl } from "../_io/jsonl.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { Prng } from "../random.ts";
import { deriveSeed, randomInt, seededPrng } from "../random.ts";
import {
  allCountdownProblems,
  type CountdownProblem,
  DIGIT_COUNT,
  problemKey,
  shuffleDigits,
  TARGET_MAX,
  TARGET_MIN,
} from "./countdown.ts";
import { teacherResponses } from "./teacher.ts";

/** The split names, training first. */
export type SplitName = "train" | "tierA" | "tierB" | "tierC";
/** Every {@link SplitName}. */
export const SPLIT_NAMES: readonly SplitName[] = ["train", "tierA", "tierB", "tierC"];
/** The held-out test tiers. */
export const TIER_NAMES: readonly SplitName[] = ["tierA", "tierB", "tierC"];

/** One problem of a split, as saved in `data/tasks/<split>.jsonl`. */
export type SplitProblem = CountdownProblem & {
  /** The problem's identity, {@link problemKey}. */
  readonly id: string;
  /** Number of distinct solutions (see `solveCountdown`). */
  readonly solutions: number;
  /** Fraction of the teacher's responses it marks right. */
  readonly teacherPass1: number;
};

/** Settings of {@link buildCountdownSplits}; the defaults made the committed files. */
export type SplitOptions = {
  /** Root seed of digit order, teacher estimates and sampling. */
  seed?: number;
  /** Problems per test tier. */
  tierSize?: number;
  /** Teacher responses per problem behind `teacherPass1`. */
  teacherSamples?: number;
  /** Highest teacher Pass@1 of a tier C problem. */
  tierCMaxTeacherPass1?: number;
};

/**
 * One split row: the problem's digits in their seeded prompt order and the teacher's Pass@1 on
 * it, both drawn from a stream derived from `seed` and the problem's id (so every row can be
 * recomputed alone).
 *
 * @param counted A problem with its solution count (from `allCountdownProblems`).
 * @param options `seed` and `teacherSamples`, as in {@link SplitOptions}.
 * @returns The row.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = makeSplitProblem({ digits: [2, 3, 5, 9], target: 42, solutions: 9 }, { teacherSamples: 8 });
 * assert.equal(row.id, "2359>42");
 * ```
 */
export function makeSplitProblem(
  counted: CountdownProblem & { readonly solutions: number },
  options: { seed?: number; teacherSamples?: number } = {},
): SplitProblem {
  const { seed = 0, teacherSamples = 128 } = options;
  const id = problemKey(counted);
  const prng = seededPrng(deriveSeed(seed, id));
  const sorted = [...counted.digits].sort((a, b) => a - b);
  const problem = shuffleDigits({ digits: sorted, target: counted.target }, { prng });
  const marks = teacherResponses(problem, teacherSamples, { prng });
  const teacherPass1 = marks.filter((m) => m.correct).length / teacherSamples;
  return {
    id,
    digits: problem.digits,
    target: problem.target,
    solutions: counted.solutions,
    teacherPass1,
  };
}

function sample<T>(items: readonly T[], size: number, prng: Prng): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < size && pool.length > 0) {
    out.push(pool.splice(randomInt(prng, pool.length), 1)[0]);
  }
  return out;
}

/**
 * Builds the splits deterministically from a seed. Takes about a minute on one core (the teacher
 * answers every problem `teacherSamples` times).
 *
 * @param options See {@link SplitOptions}.
 * @returns The four splits; each sorted by id.
 * @throws {RangeError} If a tier's pool is smaller than `tierSize`.
 * @example
 * ```ts ignore
 * const splits = buildCountdownSplits({ seed: 0 });
 * ```
 */
export function buildCountdownSplits(
  options: SplitOptions = {},
): Record<SplitName, SplitProblem[]> {
  const { seed = 0, tierSize = 200, teacherSamples = 128, tierCMaxTeacherPass1 = 0.1 } = options;
  const rows = allCountdownProblems().map((counted) =>
    makeSplitProblem(counted, { seed, teacherSamples })
  );
  const prng = seededPrng(deriveSeed(seed, "splits"));
  const pick = (name: SplitName, pool: SplitProblem[]): SplitProblem[] => {
    if (pool.length < tierSize) {
      throw new RangeError(
        `Cannot build split ${name}: its pool has too few problems, got ${pool.length} < ${tierSize}`,
      );
    }
    return sample(pool, tierSize, prng);
  };
  const trainPool = rows.filter((r) => r.solutions >= 4);
  const tierA = pick("tierA", trainPool);
  const tierB = pick("tierB", rows.filter((r) => r.solutions === 2 || r.solutions === 3));
  const tierC = pick(
    "tierC",
    rows.filter((r) =>
      r.solutions === 1 && r.teacherPass1 > 0 && r.teacherPass1 <= tierCMaxTeacherPass1
    ),
  );
  const held = new Set(tierA.map((r) => r.id));
  const train = trainPool.filter((r) => !held.has(r.id));
  const byId = (a: SplitProblem, b: SplitProblem) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    train: train.sort(byId),
    tierA: tierA.sort(byId),
    tierB: tierB.sort(byId),
    tierC: tierC.sort(byId),
  };
}

/**
 * Writes a split as JSON Lines, one problem per line.
 *
 * @param problems The split.
 * @returns The JSONL text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = { id: "2359>42", digits: [3, 9, 2, 5], target: 42, solutions: 9, teacherPass1: 0.5 };
 * assert.deepEqual(parseSplit(formatSplit([row])), [row]);
 * ```
 */
export function formatSplit(problems: readonly SplitProblem[]): string {
  return problems.map((p) =>
    JSON.stringify({
      id: p.id,
      digits: p.digits,
      target: p.target,
      solutions: p.solutions,
      teacherPass1: p.teacherPass1,
    }) + "\n"
  ).join("");
}

function parseRow(value: unknown): SplitProblem {
  const row = value as Record<string, unknown>;
  const digits = row?.digits;
  const ok = typeof row === "object" && row !== null && typeof row.id === "string" &&
    Array.isArray(digits) && digits.length === DIGIT_COUNT &&
    digits.every((d) => Number.isInteger(d) && d >= 1 && d <= 9) &&
    new Set(digits).size === DIGIT_COUNT && Number.isInteger(row.target) &&
    (row.target as number) >= TARGET_MIN && (row.target as number) <= TARGET_MAX &&
    Number.isInteger(row.solutions) && typeof row.teacherPass1 === "number";
  if (!ok) throw new TypeError(`expected a Countdown split row, got ${JSON.stringify(value)}`);
  const problem = {
    id: row.id as string,
    digits: digits as number[],
    target: row.target as number,
    solutions: row.solutions as number,
    teacherPass1: row.teacherPass1 as number,
  };
  if (problemKey(problem) !== problem.id) {
    throw new TypeError(`id does not match digits and target, got ${JSON.stringify(value)}`);
  }
  return problem;
}

/**
 * Parses a split from JSON Lines, checking every row.
 *
 * @param text The JSONL text.
 * @param options `source`: a name for error messages.
 * @returns The problems, in file order.
 * @throws {SyntaxError} (a `JsonlError`) naming every malformed line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => parseSplit('{"id":"x"}\n'), /line 1/);
 * ```
 */
export function parseSplit(text: string, options: { source?: string } = {}): SplitProblem[] {
  const { source = "Countdown split" } = options;
  return parseJsonl(text, parseRow, { source });
}

/** Where the committed splits live. */
export const SPLITS_DIR: string = new URL("../../data/tasks/", import.meta.url).pathname;

/**
 * Loads a committed split from `data/tasks/<name>.jsonl`.
 *
 * @param name The split.
 * @param options `dir`: another directory holding `<name>.jsonl` files.
 * @returns Its problems.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const tierC = await loadCountdownSplit("tierC");
 * assert.ok(tierC.every((p) => p.solutions === 1));
 * ```
 */
export async function loadCountdownSplit(
  name: SplitName,
  options: { dir?: string } = {},
): Promise<SplitProblem[]> {
  const { dir = SPLITS_DIR } = options;
  const path = `${dir.replace(/\/$/, "")}/${name}.jsonl`;
  return parseSplit(await Deno.readTextFile(path), { source: path });
}

/**
 * Writes every split to `<dir>/<name>.jsonl` atomically.
 *
 * @param splits The splits.
 * @param options `dir`: the directory (created if missing).
 * @returns A promise that resolves once every file is in place.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const empty = { train: [], tierA: [], tierB: [], tierC: [] };
 * await writeCountdownSplits(empty, { dir });
 * assert.deepEqual(await loadCountdownSplit("tierA", { dir }), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCountdownSplits(
  splits: Readonly<Record<SplitName, readonly SplitProblem[]>>,
  options: { dir?: string } = {},
): Promise<void> {
  const { dir = SPLITS_DIR } = options;
  await Deno.mkdir(dir, { recursive: true });
  for (const name of SPLIT_NAMES) {
    await writeTextFileAtomic(`${dir.replace(/\/$/, "")}/${name}.jsonl`, formatSplit(splits[name]));
  }
}
