/**
 * Teacher-forced per-token log-probabilities, entropies and values of a token batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../_assert.ts";
import type { TfTensor2D } from "./params.ts";
import type { Policy } from "./policy.ts";
import { outputLogits, trunkForward, valueOutput } from "./transformer.ts";

/** Options of {@link sequenceLogProbs}. */
export type SequenceLogProbsOptions = {
  /** Also return the critic's values. Default false. */
  withValues?: boolean;
};

/** Result of {@link sequenceLogProbs}; every tensor is `[B, T − 1]`, owned by the caller. */
export type SequenceLogProbs = {
  /** log π(tokens[b, t+1] | tokens[b, ≤ t]) at temperature 1. */
  logProbs: TfTensor2D;
  /** H(π(· | tokens[b, ≤ t])) = −Σ_v π(v) log π(v), in nats. */
  entropies: TfTensor2D;
  /** V(tokens[b, ≤ t]): the critic's value of the state before token t + 1. */
  values?: TfTensor2D;
};

/**
 * Teacher-forced log-probabilities of each next token, per-position entropies and (optionally)
 * values. KERNEL: returns tensors without tidying, differentiable w.r.t. the policy's
 * variables, meant to run inside `tf.variableGrads`.
 *
 * Sequences start at position 0 (BOS first) and are right-padded; because attention is causal,
 * padding after a sequence never changes its earlier positions. Apply a mask (1 = the response
 * token counts) to the results; padded positions hold finite but meaningless numbers.
 *
 * @param policy The model.
 * @param tokens `[B, T]` int32 ids, T ≤ context.
 * @param options `withValues` to also compute values (needs `valueHead` ≠ `"none"`).
 * @returns `logProbs`, `entropies` and optionally `values`, each `[B, T − 1]`.
 * @throws {TypeError} On a bad shape or dtype, or values asked of a policy without a value head.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const { logProbs, entropies } = sequenceLogProbs(policy, tf.tensor2d([[1, 4, 5, 2]], undefined, "int32"));
 * assert.deepEqual(logProbs.shape, [1, 3]);
 * assert.ok(entropies.dataSync().every((h) => h > 0 && h <= Math.log(8) + 1e-5));
 * ```
 */
export function sequenceLogProbs(
  policy: Policy,
  tokens: TfTensor2D,
  options: SequenceLogProbsOptions = {},
): SequenceLogProbs {
  const { withValues = false } = options;
  const { config, params } = policy;
  const [batch, T] = checkTokens(tokens, "log-probs");
  if (withValues && config.valueHead === "none") {
    throw new TypeError(`Cannot compute values: the policy has valueHead "none"`);
  }
  const inputs = tf.slice(tokens, [0, 0], [batch, T - 1]); // [B, T−1]
  const targets = tf.reshape(tf.slice(tokens, [0, 1], [batch, T - 1]), [batch * (T - 1)]); // [B·(T−1)]
  const { hidden } = trunkForward(params, inputs, { config }); // [B·(T−1), D]
  const logits = outputLogits(params, hidden); // [B·(T−1), V]
  const logSoftmax = tf.logSoftmax(logits); // [B·(T−1), V]
  // one-hot selection instead of gather: gather has no gradient on wasm
  const targetOneHot = tf.cast(tf.oneHot(targets, config.vocabSize), "float32"); // [B·(T−1), V]
  const logProbs = tf.reshape(tf.sum(tf.mul(logSoftmax, targetOneHot), 1), [batch, T - 1]);
  const probs = tf.exp(logSoftmax); // [B·(T−1), V]
  const entropies = tf.reshape(tf.neg(tf.sum(tf.mul(probs, logSoftmax), 1)), [batch, T - 1]);
  if (!withValues) {
    return { logProbs: logProbs as tf.Tensor2D, entropies: entropies as tf.Tensor2D };
  }
  const criticHidden = config.valueHead === "separate"
    ? trunkForward(params, inputs, { config, prefix: "critic." }).hidden // [B·(T−1), D]
    : hidden;
  const values = tf.reshape(valueOutput(params, criticHidden), [batch, T - 1]);
  return {
    logProbs: logProbs as tf.Tensor2D,
    entropies: entropies as tf.Tensor2D,
    values: values as tf.Tensor2D,
  };
}

