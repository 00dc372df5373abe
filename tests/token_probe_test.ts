import assert from "node:assert/strict";
import { Policy } from "../lib/model/policy.ts";
import { initBackend } from "../lib/backend.ts";
import { probeUpdate } from "../lib/token_probe.ts";
import { assertNoLeak } from "./_helpers.ts";

const CONFIG = {
  vocabSize: 12,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 12,
  valueHead: "none",
} as const;
const TOKENS = [1, 5, 6, 7, 8, 9, 2];

Deno.test("probeUpdate() measures one PSR and one NSR step token by token", async (t) => {
  await initBackend();
  using policy = Policy.create(CONFIG, { seed: 3 });
  const original = policy.params["wte"].dataSync().slice();

  await t.step(
    "NSR lowers each sampled token and keeps distributions normalised",
    async () => {
      const positions = await assertNoLeak(() =>
        probeUpdate(policy, TOKENS, { responseStart: 3, reward: -1, learningRate: 0.5 })
      );
      assert.equal(positions.length, TOKENS.length - 3);
      for (const { sampled, probsBefore, probsAfter } of positions) {
        assert.ok(probsAfter[sampled] < probsBefore[sampled]);
        const total = probsAfter.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(total - 1) < 1e-5);
      }
    },
  );

  await t.step("PSR raises each sampled token", () => {
    const positions = probeUpdate(policy, TOKENS, {
      responseStart: 3,
      reward: 1,
      learningRate: 0.5,
    });
    for (const { sampled, probsBefore, probsAfter } of positions) {
      assert.ok(probsAfter[sampled] > probsBefore[sampled]);
    }
  });

  await t.step("the probed policy itself is unchanged", () => {
    assert.deepEqual(policy.params["wte"].dataSync(), original);
  });

  await t.step("a bad responseStart is rejected", () => {
    assert.throws(
      () => probeUpdate(policy, TOKENS, { responseStart: 0, reward: 1, learningRate: 1 }),
      /responseStart must be in \[1, 6\], got 0/,
    );
  });
});
