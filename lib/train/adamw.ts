/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter 2019, arXiv:1711.05101), written out
 * the way `torch.optim.AdamW` computes it, and global gradient-norm clipping as
 * `torch.nn.utils.clip_grad_norm_` does it: the update the paper's verl fork ran.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { TfTensor, TfVariable } from "../model/params.ts";
import type { TfScalar } from "../objective/objective_loss.ts";

/** torch's default Adam ε, added to √v̂. */
export const ADAM_EPSILON = 1e-8;
/** torch's clip_grad_norm_ divides by (norm + 1e-6) so a zero gradient stays finite. */
const CLIP_EPSILON = 1e-6;

/** AdamW hyper-parameters. */
export type AdamWOptions = {
  /** Learning rate η. */
  learningRate: number;
  /** First-moment decay β1. */
  beta1: number;
  /** Second-moment decay β2. */
  beta2: number;
  /** Decoupled weight decay λ: p ← p·(1 − ηλ) before the Adam step. */
  weightDecay: number;
};

/** The optimizer's state as plain data, for checkpoints. */
export type AdamWState = {
  /** Number of updates applied so far (t in the bias corrections). */
  step: number;
  /** First moments, one array per variable, in variable order. */
  firstMoments: Float32Array[];
  /** Second moments, one array per variable, in variable order. */
  secondMoments: Float32Array[];
};

/**
 * Scales a list of gradients so that their global L2 norm is at most `maxNorm`:
 * g ← g·min(1, maxNorm / (‖g‖ + 1e-6)), with ‖g‖ = √(Σ_i Σ g_i²) over every tensor.
 * KERNEL: the caller owns the returned tensors (the inputs are left alone).
 *
 * @param grads The gradients.
 * @param options `maxNorm`, the largest allowed global norm.
 * @returns The clipped gradients and the norm before clipping (a scalar tensor).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const { grads, norm } = clipByGlobalNorm([tf.tensor1d([3]), tf.tensor1d([4])], { maxNorm: 1 });
 * assert.equal(norm.dataSync()[0], 5);
 * assert.ok(Math.abs(grads[0].dataSync()[0] - 0.6) < 1e-6);
 * ```
 */
export function clipByGlobalNorm(
  grads: readonly TfTensor[],
  options: { maxNorm: number },
): { grads: TfTensor[]; norm: TfScalar } {
  const { maxNorm } = options;
  const squares = grads.map((g) => tf.sum(tf.square(g)));
  const norm = tf.sqrt(squares.length > 0 ? tf.addN(squares) : tf.scalar(0)) as tf.Scalar;
  const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, CLIP_EPSILON)), 1); // []
  return { grads: grads.map((g) => tf.mul(g, scale)), norm };
}

/**
 * AdamW over a fixed list of variables; owns its moment variables (call `dispose()`, or `using`).
 *
 * One {@link AdamW.apply} with gradient g at step t (torch.optim.AdamW):
 * p ← p·(1 − ηλ); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − (η / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const p = tf.variable(tf.tensor1d([1]));
 * using adam = new AdamW([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, weightDecay: 0 });
 * adam.apply([tf.tensor1d([2])]);
 * assert.ok(Math.abs(p.dataSync()[0] - 0.9) < 1e-6); // the first step moves by η·sign(g)
 * ```
 */
export class AdamW {
  /** The variables it updates, in order. */
  readonly variables: readonly TfVariable[];
  /** Hyper-parameters. */
  readonly options: AdamWOptions;
  #step = 0;
  #m: tf.Variable[];
  #v: tf.Variable[];

  /**
   * Creates the optimizer with zero moments.
   *
   * @param variables The variables to update.
   * @param options Learning rate, betas and weight decay.
   */
  constructor(variables: readonly TfVariable[], options: AdamWOptions) {
    this.variables = variables;
    this.options = options;
    // tidy frees the zerosLike temporaries; variables survive it.
    this.#m = tf.tidy(() => variables.map((p) => tf.variable(tf.zerosLike(p), false)));
    this.#v = tf.tidy(() => variables.map((p) => tf.variable(tf.zerosLike(p), false)));
  }

  /** Number of updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /**
   * Applies one update. The gradients stay owned by the caller.
   *
   * @param grads One gradient per variable, same shapes, in variable order.
   * @throws {TypeError} If the number of gradients is wrong.
   */
  apply(grads: readonly TfTensor[]): void {
    if (grads.length !== this.variables.length) {
      throw new TypeError(
        `Cannot apply AdamW: expected ${this.variables.length} gradients, got ${grads.length}`,
      );
    }
    const { learningRate: lr, beta1, beta2, weightDecay } = this.options;
    this.#step += 1;
    const t = this.#step;
    const stepSize = lr / (1 - beta1 ** t);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** t);
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.#m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.#v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        const decayed = tf.mul(p, 1 - lr * weightDecay);
        const denominator = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), ADAM_EPSILON);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
      });
    });
  }

  /**
   * Copies the state out as plain data (one host read per moment).
   *
   * @returns The step count and both moments.
   */
  state(): AdamWState {
    return {
      step: this.#step,
      firstMoments: this.#m.map((m) => m.dataSync() as Float32Array),
      secondMoments: this.#v.map((v) => v.dataSync() as Float32Array),
    };
  }

  /**
   * Restores a state saved by {@link AdamW.state}.
   *
   * @param state The step count and moments, one array per variable of the right size.
   * @throws {TypeError} If the counts or sizes do not match the variables.
   */
  load(state: AdamWState): void {
    const { step, firstMoments, secondMoments } = state;
    const sizes = this.variables.map((p) => p.size);
    const ok = firstMoments.length === sizes.length && secondMoments.length === sizes.length &&
      sizes.every((n, i) => firstMoments[i].length === n && secondMoments[i].length === n);
    if (!ok) {
      throw new TypeError(
        `Cannot load AdamW state: moment sizes must be [${sizes}], got [${
          firstMoments.map((m) => m.length)
        }] and [${secondMoments.map((v) => v.length)}]`,
      );
    }
    this.#step = step;
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        this.#m[i].assign(tf.tensor(firstMoments[i], p.shape, "float32"));
        this.#v[i].assign(tf.tensor(secondMoments[i], p.shape, "float32"));
      });
    });
  }

  /** Frees the moment variables. Safe to call twice. */
  dispose(): void {
    for (const x of [...this.#m, ...this.#v]) if (!x.isDisposed) x.dispose();
  }

  /** Same as {@link AdamW.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
