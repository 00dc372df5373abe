import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";

Deno.test("initBackend() selects wasm with SIMD by default", async () => {
  const info = await initBackend();
  assert.equal(info.backend, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(info.simd, true);
  assert.equal(info.threads, 1);
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync());
  assert.deepEqual(sum, [4, 6]);
});

Deno.test("initBackend() selects cpu on request", async () => {
  const info = await initBackend({ backend: "cpu" });
  assert.deepEqual(info, {
    backend: "cpu",
    threads: 1,
    simd: false,
    matmul: "backend",
    attention: "backend",
  });
  assert.equal(tf.getBackend(), "cpu");
  await initBackend();
});
