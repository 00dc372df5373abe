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

Deno.test("a checkpoint whose weights, config or alphabet changed on disk does not load", async (t) => {
  const alphabet = "abcdef";
  const save = async (dir: string) => {
    using policy = Policy.create(CONFIG, { seed: 4 });
    await savePolicy(policy, dir, { tokenizerAlphabet: alphabet });
  };
  const editConfig = async (dir: string, edit: (file: Record<string, unknown>) => void) => {
    const file = JSON.parse(await Deno.readTextFile(`${dir}/${CONFIG_FILE}`));
    edit(file);
    await Deno.writeTextFile(`${dir}/${CONFIG_FILE}`, JSON.stringify(file));
  };
  const editWeights = async (dir: string, edit: (data: Float32Array) => void) => {
    const bytes = await Deno.readFile(`${dir}/${WEIGHTS_FILE}`);
    const entries = decodeSafetensors(bytes);
    for (const entry of Object.values(entries)) edit(entry.data);
    await Deno.writeFile(`${dir}/${WEIGHTS_FILE}`, encodeSafetensors(entries));
  };
  await t.step("an unchanged checkpoint loads and reports its fingerprint", async () => {
    await withDir(async (dir) => {
      await save(dir);
      const loaded = await loadCheckpoint(dir);
      loaded.policy.dispose();
      assert.match(loaded.fingerprint, /^[0-9a-f]{16}$/);
      const saved = JSON.parse(await Deno.readTextFile(`${dir}/${CONFIG_FILE}`));
      assert.equal(saved.fingerprint, loaded.fingerprint);
    });
  });
  await t.step("NaN weights are refused, naming the file and the tensor", async () => {
    await withDir(async (dir) => {
      await save(dir);
      await editWeights(dir, (data) => data[1] = NaN);
      await assert.rejects(
        loadCheckpoint(dir),
        /model\.safetensors: wte holds 1 non-finite or overflowing value\(s\) \(.*first: NaN at 1\)/,
      );
    });
  });
  await t.step(
    "huge finite weights that overflow are refused like NaN, without a fingerprint too",
    async () => {
      await withDir(async (dir) => {
        await save(dir);
        await editWeights(dir, (data) => data[2] = 3e38);
        await editConfig(dir, (file) => delete file.fingerprint);
        await assert.rejects(
          loadCheckpoint(dir),
          /model\.safetensors: wte holds 1 non-finite or overflowing value\(s\) \(\|w\| > 1\.8e\+19; first: 3\.0000000\d*e\+38 at 2\)/,
        );
        await editWeights(dir, (data) => data[2] = 1e19);
        (await loadCheckpoint(dir)).policy.dispose(); // large but below the bound: loads
      });
    },
  );
  await t.step("finite random bytes in place of the weights fail the fingerprint", async () => {
    await withDir(async (dir) => {
      await save(dir);
      await editWeights(dir, (data) => data.forEach((_, i) => data[i] = Math.sin(i)));
      await assert.rejects(loadCheckpoint(dir), /changed after it was saved/);
    });
  });
  await t.step("a config edited to 4 heads instead of 2 fails the fingerprint", async () => {
    await withDir(async (dir) => {
      await save(dir);
      await editConfig(dir, (file) => ((file.model as ModelConfig).heads = 4));
      await assert.rejects(loadCheckpoint(dir), /changed after it was saved/);
    });
  });
  await t.step("an alphabet with two symbols swapped fails the fingerprint", async () => {
    await withDir(async (dir) => {
      await save(dir);
      await editConfig(dir, (file) => (file.tokenizerAlphabet = "bacdef"));
      await assert.rejects(loadCheckpoint(dir), /changed after it was saved/);
    });
  });
  await t.step("non-finite weights are never saved", async () => {
    await withDir(async (dir) => {
      using policy = Policy.create(CONFIG, { seed: 4 });
      policy.params["head.w"].assign(policy.params["head.w"].mul(Infinity));
      await assert.rejects(savePolicy(policy, dir), /Cannot save a policy to .*head\.w holds/);
      await assert.rejects(Deno.stat(`${dir}/${WEIGHTS_FILE}`), Deno.errors.NotFound);
    });
  });
});
