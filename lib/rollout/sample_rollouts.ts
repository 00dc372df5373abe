/**
 * {@link sampleRollouts}: responses (with per-token log-probs) from a local {@link Policy} or
 * an OpenAI-compatible endpoint, as plain data.
 *
 * @module
 */
import type { RolloutConfig } from "../config.ts";
import { Policy } from "../model/policy.ts";
import { type SampledSequence, sampleSequences } from "../model/sample.ts";
import type { SamplingPool } from "../model/sampling_pool.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { OpenAiEndpoint } from "./openai_client.ts";
import { deriveSeed, seededPrng } from "../random.ts";
import { PartialSamplingError, type Rollout } from "./rollout.ts";
import { sampleEndpointPrompts } from "./_sample_endpoint.ts";

export type { OpenAiEndpoint } from "./openai_client.ts";
export { PartialSamplingError } from "./rollout.ts";
export type { PromptFailure, Rollout } from "./rollout.ts";

/** Progress of {@link sampleRollouts}. */
export type RolloutProgress = { done: number; total: number };

/** Options of {@link sampleRollouts}: the rollout config slice plus run-specific settings. */
export type SampleRolloutsOptions = RolloutConfig & {
  /** Seed of every random choice; the same seed gives the same rollouts. */
  seed: number;
  /** Required for a local policy; optional for an endpoint (then `responseTokens` is filled). */
  tokenizer?: Tokenizer;
  /** Sequences per forward batch for a local policy. Default 256. */
  batchSize?: number;
  /**
   * Web Workers to sample a local policy in (each batch is split between them); the same
   * seed gives the same rollouts with or without a pool. Default: sample in this thread.
   */
  pool?: SamplingPool;
  /** Called after each batch (local) or each prompt (endpoint). */
  onProgress?: (progress: RolloutProgress) => void;
  /** Local policy: the most likely alternatives to report per response token. Default 0. */
  topLogProbs?: number;
  /**
   * Local policy: checked before each batch, after yielding to the event loop (so a server
   * answers other requests between batches); once aborted, sampling stops and the promise
   * rejects with its reason. Without it, batches follow each other without yielding.
   */
  signal?: AbortSignal;
};

async function sampleLocal(
  policy: Policy,
  prompts: readonly string[],
  options: SampleRolloutsOptions,
): Promise<Rollout[]> {
  const { samplesPerPrompt, temperature, topP, topK, greedy, maxNewTokens, seed, tokenizer } =
    options;
  const { batchSize = 256, onProgress, pool, topLogProbs = 0, signal } = options;
  if (!tokenizer) {
    throw new TypeError("Cannot sample rollouts: a local policy needs options.tokenizer");
  }
  if (tokenizer.vocabSize !== policy.config.vocabSize) {
    throw new RangeError(
      `Cannot sample rollouts: tokenizer vocabSize must equal the model's, got ${tokenizer.vocabSize} and ${policy.config.vocabSize}`,
    );
  }
  const encoded = prompts.map((p) => [tokenizer.bos, ...tokenizer.encode(p)]);
  const { context } = policy.config;
  encoded.forEach((ids, i) => {
    if (ids.length >= context) {
      throw new RangeError(
        `Cannot sample rollouts: prompt ${i} leaves no room in the context of ${context} tokens, got ${ids.length} tokens (BOS included) for ${
          JSON.stringify(prompts[i])
        }`,
      );
    }
  });
  const jobs = prompts.flatMap((_, promptIndex) =>
    Array.from({ length: samplesPerPrompt }, (_, sampleIndex) => ({ promptIndex, sampleIndex }))
  );
  const rollouts: Rollout[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    if (signal !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      signal.throwIfAborted();
    }
    const batch = jobs.slice(start, start + batchSize);
    // one stream per sample: tokens do not depend on batchSize or on the pool
    const seeds = batch.map((j) => deriveSeed(seed, `${j.promptIndex}/${j.sampleIndex}`));
    const batchPrompts = batch.map((j) => encoded[j.promptIndex]);
    const settings = {
      temperature,
      topP,
      topK,
      greedy,
      maxNewTokens,
      eos: tokenizer.eos,
      pad: tokenizer.pad,
      topLogProbs,
    };
    const samples: SampledSequence[] = pool
      ? await pool.sample(policy, batchPrompts, { ...settings, seeds })
      : sampleSequences(policy, batchPrompts, { ...settings, prng: seeds.map(seededPrng) });
    samples.forEach((s, k) => {
      const { promptIndex, sampleIndex } = batch[k];
      const text = s.tokens.at(-1) === tokenizer.eos ? s.tokens.slice(0, -1) : s.tokens;
      rollouts.push({
        promptIndex,
        sampleIndex,
        prompt: prompts[promptIndex],
        response: tokenizer.decode(text),
        promptTokens: encoded[promptIndex],
        responseTokens: s.tokens,
        logProbs: s.logProbs,
        samplingLogProbs: s.samplingLogProbs,
        entropies: s.entropies,
        truncated: s.truncated,
        ...(s.topLogProbs === undefined ? {} : { topLogProbs: s.topLogProbs }),
      });
    });
    onProgress?.({ done: rollouts.length, total: jobs.length });
  }
  return rollouts;
}

