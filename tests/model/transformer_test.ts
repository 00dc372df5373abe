import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { Policy } from "../../lib/model/policy.ts";
import { countParams, paramSpecs } from "../../lib/model/params.ts";
import { forwardLogits, reserveCache, trunkForward } from "../../lib/model/transformer.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 11,
  width: 16,
  layers: 2,
  heads: 2,
  mlpWidth: 32,
  context: 12,
  valueHead: "none",
};
const TOKENS = [[1, 5, 6, 7, 3, 9, 4, 2], [1, 8, 8, 3, 10, 4, 0, 0]];

Deno.test("paramSpecs() lists the GPT-2 layout and counts parameters", () => {
  const names = paramSpecs(CONFIG).map((s) => s.name);
  assert.equal(names.length, 2 + 12 * 2 + 2 + 1);
  assert.ok(names.includes("h.1.attn.qkv.w"));
  const D = 16, M = 32, V = 11, C = 12;
  const perBlock = 4 * D + (D * 3 * D + 3 * D) + (D * D + D) + (D * M + M) + (M * D + D);
  assert.equal(countParams(CONFIG), V * D + C * D + 2 * perBlock + 2 * D + D * V);
  const separate = paramSpecs({ ...CONFIG, valueHead: "separate" });
  assert.equal(separate.filter((s) => s.group === "critic").length, 2 + 12 * 2 + 2 + 2);
});

Deno.test("forwardLogits() is causal and shaped [B, T, V]", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 3 });
  await assertNoLeak(async () => {
    await t.step("shape", () => {
      const shape = tf.tidy(() =>
        forwardLogits(policy.params, tf.tensor2d(TOKENS, undefined, "int32"), { config: CONFIG })
          .shape
      );
      assert.deepEqual(shape, [2, 8, 11]);
    });
    await t.step("changing token 5 leaves logits at positions 0..4 unchanged", () => {
      const [a, b] = tf.tidy(() => {
        const changed = TOKENS.map((row) => row.map((v, i) => (i === 5 ? 7 : v)));
        const run = (rows: number[][]) =>
          forwardLogits(policy.params, tf.tensor2d(rows, undefined, "int32"), { config: CONFIG })
            .arraySync() as number[][][];
        return [run(TOKENS), run(changed)];
      });
      for (let i = 0; i < 5; i++) {
        a[0][i].forEach((v, k) => assertClose(v, b[0][i][k], 1e-5, `logit ${i},${k}`));
      }
      assert.ok(a[0][5].some((v, k) => Math.abs(v - b[0][5][k]) > 1e-4));
    });
  });
});

Deno.test("trunkForward() with a key/value cache equals the full forward pass", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 4 });
  // Both decoding-attention engines (tfjs ops and the wasm SIMD kernel), each with caches that
  // grow by a copy each step and with buffers reserved up front and written in place.
  for (const attention of ["backend", "simd"] as const) {
    await initBackend({ attention });
    for (const reserved of [false, true]) {
      await t.step(
        `attention ${attention}, reserved ${reserved}`,
        () => cachedEqualsFull(policy, reserved),
      );
    }
  }
  await initBackend();
});

function cachedEqualsFull(policy: Policy, reserved: boolean): Promise<void> {
  return assertNoLeak(() => {
    const [full, stepped] = tf.tidy(() => {
      const tokens = tf.tensor2d(TOKENS, undefined, "int32");
      const full = trunkForward(policy.params, tokens, { config: CONFIG }).hidden
        .arraySync() as number[][];
      // prefill 3 positions, then one position per step
      let { cache } = trunkForward(policy.params, tf.slice(tokens, [0, 0], [2, 3]), {
        config: CONFIG,
        withCache: true,
      });
      if (reserved) cache = reserveCache(cache, 8);
      const stepped: number[][][] = [];
      for (let p = 3; p < 8; p++) {
        const out = trunkForward(policy.params, tf.slice(tokens, [0, p], [2, 1]), {
          config: CONFIG,
          past: cache,
        });
        cache = out.cache;
        stepped.push(out.hidden.arraySync() as number[][]);
      }
      return [full, stepped];
    });
    for (let p = 3; p < 8; p++) {
      for (let b = 0; b < 2; b++) {
        const want = full[b * 8 + p];
        stepped[p - 3][b].forEach((v, k) => assertClose(v, want[k], 1e-4, `b${b} p${p} d${k}`));
      }
    }
  });
}

Deno.test("trunkForward() rejects positions beyond the context", () => {
  using policy = Policy.create(CONFIG, { seed: 4 });
  tf.tidy(() => {
    const long = tf.zeros([1, 13], "int32") as tf.Tensor2D;
    assert.throws(
      () => trunkForward(policy.params, long, { config: CONFIG }),
      /exceed the context, got 13 > 12/,
    );
  });
});
