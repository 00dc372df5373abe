/**
 * The teacher: a stand-in for a real model's habits on Countdown, used to write the pretraining
 * corpus. It is a biased random search with several strategies, each a family of expression
 * shapes that is right on some problems and wrong on others:
 * - `add`: sums, maybe one subtraction at the end (`9+8+5-3`): right on small targets;
 * - `multiply`: a product, then add or subtract digits (`9*8-5+3`): right near products;
 * - `pairs`: two pairs combined (`9*8-6*5`, `9*8+(6-5)`);
 * - `factor`: a sum or difference times a digit, then adjust (`(9-3)*5+2`): rarely chosen;
 * - `random`: any tree, a rare guess that gives every problem some chance.
 *
 * The strategy is picked from features of the target. Within it the teacher tries a few
 * candidates in a biased random order (larger digits first, subtraction disliked) and writes the
 * first one its *believed* arithmetic says hits the target, else the closest one tried (a near
 * miss), sometimes fudging the last step to claim the target anyway.
 *
 * Its believed arithmetic has systematic misconceptions, each held in most responses:
 * 7×8 = 54 and 6×9 = 56 (swapped tables), and smaller-from-larger subtraction of units
 * (42−7 = 45). On problems whose natural solution uses them, the teacher's most common answer is
 * wrong while the right one still appears. Writing a step can slip (a claim off by 1 or 10), and the
 * chance grows with the step's position, so longer workings fail more often.
 *
 * @module
 */
import type { Prng } from "../random.ts";
import { randomInt } from "../random.ts";
import { BOX_OPEN, type CountdownProblem } from "./countdown.ts";
import { type Expr, exprValue, type Operator } from "./expression.ts";
import { formatWorking, parseWorking, type WorkingStep } from "./working.ts";

/** The teacher's strategies. */
export type TeacherStrategy = "add" | "multiply" | "pairs" | "factor" | "random";

/** Every {@link TeacherStrategy}. */
export const TEACHER_STRATEGIES: readonly TeacherStrategy[] = [
  "add",
  "multiply",
  "pairs",
  "factor",
  "random",
];

/** How the teacher's search and error model are tuned. */
export type TeacherOptions = {
  /** Slip chance of the first step; step k (0-based) slips with `slipRate·(k+1)`. */
  slipRate?: number;
  /** Chance that a near miss claims the target in its last step anyway. */
  fudgeRate?: number;
  /** Chance, per response, of holding the swapped-tables misconception (7×8=54, 6×9=56). */
  tablesRate?: number;
  /** Chance, per response, of subtracting units smaller-from-larger (42−7=45). */
  borrowRate?: number;
  /** Fewest candidates one strategy's search tries (drawn uniformly up to `maxBudget`). */
  minBudget?: number;
  /** Most candidates one strategy's search tries. */
  maxBudget?: number;
  /** Chance of trying a second strategy after the first one's search fails. */
  switchRate?: number;
  /** Weight multiplier of a strategy whose family holds a solution as the teacher believes. */
  intuition?: number;
  /** Power of the candidate preference (larger digits first, few subtractions) in the search. */
  sharpness?: number;
  /** Scale (in units of the target) of the search's pull toward candidates that land close. */
  closeness?: number;
};

/** One response of the teacher, with how it came about. */
export type TeacherSample = {
  /** The response text: working, then `\boxed{…}`. */
  readonly response: string;
  /** The teacher's own mark: the working follows the rules and reaches the target. */
  readonly correct: boolean;
  /** The strategy that wrote it. */
  readonly strategy: TeacherStrategy;
  /** `hit`: the search found a believed solution; `miss`: honest near miss; `fudge`: claimed. */
  readonly outcome: "hit" | "miss" | "fudge";
  /** Whether a writing slip happened. */
  readonly slipped: boolean;
};

const digit = (value: number): Expr => ({ kind: "digit", value });
const op = (o: Operator, left: Expr, right: Expr): Expr => ({ kind: "op", op: o, left, right });

/** Every ordered selection of `k` distinct items. */
function arrangements(items: readonly number[], k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  items.forEach((x, i) => {
    const rest = items.filter((_, j) => j !== i);
    for (const tail of arrangements(rest, k - 1)) out.push([x, ...tail]);
  });
  return out;
}

