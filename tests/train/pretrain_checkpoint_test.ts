import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import {
  KEPT_CHECKPOINTS,
  loadPretrainCheckpoint,
  type PretrainCheckpoint,
  savePretrainCheckpoint,
} from "../../lib/train/pretrain_checkpoint.ts";

await initBackend();

const CONFIG = {
  vocabSize: 5,
  width: 8,
  layers: 1,
  heads: 2,
  mlpWidth: 16,
  context: 8,
  valueHead: "none",
} as const;

function checkpointAt(policy: Policy, step: number): PretrainCheckpoint {
  const sizes = policy.actorVariables.map((v) => v.size);
  return {
    state: {
      step,
      optimizer: {
        step,
        firstMoments: sizes.map((n) => new Float32Array(n).fill(step)),
        secondMoments: sizes.map((n) => new Float32Array(n).fill(1)),
      },
    },
    history: Array.from({ length: step }, (_, i) => ({ step: i + 1, loss: 1, seconds: i })),
    metadata: { command: "c", checkpoint: { step, of: 100 } },
  };
}

Deno.test("savePretrainCheckpoint() keeps the newest two; loadPretrainCheckpoint() heals", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    using policy = Policy.create(CONFIG, { seed: 0 });
    for (const step of [10, 20, 30]) {
      await savePretrainCheckpoint(dir, policy, checkpointAt(policy, step));
    }
    const root = `${dir}/checkpoints`;
    const names = async () => (await Array.fromAsync(Deno.readDir(root))).map((e) => e.name).sort();
    assert.equal(KEPT_CHECKPOINTS, 2);
    assert.deepEqual(await names(), ["step-000020", "step-000030"]);
    await t.step("the newest loads, and orphan temporaries go", async () => {
      await Deno.mkdir(`${root}/.step-000040.abc.tmp`);
      const loaded = await loadPretrainCheckpoint(dir);
      loaded?.policy.dispose();
      assert.deepEqual([loaded?.state.step, loaded?.history.length, loaded?.skipped], [30, 30, []]);
      assert.deepEqual(await names(), ["step-000020", "step-000030"]);
    });
    await t.step("files that disagree on the step are corrupt: the one before", async () => {
      await Deno.copyFile(
        `${root}/step-000020/pretrain_state.safetensors`,
        `${root}/step-000030/pretrain_state.safetensors`,
      );
      const loaded = await loadPretrainCheckpoint(dir);
      loaded?.policy.dispose();
      assert.equal(loaded?.state.step, 20);
      assert.match(
        loaded?.skipped[0].reason ?? "",
        /step-000030: config\.json records step 30, pretrain_state\.safetensors step 20/,
      );
    });
    await t.step(
      "a save after resuming from an earlier step removes the corrupt later ones",
      async () => {
        // Resumed from step 20 past the corrupt 30: saving step 25 keeps 20 and 25, not 25 and 30.
        await savePretrainCheckpoint(dir, policy, checkpointAt(policy, 25));
        assert.deepEqual(await names(), ["step-000020", "step-000025"]);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
