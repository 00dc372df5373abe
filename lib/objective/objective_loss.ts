/**
 * The RL losses, as tf KERNELS (they return tensors, never tidy; the caller owns the results).
 *
 * Dimension glossary: B sequences, T response positions (teacher-forced positions, masked).
 *
 * Every objective of Zhu et al. (2025) uses the same PPO-style update of their released code (a
 * verl fork); they differ in their advantages (advantage.ts) and in two extra terms:
 *
 *   L = agg(ℓ_pg) − c·agg(H) [+ β·agg(k3) for GRPO] [+ agg(ℓ_v) for PPO]
 *
 * with ℓ_pg the clipped surrogate ({@link policyLoss}), H the token entropy, k3 the low-variance
 * KL to the reference policy ({@link lowVarKl}) and ℓ_v the clipped value loss
 * ({@link valueLoss}); `agg` is {@link aggregate} in the configured mode.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { assertShape } from "../_assert.ts";
import type { Aggregation, ObjectiveConfig } from "../config.ts";
import type { TfTensor2D } from "../model/params.ts";
import { objectiveNeeds } from "./objective_needs.ts";

/** A rank-0 tensor (a tfjs `Scalar`), named so public signatures can refer to it. */
export type TfScalar = tf.Scalar;

/** `ratio`: PPO's clipped ratio surrogate; `probability`: the paper's §4 surrogate. */
export type Surrogate = ObjectiveConfig["surrogate"];

// Bounds log ρ before exp(): keeps ρ finite for any input; with ε = 0.2 clipping it never binds.
const LOG_RATIO_CLAMP = 20;
// verl's low_var_kl clamps the k3 estimate to [−10, 10] so one extreme token cannot dominate.
const KL_CLAMP = 10;

function assertSameShape(name: string, a: tf.Tensor, b: tf.Tensor): void {
  assertShape(name, a.shape, b.shape);
}

/**
 * Reduces a per-token loss `[B, T]` to a scalar over the tokens where `mask` is 1:
 *
 * - `token-mean`: Σ_{b,t} ℓ·m / Σ_{b,t} m (verl's default, the paper's choice);
 * - `seq-mean-token-mean`: (1/B) Σ_b [Σ_t ℓ·m / Σ_t m] (each sequence weighs the same);
 * - `seq-mean-token-sum`: (1/B) Σ_b Σ_t ℓ·m (longer sequences weigh more).
 *
 * A sequence (or batch) without any masked-in token contributes 0 (its denominator is clamped
 * to 1). KERNEL: the caller owns the result.
 *
 * @param lossBT Per-token losses `[B, T]`.
 * @param mask `[B, T]`, 1 where the token counts and 0 elsewhere.
 * @param options `mode`, the aggregation.
 * @returns A scalar tensor.
 * @throws {TypeError} If the shapes differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const loss = tf.tensor2d([[1, 2, 9], [3, 9, 9]]), mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
 * assert.equal(aggregate(loss, mask, { mode: "token-mean" }).dataSync()[0], 2);
 * assert.equal(aggregate(loss, mask, { mode: "seq-mean-token-mean" }).dataSync()[0], 2.25);
 * assert.equal(aggregate(loss, mask, { mode: "seq-mean-token-sum" }).dataSync()[0], 3);
 * ```
 */
export function aggregate(
  lossBT: TfTensor2D,
  mask: TfTensor2D,
  options: { mode: Aggregation },
): TfScalar {
  const { mode } = options;
  assertShape("lossBT", lossBT.shape, [-1, -1]);
  assertSameShape("mask", mask, lossBT);
  const masked = tf.mul(lossBT, mask); // [B, T]
  switch (mode) {
    case "token-mean": {
      const tokens = tf.maximum(tf.sum(mask), 1); // []
      return tf.div(tf.sum(masked), tokens);
    }
    case "seq-mean-token-mean": {
      const tokensPerSeq = tf.maximum(tf.sum(mask, 1), 1); // [B]
      return tf.mean(tf.div(tf.sum(masked, 1), tokensPerSeq));
    }
    case "seq-mean-token-sum":
      return tf.mean(tf.sum(masked, 1));
    default: {
      const unknown: never = mode;
      throw new RangeError(`Cannot aggregate a loss: unknown mode, got ${unknown}`);
    }
  }
}

