/**
 * The decoder-only transformer (GPT-2 layout): token + learned position embeddings, pre-LN
 * blocks of causal multi-head attention and a GELU MLP, a final layer norm, and an untied
 * output projection. Parameter names and shapes are listed in params.ts.
 *
 * Every function here is a KERNEL: tensors in, tensors out, no tidy; the caller owns results.
 * Dimension glossary: B batch, T tokens, V vocab, D width, H heads, d = D / H head width,
 * P cached positions.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config.ts";
import { assertShape } from "../_assert.ts";
import { CACHED_ATTENTION_KERNEL, simdAttentionActive } from "../engine/simd_kernels.ts";
import { batchMatMul, gelu, layerNorm, linear, matMul2d } from "./linear.ts";
import { fusedCausalAttention } from "./causal_attention.ts";
import type { TfTensor, TfTensor2D, TfTensor3D } from "./params.ts";

/** Weights by name (variables of a `Policy`, or plain tensors). */
export type Weights = Readonly<Record<string, TfTensor>>;

/**
 * Keys and values of one block for the positions seen so far, stored position-major so that
 * appending a position is a contiguous concat and decoding attention needs no transpose
 * (see `attendStep`).
 */
export type LayerCache = {
  /** Keys: `[P, B·H, d]`. */
  keys: TfTensor3D;
  /** Values: `[P, B·H, d]`. */
  values: TfTensor3D;
  /**
   * Set for a cache reserved by {@link reserveCache}: keys and values are buffers of more
   * positions, of which the first `filled` are written; a decoding step on the SIMD kernel
   * writes the next one in place (the cache's owner must not share the buffers).
   */
  filled?: number;
};

/** Added to masked attention scores; exp() of it underflows to exactly 0 in float32. */
const MASKED_SCORE = -1e9;

function w1(weights: Weights, name: string): tf.Tensor1D {
  const t = weights[name];
  if (t === undefined) throw new TypeError(`Cannot run the transformer: missing weight ${name}`);
  return t as tf.Tensor1D;
}
function w2(weights: Weights, name: string): tf.Tensor2D {
  return w1(weights, name) as unknown as tf.Tensor2D;
}

/** `[B·T, D]` → `[B·H, T, d]`. */
function splitHeads(x: tf.Tensor2D, batch: number, tokens: number, heads: number): tf.Tensor3D {
  const d = x.shape[1] / heads;
  const x4 = tf.reshape(x, [batch, tokens, heads, d]); // [B, T, H, d]
  return tf.reshape(tf.transpose(x4, [0, 2, 1, 3]), [batch * heads, tokens, d]);
}

/** `[B·T, D]` → `[B·H, d, T]` (keys, ready for q · kᵀ). */
function splitHeadsT(x: tf.Tensor2D, batch: number, tokens: number, heads: number): tf.Tensor3D {
  const d = x.shape[1] / heads;
  const x4 = tf.reshape(x, [batch, tokens, heads, d]); // [B, T, H, d]
  return tf.reshape(tf.transpose(x4, [0, 2, 3, 1]), [batch * heads, d, tokens]);
}

/** `[B·H, T, d]` → `[B·T, D]`. */
function mergeHeads(x: tf.Tensor3D, batch: number, heads: number): tf.Tensor2D {
  const [, tokens, d] = x.shape;
  const x4 = tf.reshape(x, [batch, heads, tokens, d]); // [B, H, T, d]
  return tf.reshape(tf.transpose(x4, [0, 2, 1, 3]), [batch * tokens, heads * d]);
}

/** Additive causal mask `[T, T]`: 0 on and below the diagonal, {@link MASKED_SCORE} above. */
function causalMask(tokens: number): tf.Tensor2D {
  const values = new Float32Array(tokens * tokens);
  for (let i = 0; i < tokens; i++) {
    for (let j = i + 1; j < tokens; j++) values[i * tokens + j] = MASKED_SCORE;
  }
  return tf.tensor2d(values, [tokens, tokens]);
}

