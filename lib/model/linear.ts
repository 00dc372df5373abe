/**
 * Layers with hand-written gradients for the wasm backend.
 *
 * tfjs-wasm's default matmul gradient calls `matMul` with `transposeA`/`transposeB` set, which
 * takes a slow scalar path; transposing explicitly and then calling a plain matmul makes a
 * training step several times faster. The same holds for batched matmuls in attention. The
 * layer norm and GELU gradients are written out too: one fused formula instead of the long
 * chain of small ops autodiff would record.
 *
 * When OpenBLAS computes matrix products (`initBackend`, blas.ts), transposes cost nothing
 * there: the gradients pass `transposeA`/`transposeB` instead, and batched products are plain
 * `matMul`s (one sgemm per batch entry) instead of the depthwise-convolution detour.
 *
 * Every function here is a KERNEL: it returns a tensor, never tidies, and is differentiable.
 * Dimension glossary: N rows, I input width, O output width.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { currentMatMul } from "../engine/backend.ts";
import { LINEAR_KERNEL } from "../engine/blas.ts";
import {
  GELU_ARG_KERNEL,
  GELU_GRAD_KERNEL,
  LAYER_NORM_GRAD_KERNEL,
  LAYER_NORM_KERNEL,
  simdAttentionActive,
} from "../engine/simd_kernels.ts";

// tf.customGrad passes the save function as the last argument; these aliases keep the casts
// in one place.
type Save = (tensors: tf.Tensor[]) => void;
type GradFunc = Parameters<typeof tf.customGrad>[0];
type GradResult = {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
};

/**
 * `op(a) · op(b)` where op transposes when asked: by OpenBLAS's own flags when it computes the
 * product, else by explicit transposes before a plain product (XNNPACK's transposed path is
 * slow).
 */
function matMulT<T extends tf.Tensor>(a: T, b: T, transposeA: boolean, transposeB: boolean): T {
  if (currentMatMul() === "openblas") return tf.matMul(a, b, transposeA, transposeB) as T;
  const perm = (x: T): number[] =>
    [...x.shape.keys()].map((i, _, all) => i < all.length - 2 ? i : 2 * all.length - 3 - i);
  const left = transposeA ? tf.transpose(a, perm(a)) : a;
  const right = transposeB ? tf.transpose(b, perm(b)) : b;
  return tf.matMul(left, right) as T;
}

/**
 * Sums `[N, O]` over its rows: `[O]`. tfjs-wasm reduces over a leading axis by transposing first;
 * with OpenBLAS a product with a row of ones is faster (bias and gain gradients were a sizeable
 * part of a training step).
 */
function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (currentMatMul() !== "openblas") return tf.sum(x, 0);
  const [N, O] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, N]), x), [O]);
}

const matMulOp = tf.customGrad(
  ((a: tf.Tensor2D, b: tf.Tensor2D, save: Save): GradResult => {
    save([a, b]);
    return {
      value: tf.matMul(a, b), // [N, O]
      gradFunc: (dy, [sa, sb]) => [
        matMulT(dy, sb, false, true), // [N, I]
        matMulT(sa, dy, true, false), // [I, O]
      ],
    };
  }) as unknown as GradFunc,
);

/**
 * Plain 2-D matrix product `a · b` whose gradient uses explicit transposes (fast on wasm).
 *
 * @param a `[N, I]` float32.
 * @param b `[I, O]` float32.
 * @returns `[N, O]`; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const y = matMul2d(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
 * assert.deepEqual(y.arraySync(), [[11]]);
 * ```
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMulOp(a, b) as tf.Tensor2D;
}

const linearOp = tf.customGrad(
  ((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: Save): GradResult => {
    save([x, w]);
    return {
      value: currentMatMul() === "openblas"
        ? tf.engine().runKernel(LINEAR_KERNEL, { x, w, bias: b }) as tf.Tensor // one sgemm
        : tf.add(tf.matMul(x, w), b), // [N, O]
      gradFunc: (dy, [sx, sw]) => [
        matMulT(dy, sw, false, true), // [N, I]
        matMulT(sx, dy, true, false), // [I, O]
        columnSum(dy as tf.Tensor2D), // [O]
      ],
    };
  }) as unknown as GradFunc,
);

/**
 * Affine layer `x · w + b` with a wasm-friendly gradient (explicit transposes, 2-D matmuls).
 *
 * @param x `[N, I]` inputs.
 * @param w `[I, O]` weights.
 * @param b `[O]` bias.
 * @returns `[N, O]`; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const y = linear(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]), tf.tensor1d([1]));
 * assert.deepEqual(y.arraySync(), [[12]]);
 * ```
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return linearOp(x, w, b) as tf.Tensor2D;
}

/**
 * `a[n] · b[n]` for every n, as one depthwise convolution. The wasm backend's BatchMatMul
 * takes a slow scalar path for batch > 1 (several times slower than this), while its
 * depthwise convolution runs through XNNPACK: with channels c = n, the input
 * `[1, M, I, N]` (a, transposed) and the filter `[1, I, N, O]` (b, transposed), a "valid"
 * convolution of width I gives out[0, m, 0, n·O + o] = Σ_i a[n, m, i] · b[n, i, o], exactly.
 */
function depthwiseBatchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [N, M, I] = a.shape;
  const O = b.shape[2];
  const input = tf.reshape(tf.transpose(a, [1, 2, 0]), [1, M, I, N]); // [1, M, I, N]
  const filter = tf.reshape(tf.transpose(b, [1, 0, 2]), [1, I, N, O]); // [1, I, N, O]
  const out = tf.depthwiseConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, "valid"); // [1, M, 1, N·O]
  return tf.transpose(tf.reshape(out, [M, N, O]), [1, 0, 2]); // [N, M, O]
}

const batchMatMulOp = tf.customGrad(
  ((a: tf.Tensor3D, b: tf.Tensor3D, save: Save): GradResult => {
    save([a, b]);
    if (currentMatMul() === "openblas") {
      return {
        value: tf.matMul(a, b), // [N, M, O]
        gradFunc: (dy, [sa, sb]) => [
          tf.matMul(dy, sb, false, true), // [N, M, I]
          tf.matMul(sa, dy, true, false), // [N, I, O]
        ],
      };
    }
    return {
      value: depthwiseBatchMatMul(a, b), // [N, M, O]
      gradFunc: (dy, [sa, sb]) => [
        depthwiseBatchMatMul(dy as tf.Tensor3D, tf.transpose(sb, [0, 2, 1]) as tf.Tensor3D), // [N, M, I]
        depthwiseBatchMatMul(tf.transpose(sa, [0, 2, 1]) as tf.Tensor3D, dy as tf.Tensor3D), // [N, I, O]
      ],
    };
  }) as unknown as GradFunc,
);

/**
 * Batched matrix product `a[n] · b[n]`: on OpenBLAS a plain batched `matMul`; on XNNPACK one
 * depthwise convolution (fast there, see `depthwiseBatchMatMul`) differentiated with explicit
 * transposes.
 *
 * @param a `[N, M, I]`.
 * @param b `[N, I, O]`.
 * @returns `[N, M, O]`; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const y = batchMatMul(tf.ones([2, 1, 3]) as tf.Tensor3D, tf.ones([2, 3, 1]) as tf.Tensor3D);
 * assert.deepEqual(y.arraySync(), [[[3]], [[3]]]);
 * ```
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return batchMatMulOp(a, b) as tf.Tensor3D;
}

/** Added to the variance in layer norm so rsqrt stays finite (GPT-2's value). */
export const LAYER_NORM_EPS = 1e-5;

/**
 * Layer norm's value, xHat `[N, I]` and invStd `[N, 1]`: one SIMD kernel on wasm (the same bits
 * as the ops below, which run elsewhere).
 */