/**
 * The critic's values alone, teacher-forced: `[B, T − 1]`, V(tokens[b, ≤ t]). With a separate
 * critic only its trunk runs, so the actor's logits are never computed (the old values of a PPO
 * step whose old log-probs came from the sampler). KERNEL: returns a tensor without tidying.
 *
 * @param policy A model with a value head.
 * @param tokens `[B, T]` int32 ids, T ≤ context.
 * @returns The values, equal to {@link sequenceLogProbs}'s `values` for the same tokens.
 * @throws {TypeError} On a bad shape or dtype, or a policy without a value head.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "separate" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const values = sequenceValues(policy, tf.tensor2d([[1, 4, 5, 2]], undefined, "int32"));
 * assert.deepEqual(values.shape, [1, 3]);
 * ```
 */
export function sequenceValues(policy: Policy, tokens: TfTensor2D): TfTensor2D {
  const { config, params } = policy;
  const [batch, T] = checkTokens(tokens, "values");
  if (config.valueHead === "none") {
    throw new TypeError(`Cannot compute values: the policy has valueHead "none"`);
  }
  const inputs = tf.slice(tokens, [0, 0], [batch, T - 1]); // [B, T−1]
  const prefix = config.valueHead === "separate" ? "critic." : undefined;
  const { hidden } = trunkForward(params, inputs, { config, prefix }); // [B·(T−1), D]
  return tf.reshape(valueOutput(params, hidden), [batch, T - 1]) as TfTensor2D;
}

/** The `[B, T]` shape of an int32 token batch with T ≥ 2, or a TypeError naming what it was for. */
function checkTokens(tokens: TfTensor2D, what: string): [number, number] {
  assertShape("tokens", tokens.shape, [-1, -1]);
  if (tokens.dtype !== "int32") {
    throw new TypeError(`Cannot compute ${what}: tokens must be int32, got ${tokens.dtype}`);
  }
  const [batch, T] = tokens.shape;
  if (T < 2) throw new TypeError(`Cannot compute ${what}: need T >= 2 tokens, got T=${T}`);
  return [batch, T];
}

/** Input of {@link meanNextTokenNll}: plain data, so it can cross a worker boundary. */
export type NextTokenNllInput = {
  /** `[B, T]` token ids, right-padded. */
  tokens: number[][];
  /** `[B, T − 1]`: 1 where the next-token log-prob counts. Default: all ones. */
  mask?: number[][];
  /** Multiplies the loss (e.g. this micro-batch's share of a mean). Default 1. */
  weight?: number;
};

/**
 * Masked mean next-token negative log-likelihood, `−w · Σ m·log π / Σ m`. KERNEL: returns a
 * scalar tensor, differentiable; usable as a `GradientPool` loss (its input is plain
 * data).
 *
 * @param policy The model.
 * @param input Tokens, optional mask and weight.
 * @returns The scalar loss; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const nll = meanNextTokenNll(policy, { tokens: [[1, 4, 5, 2]] }).dataSync()[0];
 * assert.ok(Math.abs(nll - Math.log(8)) < 0.1); // near-uniform at initialisation
 * ```
 */
export function meanNextTokenNll(policy: Policy, input: NextTokenNllInput): tf.Scalar {
  const { tokens, mask, weight = 1 } = input;
  const tokenTensor = tf.tensor2d(tokens, undefined, "int32"); // [B, T]
  const { logProbs } = sequenceLogProbs(policy, tokenTensor); // [B, T−1]
  const maskTensor = mask ? tf.tensor2d(mask, logProbs.shape) : tf.onesLike(logProbs); // [B, T−1]
  const total = tf.sum(tf.mul(logProbs, maskTensor));
  const count = tf.maximum(tf.sum(maskTensor), 1); // an all-zero mask gives 0, not NaN
  return tf.mul(tf.div(total, count), -weight) as tf.Scalar;
}
