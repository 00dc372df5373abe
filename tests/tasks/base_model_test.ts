import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { BASE_MODEL_DIR, loadBaseModel } from "../../lib/tasks/base_model.ts";

await initBackend();

Deno.test("loadBaseModel() refuses a checkpoint whose pretraining did not finish unless allowed", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    for (const file of ["model.safetensors", "config.json"]) {
      await Deno.copyFile(`${BASE_MODEL_DIR}${file}`, `${dir}/${file}`);
    }
    const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
    await t.step("an interrupted run's output", async () => {
      config.metadata.interrupted = { signal: "SIGTERM", step: 5, of: 40 };
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
      await assert.rejects(
        loadBaseModel({ dir }),
        /Cannot use .* as a base model: its pretraining did not finish, got interrupted at step 5 of 40 by SIGTERM/,
      );
      const allowed = await loadBaseModel({ dir, allowUnfinished: true });
      allowed.policy.dispose();
    });
    await t.step("a periodic checkpoint of a running one", async () => {
      delete config.metadata.interrupted;
      config.metadata.checkpoint = { step: 100, of: 1000 };
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(config));
      await assert.rejects(
        loadBaseModel({ dir }),
        /did not finish, got a checkpoint taken at step 100 of 1000/,
      );
    });
    await t.step("the shipped base finished", async () => {
      (await loadBaseModel()).policy.dispose();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
