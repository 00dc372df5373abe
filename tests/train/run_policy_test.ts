import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { runTraining } from "../../lib/train/run_training.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { COPY_TASK, copyTaskConfig } from "../_helpers.ts";
import { loadRunPolicy } from "../../lib/train/run_policy.ts";

const TOKENIZER = charTokenizer(COPY_TASK.alphabet);
const PROBLEMS = COPY_TASK.problems;
const reward = COPY_TASK.reward;
const CONFIG = await copyTaskConfig({ kind: "psr" }, {
  steps: 2,
  promptsPerStep: 2,
  miniBatches: 1,
  learningRate: 1e-2,
  checkpointEvery: 1,
});

Deno.test("loadRunPolicy() loads the trained weights of a run's last step", async (t) => {
  await initBackend();
  const cacheDir = await Deno.makeTempDir();
  using start = Policy.create(CONFIG.model, { seed: 0 });
  const run = await runTraining(CONFIG, {
    policy: start,
    policyId: "toy",
    tokenizer: TOKENIZER,
    problems: PROBLEMS,
    reward,
    cacheDir,
    label: "psr",
  });
  await t.step("the step is the run's last and the weights moved from the start", async () => {
    const { policy, step } = await loadRunPolicy(run);
    using trained = policy;
    assert.equal(step, 2);
    assert.deepEqual(trained.config, start.config);
    const before = start.actorVariables.map((v) => v.dataSync());
    const after = trained.actorVariables.map((v) => v.dataSync());
    assert.ok(before.some((w, i) => w.some((x, j) => x !== after[i][j])));
  });
  await t.step("a directory without a checkpoint is refused, naming it", async () => {
    await assert.rejects(() => loadRunPolicy({ dir: cacheDir }), /no checkpoint in/);
  });
  await Deno.remove(cacheDir, { recursive: true });
});