/**
 * Causal self-attention over a whole sequence (training, prefill): one fused kernel on wasm with
 * the SIMD kernels on (causal_attention.ts), tfjs ops elsewhere.
 */
function attendFull(
  q2: tf.Tensor2D, // [B·T, D], already scaled by 1/√d
  k2: tf.Tensor2D, // [B·T, D]
  v2: tf.Tensor2D, // [B·T, D]
  { batch, tokens, heads, withCache }: {
    batch: number;
    tokens: number;
    heads: number;
    withCache: boolean;
  },
): { mixed: tf.Tensor2D; cache?: LayerCache } {
  const d = q2.shape[1] / heads;
  if (simdAttentionActive(d)) {
    const mixed = fusedCausalAttention(q2, k2, v2, { batch, heads }); // [B·T, D]
    if (!withCache) return { mixed };
    const byPosition = (x: tf.Tensor2D) =>
      tf.reshape(tf.transpose(tf.reshape(x, [batch, tokens, heads, d]), [1, 0, 2, 3]), [
        tokens,
        batch * heads,
        d,
      ]) as tf.Tensor3D; // [T, B·H, d]
    return { mixed, cache: { keys: byPosition(k2), values: byPosition(v2) } };
  }
  const q = splitHeads(q2, batch, tokens, heads); // [B·H, T, d]
  const keysT = splitHeadsT(k2, batch, tokens, heads); // [B·H, d, T]
  const values = splitHeads(v2, batch, tokens, heads); // [B·H, T, d]
  const scores = tf.add(batchMatMul(q, keysT), causalMask(tokens)); // [B·H, T, T]
  const attn = tf.softmax(scores) as tf.Tensor3D; // [B·H, T, T]
  const mixed = mergeHeads(batchMatMul(attn, values), batch, heads); // [B·T, D]
  if (!withCache) return { mixed };
  const cache = {
    keys: tf.transpose(keysT, [2, 0, 1]) as tf.Tensor3D, // [T, B·H, d]
    values: tf.transpose(values, [1, 0, 2]) as tf.Tensor3D, // [T, B·H, d]
  };
  return { mixed, cache };
}

/**
 * Attention of one new position (per sequence) over the cache and itself, from the step's fused
 * projection (the query scaled by 1/√d first), with channels n = b·H + h and no transpose of the
 * cache: scores[p, n] = Σ_j keys[p, n, j] · q[n, j] as a
 * broadcast multiply and a last-axis sum, then out[n, j] = Σ_p probs[p, n] · values[p, n, j]
 * as one depthwise convolution of the input `[1, 1, P, N]` with the filter `values`
 * `[1, P, N, d]` (channel multiplier d), which XNNPACK runs fast on wasm. On wasm with the SIMD
 * kernel turned on (engine/simd_kernels.ts), all of it, the split and scaling included, is one kernel
 * call instead.
 */
