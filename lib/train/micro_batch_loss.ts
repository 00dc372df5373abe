/**
 * {@link microBatchLoss}: the loss of one micro-batch of an RL update, from plain data, so that
 * the same function runs in this thread (`trainStep`) and in a gradient worker
 * (`trainStepOnPool`, through a `GradientPool` that imports this module).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ObjectiveConfig } from "../config.ts";
import { sequenceLogProbs } from "../model/log_probs.ts";
import type { Policy } from "../model/policy.ts";
import { objectiveLoss } from "../objective/objective_loss.ts";

/**
 * One micro-batch of an update as plain (structured-cloneable) data: b sequences right-padded to
 * L tokens, and per-position values over the L − 1 teacher-forced positions (zeros off the
 * responses).
 */
export type MicroBatch = {
  /** Token ids, `[b, L]` row-major. */
  readonly tokens: Int32Array;
  /** b. */
  readonly rows: number;
  /** L − 1. */
  readonly width: number;
  /** 1 where a response token counts, `[b, L − 1]`. */
  readonly mask: Float32Array;
  /** Old log-probs, `[b, L − 1]`. */
  readonly oldLogProbs: Float32Array;
  /** Advantages, `[b, L − 1]`. */
  readonly advantages: Float32Array;
  /** Reference log-probs, `[b, L − 1]`; null without a reference policy. */
  readonly refLogProbs: Float32Array | null;
  /** Old values, `[b, L − 1]`; null without a critic. */
  readonly oldValues: Float32Array | null;
  /** Returns, `[b, L − 1]`; null without a critic. */
  readonly returns: Float32Array | null;
  /** The objective. */
  readonly objective: ObjectiveConfig;
  /** Whether the policy's critic runs (PPO). */
  readonly withValues: boolean;
  /** The micro-batch's share of its mini-batch's aggregate. */
  readonly weight: number;
  /** Response tokens in the micro-batch (weights the clip fraction). */
  readonly tokenCount: number;
};

/**
 * weight · L_objective of one micro-batch (the weights of a mini-batch's micro-batches make
 * their sum the mini-batch's aggregate exactly), and its statistics
 * `[loss, policyLoss, entropy, kl, valueLoss]·weight ++ [clipFraction · tokenCount]`.
 *
 * KERNEL: returns tensors the caller owns (inside `tf.variableGrads`, the caller keeps `stats`).
 *
 * @param policy The policy at its current weights.
 * @param batch The micro-batch.
 * @returns The weighted loss (a scalar) and the statistics (`[6]`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { parseExperimentConfig } from "../config.ts";
 * import { Policy } from "../model/policy.ts";
 * const config = parseExperimentConfig({ objective: { kind: "nsr" }, model: { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 } });
 * using policy = Policy.create(config.model, { seed: 0 });
 * const row = Float32Array.of(0, 1, 1);
 * const out = tf.tidy(() => microBatchLoss(policy, { tokens: Int32Array.of(1, 4, 5, 2), rows: 1, width: 3, mask: row, oldLogProbs: new Float32Array(3), advantages: row.map((m) => -m), refLogProbs: null, oldValues: null, returns: null, objective: config.objective, withValues: false, weight: 1, tokenCount: 2 }).stats.arraySync());
 * assert.equal(out.length, 6);
 * ```
 */
export function microBatchLoss(
  policy: Policy,
  batch: MicroBatch,
): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const { rows, width, objective, withValues, weight, tokenCount } = batch;
  const shape: [number, number] = [rows, width];
  const tokens = tf.tensor2d(batch.tokens, [rows, width + 1], "int32"); // [b, L]
  const mask = tf.tensor2d(batch.mask, shape); // [b, L − 1]
  const oldLogProbs = tf.tensor2d(batch.oldLogProbs, shape);
  const advantages = tf.tensor2d(batch.advantages, shape);
  const refLogProbs = batch.refLogProbs === null
    ? undefined
    : tf.tensor2d(batch.refLogProbs, shape);
  const oldValues = batch.oldValues === null ? undefined : tf.tensor2d(batch.oldValues, shape);
  const returns = batch.returns === null ? undefined : tf.tensor2d(batch.returns, shape);
  const out = sequenceLogProbs(policy, tokens, { withValues });
  const terms = objectiveLoss({
    logProbs: out.logProbs,
    oldLogProbs,
    advantages,
    mask,
    entropies: out.entropies,
    refLogProbs,
    values: out.values,
    oldValues,
    returns,
  }, objective);
  const parts = [terms.loss, terms.policyLoss, terms.entropy, terms.kl, terms.valueLoss];
  const stats = tf.concat([
    tf.mul(tf.stack(parts), weight),
    tf.reshape(tf.mul(terms.clipFraction, tokenCount), [1]),
  ]) as tf.Tensor1D; // [6]
  return { loss: tf.mul(terms.loss, weight) as tf.Scalar, stats };
}
