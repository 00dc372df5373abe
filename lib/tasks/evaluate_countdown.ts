/**
 * Evaluating a policy on Countdown problems: sample n responses per problem, grade each with
 * {@link gradeCountdown} (the verifier path), and summarise as unbiased Pass@k, mean token
 * entropy and the number of distinct correct responses per solved problem, the shape of
 * `data/base/passk.json`.
 *
 * @module
 */
import type { Policy } from "../model/policy.ts";
import type { ProblemOutcome } from "../eval/task.ts";
import type { SamplingPool } from "../model/sampling_pool.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { passAtKCurve, type PassAtKPoint, powersOfTwoUpTo } from "../eval/passk.ts";
import { type RolloutProgress, sampleRollouts } from "../rollout/sample_rollouts.ts";
import { type CountdownProblem, countdownPrompt, MAX_RESPONSE_CHARS } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";

/** What sampling measures of one problem: the sampled part of the one per-problem outcome. */
export type SampledOutcome = Pick<ProblemOutcome, "n" | "c" | "distinctCorrect" | "sampleEntropy">;

/** A tier's summary: the Pass@k curve, entropy and diversity. */
export type CountdownSummary = {
  /** Unbiased Pass@k averaged over problems, per k (its interval: over problems, 1,000 draws). */
  readonly curve: readonly PassAtKPoint[];
  /** Mean entropy (nats, at temperature 1) over every sampled response token. */
  readonly entropy: number;
  /** Mean number of distinct correct responses over the problems solved at least once. */
  readonly distinctCorrect: number;
  /** Per-problem outcomes, in input order. */
  readonly problems: readonly SampledOutcome[];
};

/** Options of {@link evaluateCountdown}. */
export type EvaluateCountdownOptions = {
  /** Samples per problem n. */
  samples: number;
  /** Sampling temperature (1.0 is the primary evaluation). */
  temperature: number;
  /** Nucleus threshold (1 disables it). */
  topP: number;
  /** Seed of the sampling. */
  seed: number;
  /** The task's character tokenizer. */
  tokenizer: Tokenizer;
  /** Values of k (each ≤ samples). Default: powers of two up to `samples`. */
  ks?: readonly number[];
  /**
   * Sequences per forward batch (split between the pool's workers). Default 512: 256 rows per
   * worker of a 2-worker pool sample faster than 128 (the README's benchmark section).
   */
  batchSize?: number;
  /** Called as batches finish. */
  onProgress?: (progress: RolloutProgress) => void;
  /** Workers to sample in (see `sampleRollouts`); the same seed gives the same result. */
  pool?: SamplingPool;
};

/**
 * Summarises per-problem outcomes and entropies (plain numbers; no sampling).
 *
 * @param problems Per-problem outcomes.
 * @param options `ks`, and `entropy` (the mean token entropy to carry).
 * @returns The summary.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = summarizeCountdown([{ n: 4, c: 2, distinctCorrect: 2, sampleEntropy: 0.5 }, { n: 4, c: 0, distinctCorrect: 0, sampleEntropy: 0.5 }], { ks: [1, 4], entropy: 0.5 });
 * assert.deepEqual(s.curve.map((p) => p.estimate), [0.25, 0.5]);
 * assert.equal(s.distinctCorrect, 2);
 * ```
 */
export function summarizeCountdown(
  problems: readonly SampledOutcome[],
  options: { ks: readonly number[]; entropy: number },
): CountdownSummary {
  const { ks, entropy } = options;
  const curve = passAtKCurve(problems, ks);
  const solved = problems.filter((p) => p.c > 0);
  const distinctCorrect = solved.length === 0
    ? 0
    : solved.reduce((s, p) => s + p.distinctCorrect, 0) / solved.length;
  return { curve, entropy, distinctCorrect, problems };
}

/**
 * Samples a policy on problems and summarises Pass@k, entropy and diversity. A response cut off
 * at the length limit (no EOS) counts as wrong. BOUNDARY: plain data out (sampling runs in
 * `sampleRollouts`).
 *
 * @param policy The model.
 * @param problems The problems (e.g. a tier).
 * @param options See {@link EvaluateCountdownOptions}.
 * @returns The summary.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * import { COUNTDOWN_ALPHABET } from "./countdown.ts";
 * const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
 * const config = { vocabSize: tokenizer.vocabSize, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 48, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const options = { samples: 2, temperature: 1, topP: 1, seed: 0, tokenizer };
 * const summary = await evaluateCountdown(policy, [{ digits: [3, 9, 2, 5], target: 42 }], options);
 * assert.equal(summary.curve[0].estimate, 0); // an untrained model writes noise
 * ```
 */
