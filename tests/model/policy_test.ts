import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { Policy } from "../../lib/model/policy.ts";
import { assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 7,
  width: 8,
  layers: 1,
  heads: 2,
  mlpWidth: 16,
  context: 6,
  valueHead: "shared",
};

Deno.test("Policy owns its variables and clones are frozen copies", async (t) => {
  await t.step("create is seeded and dispose frees every variable", async () => {
    await assertNoLeak(() => {
      using a = Policy.create(CONFIG, { seed: 1 });
      using b = Policy.create(CONFIG, { seed: 1 });
      using c = Policy.create(CONFIG, { seed: 2 });
      assert.deepEqual(a.params["h.0.mlp.fc.w"].dataSync(), b.params["h.0.mlp.fc.w"].dataSync());
      assert.notDeepEqual(a.params["h.0.mlp.fc.w"].dataSync(), c.params["h.0.mlp.fc.w"].dataSync());
      assert.equal(
        a.actorVariables.length + a.criticVariables.length,
        Object.keys(a.params).length,
      );
    });
  });
  await t.step("a clone keeps its weights when the original is updated", async () => {
    await assertNoLeak(() => {
      using policy = Policy.create(CONFIG, { seed: 1 });
      using frozen = policy.clone();
      const before = frozen.params["wte"].dataSync().slice();
      tf.tidy(() => policy.params["wte"].assign(tf.zerosLike(policy.params["wte"])));
      assert.deepEqual(frozen.params["wte"].dataSync(), before);
      assert.ok(frozen.actorVariables.every((v) => !v.trainable));
      policy.dispose();
      assert.throws(() => policy.clone(), /Cannot clone: the policy was disposed/);
    });
  });
  await t.step("fromWeights names every missing, extra or misshaped weight", () => {
    using policy = Policy.create(CONFIG, { seed: 1 });
    const weights = { ...policy.params } as Record<string, tf.Tensor>;
    delete weights["head.w"];
    const wrong = tf.zeros([3]);
    weights["lnf.g"] = wrong;
    weights["extra"] = wrong;
    assert.throws(
      () => Policy.fromWeights(CONFIG, weights),
      /lnf\.g has shape \[3\], expected \[8\]; missing head\.w; unexpected extra/,
    );
    wrong.dispose();
  });
});
