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

Deno.test("the fused kernels give the op-by-op path's values bit for bit and its gradients to float rounding: layer norm, GELU, linear", async (t) => {
  // [rows, width]: a decoding step, a training micro-batch, a width that is not a multiple of 4
  // (layer norm then runs the ops), and K = 256, the widest product of the shipped model.
  const shapes = [[256, 64], [37, 256], [5, 6]];
  const run = () =>
    shapes.map(([n, width], i) =>
      tf.tidy(() => {
        const x = randn([n, width], 10 + i);
        const g = randn([width], 20 + i);
        const b = randn([width], 30 + i);
        const w = randn([width, 3 * width], 40 + i);
        const wb = randn([3 * width], 50 + i);
        const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor, ww: tf.Tensor) =>
          tf.sum(tf.mul(
            gelu(
              linear(
                layerNorm(xx as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D),
                ww as tf.Tensor2D,
                wb as tf.Tensor1D,
              ),
            ),
            randn([n, 3 * width], 60 + i),
          ));
        const values = [
          layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
          gelu(x),
          linear(x as tf.Tensor2D, w as tf.Tensor2D, wb as tf.Tensor1D),
        ];
        const grads = tf.grads(f)([x, g, b, w]);
        return [...values, ...grads].map((v) => Array.from(v.dataSync()));
      })
    );
  await initBackend({ attention: "backend" }); // tfjs ops; OpenBLAS products
  const ops = run();
  await initBackend({ attention: "simd" }); // the SIMD layer-norm and GELU kernels
  const fused = await assertNoLeak(() => run());
  await initBackend();
  for (const [i, [n, width]] of shapes.entries()) {
    await t.step(`[${n}, ${width}]`, () => {
      ["layerNorm", "gelu", "linear"].forEach((name, k) => {
        const at = fused[i][k].findIndex((v, j) => !Object.is(v, ops[i][k][j]));
        assert.equal(at, -1, `${name} differs at ${at}: ${fused[i][k][at]} vs ${ops[i][k][at]}`);
        assert.equal(fused[i][k].length, ops[i][k].length);
      });
      // The layer-norm and GELU gradient kernels sum in another order than tfjs's ops.
      ["dx", "dg", "db", "dw"].forEach((name, j) => {
        const k = 3 + j;
        assert.equal(fused[i][k].length, ops[i][k].length);
        const scale = ops[i][k].reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        fused[i][k].forEach((v, m) => assertClose(v, ops[i][k][m], 1e-5 * scale, `${name}[${m}]`));
      });
    });
  }
  await t.step("linear's one sgemm onto the bias equals matMul then add", () => {
    const [a, b] = tf.tidy(() => {
      const x = randn([256, 256], 1) as tf.Tensor2D;
      const w = randn([256, 64], 2) as tf.Tensor2D;
      const bias = randn([64], 3) as tf.Tensor1D;
      return [linear(x, w, bias), tf.add(tf.matMul(x, w), bias)].map((v) =>
        Array.from(v.dataSync())
      );
    });
    assert.deepEqual(a, b);
  });
});