/** Inputs of {@link policyLoss}, each `[B, T]`. */
export type PolicyLossInput = {
  /** log π_θ(y_t) under the policy being trained (differentiable). */
  logProbs: TfTensor2D;
  /** log π_old(y_t) under the policy that sampled (constants). */
  oldLogProbs: TfTensor2D;
  /** Per-token advantages A_t. */
  advantages: TfTensor2D;
};

/** Per-token policy loss and which tokens the clip acted on. */
export type PolicyLossOutput = {
  /** ℓ_pg per token `[B, T]`. */
  lossBT: TfTensor2D;
  /** 1 where the clipped branch is the larger one (verl's `pg_clipfrac` counts these). */
  clippedBT: TfTensor2D;
};

/**
 * Per-token policy-gradient loss.
 *
 * - `ratio` (PPO-clip; Schulman et al. 2017, arXiv:1707.06347; verl `compute_policy_loss`):
 *   ℓ_t = max(−A_t·ρ_t, −A_t·clip(ρ_t, 1−ε, 1+ε)), ρ_t = exp(log π_θ(y_t) − log π_old(y_t)).
 * - `probability` (Zhu et al. 2025, §4): ℓ_t = −A_t·π_θ(y_t); aggregated with
 *   `seq-mean-token-mean` this is L = −R·(1/T)·Σ_t π(y_t), the surrogate of the paper's gradient
 *   analysis (no ratio, no clip; `clippedBT` is all zeros).
 *
 * KERNEL: the caller owns the results.
 *
 * @param input `logProbs`, `oldLogProbs` and `advantages`, each `[B, T]`.
 * @param options `clipRatio` ε and `surrogate`.
 * @returns `lossBT` and `clippedBT`, each `[B, T]`.
 * @throws {TypeError} If the shapes differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const logProbs = tf.tensor2d([[Math.log(0.6)]]), oldLogProbs = tf.tensor2d([[Math.log(0.4)]]);
 * const { lossBT } = policyLoss({ logProbs, oldLogProbs, advantages: tf.tensor2d([[1]]) }, { clipRatio: 0.2, surrogate: "ratio" });
 * assert.ok(Math.abs(lossBT.dataSync()[0] + 1.2) < 1e-6); // ρ = 1.5 clipped to 1.2
 * ```
 */
export function policyLoss(
  input: PolicyLossInput,
  options: { clipRatio: number; surrogate: Surrogate },
): PolicyLossOutput {
  const { clipRatio, surrogate } = options;
  const { logProbs, oldLogProbs, advantages } = input;
  assertShape("logProbs", logProbs.shape, [-1, -1]);
  assertSameShape("oldLogProbs", oldLogProbs, logProbs);
  assertSameShape("advantages", advantages, logProbs);
  switch (surrogate) {
    case "ratio": {
      const logRatio = tf.clipByValue(
        tf.sub(logProbs, oldLogProbs),
        -LOG_RATIO_CLAMP,
        LOG_RATIO_CLAMP,
      ); // [B, T]
      const rho = tf.exp(logRatio); // [B, T]
      const unclipped = tf.neg(tf.mul(advantages, rho)); // [B, T]
      const rhoClipped = tf.clipByValue(rho, 1 - clipRatio, 1 + clipRatio); // [B, T]
      const clipped = tf.neg(tf.mul(advantages, rhoClipped)); // [B, T]
      // On ties tf.maximum sends the gradient to its first argument, the unclipped branch.
      const lossBT = tf.maximum(unclipped, clipped) as tf.Tensor2D; // [B, T]
      const clippedBT = tf.cast(tf.greater(clipped, unclipped), "float32") as tf.Tensor2D;
      return { lossBT, clippedBT };
    }
    case "probability": {
      const lossBT = tf.neg(tf.mul(advantages, tf.exp(logProbs))) as tf.Tensor2D; // [B, T]
      return { lossBT, clippedBT: tf.zerosLike(lossBT) };
    }
    default: {
      const unknown: never = surrogate;
      throw new RangeError(`Cannot compute the policy loss: unknown surrogate, got ${unknown}`);
    }
  }
}

