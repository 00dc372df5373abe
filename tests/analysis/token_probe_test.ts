import assert from "node:assert/strict";
import { Policy } from "../../lib/model/policy.ts";
import { initBackend } from "../../lib/engine/backend.ts";
import { probeUpdate } from "../../lib/analysis/token_probe.ts";
import { summarizeProbe } from "../../lib/analysis/probe_summary.ts";
import { assertNoLeak } from "../_helpers.ts";

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

Deno.test("summarizeProbe() reads the paper's token-level quantities", async (t) => {
  await t.step(
    "an exact NSR step on a softmax: all raised, order kept, positive correlation",
    () => {
      // π = (0.5, 0.3, 0.2); NSR on token 0 with the closed form z_v += π_y·π_v (η = 1).
      const probsBefore = [0.5, 0.3, 0.2];
      const logits = probsBefore.map(Math.log);
      const after = logits.map((z, v) => z + (v === 0 ? -0.5 * 0.5 : 0.5 * probsBefore[v]));
      const total = after.reduce((s, z) => s + Math.exp(z), 0);
      const probsAfter = after.map((z) => Math.exp(z) / total);
      const summary = summarizeProbe([{ position: 1, sampled: 0, probsBefore, probsAfter }]);
      assert.equal(summary.alternativesRaised, 1);
      assert.equal(summary.orderPreserved, 1);
      assert.ok(summary.priorChangeCorrelation > 0.99);
      assert.ok(summary.sampledLogProbChange < 0);
    },
  );
  await t.step("a step that swaps two alternatives breaks their order", () => {
    const summary = summarizeProbe([{
      position: 1,
      sampled: 0,
      probsBefore: [0.4, 0.35, 0.25],
      probsAfter: [0.3, 0.3, 0.4],
    }]);
    assert.equal(summary.orderPreserved, 0);
  });
  await t.step("no positions is an error", () => {
    assert.throws(() => summarizeProbe([]), /no positions, got 0/);
  });
});
