import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import {
  latestCheckpointStep,
  type LoadedTrainCheckpoint,
  loadTrainCheckpoint,
  saveTrainCheckpoint,
  type TrainCheckpoint,
} from "../../lib/train/train_checkpoint.ts";

await initBackend();

const CONFIG = {
  vocabSize: 8,
  width: 8,
  layers: 1,
  heads: 2,
  mlpWidth: 16,
  context: 8,
  valueHead: "none",
} as const;

function checkpointAt(step: number): TrainCheckpoint {
  const moments = [Float32Array.from([step, 1]), Float32Array.from([2])];
  return {
    step,
    actor: { step, firstMoments: moments, secondMoments: moments.map((m) => m.map((x) => x * x)) },
    critic: null,
    log: { steps: [], evals: [] },
  };
}

/** A run directory with checkpoints at steps 2 and 4 (the policy's seed is the step). */
async function withRun(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const step of [2, 4]) {
      using policy = Policy.create(CONFIG, { seed: step });
      await saveTrainCheckpoint(dir, policy, checkpointAt(step));
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function load(dir: string): Promise<LoadedTrainCheckpoint | null> {
  const loaded = await loadTrainCheckpoint(dir);
  loaded?.policy.dispose();
  return loaded;
}

Deno.test("loadTrainCheckpoint() loads the newest checkpoint and removes orphan temporaries", async () => {
  await withRun(async (dir) => {
    const root = `${dir}/checkpoints`;
    // What a save cut short by a double Ctrl-C or a kill leaves: a half-written directory and a
    // temporary of latest.json.
    await Deno.mkdir(`${root}/.step-000006.k3j2.tmp/policy`, { recursive: true });
    await Deno.writeFile(
      `${root}/.step-000006.k3j2.tmp/policy/model.safetensors`,
      new Uint8Array(9),
    );
    await Deno.writeTextFile(`${root}/.latest.json.p9q8.tmp`, '{"st');
    const loaded = await load(dir);
    assert.equal(loaded?.checkpoint.step, 4);
    assert.deepEqual(loaded?.checkpoint.actor.firstMoments, checkpointAt(4).actor.firstMoments);
    assert.deepEqual(loaded?.skipped, []);
    const names = (await Array.fromAsync(Deno.readDir(root))).map((e) => e.name).sort();
    assert.deepEqual(names, ["latest.json", "step-000002", "step-000004"]);
  });
});

Deno.test("loadTrainCheckpoint() falls back to the last intact checkpoint, naming the corrupt file", async (t) => {
  const corruptions: [string, (root: string) => Promise<void>, RegExp][] = [
    [
      "a truncated state.json",
      (root) => Deno.writeTextFile(`${root}/step-000004/state.json`, '{"step": 4, "actorSt'),
      /Cannot parse .*\/step-000004\/state\.json: not JSON \(/,
    ],
    [
      "a short optimizer.bin",
      (root) => Deno.writeFile(`${root}/step-000004/optimizer.bin`, new Uint8Array(8)),
      /Cannot load .*\/step-000004\/optimizer\.bin: it holds 2 numbers, expected 6/,
    ],
    [
      "garbage weights",
      (root) => Deno.writeFile(`${root}/step-000004/policy/model.safetensors`, new Uint8Array(99)),
      /step-000004\/policy: model\.safetensors: /,
    ],
  ];
  for (const [what, corrupt, reason] of corruptions) {
    await t.step(what, async () => {
      await withRun(async (dir) => {
        await corrupt(`${dir}/checkpoints`);
        const loaded = await load(dir);
        assert.equal(loaded?.checkpoint.step, 2);
        assert.match(loaded?.dir ?? "", /step-000002$/);
        assert.equal(loaded?.skipped.length, 1);
        assert.match(loaded?.skipped[0].dir ?? "", /step-000004$/);
        assert.match(loaded?.skipped[0].reason ?? "", reason);
      });
    });
  }
  await t.step("a truncated latest.json: the newest complete directory, and a word", async () => {
    await withRun(async (dir) => {
      await Deno.writeTextFile(`${dir}/checkpoints/latest.json`, '{"step": 4, "di');
      const loaded = await load(dir);
      assert.equal(loaded?.checkpoint.step, 4);
      assert.match(
        loaded?.skipped[0].reason ?? "",
        /Cannot parse .*\/checkpoints\/latest\.json: not JSON/,
      );
    });
  });
  await t.step("a save cut between its rename and latest.json's: the newer directory", async () => {
    await withRun(async (dir) => {
      await Deno.writeTextFile(
        `${dir}/checkpoints/latest.json`,
        JSON.stringify({ step: 2, dir: "step-000002" }),
      );
      const loaded = await load(dir);
      assert.deepEqual([loaded?.checkpoint.step, loaded?.skipped], [4, []]);
    });
  });
  await t.step("nothing intact: an error naming every file", async () => {
    await withRun(async (dir) => {
      for (const step of ["000002", "000004"]) {
        await Deno.writeTextFile(`${dir}/checkpoints/step-${step}/state.json`, "{");
      }
      await assert.rejects(
        loadTrainCheckpoint(dir),
        /Cannot resume training in .*: no checkpoint loads, got .*step-000004\/state\.json: not JSON .*step-000002\/state\.json: not JSON/,
      );
    });
  });
  await t.step("no checkpoint directory at all: nothing to resume", async () => {
    const dir = await Deno.makeTempDir();
    assert.equal(await loadTrainCheckpoint(dir), null);
    await Deno.remove(dir, { recursive: true });
  });
});

Deno.test("latestCheckpointStep() reads latest.json, else the newest checkpoint directory", async (t) => {
  await t.step("an intact latest.json, and no checkpoint at all", async () => {
    await withRun(async (dir) => {
      assert.equal(await latestCheckpointStep(dir), 4);
      assert.equal(await latestCheckpointStep(`${dir}/no-such-run`), 0);
    });
  });
  await t.step(
    "a truncated or missing latest.json: the newest directory, never a throw",
    async () => {
      await withRun(async (dir) => {
        await Deno.writeTextFile(`${dir}/checkpoints/latest.json`, '{"step": 4, "di');
        assert.equal(await latestCheckpointStep(dir), 4);
        await Deno.writeTextFile(`${dir}/checkpoints/latest.json`, '{"dir": "step-000004"}');
        assert.equal(await latestCheckpointStep(dir), 4);
        await Deno.remove(`${dir}/checkpoints/latest.json`);
        assert.equal(await latestCheckpointStep(dir), 4);
      });
    },
  );
});
