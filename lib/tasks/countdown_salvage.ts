/**
 * Salvage share: what the paper's explanation of NSR is about, measured on a policy's own wrong
 * samples. An NSR step on a wrong sample lowers the sampled token and hands its mass to the other
 * tokens in proportion to their probability; the step helps when that mass lands on continuations
 * that can still succeed. For a wrong Countdown sample, take the **fatal token**: the first one
 * after which no completion within the response budget is graded correct (liveness by the grader
 * itself: `countdown_liveness.ts`). At that position, the salvage share is
 *
 *   Σ_{v ≠ sampled, prefix·v live} π(v) / (1 − π(sampled)),
 *
 * the fraction of the mass an NSR step redistributes that lands on still-feasible continuations
 * (EOS is live there only if the prefix is already correct; BOS and PAD never are). A base whose
 * errors are salvageable is what the paper calls a strong prior.
 *
 * A BOUNDARY: one teacher-forced forward pass per batch of samples; plain numbers come out.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Interval } from "../eval/passk.ts";
import { meanInterval } from "../eval/compare.ts";
import type { Policy } from "../model/policy.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { forwardLogits } from "../model/transformer.ts";
import { sampleRollouts } from "../rollout/sample_rollouts.ts";
import type { CountdownProblem } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";
import { isLive } from "./countdown_liveness.ts";

/** One wrong sample to measure: its problem and the sampled ids. */
export type SalvageSample = {
  /** The problem (and an id to group samples by problem). */
  readonly problem: CountdownProblem & { readonly id: string };
  /** BOS + prompt ids. */
  readonly promptTokens: readonly number[];
  /** Sampled response ids (EOS included when it stopped on its own). */
  readonly responseTokens: readonly number[];
};

/** What {@link salvageShares} found for one wrong sample. */
export type SalvageRecord = {
  /** The problem's id. */
  readonly problemId: string;
  /**
   * Index in the response of the fatal token; null when the sample has none (its problem cannot
   * be solved within the budget at all, or the sample is correct).
   */
  readonly fatal: number | null;
  /** π of the fatal token. */
  readonly sampledProbability: number | null;
  /** The salvage share at the fatal token (module doc); null without a fatal token. */
  readonly share: number | null;
  /** The live alternatives at the fatal token (other tokens that keep it live), with their π. */
  readonly alternatives: readonly { readonly token: number; readonly probability: number }[];
};

/** Options of {@link salvageShares}. */
export type SalvageOptions = {
  /** The tokenizer the policy samples with (a character tokenizer: one character per id). */
  readonly tokenizer: Tokenizer;
  /**
   * The longest response text that can still be graded: the sampler's token limit minus one
   * for EOS (the shipped protocol: 39 new tokens, so 38 characters).
   */
  readonly maxChars: number;
  /** Samples per forward pass. Default 64. */
  readonly batchSize?: number;
};

/**
 * The fatal token and salvage share of each sample (module doc).
 *
 * @param policy The policy that sampled them.
 * @param samples Wrong samples (a correct one gets no fatal token).
 * @param options Tokenizer, response budget and batch size.
 * @returns One record per sample, in order.
 * @throws {RangeError} If a sequence exceeds the policy's context.
 */
export function salvageShares(
  policy: Policy,
  samples: readonly SalvageSample[],
  options: SalvageOptions,
): SalvageRecord[] {
  const { tokenizer, maxChars, batchSize = 64 } = options;
  const out: SalvageRecord[] = [];
  for (let start = 0; start < samples.length; start += batchSize) {
    const batch = samples.slice(start, start + batchSize);
    const fatal = batch.map((s) => fatalToken(s, tokenizer, maxChars));
    const rows = distributionsAt(policy, batch, fatal, tokenizer.pad);
    batch.forEach((sample, i) => {
      const at = fatal[i];
      const probs = rows[i];
      if (at === null || probs === null) {
        out.push({
          problemId: sample.problem.id,
          fatal: null,
          sampledProbability: null,
          share: null,
          alternatives: [],
        });
        return;
      }
      const prefix = tokenizer.decode(sample.responseTokens.slice(0, at));
      const sampled = sample.responseTokens[at];
      const alternatives = probs.flatMap((probability, token) =>
        token !== sampled && tokenLive(sample.problem, prefix, token, tokenizer, maxChars)
          ? [{ token, probability }]
          : []
      );
      const live = alternatives.reduce((a, x) => a + x.probability, 0);
      const rest = 1 - probs[sampled];
      out.push({
        problemId: sample.problem.id,
        fatal: at,
        sampledProbability: probs[sampled],
        share: rest > 0 ? live / rest : 0,
        alternatives,
      });
    });
  }
  return out;
}