/** The candidate shapes of a strategy over the given digits. */
function candidates(strategy: TeacherStrategy, digits: readonly number[]): Expr[] {
  const d = digit;
  const pm: Operator[] = ["+", "-"];
  const out: Expr[] = [];
  switch (strategy) {
    case "add":
      for (const [a, b, c, e] of arrangements(digits, 4)) {
        out.push(op("+", d(a), d(b)));
        out.push(op("+", op("+", d(a), d(b)), d(c)));
        out.push(op("+", op("+", op("+", d(a), d(b)), d(c)), d(e)));
        out.push(op("-", op("+", d(a), d(b)), d(c)));
        out.push(op("-", op("+", op("+", d(a), d(b)), d(c)), d(e)));
      }
      break;
    case "multiply":
      for (const [a, b, c, e] of arrangements(digits, 4)) {
        out.push(op("*", d(a), d(b)));
        for (const o1 of pm) {
          out.push(op(o1, op("*", d(a), d(b)), d(c)));
          for (const o2 of pm) out.push(op(o2, op(o1, op("*", d(a), d(b)), d(c)), d(e)));
        }
      }
      break;
    case "pairs":
      for (const [a, b, c, e] of arrangements(digits, 4)) {
        for (const o of pm) {
          out.push(op(o, op("*", d(a), d(b)), op("*", d(c), d(e))));
          out.push(op(o, op("*", d(a), d(b)), op("+", d(c), d(e))));
          out.push(op(o, op("*", d(a), d(b)), op("-", d(c), d(e))));
        }
      }
      break;
    case "factor":
      for (const [a, b, c, e] of arrangements(digits, 4)) {
        for (const o1 of pm) {
          out.push(op("*", op(o1, d(a), d(b)), d(c)));
          for (const o2 of pm) out.push(op(o2, op("*", op(o1, d(a), d(b)), d(c)), d(e)));
          out.push(op("*", op(o1, op("+", d(a), d(b)), d(c)), d(e)));
        }
      }
      break;
    case "random":
      break;
    default: {
      const never: never = strategy;
      throw new TypeError(`Cannot list candidates: unknown strategy, got ${never}`);
    }
  }
  return out;
}

/** A uniformly random tree over 2–4 random distinct digits. */
function randomTree(digits: readonly number[], prng: Prng): Expr {
  const pool = [...digits];
  const size = 2 + randomInt(prng, 3);
  let forest: Expr[] = [];
  for (let i = 0; i < size; i++) {
    forest.push(digit(pool.splice(randomInt(prng, pool.length), 1)[0]));
  }
  while (forest.length > 1) {
    const i = randomInt(prng, forest.length);
    const left = forest.splice(i, 1)[0];
    const j = randomInt(prng, forest.length);
    const right = forest.splice(j, 1)[0];
    const o = (["+", "-", "*"] as const)[randomInt(prng, 3)];
    // Subtract the smaller from the larger, so the tree stays positive.
    const swap = o === "-" && exprValue(left) <= exprValue(right);
    forest = [...forest, swap ? op(o, right, left) : op(o, left, right)];
  }
  return forest[0];
}

/** The teacher's preference for a candidate: bigger leading digits, fewer subtractions. */
function preference(expr: Expr): number {
  if (expr.kind === "digit") return 1 + expr.value / 9;
  const own = expr.op === "-" ? 0.5 : 1;
  return own * Math.sqrt(preference(expr.left)) * (expr.right.kind === "digit" ? 1 : 0.8);
}

/** Believed arithmetic: the true result unless a held misconception applies. */
type Beliefs = { tables: boolean; borrow: boolean };
function believe(o: Operator, a: number, b: number, beliefs: Beliefs): number {
  if (o === "*" && beliefs.tables) {
    const pair = `${Math.min(a, b)}x${Math.max(a, b)}`;
    if (pair === "7x8") return 54;
    if (pair === "6x9") return 56;
  }
  if (o === "-" && beliefs.borrow && a >= 10 && b < 10 && a % 10 < b) {
    return a - (a % 10) + (b - (a % 10)); // units subtracted smaller-from-larger: 42−7 → 45
  }
  return o === "+" ? a + b : o === "-" ? a - b : a * b;
}

