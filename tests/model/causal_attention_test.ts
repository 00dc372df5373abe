import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import { fusedCausalAttention } from "../../lib/model/causal_attention.ts";
import { seededPrng } from "../../lib/random.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend({ attention: "simd" });

function randn(shape: [number, number], seed: number): tf.Tensor2D {
  const prng = seededPrng(seed);
  return tf.tensor2d(
    Float32Array.from({ length: shape[0] * shape[1] }, () => 2 * prng() - 1),
    shape,
  );
}

/** The op-by-op reference: heads split, q·kᵀ, causal mask, softmax, weights·v, heads merged. */
function reference(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  batch: number,
  heads: number,
): tf.Tensor {
  const [rows, D] = q.shape;
  const T = rows / batch;
  const d = D / heads;
  const split = (x: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(x, [batch, T, heads, d]), [0, 2, 1, 3]), [
      batch * heads,
      T,
      d,
    ]) as tf.Tensor3D;
  const scores = tf.matMul(split(q), split(k), false, true);
  const mask = tf.tensor2d(
    Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)),
    [T, T],
  );
  const mixed = tf.matMul(tf.softmax(tf.add(scores, mask)) as tf.Tensor3D, split(v));
  return tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, T, d]), [0, 2, 1, 3]), [
    rows,
    D,
  ]);
}

Deno.test("fusedCausalAttention() equals the op-by-op attention and its gradients to float rounding", async (t) => {
  // [B, T, H, d]: one position, a few, and the shipped model's shape (d = 16, T up to 47).
  for (const [B, T, H, d] of [[2, 1, 1, 4], [3, 5, 2, 8], [4, 47, 4, 16], [2, 9, 3, 12]]) {
    await t.step(`B ${B}, T ${T}, H ${H}, d ${d}`, async () => {
      await assertNoLeak(() => {
        const [q, k, v] = [1, 2, 3].map((s) => randn([B * T, H * d], 10 * s + T));
        const cotangent = randn([B * T, H * d], 99);
        const loss =
          (f: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) =>
          (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), cotangent));
        const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          fusedCausalAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, {
            batch: B,
            heads: H,
          });
        const plain = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => reference(a, b, c, B, H);
        const [ours, theirs] = [fused, plain].map((f) =>
          tf.tidy(() =>
            [f(q, k, v), ...tf.grads(loss(f))([q, k, v])].map((x) => Array.from(x.dataSync()))
          )
        );
        ["mixed", "dq", "dk", "dv"].forEach((name, i) => {
          assert.equal(ours[i].length, theirs[i].length);
          const scale = theirs[i].reduce((m, x) => Math.max(m, Math.abs(x)), 1e-6);
          ours[i].forEach((x, j) => assertClose(x, theirs[i][j], 1e-5 * scale, `${name}[${j}]`));
        });
        tf.dispose([q, k, v, cotangent]);
      });
    });
  }
});