/** Whether the response `prefix` followed by token `v` can still be graded correct. */
function tokenLive(
  problem: CountdownProblem,
  prefix: string,
  v: number,
  tokenizer: Tokenizer,
  maxChars: number,
): boolean {
  if (v === tokenizer.eos) return gradeCountdown(problem, prefix).correct;
  const text = tokenizer.decode([v]);
  return text.length > 0 && isLive(problem, prefix + text, maxChars);
}

/**
 * The index of the first response token after which the response is dead (module doc); null
 * when the empty response is already dead or no token kills it.
 */
function fatalToken(sample: SalvageSample, tokenizer: Tokenizer, maxChars: number): number | null {
  const { problem, responseTokens } = sample;
  if (!isLive(problem, "", maxChars)) return null;
  let prefix = "";
  for (let t = 0; t < responseTokens.length; t++) {
    const id = responseTokens[t];
    if (!tokenLive(problem, prefix, id, tokenizer, maxChars)) return t;
    if (id === tokenizer.eos) return null; // stopped on a correct response
    prefix += tokenizer.decode([id]);
  }
  return null; // cut by the budget while live: only possible at the budget's edge
}

/** π(· | prompt, response before `at`) for each sample with a fatal token (teacher-forced). */
function distributionsAt(
  policy: Policy,
  batch: readonly SalvageSample[],
  fatal: readonly (number | null)[],
  pad: number,
): (number[] | null)[] {
  const wanted = batch.map((_, i) => i).filter((i) => fatal[i] !== null);
  if (wanted.length === 0) return batch.map(() => null);
  const sequences = wanted.map((i) => [...batch[i].promptTokens, ...batch[i].responseTokens]);
  const width = Math.max(...sequences.map((s) => s.length));
  if (width > policy.config.context) {
    throw new RangeError(
      `Cannot measure salvage shares: a sequence has ${width} tokens, over the context ${policy.config.context}`,
    );
  }
  const ids = sequences.flatMap((s) => [...s, ...new Array(width - s.length).fill(pad)]);
  const probs = tf.tidy(() => {
    const tokens = tf.tensor2d(ids, [sequences.length, width], "int32");
    const logits = forwardLogits(policy.params, tokens, { config: policy.config }); // [B, W, V]
    return tf.softmax(logits).arraySync() as number[][][];
  });
  const rows: (number[] | null)[] = batch.map(() => null);
  wanted.forEach((i, k) => {
    // The logits at position p predict token p + 1; the fatal token sits at prompt + at.
    rows[i] = probs[k][batch[i].promptTokens.length + (fatal[i] as number) - 1];
  });
  return rows;
}

/** Options of {@link successWeightedShares}. */
export type SuccessWeightOptions = SalvageOptions & {
  /** Continuations sampled from each live alternative. */
  readonly completions: number;
  /** Seed of the continuations. */
  readonly seed: number;
  /** Sampling temperature of the continuations. Default 1. */
  readonly temperature?: number;
};

/**
 * The success-weighted share of each record: Σ over the live alternatives v of
 * π(v) · P(the policy finishes correctly from prefix·v) / (1 − π(sampled)), that probability
 * estimated from `completions` continuations sampled from the policy within the same response
 * budget (an EOS alternative finishes a correct response: probability 1). It asks whether the
 * redistributed mass lands where the model actually succeeds, not only where success is possible.
 *
 * @param policy The policy.
 * @param samples The samples {@link salvageShares} measured.
 * @param records Its records, in the same order.
 * @param options Tokenizer, budget, continuations per alternative, seed, temperature.
 * @returns Per record the success-weighted share, null where the record has no fatal token.
 * @throws {RangeError} If samples and records differ in length.
 */
