import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, type InitBackendOptions } from "../../lib/engine/backend.ts";

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

Deno.test("initBackend() rejects unknown choices, naming the option, the value and the valid ones", async (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ matmul: "nope" }, /matmul must be one of auto, openblas, backend, got "nope"/],
    [{ attention: "nah" }, /attention must be one of auto, simd, backend, got "nah"/],
    [
      { backend: "foo" },
      /backend must be one of wasm, cpu, tensorflow, tensorflow-gpu, webgpu, got "foo"/,
    ],
  ];
  for (const [options, pattern] of cases) {
    await t.step(JSON.stringify(options), async () => {
      await assert.rejects(initBackend(options as InitBackendOptions), (error) => {
        assert.ok(error instanceof RangeError, String(error));
        assert.match(error.message, pattern);
        return true;
      });
      assert.equal(tf.getBackend(), "wasm", "the active backend is left as it was");
    });
  }
});
