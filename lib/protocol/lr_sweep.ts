/**
 * The learning-rate sweep of the protocol: one objective (the paper's W-REINFORCE) trained from
 * the base at each candidate rate, scored on validation problems held out from the test tiers,
 * and the rate with the best mean Pass@k over k chosen for every method. A prototype here found
 * learning rate × steps to be the strongest lever of all, so the rate is picked by numbers, not
 * by hand.
 *
 * @module
 */
import type { ExperimentConfig } from "../config.ts";
import { passAtK } from "../eval/passk.ts";
import type { Progress } from "../progress.ts";
import {
  methodConfigs,
  type ProtocolProblem,
  type Reproduction,
  type ReproductionOptions,
  runReproduction,
  type SamplingSetting,
} from "./reproduction.ts";

/** One candidate's score. */
export type LearningRateScore = {
  /** The candidate learning rate. */
  readonly learningRate: number;
  /** Mean Pass@1 over validation problems and seeds. */
  readonly pass1: number;
  /** Mean Pass@k at the largest k (= n). */
  readonly passMax: number;
  /** The selection score: mean over k = 1, 2, 4, …, n of mean Pass@k. */
  readonly meanPassAtK: number;
  /** Whether this rate was chosen. */
  readonly chosen: boolean;
};

/** What {@link sweepLearningRate} returns. */
export type LearningRateSweep = {
  /** The chosen rate: the best `meanPassAtK` (the smaller rate on a tie). */
  readonly chosen: number;
  /** Every candidate, in the order given, with the base's score first (`learningRate` 0). */
  readonly scores: readonly LearningRateScore[];
  /** The underlying reproduction (method names `lr=<rate>`, one tier "validation"). */
  readonly reproduction: Reproduction;
};

/** Options of {@link sweepLearningRate}. */
export type LearningRateSweepOptions = {
  /** The base model, as for `runReproduction`. */
  readonly base: ReproductionOptions["base"];
  /** The shared config; its objective is the one swept (the protocol: W-REINFORCE). */
  readonly config: ExperimentConfig;
  /** Candidate learning rates (each > 0). */
  readonly rates: readonly number[];
  /** Training seeds. */
  readonly seeds: readonly number[];
  /** Training problems. */
  readonly problems: readonly ProtocolProblem[];
  /** Validation problems: held out from training AND from the test tiers. */
  readonly validation: readonly ProtocolProblem[];
  /** How validation is sampled (n must be a power of two for the k grid). */
  readonly setting: SamplingSetting;
  /** Root of the caches. */
  readonly cacheDir: string;
  /** Progress, as for `runReproduction`. */
  readonly onProgress?: (progress: Progress) => void;
  /** Sampling workers for the evaluations, as for `runReproduction`. */
  readonly pool?: ReproductionOptions["pool"];
};

/**
 * The name a swept rate gets as a method: `lr=1e-4`.
 *
 * @param rate The learning rate.
 * @returns The method name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(learningRateName(0.0003), "lr=3e-4");
 * ```
 */
export function learningRateName(rate: number): string {
  return `lr=${rate.toExponential()}`;
}

/**
 * Scores candidates from their validation outcomes: mean Pass@k over problems and seeds at each
 * k = 1, 2, 4, …, n, averaged over k; the best score wins, the smaller rate on a tie.
 *
 * @param outcomes Rate → per-seed lists of `{ n, c }` per problem (every problem has the same n).
 * @returns Scores in the order given, the chosen one marked.
 * @throws {RangeError} If there are no candidates, or a candidate has no problems.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const scores = scoreLearningRates(new Map([
 *   [1e-4, [[{ n: 4, c: 1 }]]],
 *   [1e-3, [[{ n: 4, c: 0 }]]],
 * ]));
 * assert.deepEqual(scores.map((s) => [s.learningRate, s.chosen]), [[1e-4, true], [1e-3, false]]);
 * assert.equal(scores[0].pass1, 0.25);
 * ```
 */
export function scoreLearningRates(
  outcomes: ReadonlyMap<number, readonly (readonly { n: number; c: number }[])[]>,
): LearningRateScore[] {
  if (outcomes.size === 0) throw new RangeError("Cannot score learning rates: no candidates");
  const raw = [...outcomes].map(([learningRate, seeds]) => {
    const problems = seeds.flat();
    if (problems.length === 0) {
      throw new RangeError(`Cannot score learning rate ${learningRate}: no validation problems`);
    }
    const n = Math.min(...problems.map((p) => p.n));
    const ks = Array.from({ length: Math.floor(Math.log2(n)) + 1 }, (_, i) => 2 ** i);
    const curve = ks.map((k) =>
      problems.reduce((sum, p) => sum + passAtK(p.n, p.c, k), 0) / problems.length
    );
    const meanPassAtK = curve.reduce((a, b) => a + b, 0) / curve.length;
    return { learningRate, pass1: curve[0], passMax: curve[curve.length - 1], meanPassAtK };
  });
  const best = raw.reduce((a, b) =>
    b.meanPassAtK > a.meanPassAtK ||
      (b.meanPassAtK === a.meanPassAtK && b.learningRate < a.learningRate)
      ? b
      : a
  );
  return raw.map((score) => ({ ...score, chosen: score === best }));
}

/**
 * Runs the sweep: trains the config's objective at every candidate rate × seed (cached like any
 * run), evaluates the final checkpoints and the base on the validation problems, and chooses
 * the rate with {@link scoreLearningRates}. The base's score is reported beside (rate 0) but is
 * never chosen.
 *
 * @param options See {@link LearningRateSweepOptions}.
 * @returns The chosen rate, the scores and the reproduction behind them.
 * @throws {RangeError} If there are no rates or a rate is not > 0.
 * @example
 * ```ts ignore
 * const sweep = await sweepLearningRate({ base, config, rates: [1e-4, 3e-4, 1e-3], seeds: [0],
 *   problems, validation, setting: { samples: 64, temperature: 1, topP: 1 }, cacheDir: "../out/cache" });
 * const tuned = { ...config, train: { ...config.train, learningRate: sweep.chosen } };
 * ```
 */
export async function sweepLearningRate(
  options: LearningRateSweepOptions,
): Promise<LearningRateSweep> {
  const { base, config, rates, seeds, problems, validation, setting, cacheDir, onProgress, pool } =
    options;
  if (rates.length === 0) throw new RangeError("Cannot sweep learning rates: no rates given");
  const bad = rates.find((rate) => !(rate > 0));
  if (bad !== undefined) {
    throw new RangeError(`Cannot sweep learning rates: every rate must be > 0, got ${bad}`);
  }
  const methods = methodConfigs(
    config,
    Object.fromEntries(rates.map((rate) => [
      learningRateName(rate),
      { objective: { ...config.objective }, train: { learningRate: rate } },
    ])),
  );
  const reproduction = await runReproduction({
    base,
    methods,
    seeds,
    problems,
    tiers: { validation },
    settings: { validation: setting },
    cacheDir,
    onProgress,
    pool,
  });
  const byMethod = reproduction.evaluations.validation.validation;
  const outcomes = new Map(
    rates.map((rate) => [rate, byMethod[learningRateName(rate)].map((e) => e.problems)]),
  );
  const scores = scoreLearningRates(outcomes);
  const chosen = scores.find((s) => s.chosen)!.learningRate;
  const [baseScore] = scoreLearningRates(
    new Map([[0, byMethod[reproduction.base].map((e) => e.problems)]]),
  );
  return { chosen, scores: [{ ...baseScore, chosen: false }, ...scores], reproduction };
}
