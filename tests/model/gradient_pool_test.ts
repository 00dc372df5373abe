import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { GradientPool } from "../../lib/model/gradient_pool.ts";
import { meanNextTokenNll, type NextTokenNllInput } from "../../lib/model/log_probs.ts";
import { Policy } from "../../lib/model/policy.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 9,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 8,
  valueHead: "shared",
};
const LOSS = {
  module: new URL("../../lib/model/log_probs.ts", import.meta.url).href,
  name: "meanNextTokenNll",
};
const INPUTS: NextTokenNllInput[] = [
  { tokens: [[1, 5, 6, 2], [1, 7, 2, 0]], mask: [[1, 1, 1], [1, 1, 0]], weight: 0.5 },
  { tokens: [[1, 3, 4, 8]], weight: 0.25 },
  { tokens: [[1, 8, 8, 2], [1, 4, 2, 0]], weight: 0.25 },
];

/** Σ_i ∇ loss_i computed in this thread. */
function localGradients(policy: Policy): { loss: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.addN(INPUTS.map((input) => meanNextTokenNll(policy, input))) as tf.Scalar,
      policy.actorVariables,
    );
    return {
      loss: value.dataSync()[0],
      grads: policy.actorVariables.map((v) => grads[v.name].dataSync() as Float32Array),
    };
  });
}

Deno.test("GradientPool sums gradients computed in workers", async (t) => {
  await using pool = await GradientPool.create({ loss: LOSS, workers: 2 });
  using policy = Policy.create(CONFIG, { seed: 4 });
  const check = async () => {
    const want = localGradients(policy);
    const got = await assertNoLeak(async () => {
      const out = await pool.gradients(policy, INPUTS);
      const arrays = out.grads.map((g) => g.dataSync());
      tf.dispose(out.grads);
      return { loss: out.loss, grads: arrays };
    });
    assertClose(got.loss, want.loss, 1e-5, "loss");
    assert.equal(got.grads.length, policy.actorVariables.length);
    got.grads.forEach((g, k) =>
      g.forEach((v, i) => assertClose(v, want.grads[k][i], 1e-5, `grad ${k}[${i}]`))
    );
  };
  await t.step("equals the in-thread gradient of the summed loss", check);
  await t.step("follows the weights after markUpdated()", async () => {
    policy.params["wte"].assign(tf.mul(policy.params["wte"], 3));
    pool.markUpdated();
    await check();
  });
  await t.step(
    "variables: all adds the critic's (zero for this loss) after the actor's",
    async () => {
      const out = await pool.gradients(policy, INPUTS.slice(0, 1), { variables: "all" });
      const n = policy.actorVariables.length + policy.criticVariables.length;
      assert.equal(out.grads.length, n);
      assert.equal(tf.sum(tf.abs(out.grads[n - 1])).dataSync()[0], 0);
      tf.dispose(out.grads);
    },
  );
  await t.step("a failing loss rejects with the worker's message", async () => {
    await assert.rejects(
      pool.gradients(policy, [{ tokens: [[1, 2, 3, 4, 5, 6, 7, 8, 1, 2]] }]),
      /Cannot compute gradients in a worker: .*exceed the context, got 9 > 8/,
    );
  });
});

Deno.test("GradientPool.create() rejects a module without the loss", async () => {
  await assert.rejects(
    GradientPool.create({ loss: { ...LOSS, name: "noSuchLoss" }, workers: 1 }),
    /Cannot start a gradient worker: .* has no function export noSuchLoss/,
  );
});