export async function successWeightedShares(
  policy: Policy,
  samples: readonly SalvageSample[],
  records: readonly SalvageRecord[],
  options: SuccessWeightOptions,
): Promise<(number | null)[]> {
  const { tokenizer, maxChars, completions, seed, temperature = 1 } = options;
  if (samples.length !== records.length) {
    throw new RangeError(
      `Cannot weight salvage shares: ${samples.length} samples and ${records.length} records`,
    );
  }
  // One continuation job per (record, live alternative other than EOS).
  type Job = { record: number; token: number; prefix: string; prompt: string };
  const jobs: Job[] = [];
  const success = records.map(() => new Map<number, number>());
  records.forEach((r, i) => {
    if (r.fatal === null) return;
    const sample = samples[i];
    const promptText = tokenizer.decode(sample.promptTokens);
    const before = tokenizer.decode(sample.responseTokens.slice(0, r.fatal));
    for (const { token } of r.alternatives) {
      if (token === tokenizer.eos) {
        success[i].set(token, 1); // the prefix is correct as it stands
        continue;
      }
      const prefix = before + tokenizer.decode([token]);
      jobs.push({ record: i, token, prefix, prompt: promptText + prefix });
    }
  });
  // Continuations get the budget the sample had left: grouped by it, one sampling call each.
  const groups = new Map<number, Job[]>();
  for (const job of jobs) {
    const left = maxChars + 1 - job.prefix.length; // response tokens left, EOS included
    const group = groups.get(left);
    if (group === undefined) groups.set(left, [job]);
    else group.push(job);
  }
  for (const [left, group] of groups) {
    const rollouts = await sampleRollouts(policy, group.map((j) => j.prompt), {
      samplesPerPrompt: completions,
      temperature,
      topP: 1,
      topK: 0,
      greedy: false,
      maxNewTokens: left,
      seed: seed + left,
      tokenizer,
    });
    for (const rollout of rollouts) {
      const job = group[rollout.promptIndex];
      const text = job.prefix + rollout.response;
      const ok = !rollout.truncated && text.length <= maxChars &&
        gradeCountdown(samples[job.record].problem, text).correct;
      if (ok) {
        const counts = success[job.record];
        counts.set(job.token, (counts.get(job.token) ?? 0) + 1 / completions);
      }
    }
  }
  return records.map((r, i) => {
    if (r.fatal === null || r.sampledProbability === null) return null;
    const rest = 1 - r.sampledProbability;
    const weighted = r.alternatives.reduce(
      (a, x) => a + x.probability * (success[i].get(x.token) ?? 0),
      0,
    );
    return rest > 0 ? weighted / rest : 0;
  });
}

/** Per-base summary of salvage shares. */
export type SalvageSummary = {
  /** Mean over problems of each problem's mean share, with a 95% bootstrap over problems. */
  readonly share: Interval;
  /** Problems with at least one measured wrong sample. */
  readonly problems: number;
  /** Wrong samples measured (with a fatal token). */
  readonly samples: number;
  /**
   * Samples without a fatal token: their problem cannot be solved within the budget, or they are
   * correct.
   */
  readonly withoutFatal: number;
  /** Median index of the fatal token in the response. */
  readonly medianFatal: number | null;
};

/**
 * Summarises salvage records: each problem's mean share, then the mean over problems with a
 * bootstrap interval (problems are the unit: samples of one problem are not independent).
 *
 * @param records From {@link salvageShares}.
 * @param options `resamples` of the bootstrap (default 1000).
 * @returns The summary.
 * @throws {RangeError} If no record has a share.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = (problemId: string, share: number) =>
 *   ({ problemId, fatal: 2, sampledProbability: 0.5, share, alternatives: [] });
 * const s = summarizeSalvage([r("a", 1), r("a", 0), r("b", 1)], { resamples: 10 });
 * assert.equal(s.share.estimate, 0.75);
 * assert.equal(s.problems, 2);
 * ```
 */
export function summarizeSalvage(
  records: readonly SalvageRecord[],
  options: { readonly resamples?: number } = {},
): SalvageSummary {
  const byProblem = new Map<string, number[]>();
  const fatal: number[] = [];
  let withoutFatal = 0;
  for (const r of records) {
    if (r.share === null || r.fatal === null) {
      withoutFatal++;
      continue;
    }
    const shares = byProblem.get(r.problemId);
    if (shares === undefined) byProblem.set(r.problemId, [r.share]);
    else shares.push(r.share);
    fatal.push(r.fatal);
  }
  if (byProblem.size === 0) {
    throw new RangeError("Cannot summarise salvage shares: no sample has a fatal token, got 0");
  }
  const means = [...byProblem.values()].map((xs) => xs.reduce((a, x) => a + x, 0) / xs.length);
  fatal.sort((a, b) => a - b);
  return {
    share: meanInterval(means, { resamples: options.resamples ?? 1000 }),
    problems: byProblem.size,
    samples: fatal.length,
    withoutFatal,
    medianFatal: fatal[Math.floor(fatal.length / 2)],
  };
}