function attendStep(
  qkv: tf.Tensor2D, // [B, 3D]: query (not yet scaled), key, value
  past: LayerCache,
  heads: number,
): { mixed: tf.Tensor2D; cache: LayerCache } {
  const B = qkv.shape[0];
  const D = qkv.shape[1] / 3;
  const N = B * heads;
  const d = D / heads;
  const scale = 1 / Math.sqrt(d);
  if (simdAttentionActive(d)) {
    const inputs = { keys: past.keys, values: past.values, qkv };
    if (past.filled !== undefined) {
      const attrs = { filled: past.filled, scale };
      const mixed = tf.engine().runKernel(CACHED_ATTENTION_KERNEL, inputs, attrs) as tf.Tensor;
      return { mixed: mixed as tf.Tensor2D, cache: { ...past, filled: past.filled + 1 } };
    }
    const [keys, values, mixed] = tf.engine().runKernel(CACHED_ATTENTION_KERNEL, inputs, {
      scale,
    }) as tf.Tensor[];
    return { mixed: mixed as tf.Tensor2D, cache: { keys, values } as LayerCache };
  }
  const [q, k2, v2] = tf.split(qkv, 3, 1) as tf.Tensor2D[]; // [B, D] each
  const q2 = tf.mul(q, scale) as tf.Tensor2D; // [B, D]
  const [pastKeys, pastValues] = past.filled === undefined
    ? [past.keys, past.values]
    : [past.keys, past.values].map((t) => tf.slice(t, 0, past.filled)); // the written positions
  const keys = tf.concat([pastKeys, tf.reshape(k2, [1, N, d])], 0) as tf.Tensor3D; // [P, N, d]
  const values = tf.concat([pastValues, tf.reshape(v2, [1, N, d])], 0) as tf.Tensor3D; // [P, N, d]
  const P = keys.shape[0];
  const scores = tf.sum(tf.mul(keys, tf.reshape(q2, [1, N, d])), 2); // [P, N]
  const probs = tf.transpose(tf.softmax(tf.transpose(scores))); // [P, N]
  const mixed = tf.depthwiseConv2d(
    tf.reshape(probs, [1, 1, P, N]) as tf.Tensor4D,
    tf.reshape(values, [1, P, N, d]) as tf.Tensor4D,
    1,
    "valid",
  ); // [1, 1, 1, N·d]
  return { mixed: tf.reshape(mixed, [B, D]), cache: { keys, values } };
}

type BlockInput = {
  x: tf.Tensor2D; // [B·T, D] residual stream
  batch: number;
  tokens: number;
  past?: LayerCache;
  withCache: boolean;
};

function block(
  weights: Weights,
  prefix: string,
  heads: number,
  { x, batch, tokens, past, withCache }: BlockInput,
): { x: tf.Tensor2D; cache?: LayerCache } {
  const D = x.shape[1];
  // attention
  const h1 = layerNorm(x, w1(weights, `${prefix}ln1.g`), w1(weights, `${prefix}ln1.b`)); // [B·T, D]
  let attention: { mixed: tf.Tensor2D; cache?: LayerCache };
  if (past) {
    // one position: one fused matmul; attendStep splits it
    const qkv = linear(h1, w2(weights, `${prefix}attn.qkv.w`), w1(weights, `${prefix}attn.qkv.b`)); // [B, 3D]
    attention = attendStep(qkv, past, heads);
  } else {
    // Split the weights, not the activations: wasm's Slice copies its whole input each call.
    const [wq, wk, wv] = tf.split(w2(weights, `${prefix}attn.qkv.w`), 3, 1) as tf.Tensor2D[]; // [D, D]
    const [bq, bk, bv] = tf.split(w1(weights, `${prefix}attn.qkv.b`), 3) as tf.Tensor1D[]; // [D]
    const q2 = tf.mul(linear(h1, wq, bq), 1 / Math.sqrt(D / heads)) as tf.Tensor2D; // [B·T, D]
    const k2 = linear(h1, wk, bk); // [B·T, D]
    const v2 = linear(h1, wv, bv); // [B·T, D]
    attention = attendFull(q2, k2, v2, { batch, tokens, heads, withCache });
  }
  const { mixed, cache } = attention;
  const attnOut = linear(
    mixed,
    w2(weights, `${prefix}attn.proj.w`),
    w1(weights, `${prefix}attn.proj.b`),
  ); // [B·T, D]
  const x1 = tf.add(x, attnOut) as tf.Tensor2D; // [B·T, D]
  // MLP
  const h2 = layerNorm(x1, w1(weights, `${prefix}ln2.g`), w1(weights, `${prefix}ln2.b`)); // [B·T, D]
  const fc = gelu(linear(h2, w2(weights, `${prefix}mlp.fc.w`), w1(weights, `${prefix}mlp.fc.b`))); // [B·T, M]
  const mlpOut = linear(fc, w2(weights, `${prefix}mlp.proj.w`), w1(weights, `${prefix}mlp.proj.b`)); // [B·T, D]
  return { x: tf.add(x1, mlpOut), cache };
}

