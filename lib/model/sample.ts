/**
 * Batched autoregressive sampling with a key/value cache.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig, RolloutConfig } from "../config.ts";
import type { Prng } from "../random.ts";
import type { Policy } from "./policy.ts";
import { KEEP_ROWS_KERNEL, simdAttentionActive } from "../engine/simd_kernels.ts";
import { type LayerCache, outputLogits, reserveCache, trunkForward } from "./transformer.ts";

/** One sampled continuation. */
export type SampledSequence = {
  /** Generated ids; ends with EOS when the sequence stopped on its own. */
  tokens: number[];
  /** log π(token) under the policy at temperature 1, per generated token. */
  logProbs: number[];
  /** log q(token) under the distribution actually sampled from (temperature, top-k, top-p); 0 when greedy. */
  samplingLogProbs: number[];
  /** Entropy (nats) of the policy at temperature 1, per generated token. */
  entropies: number[];
  /** True when it hit `maxNewTokens` or the context before EOS. */
  truncated: boolean;
  /**
   * With `topLogProbs` > 0: per generated token, the most likely ids at that position with their
   * log π (temperature 1), most likely first (ties by id).
   */
  topLogProbs?: TokenLogProb[][];
};

/** A token id with its log-probability. */
export type TokenLogProb = { id: number; logProb: number };

/** Options of {@link sampleSequences}: the sampling settings plus the stream and stop id. */
export type SampleOptions =
  & Pick<RolloutConfig, "temperature" | "topP" | "topK" | "greedy" | "maxNewTokens">
  & {
    /**
     * Randomness: one stream for the whole batch (one draw per sampling row per step, in row
     * order), or one stream per prompt, which makes each sample independent of how prompts
     * are batched.
     */
    prng: Prng | readonly Prng[];
    /** Sampling stops after this id. */
    eos: number;
    /** Fed after a sequence has stopped (its outputs are ignored). */
    pad: number;
    /** Alternatives reported per generated token (`topLogProbs`); 0 reports none. Default 0. */
    topLogProbs?: number;
  };

/**
 * Picks the next id from one row of temperature-1 log-probabilities.
 *
 * @param logProbs Row of log π, length V.
 * @param options Temperature, top-k (0 = off), top-p (1 = off), greedy, and the prng.
 * @returns The id, and log q(id) under the sampling distribution.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = Float32Array.from([0.7, 0.2, 0.1].map(Math.log));
 * const opts = { temperature: 1, topK: 0, topP: 1, greedy: true, prng: () => 0.5 };
 * assert.deepEqual(pickToken(row, opts), { id: 0, samplingLogProb: 0 });
 * assert.equal(pickToken(row, { ...opts, greedy: false, topK: 1 }).id, 0);
 * ```
 */
export function pickToken(
  logProbs: ArrayLike<number>,
  options: Pick<RolloutConfig, "temperature" | "topP" | "topK" | "greedy"> & { prng: Prng },
): { id: number; samplingLogProb: number } {
  const { temperature, topP, topK, greedy, prng } = options;
  const V = logProbs.length;
  if (greedy) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logProbs[v] > logProbs[best]) best = v;
    return { id: best, samplingLogProb: 0 };
  }
  if (topK === 0 && topP >= 1) {
    // no truncation: draw from softmax(logProbs / temperature) in id order, no sort
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logProbs[v] / temperature);
    let total = 0;
    for (let v = 0; v < V; v++) total += Math.exp(logProbs[v] / temperature - max);
    let u = prng() * total;
    let chosen = V - 1;
    for (let v = 0; v < V; v++) {
      u -= Math.exp(logProbs[v] / temperature - max);
      if (u < 0) {
        chosen = v;
        break;
      }
    }
    const samplingLogProb = logProbs[chosen] / temperature - max - Math.log(total);
    return { id: chosen, samplingLogProb };
  }
  // candidates sorted by probability (ties by id, so the order is deterministic)
  const order = Array.from({ length: V }, (_, v) => v);
  order.sort((a, b) => logProbs[b] - logProbs[a] || a - b);
  const kept = topK > 0 ? order.slice(0, topK) : order;
  const scaled = kept.map((v) => logProbs[v] / temperature);
  const max = scaled[0];
  const weights = scaled.map((z) => Math.exp(z - max));
  let total = weights.reduce((a, b) => a + b, 0);
  let count = kept.length;
  if (topP < 1) {
    // smallest prefix whose mass reaches topP (at least one token)
    let mass = 0;
    for (let i = 0; i < kept.length; i++) {
      mass += weights[i] / total;
      if (mass >= topP) {
        count = i + 1;
        break;
      }
    }
    total = weights.slice(0, count).reduce((a, b) => a + b, 0);
  }
  let u = prng() * total;
  let chosen = count - 1;
  for (let i = 0; i < count; i++) {
    u -= weights[i];
    if (u < 0) {
      chosen = i;
      break;
    }
  }
  return { id: kept[chosen], samplingLogProb: Math.log(weights[chosen] / total) };
}

