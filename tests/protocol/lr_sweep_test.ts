import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { parseExperimentConfig } from "../../lib/config.ts";
import {
  learningRateName,
  scoreLearningRates,
  sweepLearningRate,
} from "../../lib/protocol/lr_sweep.ts";
import { passAtK } from "../../lib/eval/passk.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { countdownTrainProblems } from "../../lib/tasks/countdown_rl.ts";
import { loadCountdownSplit } from "../../lib/tasks/splits.ts";
import { assertClose } from "../_helpers.ts";

Deno.test("scoreLearningRates()", async (t) => {
  await t.step("scores the mean over k = 1, 2, 4 … n of Pass@k pooled over seeds", () => {
    const seeds = [[{ n: 4, c: 1 }, { n: 4, c: 0 }], [{ n: 4, c: 2 }]];
    const [score] = scoreLearningRates(new Map([[1e-4, seeds]]));
    const curve = [1, 2, 4].map((k) => (passAtK(4, 1, k) + 0 + passAtK(4, 2, k)) / 3);
    assertClose(score.meanPassAtK, (curve[0] + curve[1] + curve[2]) / 3, 1e-12);
    assertClose(score.pass1, curve[0], 1e-12);
    assertClose(score.passMax, curve[2], 1e-12);
    assert.equal(score.chosen, true);
  });
  await t.step("a high Pass@k beats a high Pass@1 when its mean over k is higher", () => {
    const sharp = [[{ n: 8, c: 4 }, { n: 8, c: 0 }, { n: 8, c: 0 }]]; // 1 of 3 solved, often
    const broad = [[{ n: 8, c: 1 }, { n: 8, c: 1 }, { n: 8, c: 1 }]]; // 3 of 3 solved, rarely
    const scores = scoreLearningRates(new Map([[1e-3, sharp], [1e-4, broad]]));
    assert.ok(scores[0].pass1 > scores[1].pass1);
    assert.deepEqual(scores.map((s) => s.chosen), [false, true]);
  });
  await t.step("a tie goes to the smaller rate, whatever the order", () => {
    const same = [[{ n: 2, c: 1 }]];
    for (const order of [[3e-4, 1e-4], [1e-4, 3e-4]]) {
      const scores = scoreLearningRates(new Map(order.map((rate) => [rate, same])));
      assert.equal(scores.find((s) => s.chosen)!.learningRate, 1e-4);
    }
  });
  await t.step("no candidates, or a candidate without problems, is an error naming it", () => {
    assert.throws(() => scoreLearningRates(new Map()), /no candidates/);
    assert.throws(() => scoreLearningRates(new Map([[3e-4, [[]]]])), /rate 0.0003: no validation/);
  });
  await t.step("names print the rate in exponent form", () => {
    assert.deepEqual([1e-4, 3e-5, 0.001].map(learningRateName), ["lr=1e-4", "lr=3e-5", "lr=1e-3"]);
  });
});

Deno.test({
  name: "sweepLearningRate() trains each rate, scores it on validation and picks the best",
  sanitizeResources: false,
  fn: async () => {
    await initBackend();
    const cacheDir = await Deno.makeTempDir({ prefix: "rlvr-lr-sweep-test-" });
    const base = await loadBaseModel();
    try {
      const config = parseExperimentConfig({
        model: base.policy.config,
        rollout: { samplesPerPrompt: 2, temperature: 1, maxNewTokens: 39 },
        objective: { kind: "w-reinforce", lambda: 0.1 },
        train: { steps: 1, promptsPerStep: 2, miniBatches: 1, evalEvery: 1, checkpointEvery: 1 },
      });
      const options = {
        base: { policy: base.policy, tokenizer: base.tokenizer, id: "base-test" },
        config,
        rates: [1e-4, 3e-3],
        seeds: [0],
        problems: countdownTrainProblems((await loadCountdownSplit("train")).slice(0, 4)),
        validation: countdownTrainProblems((await loadCountdownSplit("tierA")).slice(-3)),
        setting: { samples: 4, temperature: 1, topP: 1 },
        cacheDir,
      };
      const sweep = await sweepLearningRate(options);
      assert.deepEqual(sweep.scores.map((s) => s.learningRate), [0, 1e-4, 3e-3]);
      assert.equal(sweep.scores[0].chosen, false);
      const best = Math.max(...sweep.scores.slice(1).map((s) => s.meanPassAtK));
      assert.equal(sweep.scores.find((s) => s.chosen)!.meanPassAtK, best);
      assert.equal(sweep.scores.find((s) => s.chosen)!.learningRate, sweep.chosen);
      const runs = sweep.reproduction.runs;
      assert.deepEqual(Object.keys(runs), ["lr=1e-4", "lr=3e-3"]);
      const again = await sweepLearningRate(options);
      assert.deepEqual(again.reproduction.computed, { trainingSteps: 0, evaluations: 0 });
      assert.deepEqual(again.scores, sweep.scores);
      await assert.rejects(sweepLearningRate({ ...options, rates: [1e-4, 0] }), /got 0/);
    } finally {
      base.policy.dispose();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
