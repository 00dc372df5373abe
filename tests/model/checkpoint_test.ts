import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig } from "../../lib/config.ts";
import {
  CONFIG_FILE,
  decodeSafetensors,
  encodeSafetensors,
  loadCheckpoint,
  loadPolicy,
  savePolicy,
  WEIGHTS_FILE,
} from "../../lib/model/checkpoint.ts";
import { Policy } from "../../lib/model/policy.ts";
import { assertNoLeak } from "../_helpers.ts";

await initBackend();

const CONFIG: ModelConfig = {
  vocabSize: 9,
  width: 8,
  layers: 1,
  heads: 2,
  mlpWidth: 16,
  context: 8,
  valueHead: "separate",
};

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rlvr_ckpt_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("savePolicy() and loadCheckpoint() round-trip weights, alphabet and metadata", async () => {
  await withDir(async (dir) => {
    using policy = Policy.create(CONFIG, { seed: 9 });
    await assertNoLeak(async () => {
      await savePolicy(policy, dir, { tokenizerAlphabet: "abc123", metadata: { step: 7 } });
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, [CONFIG_FILE, WEIGHTS_FILE], "no temp file left behind");
      const loaded = await loadCheckpoint(dir);
      assert.deepEqual(loaded.policy.config, CONFIG);
      assert.equal(loaded.tokenizerAlphabet, "abc123");
      assert.deepEqual(loaded.metadata, { step: 7 });
      for (const [name, v] of Object.entries(policy.params)) {
        assert.deepEqual(loaded.policy.params[name].dataSync(), v.dataSync(), name);
      }
      assert.equal(loaded.policy.criticVariables.length, policy.criticVariables.length);
      loaded.policy.dispose();
    });
  });
});

Deno.test("loadPolicy() rejects corrupted or mismatched checkpoints, saying what differs", async (t) => {
  await withDir(async (dir) => {
    using policy = Policy.create(CONFIG, { seed: 9 });
    await savePolicy(policy, dir);
    const weights = await Deno.readFile(`${dir}/${WEIGHTS_FILE}`);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/${CONFIG_FILE}`));
    const restore = async () => {
      await Deno.writeFile(`${dir}/${WEIGHTS_FILE}`, weights);
      await Deno.writeTextFile(`${dir}/${CONFIG_FILE}`, JSON.stringify(config));
    };
    await t.step("config with another width: every shape mismatch is listed", async () => {
      await Deno.writeTextFile(
        `${dir}/${CONFIG_FILE}`,
        JSON.stringify({ ...config, model: { ...CONFIG, width: 16 } }),
      );
      await assert.rejects(
        loadPolicy(dir),
        /wte has shape \[9,8\], expected \[9,16\];.*h\.0\.ln1\.g has shape \[8\], expected \[16\]/,
      );
      await restore();
    });
    await t.step("config without a critic: unexpected tensors are named", async () => {
      await Deno.writeTextFile(
        `${dir}/${CONFIG_FILE}`,
        JSON.stringify({ ...config, model: { ...CONFIG, valueHead: "none" } }),
      );
      await assert.rejects(loadPolicy(dir), /unexpected tensor critic\.wte/);
      await restore();
    });
    await t.step("truncated weights file", async () => {
      await Deno.writeFile(`${dir}/${WEIGHTS_FILE}`, weights.subarray(0, weights.length - 10));
      await assert.rejects(loadPolicy(dir), /model\.safetensors: .*outside the \d+ data bytes/);
      await restore();
    });
    await t.step("missing tensor and wrong dtype", async () => {
      const entries = decodeSafetensors(weights);
      delete entries["head.w"];
      const bytes = encodeSafetensors(Object.fromEntries(Object.entries(entries)));
      // same-length edit inside the JSON header: F32 → F16 for wte
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
      const edited = header.replace('"wte":{"dtype":"F32"', '"wte":{"dtype":"F16"');
      bytes.set(new TextEncoder().encode(edited), 8);
      await Deno.writeFile(`${dir}/${WEIGHTS_FILE}`, bytes);
      await assert.rejects(loadPolicy(dir), /wte has dtype F16, expected F32;.*missing head\.w/);
      await restore();
    });
    await t.step("garbage header and bad config", async () => {
      await Deno.writeFile(
        `${dir}/${WEIGHTS_FILE}`,
        new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 123, 120, 120, 120]),
      );
      await assert.rejects(loadPolicy(dir), /header is not JSON/);
      await restore();
      await Deno.writeTextFile(
        `${dir}/${CONFIG_FILE}`,
        JSON.stringify({ ...config, model: { heads: 3 } }),
      );
      await assert.rejects(loadPolicy(dir), /heads must divide model\.width/);
      await Deno.writeTextFile(`${dir}/${CONFIG_FILE}`, "{");
      await assert.rejects(loadPolicy(dir), /config\.json is unreadable or not JSON/);
      await restore();
    });
    await t.step("the restored files load again", async () => {
      (await loadPolicy(dir)).dispose();
    });
  });
});
