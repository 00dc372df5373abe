/**
 * {@link fusedCausalAttention}: causal self-attention of whole sequences as one SIMD kernel
 * forward and one backward (engine/simd_kernels.ts), heads read in place from the `[B·T, D]`
 * projections. transformer.ts uses it on wasm with the SIMD kernels on (head width a multiple
 * of 4) and its op-by-op path elsewhere; the two agree to float rounding (tested).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ATTENTION_FULL_GRAD_KERNEL, ATTENTION_FULL_KERNEL } from "../engine/simd_kernels.ts";

type Save = (tensors: tf.Tensor[]) => void;
type GradFunc = Parameters<typeof tf.customGrad>[0];

/** Sizes of a whole-sequence attention call. */
export type AttentionShape = {
  /** Sequences B. */
  batch: number;
  /** Heads H (D / H is the head width d, a multiple of 4). */
  heads: number;
};

function attentionOp(shape: AttentionShape): (...inputs: tf.Tensor[]) => tf.Tensor {
  const attrs = { batch: shape.batch, heads: shape.heads };
  return tf.customGrad(
    ((q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, save: Save) => {
      const [mixed, probs] = tf.engine().runKernel(
        ATTENTION_FULL_KERNEL,
        { q, k, v },
        attrs,
      ) as tf.Tensor[];
      save([q, k, v, probs]);
      return {
        value: mixed,
        gradFunc: (dy: tf.Tensor, [sq, sk, sv, sprobs]: tf.Tensor[]) =>
          tf.engine().runKernel(ATTENTION_FULL_GRAD_KERNEL, {
            q: sq,
            k: sk,
            v: sv,
            probs: sprobs,
            dy,
          }, attrs) as tf.Tensor[],
      };
    }) as unknown as GradFunc,
  );
}

/**
 * Causal self-attention of whole sequences: out_i = Σ_{j ≤ i} softmax_j(q_i · k_j) v_j per head,
 * differentiable in q, k and v. Needs the wasm backend with the SIMD kernels on
 * (`simdAttentionActive(d)`).
 *
 * @param q `[B·T, D]` queries, already scaled by 1/√d, heads side by side.
 * @param k `[B·T, D]` keys.
 * @param v `[B·T, D]` values.
 * @param shape Sequences and heads.
 * @returns `[B·T, D]` mixed values; the caller owns them.
 */
export function fusedCausalAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  shape: AttentionShape,
): tf.Tensor2D {
  return attentionOp(shape)(q, k, v) as tf.Tensor2D;
}