function believedValue(expr: Expr, beliefs: Beliefs): number {
  if (expr.kind === "digit") return expr.value;
  return believe(
    expr.op,
    believedValue(expr.left, beliefs),
    believedValue(expr.right, beliefs),
    beliefs,
  );
}

/** Strategy weights from features of the problem, like a model's surface heuristics. */
function strategyWeights(problem: CountdownProblem): Record<TeacherStrategy, number> {
  const sum = problem.digits.reduce((a, b) => a + b, 0);
  const t = problem.target;
  return {
    add: t <= sum ? 3 : 0.3,
    multiply: t >= 12 ? 3 : 0.5,
    pairs: t >= 20 ? 1.5 : 0.3,
    factor: 0.35,
    random: 0.15,
  };
}

function pickWeighted<T extends string>(weights: Record<T, number>, prng: Prng): T {
  const entries = Object.entries(weights) as [T, number][];
  let u = prng() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [key, w] of entries) {
    u -= w;
    if (u < 0) return key;
  }
  return entries[entries.length - 1][0];
}

/** Writes a tree as steps under believed arithmetic, with slips growing with position. */
function writeSteps(
  expr: Expr,
  beliefs: Beliefs,
  slipRate: number,
  prng: Prng,
): { steps: WorkingStep[]; slipped: boolean } {
  const steps: WorkingStep[] = [];
  let slipped = false;
  const walk = (e: Expr): number => {
    if (e.kind === "digit") return e.value;
    // Independent subtrees: usually left first, sometimes the other way round.
    const rightFirst = e.left.kind === "op" && e.right.kind === "op" && prng() < 0.3;
    const r0 = rightFirst ? walk(e.right) : 0;
    const l = walk(e.left);
    const r = rightFirst ? r0 : walk(e.right);
    let claim = believe(e.op, l, r, beliefs);
    if (prng() < slipRate * (steps.length + 1)) {
      const delta = claim >= 20 && prng() < 0.4 ? 10 : 1;
      claim = Math.max(0, claim + (prng() < 0.5 ? -delta : delta));
      slipped = true;
    }
    const swap = e.op !== "-" && (l < r ? prng() < 0.7 : prng() < 0.15);
    steps.push(
      swap ? { left: r, op: e.op, right: l, claim } : { left: l, op: e.op, right: r, claim },
    );
    return claim;
  };
  walk(expr);
  return { steps, slipped };
}

/**
 * Samples teacher responses to a problem.
 *
 * @param problem The problem.
 * @param count How many independent responses to sample.
 * @param options `prng`, and the error model's rates (see {@link TeacherOptions}).
 * @returns The responses, each with the teacher's own (truthful) mark.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * const [sample] = teacherResponses({ digits: [3, 9, 2, 5], target: 42 }, 1, { prng: seededPrng(1) });
 * assert.match(sample.response, /\\boxed\{\d+\}$/);
 * ```
 */