/**
 * The k3 ("low_var_kl") estimate of KL(π_θ ‖ π_ref) per token, as GRPO's KL loss uses it
 * (Schulman 2020, "Approximating KL divergence"; verl `kl_penalty(..., "low_var_kl")`):
 * k3 = exp(r) − r − 1 with r = log π_ref(y_t) − log π_θ(y_t), clamped to [−10, 10].
 * It is ≥ 0, unbiased for the KL under samples from π_θ, and 0 where the two agree.
 * KERNEL: the caller owns the result.
 *
 * @param logProbs log π_θ(y_t) `[B, T]` (differentiable).
 * @param refLogProbs log π_ref(y_t) `[B, T]` (constants).
 * @returns k3 per token `[B, T]`.
 * @throws {TypeError} If the shapes differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const kl = lowVarKl(tf.tensor2d([[-1]]), tf.tensor2d([[-1]]));
 * assert.equal(kl.dataSync()[0], 0);
 * ```
 */
export function lowVarKl(logProbs: TfTensor2D, refLogProbs: TfTensor2D): TfTensor2D {
  assertShape("logProbs", logProbs.shape, [-1, -1]);
  assertSameShape("refLogProbs", refLogProbs, logProbs);
  const logRatio = tf.sub(refLogProbs, logProbs); // [B, T]
  const k3 = tf.sub(tf.sub(tf.exp(logRatio), logRatio), 1); // [B, T]
  return tf.clipByValue(k3, -KL_CLAMP, KL_CLAMP) as tf.Tensor2D;
}

/** Inputs of {@link valueLoss}, each `[B, T]`. */
export type ValueLossInput = {
  /** V_φ(s_t) under the critic being trained (differentiable). */
  values: TfTensor2D;
  /** V_old(s_t) from before the update (constants). */
  oldValues: TfTensor2D;
  /** Value targets R_t (GAE advantages + old values). */
  returns: TfTensor2D;
};

/**
 * PPO's clipped value loss per token (verl `compute_value_loss`, from TRL):
 * ℓ_v = ½·max((V − R)², (clip(V, V_old − c, V_old + c) − R)²), c = `valueClip`.
 * KERNEL: the caller owns the results.
 *
 * @param input `values`, `oldValues`, `returns`, each `[B, T]`.
 * @param options `valueClip`, the clip range c.
 * @returns `lossBT` and `clippedBT` (1 where the clipped branch is larger), each `[B, T]`.
 * @throws {TypeError} If the shapes differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const { lossBT } = valueLoss({ values: tf.tensor2d([[2]]), oldValues: tf.tensor2d([[0]]), returns: tf.tensor2d([[0]]) }, { valueClip: 0.5 });
 * assert.equal(lossBT.dataSync()[0], 2); // max(4, 0.25) / 2
 * ```
 */
export function valueLoss(
  input: ValueLossInput,
  options: { valueClip: number },
): PolicyLossOutput {
  const { valueClip } = options;
  const { values, oldValues, returns } = input;
  assertShape("values", values.shape, [-1, -1]);
  assertSameShape("oldValues", oldValues, values);
  assertSameShape("returns", returns, values);
  const low = tf.sub(oldValues, valueClip); // [B, T]
  const high = tf.add(oldValues, valueClip); // [B, T]
  const valuesClipped = tf.minimum(tf.maximum(values, low), high); // [B, T]
  const unclippedSq = tf.square(tf.sub(values, returns)); // [B, T]
  const clippedSq = tf.square(tf.sub(valuesClipped, returns)); // [B, T]
  const lossBT = tf.mul(0.5, tf.maximum(unclippedSq, clippedSq)) as tf.Tensor2D; // [B, T]
  const clippedBT = tf.cast(tf.greater(clippedSq, unclippedSq), "float32") as tf.Tensor2D;
  return { lossBT, clippedBT };
}

/** Everything {@link objectiveLoss} reads for one micro-batch; tensors are `[B, T]`. */
export type ObjectiveBatch = PolicyLossInput & {
  /** 1 for the response tokens that count. */
  mask: TfTensor2D;
  /** Token entropies H(π_θ(·|s_t)) (differentiable). */
  entropies: TfTensor2D;
  /** GRPO: log π_ref(y_t). */
  refLogProbs?: TfTensor2D;
  /** PPO: the critic's current values (differentiable). */
  values?: TfTensor2D;
  /** PPO: values before the update. */
  oldValues?: TfTensor2D;
  /** PPO: value targets. */
  returns?: TfTensor2D;
};

