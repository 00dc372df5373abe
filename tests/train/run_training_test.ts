import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { runTraining } from "../../lib/train/run_training.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { COPY_TASK, copyTaskConfig } from "../_helpers.ts";

const TOKENIZER = charTokenizer(COPY_TASK.alphabet);
const PROBLEMS = COPY_TASK.problems;
const reward = COPY_TASK.reward;
const CONFIG = await copyTaskConfig({ kind: "nsr" }, {
  steps: 3,
  promptsPerStep: 2,
  miniBatches: 1,
  learningRate: 1e-3,
  checkpointEvery: 1,
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