/** The `k` largest entries of a row, largest first (ties by id): an insertion into k slots. */
function topOf(row: Float32Array, k: number): TokenLogProb[] {
  const top: TokenLogProb[] = [];
  for (let v = 0; v < row.length; v++) {
    if (top.length === k && row[v] <= top[k - 1].logProb) continue;
    let i = Math.min(top.length, k - 1);
    while (i > 0 && top[i - 1].logProb < row[v]) i--;
    top.splice(i, 0, { id: v, logProb: row[v] });
    if (top.length > k) top.pop();
  }
  return top;
}

function entropyOf(row: Float32Array): number {
  let h = 0;
  for (let v = 0; v < row.length; v++) h -= Math.exp(row[v]) * row[v];
  return h;
}

/** Throws unless every prompt has 1 to context − 1 ids, each in the vocabulary. */
function checkPrompts(prompts: readonly (readonly number[])[], config: ModelConfig): void {
  for (const [i, p] of prompts.entries()) {
    if (p.length === 0 || p.length >= config.context) {
      throw new RangeError(
        `Cannot sample: prompt ${i} must have 1 to ${config.context - 1} tokens, got ${p.length}`,
      );
    }
    const bad = p.find((id) => !Number.isInteger(id) || id < 0 || id >= config.vocabSize);
    if (bad !== undefined) {
      throw new RangeError(
        `Cannot sample: prompt ${i} has an id outside [0, ${config.vocabSize - 1}], got ${bad}`,
      );
    }
  }
}

/**
 * The first `length` tokens of every prompt in one forward pass: the cache of those positions and
 * the log-softmax `[B, V]` of the next token. The caller owns both.
 */
function prefillCache(
  policy: Policy,
  prompts: readonly (readonly number[])[],
  length: number,
): { cache: LayerCache[]; logSoftmax: tf.Tensor } {
  const { config, params } = policy;
  const B = prompts.length;
  const prefill = new Int32Array(B * length);
  prompts.forEach((p, b) => prefill.set(p.slice(0, length), b * length));
  return tf.tidy(() => {
    const tokens = tf.tensor2d(prefill, [B, length], "int32");
    const { hidden, cache } = trunkForward(params, tokens, { config, withCache: true }); // [B·P, D]
    const lastRows = tf.reshape(hidden, [B, length, config.width]);
    const last = tf.reshape(
      tf.slice(lastRows, [0, length - 1, 0], [B, 1, config.width]),
      [B, config.width],
    ); // [B, D]
    return { cache, logSoftmax: tf.logSoftmax(outputLogits(params, last as tf.Tensor2D)) }; // [B, V]
  });
}

/**
 * Samples one continuation per prompt with a key/value cache. BOUNDARY: returns plain data;
 * every tensor it makes is freed before it returns.
 *
 * The shortest prompt length P is prefilled in one forward pass; from position P on, the
 * batch advances one position per step, feeding each row its own prompt token while its
 * prompt lasts and its sampled token after. Finished rows leave the batch (their cache rows
 * are dropped) once three-eighths of it has finished, so the cost follows the live rows. A row
 * stops after EOS, after `maxNewTokens` generated tokens, or at the context length (then
 * `truncated` is true unless it ended on EOS). The only host read per step is the `[B, V]`
 * log-softmax the host sampler needs.
 *
 * @param policy The model.
 * @param prompts Token ids of each prompt, BOS first, each non-empty and shorter than the context.
 * @param options Sampling settings, `prng`, `eos` and `pad`.
 * @returns One {@link SampledSequence} per prompt, in order.
 * @throws {RangeError} If a prompt is empty or does not leave room for one new token.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const opts = { temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 3, eos: 2, pad: 0 };
 * const [a] = sampleSequences(policy, [[1, 4]], { ...opts, prng: seededPrng(5) });
 * const [b] = sampleSequences(policy, [[1, 4]], { ...opts, prng: seededPrng(5) });
 * assert.deepEqual(a, b);
 * ```
 */