/** The scalar loss and its parts, each a scalar tensor owned by the caller. */
export type ObjectiveTerms = {
  /** The total loss to minimise. */
  loss: TfScalar;
  /** agg(ℓ_pg). */
  policyLoss: TfScalar;
  /** agg(H), the entropy the bonus rewards. */
  entropy: TfScalar;
  /** Token mean of the clipped indicator (verl's `pg_clipfrac`, always a token mean). */
  clipFraction: TfScalar;
  /** GRPO: agg(k3) (0 for other kinds). */
  kl: TfScalar;
  /** PPO: agg(ℓ_v) (0 for other kinds). */
  valueLoss: TfScalar;
};

function required(tensor: TfTensor2D | undefined, name: string, kind: string): TfTensor2D {
  if (tensor === undefined) {
    throw new TypeError(`Cannot compute the ${kind} loss: ${name} is required, got undefined`);
  }
  return tensor;
}

/**
 * The full loss of one micro-batch for any objective: L = agg(ℓ_pg) − c·agg(H), plus β·agg(k3)
 * where the objective has a KL loss (GRPO) and agg(ℓ_v) where it trains a critic (PPO; its KL is
 * in its reward, see advantage.ts), as {@link objectiveNeeds} says.
 * KERNEL: the caller owns the results (run it inside `tf.variableGrads` or `tf.tidy`).
 *
 * @param batch The micro-batch tensors (`refLogProbs` for GRPO; `values`, `oldValues`,
 *   `returns` for PPO).
 * @param objective The objective config.
 * @returns The total loss and its parts.
 * @throws {TypeError} If a tensor the kind needs is missing or shapes differ.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const z = tf.zeros([1, 2]) as tf.Tensor2D, mask = tf.ones([1, 2]) as tf.Tensor2D;
 * const terms = objectiveLoss({ logProbs: z, oldLogProbs: z, advantages: tf.fill([1, 2], -1) as tf.Tensor2D, mask, entropies: z }, {
 *   kind: "nsr", clipRatio: 0.2, entropyCoef: 1e-3, aggregation: "token-mean", surrogate: "ratio",
 * });
 * assert.equal(terms.loss.dataSync()[0], 1); // −A·ρ = 1
 * ```
 */
export function objectiveLoss(batch: ObjectiveBatch, objective: ObjectiveConfig): ObjectiveTerms {
  const { mask, entropies } = batch;
  const { clipRatio, surrogate, entropyCoef, aggregation: mode } = objective;
  const pg = policyLoss(batch, { clipRatio, surrogate });
  const policyTerm = aggregate(pg.lossBT, mask, { mode });
  const entropy = aggregate(entropies, mask, { mode });
  const clipFraction = aggregate(pg.clippedBT, mask, { mode: "token-mean" });
  const base = tf.sub(policyTerm, tf.mul(entropyCoef, entropy)) as tf.Scalar;
  const { klLossCoef, critic } = objectiveNeeds(objective);
  const name = objective.kind.toUpperCase();
  const zero = tf.scalar(0);
  let loss = base;
  let kl = zero;
  let valueTerm = zero;
  if (klLossCoef !== null) {
    const refLogProbs = required(batch.refLogProbs, "refLogProbs", name);
    kl = aggregate(lowVarKl(batch.logProbs, refLogProbs), mask, { mode });
    loss = tf.add(loss, tf.mul(klLossCoef, kl)) as tf.Scalar;
  }
  if (critic !== null) {
    const values = required(batch.values, "values", name);
    const oldValues = required(batch.oldValues, "oldValues", name);
    const returns = required(batch.returns, "returns", name);
    const v = valueLoss({ values, oldValues, returns }, { valueClip: critic.valueClip });
    valueTerm = aggregate(v.lossBT, mask, { mode });
    loss = tf.add(loss, valueTerm) as tf.Scalar;
  }
  return { loss, policyLoss: policyTerm, entropy, clipFraction, kl, valueLoss: valueTerm };
}