async function sampleRemote(
  endpoint: OpenAiEndpoint,
  prompts: readonly string[],
  options: SampleRolloutsOptions,
): Promise<Rollout[]> {
  const { onProgress } = options;
  const results: Rollout[][] = new Array(prompts.length);
  let done = 0;
  const failures = await sampleEndpointPrompts(endpoint, prompts, {
    ...options,
    onPrompt: (promptIndex, rollouts) => {
      results[promptIndex] = rollouts;
      done += rollouts.length;
      onProgress?.({ done, total: prompts.length * options.samplesPerPrompt });
    },
  });
  const rollouts = results.flat(); // the holes of failed prompts vanish
  if (failures.length > 0) {
    throw new PartialSamplingError(endpoint.baseUrl, prompts.length, rollouts, failures);
  }
  return rollouts;
}

/**
 * Samples `samplesPerPrompt` responses for every prompt from a local policy or an
 * OpenAI-compatible endpoint. BOUNDARY: returns plain data, no tensor survives it.
 *
 * Local policy: prompts are encoded as BOS + ids, sampled in batches with a key/value cache
 * (in this thread, or split between the workers of `options.pool`); each (prompt, sample) pair
 * has its own random stream derived from `seed`, so the same seed gives the same rollouts
 * whatever the batch size and with or without a pool. (Their log-probabilities and entropies
 * agree to float rounding, not bit for bit: a batch prefills its shortest prompt's length and
 * steps through the rest of longer prompts, so another batching can step a prefilled position;
 * and OpenBLAS rounds a row of a product differently depending on how many rows it multiplies
 * at once, which a pool's split of the batch changes. The tests hold them to 1e-5.)
 *
 * Endpoint: one `/v1/completions` request per prompt with `n = samplesPerPrompt` (greedy is
 * sent as temperature 0, `top_k` only when > 0, a per-prompt seed derived from `seed`); with
 * `api: "chat"`, one `/v1/chat/completions` request instead, the prompt as the user message, and
 * the same rollouts out (log-probs where the server gives them; see `OpenAiEndpoint`).
 * `logProbs` are the server's `token_logprobs`, one per token it reports; `samplingLogProbs`
 * and `entropies` come from the `sampling_logprobs`/`entropies` extension fields that
 * `deno task serve` sends, else they fall back to `token_logprobs` and to −Σ p log p over the
 * reported top alternatives (a lower bound). A missing sample is an error, never a gap, and so
 * are a duplicate choice index and a null, NaN, infinite or positive log-prob. Sampling is not
 * all-or-nothing: a prompt that fails after its retries does not stop the others, and the
 * {@link PartialSamplingError} thrown at the end carries the rollouts of every prompt that
 * completed and names each prompt that failed.
 *
 * @param source A {@link Policy}, or an {@link OpenAiEndpoint}.
 * @param prompts Prompt texts.
 * @param options Rollout config, `seed`, `tokenizer`, `batchSize`, `onProgress`.
 * @returns `prompts.length · samplesPerPrompt` rollouts ordered by prompt, then sample.
 * @throws {TypeError} Without a tokenizer for a local policy, or on an unknown character.
 * @throws {PartialSamplingError} When an endpoint fails some prompts after their retries or
 *   answers malformed data for them; it carries the other prompts' rollouts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * const tokenizer = charTokenizer("0123456789+=");
 * const config = { vocabSize: 15, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 12, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const options = { samplesPerPrompt: 2, temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 4 };
 * const rollouts = await sampleRollouts(policy, ["1+1="], { ...options, seed: 1, tokenizer });
 * assert.equal(rollouts.length, 2);
 * assert.equal(rollouts[1].logProbs.length, rollouts[1].responseTokens.length);
 * ```
 */
export async function sampleRollouts(
  source: Policy | OpenAiEndpoint,
  prompts: readonly string[],
  options: SampleRolloutsOptions,
): Promise<Rollout[]> {
  if (source instanceof Policy) return await sampleLocal(source, prompts, options);
  return await sampleRemote(source, prompts, options);
}