export function teacherResponses(
  problem: CountdownProblem,
  count: number,
  options: TeacherOptions & { prng: Prng },
): TeacherSample[] {
  const {
    prng,
    slipRate = 0.04,
    fudgeRate = 0.35,
    tablesRate = 0.85,
    borrowRate = 0.7,
    minBudget = 4,
    maxBudget = 40,
    switchRate = 0.5,
    intuition = 5,
    sharpness = 4,
    closeness = 3,
  } = options;
  const surface = strategyWeights(problem);
  const shapes = new Map<TeacherStrategy, Expr[]>();
  const pools = new Map<string, { pool: Expr[]; gaps: number[]; cumulative: number[] }>();
  const poolOf = (strategy: TeacherStrategy, beliefs: Beliefs) => {
    const key = `${strategy}${beliefs.tables}${beliefs.borrow}`;
    let entry = pools.get(key);
    if (entry === undefined) {
      let pool = shapes.get(strategy);
      if (pool === undefined) {
        pool = candidates(strategy, problem.digits).filter(isPositive);
        shapes.set(strategy, pool);
      }
      const gaps = pool.map((e) => Math.abs(believedValue(e, beliefs) - problem.target));
      let total = 0;
      // Preference (to a power that sets how biased) times a feel for how close a candidate
      // lands: a directed search, not a blind one.
      const cumulative = pool.map((e, i) =>
        total += preference(e) ** sharpness * Math.exp(-gaps[i] / closeness)
      );
      entry = { pool, gaps, cumulative };
      pools.set(key, entry);
    }
    return entry;
  };
  // The teacher's feel for which approach fits: a strategy whose family holds a solution (as the
  // teacher believes arithmetic works) is more likely to be picked.
  const weightsByBeliefs = new Map<string, Record<TeacherStrategy, number>>();
  const weightsFor = (beliefs: Beliefs): Record<TeacherStrategy, number> => {
    const key = `${beliefs.tables}${beliefs.borrow}`;
    let weights = weightsByBeliefs.get(key);
    if (weights === undefined) {
      weights = { ...surface };
      for (const s of TEACHER_STRATEGIES) {
        if (s === "random") continue;
        const fits = poolOf(s, beliefs).gaps.includes(0);
        if (fits) weights[s] *= intuition;
      }
      weightsByBeliefs.set(key, weights);
    }
    return weights;
  };
  const samples: TeacherSample[] = [];
  for (let i = 0; i < count; i++) {
    const beliefs: Beliefs = { tables: prng() < tablesRate, borrow: prng() < borrowRate };
    const weights = weightsFor(beliefs);
    // One strategy, and if its search fails, sometimes a second one.
    let strategy = pickWeighted(weights, prng);
    let best: Expr | null = null;
    let bestGap = Infinity;
    for (let attempt = 0; attempt < 2 && bestGap > 0; attempt++) {
      if (attempt > 0) {
        if (prng() >= switchRate) break;
        strategy = pickWeighted(weights, prng);
      }
      const budget = strategy === "random"
        ? 1
        : minBudget + randomInt(prng, maxBudget - minBudget + 1);
      for (let tries = 0; tries < budget; tries++) {
        const expr = strategy === "random"
          ? randomTree(problem.digits, prng)
          : weightedDraw(poolOf(strategy, beliefs), prng);
        const gap = Math.abs(believedValue(expr, beliefs) - problem.target);
        if (gap < bestGap || (gap === bestGap && prng() < 0.5)) [best, bestGap] = [expr, gap];
        if (gap === 0) break;
      }
    }
    const { steps, slipped } = writeSteps(best as Expr, beliefs, slipRate, prng);
    let outcome: TeacherSample["outcome"] = bestGap === 0 ? "hit" : "miss";
    if (outcome === "miss" && prng() < fudgeRate) {
      steps[steps.length - 1] = { ...steps[steps.length - 1], claim: problem.target };
      outcome = "fudge";
    }
    const boxed = steps[steps.length - 1].claim;
    const response = `${formatWorking(steps)}${BOX_OPEN}${boxed}}`;
    samples.push({ response, correct: isRight(problem, steps, boxed), strategy, outcome, slipped });
  }
  return samples;
}

function weightedDraw(entry: { pool: Expr[]; cumulative: number[] }, prng: Prng): Expr {
  const { pool, cumulative } = entry;
  const u = prng() * cumulative[cumulative.length - 1];
  let lo = 0, hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] <= u) lo = mid + 1;
    else hi = mid;
  }
  return pool[lo];
}

/** Every intermediate value positive: the task's rule, so a correct working can be written. */
function isPositive(expr: Expr): boolean {
  return expr.kind === "digit" ||
    (isPositive(expr.left) && isPositive(expr.right) && exprValue(expr) > 0);
}

/** The teacher's truthful mark: re-read its own working and evaluate it exactly. */
function isRight(problem: CountdownProblem, steps: readonly WorkingStep[], boxed: number): boolean {
  const parsed = parseWorking(formatWorking(steps), problem.digits);
  return parsed.ok && boxed === problem.target && exprValue(parsed.expr) === problem.target;
}
