import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { currentMatMul, initBackend, kernelCacheKey } from "../../lib/engine/backend.ts";
import { coreForFlags, FALLBACK_CORES, loadOpenBlas } from "../../lib/engine/blas.ts";
import { seededPrng } from "../../lib/random.ts";
import { assertNoLeak, withEnv } from "../_helpers.ts";

// scripts/run.sh installs OpenBLAS; elsewhere (no library) these tests show as ignored.
const available = loadOpenBlas().ok;

Deno.test("coreForFlags() names the fastest core the flags can run, and none without AVX", () => {
  const skylakeX = [
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512cd",
    "avx512bw",
    "avx512dq",
    "avx512vl",
  ];
  assert.equal(coreForFlags(skylakeX), "SkylakeX");
  // Without one of the AVX-512 subsets SkylakeX's kernels use: the AVX2 core.
  assert.equal(coreForFlags(skylakeX.filter((f) => f !== "avx512vl")), "Haswell");
  assert.equal(coreForFlags(["avx", "avx2"]), "Sandybridge"); // AVX2 without FMA
  assert.equal(coreForFlags(["sse2", "sse4_2"]), undefined);
  assert.equal(coreForFlags([]), undefined);
});

Deno.test({
  name:
    "OpenBLAS runs no fallback core where the CPU can run a vector one (OPENBLAS_CORETYPE unset)",
  ignore: !available,
  fn: () => {
    const load = loadOpenBlas();
    assert.ok(load.ok);
    let flags: string[] = [];
    try {
      flags = Deno.readTextFileSync("/proc/cpuinfo").split("\n")
        .find((l) => l.startsWith("flags"))?.split(":")[1].trim().split(/\s+/) ?? [];
    } catch {
      // no /proc (macOS): nothing to check against
    }
    if (coreForFlags(flags) !== undefined) {
      assert.ok(!FALLBACK_CORES.includes(load.core), `OpenBLAS runs ${load.core}`);
    }
  },
});

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const prng = seededPrng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => prng() * 2 - 1), shape);
}

/** [aShape, bShape, transposeA, transposeB] cases: plain, transposed, batched, broadcast. */
const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [7, 3], true, false],
  [[5, 7], [3, 7], false, true],
  [[7, 5], [3, 7], true, true],
  [[4, 6, 8], [4, 8, 2], false, false],
  [[4, 8, 6], [4, 2, 8], true, true],
  [[4, 6, 8], [1, 8, 2], false, false],
  [[1, 6, 8], [4, 8, 2], false, false],
  [[2, 3, 6, 8], [2, 3, 8, 2], false, false],
  [[3, 6, 8], [8, 2], false, false],
  [[96, 128], [128, 200], false, false],
];

function products(): number[][] {
  return CASES.map(([aShape, bShape, ta, tb], i) =>
    tf.tidy(() => {
      const a = randomTensor(aShape, i);
      const b = randomTensor(bShape, 100 + i);
      const c = tf.matMul(a, b, ta, tb);
      return [...c.shape, ...c.dataSync()];
    })
  );
}

Deno.test({
  name: "OpenBLAS matMul agrees with XNNPACK's on every shape and transpose case",
  ignore: !available,
  fn: async () => {
    await initBackend({ matmul: "backend", attention: "backend" });
    assert.equal(currentMatMul(), "backend");
    assert.deepEqual(kernelCacheKey(), {}); // keys from before OpenBLAS stay valid
    const reference = products();
    const info = await initBackend({ matmul: "openblas", attention: "backend" });
    assert.equal(info.matmul, "openblas");
    assert.equal(currentMatMul(), "openblas");
    assert.deepEqual(kernelCacheKey(), { matmul: `openblas-2:${info.matmulCore}` });
    assert.match(info.matmulCore ?? "", /^\w+$/);
    const ours = await assertNoLeak(products);
    for (const [i, row] of ours.entries()) {
      const ref = reference[i];
      assert.equal(row.length, ref.length, `case ${i}: output size`);
      const worst = Math.max(...row.map((x, j) => Math.abs(x - ref[j])));
      assert.ok(worst < 1e-4, `case ${i} ${JSON.stringify(CASES[i])}: max |diff| ${worst}`);
    }
  },
});

Deno.test({
  name: "OpenBLAS matMul handles empty products and its gradient matches autodiff's",
  ignore: !available,
  fn: async () => {
    await initBackend({ matmul: "openblas" });
    const zeroInner = tf.tidy(() => tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 2])).arraySync());
    assert.deepEqual(zeroInner, [[0, 0], [0, 0], [0, 0]]);
    const empty = tf.tidy(() => tf.matMul(tf.zeros([0, 4]), tf.ones([4, 2])).shape);
    assert.deepEqual(empty, [0, 2]);
    // d/da Σ (a·b) = 1·bᵀ: the gradient goes through the same kernel with transposeB.
    const grad = tf.tidy(() =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.matMul(a, tf.tensor2d([[1, 2], [3, 4]]))))(
        tf.ones([1, 2]),
      ).arraySync()
    );
    assert.deepEqual(grad, [[3, 7]]);
    await initBackend();
  },
});

Deno.test("loadOpenBlas() reports a missing library without throwing", () => {
  const load = loadOpenBlas({ path: "/nonexistent/libopenblas.so.0" });
  assert.equal(load.ok, false);
  assert.match(load.ok ? "" : load.reason, /\/nonexistent\/libopenblas\.so\.0/);
});

Deno.test("initBackend() rejects a bad RLVR_MATMUL, naming the variable and the value", async () => {
  await withEnv(
    "RLVR_MATMUL",
    "mkl",
    () =>
      assert.rejects(
        initBackend(),
        /RLVR_MATMUL must be one of auto, openblas, backend, got "mkl"/,
      ),
  );
  await initBackend();
});