export async function evaluateCountdown(
  policy: Policy,
  problems: readonly CountdownProblem[],
  options: EvaluateCountdownOptions,
): Promise<CountdownSummary> {
  const { samples, temperature, topP, seed, tokenizer, batchSize = 512, onProgress, pool } =
    options;
  const ks = options.ks ?? powersOfTwoUpTo(samples);
  const rollouts = await sampleRollouts(policy, problems.map(countdownPrompt), {
    samplesPerPrompt: samples,
    temperature,
    topP,
    topK: 0,
    greedy: false,
    // Room for the longest response plus its EOS.
    maxNewTokens: MAX_RESPONSE_CHARS + 1,
    seed,
    tokenizer,
    batchSize,
    onProgress,
    pool,
  });
  let entropySum = 0;
  let tokenCount = 0;
  const correct: Set<string>[] = problems.map(() => new Set());
  const counts = problems.map(() => 0);
  const entropySums = problems.map(() => 0);
  const tokenCounts = problems.map(() => 0);
  for (const r of rollouts) {
    for (const h of r.entropies) entropySums[r.promptIndex] += h;
    tokenCounts[r.promptIndex] += r.entropies.length;
    if (!r.truncated && gradeCountdown(problems[r.promptIndex], r.response).correct) {
      counts[r.promptIndex]++;
      correct[r.promptIndex].add(r.response);
    }
  }
  for (let i = 0; i < problems.length; i++) {
    entropySum += entropySums[i];
    tokenCount += tokenCounts[i];
  }
  const results = problems.map((_, i) => ({
    n: samples,
    c: counts[i],
    distinctCorrect: correct[i].size,
    sampleEntropy: tokenCounts[i] === 0 ? 0 : entropySums[i] / tokenCounts[i],
  }));
  return summarizeCountdown(results, {
    ks,
    entropy: tokenCount === 0 ? 0 : entropySum / tokenCount,
  });
}

/** One problem's greedy response: whether it is right and how uncertain the policy was. */
export type CountdownGreedyResult = {
  /** 1 if the greedy response is graded correct, else 0. */
  readonly correct: number;
  /** Mean token entropy (nats, at temperature 1) along the greedy response. */
  readonly entropy: number;
  /** Its length in tokens. */
  readonly length: number;
};

/**
 * Decodes each problem greedily once and grades it: the paper's held-out "test entropy" is the
 * entropy along such responses (Fig. 4). BOUNDARY: plain data out.
 *
 * @param policy The model.
 * @param problems The problems.
 * @param options The task's `tokenizer` and a `seed` (greedy decoding draws nothing, but the
 *   sampler takes one).
 * @returns One result per problem, in input order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * import { COUNTDOWN_ALPHABET } from "./countdown.ts";
 * const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
 * const config = { vocabSize: tokenizer.vocabSize, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 48, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const [result] = await greedyCountdown(policy, [{ digits: [3, 9, 2, 5], target: 42 }], { tokenizer, seed: 0 });
 * assert.equal(result.correct, 0);
 * ```
 */
export async function greedyCountdown(
  policy: Policy,
  problems: readonly CountdownProblem[],
  options: { tokenizer: Tokenizer; seed: number; pool?: SamplingPool },
): Promise<CountdownGreedyResult[]> {
  const { tokenizer, seed, pool } = options;
  const rollouts = await sampleRollouts(policy, problems.map(countdownPrompt), {
    samplesPerPrompt: 1,
    temperature: 1,
    topP: 1,
    topK: 0,
    greedy: true,
    maxNewTokens: MAX_RESPONSE_CHARS + 1,
    seed,
    tokenizer,
    batchSize: 512,
    pool,
  });
  const results: CountdownGreedyResult[] = new Array(problems.length);
  for (const r of rollouts) {
    const right = !r.truncated && gradeCountdown(problems[r.promptIndex], r.response).correct;
    const n = r.entropies.length;
    results[r.promptIndex] = {
      correct: right ? 1 : 0,
      entropy: n === 0 ? 0 : r.entropies.reduce((a, h) => a + h, 0) / n,
      length: r.responseTokens.length,
    };
  }
  return results;
}
