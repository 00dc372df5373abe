/**
 * The salvage study's screen of a base, before any RL run: its Pass@k at T = 1 and greedy
 * accuracy on the primary set, and the salvage shares of its wrong samples (the feasible share,
 * tasks/countdown_salvage.ts, and the success-weighted one), each with a 95% bootstrap interval
 * over problems. The rule that admits bases as the study's controls is {@link screenControls}.
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import { meanInterval } from "../eval/compare.ts";
import { passAtK } from "../eval/passk.ts";
import type { Policy } from "../model/policy.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { sampleRollouts } from "../rollout/sample_rollouts.ts";
import { type CountdownProblem, countdownPrompt } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";
import {
  type SalvageRecord,
  salvageShares,
  successWeightedShares,
  summarizeSalvage,
} from "./countdown_salvage.ts";
import { evaluateCountdown, greedyCountdown } from "./evaluate_countdown.ts";

/** What the screen measured on one base. */
export type BaseScreen = {
  /** Pass@1 at T = 1 on the screened problems, with its interval over problems. */
  readonly passAt1: Interval;
  /** Pass@kMax at T = 1. */
  readonly passAtKmax: Interval;
  /** The k of `passAtKmax`. */
  readonly kMax: number;
  /** Share of problems the greedy response solves. */
  readonly greedyAccuracy: number;
  /** Mean token entropy of the T = 1 samples (nats). */
  readonly entropy: number;
  /** Mean distinct correct responses over the problems solved at least once. */
  readonly distinctCorrect: number;
  /** Per problem: successes c of n samples, and whether greedy decoding solved it. */
  readonly problems: readonly { readonly c: number; readonly n: number; readonly greedy: number }[];
  /** The feasible salvage share (mean over problems of each problem's mean). */
  readonly salvageShare: Interval;
  /** The success-weighted salvage share, the same way. */
  readonly successWeightedShare: Interval;
  /** Wrong samples measured, and the median position of their fatal token. */
  readonly wrongSamples: number;
  /** Median index of the fatal token in the response. */
  readonly medianFatal: number | null;
};

/** Options of {@link screenBase}. */
export type ScreenOptions = {
  /** The policy's tokenizer. */
  readonly tokenizer: Tokenizer;
  /** Samples per problem for Pass@k. */
  readonly samples: number;
  /** The largest k reported (at most `samples`). */
  readonly kMax: number;
  /** Problems (the first ones given) whose wrong samples are measured for salvage. */
  readonly salvageProblems: number;
  /** Samples per problem drawn for the salvage measurement. */
  readonly salvageSamples: number;
  /** Continuations per live alternative for the success-weighted share. */
  readonly completions: number;
  /** The response budget in characters (the sampler's token limit minus EOS). */
  readonly maxChars: number;
  /** Seed of every draw. */
  readonly seed: number;
  /** Bootstrap resamples. Default 1000. */
  readonly resamples?: number;
};

/**
 * Screens a base (module doc).
 *
 * @param policy The base.
 * @param problems The screened problems (the study's primary set), each with an `id`.
 * @param options Sizes and seeds ({@link ScreenOptions}).
 * @returns The screen.
 * @throws {RangeError} If `kMax` exceeds `samples` or no wrong sample has a fatal token.
 */
export async function screenBase(
  policy: Policy,
  problems: readonly (CountdownProblem & { readonly id: string })[],
  options: ScreenOptions,
): Promise<BaseScreen> {
  const { tokenizer, samples, kMax, seed, maxChars, resamples = 1000 } = options;
  if (kMax > samples) {
    throw new RangeError(`Cannot screen a base: kMax must be <= samples (${samples}), got ${kMax}`);
  }
  const summary = await evaluateCountdown(policy, problems, {
    samples,
    temperature: 1,
    topP: 1,
    seed,
    tokenizer,
    ks: [1, kMax],
  });
  const greedy = await greedyCountdown(policy, problems, { tokenizer, seed });
  const perK = (k: number) =>
    meanInterval(summary.problems.map((p) => passAtK(p.n, p.c, k)), { resamples });
  // Salvage: wrong samples of the first `salvageProblems` problems.
  const measured = problems.slice(0, options.salvageProblems);
  const rollouts = await sampleRollouts(policy, measured.map(countdownPrompt), {
    samplesPerPrompt: options.salvageSamples,
    temperature: 1,
    topP: 1,
    topK: 0,
    greedy: false,
    maxNewTokens: maxChars + 1,
    seed: seed + 1,
    tokenizer,
  });
  const wrong = rollouts
    .filter((r) => !gradeCountdown(measured[r.promptIndex], r.response).correct)
    .map((r) => ({
      problem: measured[r.promptIndex],
      promptTokens: r.promptTokens,
      responseTokens: r.responseTokens,
    }));
  const records = salvageShares(policy, wrong, { tokenizer, maxChars });
  const weights = await successWeightedShares(policy, wrong, records, {
    tokenizer,
    maxChars,
    completions: options.completions,
    seed: seed + 2,
  });
  const feasible = summarizeSalvage(records, { resamples });
  const weighted = summarizeSalvage(
    records.map((r, i): SalvageRecord => ({ ...r, share: weights[i] })),
    { resamples },
  );
  return {
    passAt1: perK(1),
    passAtKmax: perK(kMax),
    kMax,
    greedyAccuracy: greedy.reduce((a, g) => a + g.correct, 0) / greedy.length,
    entropy: summary.entropy,
    distinctCorrect: summary.distinctCorrect,
    problems: summary.problems.map((p, i) => ({ c: p.c, n: p.n, greedy: greedy[i].correct })),
    salvageShare: feasible.share,
    successWeightedShare: weighted.share,
    wrongSamples: feasible.samples,
    medianFatal: feasible.medianFatal,
  };
}

