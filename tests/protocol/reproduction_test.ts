import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { parseExperimentConfig } from "../../lib/config.ts";
import { deriveSeed } from "../../lib/random.ts";
import { methodConfigs, runReproduction } from "../../lib/protocol/reproduction.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { countdownTrainProblems } from "../../lib/tasks/countdown_rl.ts";
import { evaluateCountdown } from "../../lib/tasks/evaluate_countdown.ts";
import { loadCountdownSplit } from "../../lib/tasks/splits.ts";
import { assertNoLeak } from "../_helpers.ts";

Deno.test("methodConfigs() keeps the shared common objective settings and merges sections", async (t) => {
  const shared = parseExperimentConfig({
    objective: { kind: "w-reinforce", lambda: 0.1, entropyCoef: 0.002, clipRatio: 0.3 },
    train: { steps: 7, miniBatches: 4 },
  });
  const configs = methodConfigs(shared, {
    PSR: { objective: { kind: "psr" } },
    PPO: { objective: { kind: "ppo" }, model: { valueHead: "shared" } },
    "NSR 1 mini-batch": { objective: { kind: "nsr" }, train: { miniBatches: 1 } },
  });
  await t.step("the kind-specific fields of the shared objective are dropped", () => {
    assert.deepEqual(Object.keys(configs), ["PSR", "PPO", "NSR 1 mini-batch"]);
    assert.equal(configs.PSR.objective.kind, "psr");
    assert.equal("lambda" in configs.PSR.objective, false);
    assert.equal(configs.PSR.objective.entropyCoef, 0.002);
    assert.equal(configs.PPO.objective.clipRatio, 0.3);
  });
  await t.step("other sections merge field by field", () => {
    assert.equal(configs.PPO.model.valueHead, "shared");
    assert.equal(configs.PPO.model.width, shared.model.width);
    assert.deepEqual([configs["NSR 1 mini-batch"].train.miniBatches, configs.PSR.train.steps], [
      1,
      7,
    ]);
  });
  await t.step("an invalid method config is named", () => {
    assert.throws(
      () => methodConfigs(shared, { Bad: { objective: { kind: "psr", lambda: 1 } } }),
      /Cannot derive the config of method Bad: .*lambda/,
    );
  });
});

Deno.test({
  name: "runReproduction() trains and evaluates every method × seed, then reuses the caches",
  sanitizeResources: false,
  fn: async (t) => {
    await initBackend();
    const cacheDir = await Deno.makeTempDir({ prefix: "rlvr-repro-test-" });
    const base = await loadBaseModel();
    try {
      const shared = parseExperimentConfig({
        model: base.policy.config,
        rollout: { samplesPerPrompt: 2, temperature: 1, maxNewTokens: 39 },
        objective: { kind: "nsr" },
        train: { steps: 1, promptsPerStep: 2, miniBatches: 1, evalEvery: 1, checkpointEvery: 1 },
      });
      const methods = methodConfigs(shared, {
        NSR: { objective: { kind: "nsr" } },
        PPO: { objective: { kind: "ppo" }, model: { valueHead: "shared" } },
      });
      const problems = countdownTrainProblems((await loadCountdownSplit("train")).slice(0, 4));
      const tiers = {
        tierA: countdownTrainProblems((await loadCountdownSplit("tierA")).slice(0, 2)),
        tierC: countdownTrainProblems((await loadCountdownSplit("tierC")).slice(0, 2)),
      };
      const progress: number[] = [];
      const options = {
        base: { policy: base.policy, tokenizer: base.tokenizer, id: "base-test" },
        methods,
        seeds: [0, 1],
        problems,
        evalProblems: problems.slice(0, 2),
        tiers,
        settings: { "T=1": { samples: 3, temperature: 1, topP: 1 } },
        cacheDir,
      };
      const first = await assertNoLeak(() =>
        runReproduction({ ...options, onProgress: (p) => progress.push(p.done / p.total) })
      );
      await t.step("every method × seed is trained once and evaluated on every tier", () => {
        assert.deepEqual(first.methods, ["Base", "NSR", "PPO"]);
        assert.deepEqual(first.runs.PPO.map((r) => [r.seed, r.steps.length]), [[0, 1], [1, 1]]);
        assert.deepEqual(first.runs.NSR[1].evals.map((e) => e.step), [0, 1]);
        assert.deepEqual(first.computed, { trainingSteps: 4, evaluations: 3 * 2 * 2 });
        const a = first.evaluations["T=1"].tierA;
        assert.deepEqual(a.Base.map((e) => e.seed), [0, 1]);
        assert.deepEqual(
          a.NSR[0].problems.map((p) => [p.problemId, p.n]),
          tiers.tierA.map((p) => [p.id, 3]),
        );
        assert.equal(progress.at(-1), 1);
        assert.ok(progress.every((value, i) => i === 0 || value >= progress[i - 1]));
      });
      await t.step(
        "the base is sampled on the same derived stream as a direct evaluation",
        async () => {
          const direct = await evaluateCountdown(base.policy, tiers.tierC, {
            samples: 3,
            temperature: 1,
            topP: 1,
            seed: deriveSeed(1, "eval/tierC/T=1"),
            tokenizer: base.tokenizer,
          });
          const viaProtocol = first.evaluations["T=1"].tierC.Base[1];
          assert.deepEqual(viaProtocol.problems.map((p) => p.c), direct.problems.map((p) => p.c));
          assert.equal(viaProtocol.entropy, direct.entropy);
        },
      );
      await t.step("a second call recomputes nothing and returns the same numbers", async () => {
        const again = await runReproduction(options);
        assert.deepEqual(again.computed, { trainingSteps: 0, evaluations: 0 });
        assert.deepEqual(again.evaluations, first.evaluations);
        assert.deepEqual(again.runs.NSR.map((r) => r.dir), first.runs.NSR.map((r) => r.dir));
      });
      await t.step("bad inputs are refused", async () => {
        await assert.rejects(
          () => runReproduction({ ...options, seeds: [] }),
          /needs seeds, tiers and settings, got 0 seeds/,
        );
        await assert.rejects(
          () => runReproduction({ ...options, methods: { Base: methods.NSR } }),
          /a method is named like the base, got "Base"/,
        );
      });
    } finally {
      base.policy.dispose();
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
