/**
 * The baselines reproduction v3 compares every method against, chosen by rules stated before any
 * run:
 *
 * - **The cooled base** (plain sharpening): for each method, the grid temperature at which the
 *   base's Pass@1 on the primary set is closest to the method's (mean over seeds, primary
 *   setting); on a tie, the higher temperature (the smaller change to the base). A method that
 *   only sharpens the base lies on the cooled base's curve.
 * - **Matched movement**: the target is the smallest final primary-set Pass@1 gain over the base
 *   of any method (mean over seeds); for each method and seed, the checkpoint (the evaluated
 *   ones and the final step) whose gain is closest to the target, the earlier on a tie. Methods
 *   are then compared at equal movement as well as at equal steps.
 *
 * Plain numbers only: this file never imports tf.
 *
 * @module
 */
import { passAtK, type ProblemCounts } from "../eval/passk.ts";

/** A policy's evaluation at a step of its run: what movement matching reads of it. */
export type StepOutcomes = {
  /** The step. */
  readonly step: number;
  /** Per-problem counts. */
  readonly outcomes: readonly ProblemCounts[];
};

/** Mean Pass@k over problems of one evaluation. */
export function meanPassAtK(
  outcomes: readonly ProblemCounts[],
  k: number,
): number {
  if (outcomes.length === 0) {
    throw new RangeError("Cannot average Pass@k: an evaluation has no problems");
  }
  return outcomes.reduce((s, o) => s + passAtK(o.n, o.c, k), 0) / outcomes.length;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;

/** The cooled base chosen for one method. */
export type CooledBase = {
  /** The grid temperature chosen. */
  readonly temperature: number;
  /** The base's Pass@1 on the primary set at that temperature. */
  readonly passAt1: number;
  /** The base's Pass@k at the largest judged k there. */
  readonly passAtKmax: number;
  /** The method's Pass@1 it was matched to (mean over seeds). */
  readonly methodPassAt1: number;
};

/**
 * Chooses each method's cooled base (module doc).
 *
 * @param base The base's primary-set evaluation at each grid temperature (the primary
 *   temperature included, so an unmoved method matches it).
 * @param methods Each method's primary-set evaluations at the primary setting, one per seed.
 * @param kMax The largest judged k.
 * @returns Method → its cooled base.
 * @throws {RangeError} If the grid is empty or a method has no evaluation.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const outcomes = (c: number) => [{ n: 4, c }, { n: 4, c }];
 * const base = new Map([[1, outcomes(1)], [0.7, outcomes(2)], [0.5, outcomes(3)]]);
 * const chosen = chooseCooledBase(base, { NSR: [outcomes(2)] }, 2);
 * assert.equal(chosen.NSR.temperature, 0.7);
 * assert.equal(chosen.NSR.passAt1, 0.5);
 * ```
 */
export function chooseCooledBase(
  base: ReadonlyMap<number, readonly ProblemCounts[]>,
  methods: Readonly<Record<string, readonly (readonly ProblemCounts[])[]>>,
  kMax: number,
): Record<string, CooledBase> {
  if (base.size === 0) throw new RangeError("Cannot choose a cooled base: the grid is empty");
  const grid = [...base.entries()].map(([temperature, outcomes]) => ({
    temperature,
    passAt1: meanPassAtK(outcomes, 1),
    passAtKmax: meanPassAtK(outcomes, kMax),
  })).sort((a, b) => b.temperature - a.temperature);
  const out: Record<string, CooledBase> = {};
  for (const [method, seeds] of Object.entries(methods)) {
    if (seeds.length === 0) {
      throw new RangeError(`Cannot choose a cooled base: ${method} has no evaluation`);
    }
    const methodPassAt1 = mean(seeds.map((outcomes) => meanPassAtK(outcomes, 1)));
    // Highest temperature first, so a tie keeps the smaller change to the base.
    const best = grid.reduce((a, b) =>
      Math.abs(b.passAt1 - methodPassAt1) < Math.abs(a.passAt1 - methodPassAt1) ? b : a
    );
    out[method] = { ...best, methodPassAt1 };
  }
  return out;
}

/** One method's checkpoints at matched movement. */
export type MatchedMethod = {
  /** The chosen step of each seed, in seed order. */
  readonly steps: readonly number[];
  /** The chosen checkpoints' Pass@1 gains over the base, one per seed. */
  readonly gains: readonly number[];
};

/** What {@link matchMovement} chooses. */
export type MatchedMovement = {
  /** The rule, in words. */
  readonly rule: string;
  /** The common Pass@1 gain every method is matched to. */
  readonly target: number;
  /** Method → its chosen checkpoints. */
  readonly methods: Readonly<Record<string, MatchedMethod>>;
};

/**
 * Matches methods by movement (module doc).
 *
 * @param runs Method → per seed: the final step's primary-set evaluation (with its step) and the
 *   checkpoints' evaluations.
 * @param basePassAt1 The base's primary-set Pass@1 per seed, in the same seed order.
 * @returns The target and each method's chosen steps and gains.
 * @throws {RangeError} If there is no method, or a method's seeds differ from the base's.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const at = (step: number, c: number) => ({ step, outcomes: [{ n: 4, c }] });
 * const matched = matchMovement({
 *   PSR: [{ final: at(3, 4), checkpoints: [at(1, 2), at(2, 3)] }],
 *   NSR: [{ final: at(3, 2), checkpoints: [at(1, 1), at(2, 2)] }],
 * }, [0.25]);
 * assert.equal(matched.target, 0.25); // NSR's final gain, the smallest
 * assert.deepEqual(matched.methods.PSR.steps, [1]); // PSR reached that gain at step 1
 * assert.deepEqual(matched.methods.NSR.steps, [2]); // the earlier of two equal gains
 * ```
 */
export function matchMovement(
  runs: Readonly<
    Record<
      string,
      readonly {
        readonly final: StepOutcomes;
        readonly checkpoints: readonly StepOutcomes[];
      }[]
    >
  >,
  basePassAt1: readonly number[],
): MatchedMovement {
  const methods = Object.entries(runs);
  if (methods.length === 0) throw new RangeError("Cannot match movement: no method");
  for (const [method, seeds] of methods) {
    if (seeds.length !== basePassAt1.length) {
      throw new RangeError(
        `Cannot match movement: ${method} has ${seeds.length} seeds, the base ${basePassAt1.length}`,
      );
    }
  }
  const gain = (e: StepOutcomes, seed: number) => meanPassAtK(e.outcomes, 1) - basePassAt1[seed];
  const target = Math.min(
    ...methods.map(([, seeds]) => mean(seeds.map((run, s) => gain(run.final, s)))),
  );
  const chosen: Record<string, MatchedMethod> = {};
  for (const [method, seeds] of methods) {
    const picks = seeds.map((run, s) => {
      const candidates = [...run.checkpoints, run.final].sort((a, b) => a.step - b.step);
      return candidates.map((c) => ({ step: c.step, gain: gain(c, s) })).reduce((a, b) =>
        Math.abs(b.gain - target) < Math.abs(a.gain - target) ? b : a
      );
    });
    chosen[method] = { steps: picks.map((p) => p.step), gains: picks.map((p) => p.gain) };
  }
  return {
    rule: "target: the smallest final primary-set Pass@1 gain over the base of any method (mean " +
      "over seeds); per method and seed, the evaluated checkpoint or final step whose gain is " +
      "closest to it (the earlier on a tie)",
    target,
    methods: chosen,
  };
}