/** The rule that admits a study's bases, fixed before any RL run. */
export type ControlRule = {
  /** The largest |Pass@1 − the reference base's Pass@1| a base may have. */
  readonly passAt1Tolerance: number;
  /** The smallest gap between the controls' salvage shares (point estimates). */
  readonly minShareGap: number;
};

/** The rule's finding on a set of screened bases. */
export type ControlScreen = {
  /** Per base: its Pass@1 minus the reference's, and whether it lies within the tolerance. */
  readonly matched: Record<string, { readonly difference: number; readonly within: boolean }>;
  /** The positive control's share minus the negative control's, with their intervals apart. */
  readonly shareGap: number;
  /** Whether the two controls' share intervals do not overlap. */
  readonly separated: boolean;
  /** Whether every base is matched and the gap is at least the rule's. */
  readonly admitted: boolean;
};

/**
 * Applies the control rule: every base's Pass@1 within the tolerance of the reference base's, and
 * the positive control's salvage share (`share` picks feasible or success-weighted) at least
 * `minShareGap` above the negative control's.
 *
 * @param screens Screened bases by name.
 * @param roles Which base is the reference, the positive and the negative control.
 * @param rule The rule.
 * @param share Which share the study's hypotheses use.
 * @returns The finding.
 * @throws {RangeError} If a role names a base that is not screened.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = (p: number, share: number) => ({
 *   passAt1: { estimate: p, lower: p, upper: p },
 *   salvageShare: { estimate: share, lower: share - 0.02, upper: share + 0.02 },
 *   successWeightedShare: { estimate: share / 2, lower: share / 2, upper: share / 2 },
 * });
 * const found = screenControls(
 *   { v3: s(0.27, 0.75), pos: s(0.28, 0.9), neg: s(0.26, 0.6) },
 *   { reference: "v3", positive: "pos", negative: "neg" },
 *   { passAt1Tolerance: 0.03, minShareGap: 0.2 },
 *   "salvageShare",
 * );
 * assert.equal(found.admitted, true);
 * ```
 */
export function screenControls(
  screens: Record<string, Pick<BaseScreen, "passAt1" | "salvageShare" | "successWeightedShare">>,
  roles: { readonly reference: string; readonly positive: string; readonly negative: string },
  rule: ControlRule,
  share: "salvageShare" | "successWeightedShare",
): ControlScreen {
  for (const [role, name] of Object.entries(roles)) {
    if (screens[name] === undefined) {
      throw new RangeError(
        `Cannot screen controls: ${role} names ${JSON.stringify(name)}, which is not screened (${
          Object.keys(screens).join(", ")
        })`,
      );
    }
  }
  const reference = screens[roles.reference].passAt1.estimate;
  const matched = Object.fromEntries(
    Object.entries(screens).map(([name, s]) => {
      const difference = s.passAt1.estimate - reference;
      return [name, { difference, within: Math.abs(difference) <= rule.passAt1Tolerance }];
    }),
  );
  const positive = screens[roles.positive][share];
  const negative = screens[roles.negative][share];
  const shareGap = positive.estimate - negative.estimate;
  return {
    matched,
    shareGap,
    separated: positive.lower > negative.upper,
    admitted: Object.values(matched).every((m) => m.within) && shareGap >= rule.minShareGap,
  };
}