function layerNormForward(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor[] {
  if (simdAttentionActive(x.shape[1])) {
    const attrs = { eps: LAYER_NORM_EPS, withStats: true };
    return tf.engine().runKernel(LAYER_NORM_KERNEL, { x, g, b }, attrs) as tf.Tensor[];
  }
  const mean = tf.mean(x, 1, true); // [N, 1]
  const centered = tf.sub(x, mean); // [N, I]
  const variance = tf.mean(tf.square(centered), 1, true); // [N, 1]
  const invStd = tf.rsqrt(tf.add(variance, LAYER_NORM_EPS)); // [N, 1]
  const xHat = tf.mul(centered, invStd); // [N, I]
  return [tf.add(tf.mul(xHat, g), b), xHat, invStd];
}

const layerNormOp = tf.customGrad(
  ((x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: Save): GradResult => {
    const [value, xHat, invStd] = layerNormForward(x, g, b);
    save([xHat, invStd, g]);
    return {
      value,
      // dx = invStd · (dxHat − mean(dxHat) − xHat · mean(dxHat · xHat)), dxHat = dy · g
      gradFunc: (dy, [sxHat, sInvStd, sg]) => {
        if (simdAttentionActive(sxHat.shape[1])) {
          const inputs = { dy, xHat: sxHat, invStd: sInvStd, g: sg };
          return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, inputs) as tf.Tensor[];
        }
        const dxHat = tf.mul(dy, sg); // [N, I]
        const meanDxHat = tf.mean(dxHat, 1, true); // [N, 1]
        const meanDxHatXHat = tf.mean(tf.mul(dxHat, sxHat), 1, true); // [N, 1]
        const dx = tf.mul(tf.sub(tf.sub(dxHat, meanDxHat), tf.mul(sxHat, meanDxHatXHat)), sInvStd);
        return [
          dx, // [N, I]
          columnSum(tf.mul(dy, sxHat)), // [I]
          columnSum(dy as tf.Tensor2D), // [I]
        ];
      },
    };
  }) as unknown as GradFunc,
);

/**
 * Layer normalisation over the last axis: `g · (x − μ) / √(σ² + ε) + b`, ε = {@link LAYER_NORM_EPS}.
 *
 * @param x `[N, I]`.
 * @param g `[I]` gain.
 * @param b `[I]` bias.
 * @returns `[N, I]`; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const y = layerNorm(tf.tensor2d([[1, 3]]), tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D);
 * const [a, b] = y.dataSync();
 * assert.ok(Math.abs(a + 1) < 1e-3 && Math.abs(b - 1) < 1e-3);
 * ```
 */
export function layerNorm(x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor2D {
  return layerNormOp(x, g, b) as tf.Tensor2D;
}

const GELU_C = Math.sqrt(2 / Math.PI); // tanh approximation, GPT-2 / PyTorch approximate="tanh"
const GELU_A = 0.044715;

// ½(1 + tanh(u)) = σ(2u), and wasm's sigmoid is much faster than its tanh; x·x·x is
// likewise much faster than pow(x, 3).
/** 2u = 2c(x + a·x³): one SIMD kernel on wasm (the same bits as the ops, which run elsewhere). */
function geluArgument(x: tf.Tensor): tf.Tensor {
  if (simdAttentionActive()) {
    return tf.engine().runKernel(GELU_ARG_KERNEL, { x }, {
      a: GELU_A,
      c2: 2 * GELU_C,
    }) as tf.Tensor;
  }
  const cube = tf.mul(tf.mul(x, x), x);
  return tf.mul(tf.add(x, tf.mul(cube, GELU_A)), 2 * GELU_C);
}

const geluOp = tf.customGrad(
  ((x: tf.Tensor, save: Save): GradResult => {
    const s = tf.sigmoid(geluArgument(x)); // σ(2u) = ½(1 + tanh u)
    save([x, s]);
    return {
      value: tf.mul(x, s),
      // d/dx = σ(2u) + x·σ(2u)(1 − σ(2u))·2c(1 + 3a·x²)
      gradFunc: (dy, [sx, ss]) => {
        if (simdAttentionActive(sx.size)) {
          const attrs = { a3: 3 * GELU_A, c2: 2 * GELU_C };
          return [
            tf.engine().runKernel(GELU_GRAD_KERNEL, { dy, x: sx, s: ss }, attrs) as tf.Tensor,
          ];
        }
        const dsig = tf.mul(ss, tf.sub(1, ss));
        const du = tf.mul(tf.add(tf.mul(tf.mul(sx, sx), 3 * GELU_A), 1), 2 * GELU_C);
        const grad = tf.add(ss, tf.mul(tf.mul(sx, dsig), du));
        return [tf.mul(dy, grad)];
      },
    };
  }) as unknown as GradFunc,
);

/**
 * GELU, tanh approximation: `½x(1 + tanh(√(2/π)(x + 0.044715x³)))` (GPT-2; PyTorch's
 * `gelu(approximate="tanh")`), with a one-formula gradient.
 *
 * @param x Any shape.
 * @returns Same shape; the caller owns it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * const [zero, big] = gelu(tf.tensor1d([0, 10])).dataSync();
 * assert.ok(zero === 0 && Math.abs(big - 10) < 1e-4);
 * ```
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return geluOp(x) as T;
}
