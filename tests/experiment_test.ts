import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { runTraining } from "../lib/experiment.ts";
import { Policy } from "../lib/model/policy.ts";
import { charTokenizer } from "../lib/model/tokenizer.ts";
import type { Rollout } from "../lib/rollout.ts";

const TOKENIZER = charTokenizer("0123");
const PROBLEMS = ["0", "1", "2", "3"].map((d) => ({ prompt: d }));
const reward = (rollout: Rollout, problem: { prompt: string }): number =>
  rollout.response.startsWith(problem.prompt) ? 1 : 0;
const CONFIG = parseExperimentConfig({
  seed: 1,
  model: {
    vocabSize: TOKENIZER.vocabSize,
    width: 16,
    layers: 1,
    heads: 2,
    mlpWidth: 32,
    context: 6,
  },
  rollout: { samplesPerPrompt: 4, maxNewTokens: 2 },
  objective: { kind: "nsr" },
  train: { steps: 3, promptsPerStep: 2, miniBatches: 1, learningRate: 1e-3, checkpointEvery: 1 },
});

Deno.test("runTraining() reuses a finished run with the same key and separates other keys", async () => {
  await initBackend();
  const cacheDir = await Deno.makeTempDir();
  using policy = Policy.create(CONFIG.model, { seed: 0 });
  const options = {
    policy,
    policyId: "toy",
    tokenizer: TOKENIZER,
    problems: PROBLEMS,
    reward,
    cacheDir,
  };
  let calls = 0;
  const first = await runTraining(CONFIG, { ...options, label: "nsr", onStep: () => calls++ });
  assert.equal(first.steps.length, 3);
  assert.equal(calls, 3);
  const again = await runTraining(CONFIG, { ...options, label: "nsr", onStep: () => calls++ });
  assert.equal(calls, 3, "a finished run is not retrained");
  assert.equal(again.dir, first.dir);
  assert.deepEqual(
    again.steps.map((s) => s.samplesTrained),
    first.steps.map((s) => s.samplesTrained),
  );
  const other = await runTraining({ ...CONFIG, seed: 2 }, { ...options, label: "nsr" });
  assert.notEqual(other.dir, first.dir);
  await Deno.remove(cacheDir, { recursive: true });
});