export function sampleSequences(
  policy: Policy,
  prompts: readonly (readonly number[])[],
  options: SampleOptions,
): SampledSequence[] {
  const { temperature, topP, topK, greedy, maxNewTokens, prng, eos, pad, topLogProbs = 0 } =
    options;
  const { config, params } = policy;
  const B = prompts.length;
  if (B === 0) return [];
  if (Array.isArray(prng) && prng.length !== B) {
    throw new RangeError(
      `Cannot sample: need one prng per prompt, got ${prng.length} for ${B} prompts`,
    );
  }
  const streams: readonly Prng[] = Array.isArray(prng) ? prng : prompts.map(() => prng as Prng);
  checkPrompts(prompts, config);
  const results: SampledSequence[] = prompts.map(() => ({
    tokens: [],
    logProbs: [],
    samplingLogProbs: [],
    entropies: [],
    truncated: false,
    ...(topLogProbs > 0 ? { topLogProbs: [] } : {}),
  }));
  const limit = prompts.map((p) => Math.min(p.length + maxNewTokens, config.context));
  const done = prompts.map(() => false);
  const minPrompt = Math.min(...prompts.map((p) => p.length));
  const maxLimit = Math.max(...limit);
  const V = config.vocabSize;

  let { cache, logSoftmax } = prefillCache(policy, prompts, minPrompt);
  if (maxLimit > minPrompt && simdAttentionActive(config.width / config.heads)) {
    // Buffers for every position the run can write: the SIMD kernel then appends in place.
    const prefilled = cache;
    cache = reserveCache(prefilled, maxLimit);
    disposeCache(prefilled);
  }
  // rowOf[k] is the prompt index of batch row k; finished rows are dropped from the batch
  // (their cache rows dropped) once three-eighths of it has finished (COMPACT_FRACTION).
  let rowOf = prompts.map((_, b) => b);
  try {
    for (let position = minPrompt; position < maxLimit; position++) {
      const rows = logSoftmax.dataSync() as Float32Array; // [rows·V]: the one host read per step
      logSoftmax.dispose();
      const next: number[] = [];
      for (const [k, b] of rowOf.entries()) {
        const prompt = prompts[b];
        if (done[b]) {
          next.push(pad);
        } else if (position < prompt.length) {
          next.push(prompt[position]);
        } else {
          const row = rows.subarray(k * V, (k + 1) * V);
          const { id, samplingLogProb } = pickToken(row, {
            temperature,
            topP,
            topK,
            greedy,
            prng: streams[b],
          });
          const out = results[b];
          out.tokens.push(id);
          out.logProbs.push(row[id]);
          out.samplingLogProbs.push(samplingLogProb);
          out.entropies.push(entropyOf(row));
          if (topLogProbs > 0) out.topLogProbs?.push(topOf(row, topLogProbs));
          next.push(id);
          if (id === eos) done[b] = true;
          else if (position + 1 >= limit[b]) {
            done[b] = true;
            out.truncated = true;
          }
        }
      }
      const keep = rowOf.flatMap((b, k) => (done[b] ? [] : [k]));
      if (keep.length === 0 || position + 1 >= config.context) {
        logSoftmax = tf.zeros([0, V]);
        break;
      }
      let tokenIds = next;
      if (keep.length <= COMPACT_FRACTION * rowOf.length) {
        const old = cache;
        cache = compactCache(old, keep, config.heads, config.width / config.heads);
        disposeCache(old);
        tokenIds = keep.map((k) => next[k]);
        rowOf = keep.map((k) => rowOf[k]);
      }
      const past = cache;
      const step = tf.tidy(() => {
        const tokens = tf.tensor2d(Int32Array.from(tokenIds), [rowOf.length, 1], "int32");
        const { hidden, cache } = trunkForward(params, tokens, { config, past }); // [rows, D]
        return { cache, logSoftmax: tf.logSoftmax(outputLogits(params, hidden)) }; // [rows, V]
      });
      // An in-place step returns the same buffers; a copying one, new ones.
      if (step.cache[0]?.keys !== past[0]?.keys) disposeCache(past);
      cache = step.cache;
      logSoftmax = step.logSoftmax;
    }
  } finally {
    disposeCache(cache);
    logSoftmax.dispose();
  }
  return results;
}

/**
 * Drop finished rows from the batch once at most this fraction of it is still running. With block
 * copies, thresholds from 0.625 to 0.875 sample about equally fast and 0.5 is slower (the
 * README's benchmark section has the figures).
 */
const COMPACT_FRACTION = 0.625;

/**
 * Keeps batch rows `keep` of every layer's cache (channels n = b·H + h of `[P, B·H, d]`): block
 * copies on the wasm memory where the SIMD kernels run, else a gather.
 */
function compactCache(
  cache: readonly LayerCache[],
  keep: readonly number[],
  heads: number,
  headWidth: number,
): LayerCache[] {
  if (simdAttentionActive(headWidth)) {
    const attrs = { keep: [...keep], heads, filled: cache[0]?.filled ?? cache[0]?.keys.shape[0] };
    const kept = (x: tf.Tensor3D) =>
      tf.engine().runKernel(KEEP_ROWS_KERNEL, { x }, attrs) as tf.Tensor3D;
    return cache.map((layer) => ({ ...layer, keys: kept(layer.keys), values: kept(layer.values) }));
  }
  return tf.tidy(() => {
    const channels = tf.tensor1d(
      keep.flatMap((k) => Array.from({ length: heads }, (_, h) => k * heads + h)),
      "int32",
    ); // [rows·H]
    return cache.map((layer) => ({
      ...layer,
      keys: tf.gather(layer.keys, channels, 1), // [P, rows·H, d]
      values: tf.gather(layer.values, channels, 1), // [P, rows·H, d]
    }));
  });
}

function disposeCache(cache: readonly LayerCache[]): void {
  for (const layer of cache) {
    layer.keys.dispose();
    layer.values.dispose();
  }
}
