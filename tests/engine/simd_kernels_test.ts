import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { currentAttention, initBackend, kernelCacheKey } from "../../lib/engine/backend.ts";
import { ATTENTION_WASM } from "../../lib/engine/attention_wasm.ts";
import {
  CACHED_ATTENTION_KERNEL,
  KEEP_ROWS_KERNEL,
  simdAttentionActive,
} from "../../lib/engine/simd_kernels.ts";
import { seededPrng } from "../../lib/random.ts";
import { attentionWasmModule } from "../../scripts/build_wasm.ts";
import { assertNoLeak, withEnv } from "../_helpers.ts";

/** Plain-JS reference of one cached decoding step (float64 accumulation). */
function reference(
  keys: Float32Array,
  values: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  [P, N, d]: number[],
): { keys: number[]; values: number[]; mixed: number[] } {
  const allKeys = [...keys, ...k];
  const allValues = [...values, ...v];
  const mixed: number[] = [];
  for (let n = 0; n < N; n++) {
    const scores = Array.from({ length: P + 1 }, (_, p) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += allKeys[(p * N + n) * d + j] * q[n * d + j];
      return s;
    });
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const z = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < d; j++) {
      let o = 0;
      for (let p = 0; p <= P; p++) o += (e[p] / z) * allValues[(p * N + n) * d + j];
      mixed.push(o);
    }
  }
  return { keys: allKeys, values: allValues, mixed };
}

function random(prng: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => 4 * prng() - 2);
}

Deno.test("the SIMD cached-attention kernel matches a plain reference on every shape", async (t) => {
  const info = await initBackend({ attention: "simd" });
  assert.equal(info.attention, "simd");
  assert.equal(currentAttention(), "simd");
  assert.equal(kernelCacheKey().attention, "simd-5");
  const prng = seededPrng(3);
  // [P cached positions, batch B, heads H, head width d]
  // P + 1 scores per row: whole blocks of four, tails of 1 to 3, fewer than four
  const cases = [
    [1, 1, 1, 4],
    [3, 2, 2, 8],
    [0, 3, 1, 4],
    [7, 5, 4, 16],
    [12, 4, 4, 32],
    [29, 3, 4, 16],
    [5, 2, 3, 4],
  ];
  for (const [P, B, H, d] of cases) {
    await t.step(`P=${P} B=${B} H=${H} d=${d}`, async () => {
      const N = B * H;
      const data = {
        keys: random(prng, P * N * d),
        values: random(prng, P * N * d),
        q: random(prng, N * d),
        k: random(prng, N * d),
        v: random(prng, N * d),
      };
      // The step's fused projection [B, 3D]: row b is q_b, k_b, v_b; the kernel scales q.
      const D = H * d;
      const qkv = new Float32Array(B * 3 * D);
      for (let b = 0; b < B; b++) {
        qkv.set(data.q.subarray(b * D, (b + 1) * D), b * 3 * D);
        qkv.set(data.k.subarray(b * D, (b + 1) * D), b * 3 * D + D);
        qkv.set(data.v.subarray(b * D, (b + 1) * D), b * 3 * D + 2 * D);
      }
      const scale = 0.25; // a power of two: the scaled query is exact
      const scaledQ = data.q.map((x) => x * scale);
      const want = reference(data.keys, data.values, scaledQ, data.k, data.v, [P, N, d]);
      const got = await assertNoLeak(() =>
        tf.tidy(() => {
          const outs = tf.engine().runKernel(CACHED_ATTENTION_KERNEL, {
            keys: tf.tensor3d(data.keys, [P, N, d]),
            values: tf.tensor3d(data.values, [P, N, d]),
            qkv: tf.tensor2d(qkv, [B, 3 * D]),
          }, { scale }) as tf.Tensor[];
          assert.deepEqual(outs.map((o) => o.shape), [[P + 1, N, d], [P + 1, N, d], [B, H * d]]);
          return outs.map((o) => [...o.dataSync()]);
        })
      );
      assert.deepEqual(got[0], want.keys.map(Math.fround));
      assert.deepEqual(got[1], want.values.map(Math.fround));
      const worst = Math.max(...got[2].map((x, i) => Math.abs(x - want.mixed[i])));
      assert.ok(worst < 1e-5, `mixed values: max |diff| ${worst}`);
      // In place: buffers of P + 2 positions with P filled; the kernel writes row P.
      const inPlace = await assertNoLeak(() =>
        tf.tidy(() => {
          const buffer = (t: Float32Array) =>
            tf.pad(tf.tensor3d(t, [P, N, d]), [[0, 2], [0, 0], [0, 0]]);
          const [keys, values] = [buffer(data.keys), buffer(data.values)];
          const mixed = tf.engine().runKernel(CACHED_ATTENTION_KERNEL, {
            keys,
            values,
            qkv: tf.tensor2d(qkv, [B, 3 * D]),
          }, { filled: P, scale }) as tf.Tensor;
          return [keys, values, mixed].map((o) => [...o.dataSync()]);
        })
      );
      assert.deepEqual(inPlace[0].slice(0, (P + 1) * N * d), got[0]);
      assert.deepEqual(inPlace[1].slice(0, (P + 1) * N * d), got[1]);
      assert.deepEqual(inPlace[2], got[2]);
    });
  }
  await t.step("rejects a full buffer, naming the sizes", () => {
    const z = tf.zeros([2, 1, 4]);
    const q = tf.zeros([1, 12]);
    assert.throws(
      () =>
        tf.engine().runKernel(CACHED_ATTENTION_KERNEL, { keys: z, values: z, qkv: q }, {
          filled: 2,
          scale: 1,
        }),
      /filled must be in \[0, 1\] for a buffer of 2 positions, got 2/,
    );
    tf.dispose([z, q]);
  });
  await initBackend();
});