/**
 * Embeds tokens: one-hot · wte (tf.gather has no gradient on wasm) plus the position rows
 * `[start, start + T)` of wpe.
 */
function embed(
  weights: Weights,
  prefix: string,
  tokens: tf.Tensor2D,
  start: number,
): tf.Tensor2D {
  const [batch, T] = tokens.shape;
  const wte = w2(weights, `${prefix}wte`); // [V, D]
  const [V, D] = wte.shape;
  const oneHot = tf.cast(tf.oneHot(tf.reshape(tokens, [batch * T]), V), "float32"); // [B·T, V]
  const tok = tf.reshape(matMul2d(oneHot as tf.Tensor2D, wte), [batch, T, D]); // [B, T, D]
  const pos = tf.slice(w2(weights, `${prefix}wpe`), [start, 0], [T, D]); // [T, D]
  return tf.reshape(tf.add(tok, pos), [batch * T, D]);
}

/** Options of {@link trunkForward}. */
export type TrunkOptions = {
  /** Model sizes. */
  config: ModelConfig;
  /** `""` for the policy trunk, `"critic."` for a separate critic trunk. Default `""`. */
  prefix?: string;
  /** Per-block caches of the positions before `tokens` (decoding). Default none. */
  past?: readonly LayerCache[];
  /** Return the per-block caches (prefill); always true with `past`. Default false. */
  withCache?: boolean;
};

/**
 * Runs the transformer trunk over `tokens`, which sit at positions `[P, P + T)` where P is the
 * length of `past` (0 without it). Without `past` attention is causal over `tokens`; with it,
 * T must be 1 (one decoding step) and the token attends to every cached position and itself.
 *
 * @param weights The model's weights.
 * @param tokens `[B, T]` int32 ids.
 * @param options Model `config`, trunk prefix and cache.
 * @returns `hidden`: `[B·T, D]` after the final layer norm; `cache`: per-block keys/values of
 *   all positions so far (P + T) when `withCache` or `past` is given, else empty.
 * @throws {RangeError} If positions would exceed the context.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { initParams } from "./params.ts";
 * const config = { vocabSize: 8, width: 4, layers: 1, heads: 2, mlpWidth: 8, context: 6, valueHead: "none" } as const;
 * const params = initParams(config, { seed: 1 });
 * const { hidden } = trunkForward(params, tf.tensor2d([[1, 3, 4]], undefined, "int32"), { config });
 * assert.deepEqual(hidden.shape, [3, 4]);
 * Object.values(params).forEach((v) => v.dispose());
 * ```
 */
export function trunkForward(
  weights: Weights,
  tokens: tf.Tensor2D,
  options: TrunkOptions,
): { hidden: tf.Tensor2D; cache: LayerCache[] } {
  const { config, prefix = "", past, withCache = past !== undefined } = options;
  const [batch, T] = tokens.shape;
  const start = past && past.length > 0 ? past[0].filled ?? past[0].values.shape[0] : 0;
  if (start + T > config.context) {
    throw new RangeError(
      `Cannot run the transformer: positions exceed the context, got ${
        start + T
      } > ${config.context}`,
    );
  }
  if (past && T !== 1) {
    throw new RangeError(`Cannot run the transformer: a cached step takes one token, got T=${T}`);
  }
  let x = embed(weights, prefix, tokens, start); // [B·T, D]
  const cache: LayerCache[] = [];
  for (let l = 0; l < config.layers; l++) {
    const out = block(weights, `${prefix}h.${l}.`, config.heads, {
      x,
      batch,
      tokens: T,
      past: past?.[l],
      withCache,
    });
    x = out.x;
    if (out.cache) cache.push(out.cache);
  }
  const hidden = layerNorm(x, w1(weights, `${prefix}lnf.g`), w1(weights, `${prefix}lnf.b`));
  return { hidden, cache };
}

