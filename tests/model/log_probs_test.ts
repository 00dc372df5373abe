import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import { sequenceLogProbs } from "../../lib/model/log_probs.ts";
import { Policy } from "../../lib/model/policy.ts";
import { forwardLogits } from "../../lib/model/transformer.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 9,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 10,
  valueHead: "none",
};
const TOKENS = [[1, 5, 6, 7, 3, 2], [1, 8, 4, 2, 0, 0]];

Deno.test("sequenceLogProbs() equals log-softmax of the full forward at the next token", async () => {
  using policy = Policy.create(CONFIG, { seed: 1 });
  await assertNoLeak(() => {
    const [lp, h, logits] = tf.tidy(() => {
      const tokens = tf.tensor2d(TOKENS, undefined, "int32");
      const { logProbs, entropies } = sequenceLogProbs(policy, tokens);
      assert.deepEqual(logProbs.shape, [2, 5]);
      return [
        logProbs.arraySync(),
        entropies.arraySync(),
        forwardLogits(policy.params, tokens, { config: CONFIG }).arraySync(),
      ];
    });
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 5; t++) {
        const row = logits[b][t];
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0));
        assertClose(lp[b][t], row[TOKENS[b][t + 1]] - logZ, 1e-4, `logProb ${b},${t}`);
        const entropy = -row.reduce((s, z) => s + Math.exp(z - logZ) * (z - logZ), 0);
        assertClose(h[b][t], entropy, 1e-4, `entropy ${b},${t}`);
      }
    }
  });
});

Deno.test("sequenceLogProbs() gives values for shared and separate critics", async (t) => {
  for (const valueHead of ["shared", "separate"] as const) {
    await t.step(valueHead, async () => {
      using policy = Policy.create({ ...CONFIG, valueHead }, { seed: 2 });
      await assertNoLeak(() => {
        tf.tidy(() => {
          const tokens = tf.tensor2d(TOKENS, undefined, "int32");
          const { values } = sequenceLogProbs(policy, tokens, { withValues: true });
          assert.deepEqual(values?.shape, [2, 5]);
          // the critic's gradient reaches only the critic variables when separate
          const grads = tf.variableGrads(
            () => tf.sum(sequenceLogProbs(policy, tokens, { withValues: true }).values!),
            [...policy.actorVariables, ...policy.criticVariables],
          ).grads;
          const trunk = grads[policy.actorVariables[2].name]; // null when not connected
          const trunkGrad = trunk ? tf.sum(tf.abs(trunk)).dataSync()[0] : 0;
          if (valueHead === "separate") assert.equal(trunkGrad, 0);
          else assert.ok(trunkGrad > 0);
        });
      });
    });
  }
  using none = Policy.create(CONFIG, { seed: 2 });
  tf.tidy(() => {
    const tokens = tf.tensor2d(TOKENS, undefined, "int32");
    assert.throws(() => sequenceLogProbs(none, tokens, { withValues: true }), /valueHead "none"/);
  });
});

Deno.test("sequenceLogProbs() trains: Adam steps on the NLL leak nothing and lower it", async () => {
  using policy = Policy.create(CONFIG, { seed: 5 });
  const optimizer = tf.train.adam(1e-2);
  const tokens = tf.tensor2d(TOKENS, undefined, "int32");
  const step = (): number => {
    const { value, grads } = tf.variableGrads(
      () => tf.neg(tf.mean(sequenceLogProbs(policy, tokens).logProbs)) as tf.Scalar,
      policy.actorVariables,
    );
    const loss = value.dataSync()[0];
    optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  };
  const first = step(); // creates Adam's slot variables, owned by the optimizer
  const losses = await assertNoLeak(() => [1, 2, 3, 4].map(step));
  assert.ok(losses[3] < first, `loss did not fall: ${first} then ${losses}`);
  tokens.dispose();
  optimizer.dispose();
});

Deno.test("sequenceLogProbs() rejects bad inputs", () => {
  using policy = Policy.create(CONFIG, { seed: 1 });
  tf.tidy(() => {
    assert.throws(
      () => sequenceLogProbs(policy, tf.tensor2d([[1, 2]])),
      /must be int32, got float32/,
    );
    assert.throws(
      () => sequenceLogProbs(policy, tf.tensor2d([[1]], undefined, "int32")),
      /need T >= 2 tokens, got T=1/,
    );
  });
});