Deno.test("the keep-rows kernel equals a gather of the kept batch rows", async () => {
  await initBackend({ attention: "simd" });
  const [positions, B, H, d, filled] = [6, 5, 2, 4, 4];
  const keep = [0, 2, 3]; // two runs: [0] and [2, 3]
  const data = random(seededPrng(8), positions * B * H * d);
  const [got, want] = await assertNoLeak(() =>
    tf.tidy(() => {
      const x = tf.tensor3d(data, [positions, B * H, d]);
      const kept = tf.engine().runKernel(KEEP_ROWS_KERNEL, { x }, { keep, heads: H, filled });
      const channels = keep.flatMap((b) => [b * H, b * H + 1]);
      const gathered = tf.gather(tf.slice(x, 0, filled), channels, 1);
      return [kept as tf.Tensor, gathered].map((t) => [...t.dataSync()]);
    })
  );
  assert.deepEqual(got.slice(0, want.length), want, "the filled positions");
  assert.ok(got.slice(want.length).every((v) => v === 0), "the rest is zeroed");
  assert.equal(got.length, positions * keep.length * H * d);
});

Deno.test("initBackend() chooses the attention engine and rejects a bad RLVR_ATTENTION", async () => {
  const off = await initBackend({ attention: "backend" });
  assert.equal(off.attention, "backend");
  assert.equal(simdAttentionActive(), false);
  assert.equal(kernelCacheKey().attention, undefined);
  const cpu = await initBackend({ backend: "cpu", attention: "simd" });
  assert.equal(cpu.attention, "backend", "the kernel is wasm-only");
  assert.equal(simdAttentionActive(), false);
  await withEnv(
    "RLVR_ATTENTION",
    "avx",
    () =>
      assert.rejects(initBackend(), /RLVR_ATTENTION must be one of auto, simd, backend, got "avx"/),
  );
  const auto = await initBackend();
  assert.equal(auto.attention, "simd", auto.attentionReason);
  assert.equal(simdAttentionActive(4), true);
  assert.equal(simdAttentionActive(6), false, "head width not a multiple of 4");
});

Deno.test("the committed attention_wasm.ts is what attention.wat assembles to", async () => {
  const text = await Deno.readTextFile(
    new URL("../../lib/engine/attention_wasm.ts", import.meta.url),
  );
  assert.equal(text, await attentionWasmModule(), "run `deno task build:wasm` and commit");
  assert.ok(ATTENTION_WASM.length > 0);
});

Deno.test("with the SIMD kernels on, a clone shares its tensor's memory and outlives it", async () => {
  await initBackend({ attention: "simd" });
  const buffers = () => tf.memory().numDataBuffers;
  const before = buffers();
  const x = tf.tensor1d([1, 2, 3, 4]);
  const copy = tf.clone(x);
  assert.equal(buffers() - before, 1); // one buffer for both
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3, 4]);
  copy.dispose();
  assert.equal(buffers(), before);
  await initBackend({ attention: "backend" });
  const y = tf.tensor1d([5, 6]);
  const yCopy = tf.clone(y);
  assert.equal(buffers() - before, 2); // the backend's own Identity copies
  tf.dispose([y, yCopy]);
  await initBackend();
});