/**
 * Copies caches into buffers of `capacity` positions for decoding steps that write in place
 * (the SIMD attention kernel; the tfjs-ops path reads the written positions). KERNEL: the
 * caller owns the result and still owns (and disposes) `cache`.
 *
 * @param cache Per-block caches of P positions.
 * @param capacity Positions to hold, at least P: the last position a decoding run will write,
 *   plus one.
 * @returns Per-block buffers `[capacity, B·H, d]` with `filled` = P.
 * @throws {RangeError} If `capacity` is less than P.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const [layer] = reserveCache([{ keys: tf.ones([2, 3, 4]), values: tf.ones([2, 3, 4]) }], 5);
 * assert.deepEqual([layer.keys.shape, layer.filled], [[5, 3, 4], 2]);
 * ```
 */
export function reserveCache(cache: readonly LayerCache[], capacity: number): LayerCache[] {
  return tf.tidy(() =>
    cache.map((layer) => {
      const P = layer.filled ?? layer.keys.shape[0];
      if (capacity < P) {
        throw new RangeError(
          `Cannot reserve the cache: capacity must be at least ${P} positions, got ${capacity}`,
        );
      }
      const grow = (t: TfTensor3D): TfTensor3D =>
        tf.pad(tf.slice(t, 0, P), [[0, capacity - P], [0, 0], [0, 0]]);
      return { keys: grow(layer.keys), values: grow(layer.values), filled: P };
    })
  );
}

/**
 * Output projection: `hidden · head.w`.
 *
 * @param weights The model's weights.
 * @param hidden `[N, D]` final-layer-norm states of the policy trunk.
 * @returns Logits `[N, V]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const logits = outputLogits({ "head.w": tf.ones([2, 3]) }, tf.ones([1, 2]) as tf.Tensor2D);
 * assert.deepEqual(logits.arraySync(), [[2, 2, 2]]);
 * ```
 */
export function outputLogits(weights: Weights, hidden: tf.Tensor2D): tf.Tensor2D {
  return matMul2d(hidden, w2(weights, "head.w")); // [N, V]
}

/**
 * Scalar value head: `hidden · value.w + value.b`.
 *
 * @param weights The model's weights (with `value.w`, `value.b`).
 * @param hidden `[N, D]` states of the trunk the head reads (policy or critic trunk).
 * @returns Values `[N]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const v = valueOutput({ "value.w": tf.ones([2, 1]), "value.b": tf.tensor1d([1]) }, tf.ones([1, 2]) as tf.Tensor2D);
 * assert.deepEqual(v.arraySync(), [3]);
 * ```
 */
export function valueOutput(weights: Weights, hidden: tf.Tensor2D): tf.Tensor1D {
  const out = linear(hidden, w2(weights, "value.w"), w1(weights, "value.b")); // [N, 1]
  return tf.reshape(out, [hidden.shape[0]]);
}

/**
 * Logits of the next token for every position: the full (teacher-forced) forward pass.
 *
 * @param weights The model's weights.
 * @param tokens `[B, T]` int32 ids.
 * @param options Model `config`.
 * @returns `[B, T, V]`: row t is the distribution of token t + 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { initParams } from "./params.ts";
 * const config = { vocabSize: 8, width: 4, layers: 1, heads: 2, mlpWidth: 8, context: 6, valueHead: "none" } as const;
 * const params = initParams(config, { seed: 1 });
 * assert.deepEqual(forwardLogits(params, tf.tensor2d([[1, 3]], undefined, "int32"), { config }).shape, [1, 2, 8]);
 * Object.values(params).forEach((v) => v.dispose());
 * ```
 */
export function forwardLogits(
  weights: Weights,
  tokens: TfTensor2D,
  options: { config: ModelConfig },
): TfTensor3D {
  const { config } = options;
  assertShape("tokens", tokens.shape, [-1, -1]);
  const [batch, T] = tokens.shape;
  const { hidden } = trunkForward(weights, tokens, { config }); // [B·T, D]
  return tf.reshape(outputLogits(weights, hidden), [batch, T, config.vocabSize]);
}
