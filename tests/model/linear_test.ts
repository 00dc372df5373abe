import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import {
  batchMatMul,
  gelu,
  LAYER_NORM_EPS,
  layerNorm,
  linear,
  matMul2d,
} from "../../lib/model/linear.ts";
import { seededPrng } from "../../lib/random.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

function randn(shape: number[], seed: number): tf.Tensor {
  const prng = seededPrng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => 2 * prng() - 1), shape);
}

/** Slow references built from plain tfjs ops (default autodiff). */
const references = {
  matMul2d: (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
  linear: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b),
  batchMatMul: (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
  layerNorm: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, 1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPS))), g), b);
  },
  gelu: (x: tf.Tensor) => {
    const u = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(u), 1));
  },
};

type Case = {
  name: keyof typeof references;
  fast: (...xs: tf.Tensor[]) => tf.Tensor;
  shapes: number[][];
};
const cases: Case[] = [
  {
    name: "matMul2d",
    fast: (a, b) => matMul2d(a as tf.Tensor2D, b as tf.Tensor2D),
    shapes: [[3, 4], [4, 5]],
  },
  {
    name: "linear",
    fast: (x, w, b) => linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D),
    shapes: [[3, 4], [4, 5], [5]],
  },
  {
    name: "batchMatMul",
    fast: (a, b) => batchMatMul(a as tf.Tensor3D, b as tf.Tensor3D),
    shapes: [[2, 3, 4], [2, 4, 5]],
  },
  {
    name: "layerNorm",
    fast: (x, g, b) => layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
    shapes: [[3, 6], [6], [6]],
  },
  { name: "gelu", fast: (x) => gelu(x), shapes: [[4, 5]] },
];

Deno.test("custom-gradient layers match plain tfjs ops and finite differences", async (t) => {
  for (const { name, fast, shapes } of cases) {
    await t.step(name, async () => {
      await assertNoLeak(() => {
        const inputs = tf.tidy(() => shapes.map((s, i) => tf.mul(randn(s, 10 * i + 1), 2)));
        const reference = references[name] as (...xs: tf.Tensor[]) => tf.Tensor;
        const outShape = tf.tidy(() => reference(...inputs).shape);
        const probe = randn(outShape, 99); // fixed random cotangent
        const loss = (f: (...xs: tf.Tensor[]) => tf.Tensor) => (...xs: tf.Tensor[]) =>
          tf.sum(tf.mul(f(...xs), probe)) as tf.Scalar;
        // forward
        const [y, yRef] = tf.tidy(
          () => [fast(...inputs).dataSync(), reference(...inputs).dataSync()],
        );
        y.forEach((v, i) => assertClose(v, yRef[i], 1e-4, `${name} forward[${i}]`));
        // gradients vs autodiff of the reference
        const grads = tf.tidy(() => tf.grads(loss(fast))(inputs).map((g) => g.dataSync()));
        const gradsRef = tf.tidy(() => tf.grads(loss(reference))(inputs).map((g) => g.dataSync()));
        grads.forEach((g, k) =>
          g.forEach((v, i) => assertClose(v, gradsRef[k][i], 1e-3, `${name} grad ${k}[${i}]`))
        );
        // central finite differences (float32: a coarse step and a loose tolerance)
        const eps = 1e-2;
        for (let k = 0; k < inputs.length; k++) {
          const base = inputs[k].dataSync().slice();
          for (const i of [0, base.length - 1]) {
            const at = (delta: number) =>
              tf.tidy(() => {
                const v = base.slice();
                v[i] += delta;
                const xs = inputs.map((x, j) => (j === k ? tf.tensor(v, x.shape) : x));
                return loss(fast)(...xs).dataSync()[0];
              });
            const numeric = (at(eps) - at(-eps)) / (2 * eps);
            assertClose(
              grads[k][i],
              numeric,
              2e-2 * Math.max(1, Math.abs(numeric)),
              `${name} fd ${k}[${i}]`,
            );
          }
        }
        tf.dispose([...inputs, probe]);
      });
    });
  }
});

Deno.test("batchMatMul() handles a single-row query (the decoding shape)", async () => {
  await assertNoLeak(() => {
    const [y, yRef] = tf.tidy(() => {
      const a = randn([3, 1, 4], 5) as tf.Tensor3D;
      const b = randn([3, 4, 7], 6) as tf.Tensor3D;
      return [batchMatMul(a, b).dataSync(), tf.matMul(a, b).dataSync()];
    });
    assert.equal(y.length, 21);
    y.forEach((v, i) => assertClose(v, yRef[i], 1e-5));
  });
});
