// `deno task pretrain` (scripts/pretrain.ts) as a subprocess, run from a temporary folder so that
// its default --out (out/pretrain, relative) lands there; a tiny model keeps each run short.
import assert from "node:assert/strict";
import { BASE_MODEL_DIR } from "../../lib/tasks/base_model.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TINY = [
  "--workers",
  "0",
  "--width",
  "8",
  "--layers",
  "1",
  "--heads",
  "2",
  "--mlp-width",
  "16",
  "--corpus-samples",
  "1",
  "--batch",
  "2",
  "--warmup",
  "1",
];

function pretrainCommand(args: string[], cwd: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", `${ROOT}deno.json`, `${ROOT}scripts/pretrain.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  });
}

async function runPretrain(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await pretrainCommand(args, cwd).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** A running pretrain command whose stderr is read as it comes. */
type Running = {
  child: Deno.ChildProcess;
  stderr: () => string;
  waitFor: (re: RegExp) => Promise<void>;
};

function spawnWatched(command: Deno.Command): Running {
  const child = command.spawn();
  child.stdout.cancel();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let done = false;
  const pump = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    done = true;
  })();
  return {
    child,
    stderr: () => text,
    waitFor: async (re) => {
      while (!re.test(text) && !done) await new Promise((resolve) => setTimeout(resolve, 20));
      await (done ? pump : Promise.resolve());
      assert.match(text, re);
    },
  };
}

/** Everything a run's result is: weights, loss curve (without times), command. */
async function resultOf(out: string): Promise<unknown> {
  const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
  const history = JSON.parse(await Deno.readTextFile(`${out}/pretrain_history.json`));
  return {
    weights: await Deno.readFile(`${out}/model.safetensors`),
    curve: history.map((r: { step: number; loss: number }) => [r.step, r.loss]),
    command: config.metadata.command,
    finalLoss: config.metadata.finalLoss,
    interrupted: config.metadata.interrupted,
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The shipped base's files with their modification times, to show nothing touched them. */
async function baseStamp(): Promise<string> {
  const entries: string[] = [];
  for await (const entry of Deno.readDir(BASE_MODEL_DIR)) {
    const info = await Deno.stat(`${BASE_MODEL_DIR}${entry.name}`);
    entries.push(`${entry.name}:${info.mtime?.getTime()}:${info.size}`);
  }
  return entries.sort().join("\n");
}

Deno.test("scripts/pretrain.ts writes to out/pretrain by default, never to data/base", async () => {
  const before = await baseStamp();
  await withTempDir(async (dir) => {
    const { code, stderr } = await runPretrain(["--steps", "2", ...TINY], dir);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /saved to out\/pretrain\n/);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/out/pretrain/config.json`));
    assert.equal(config.metadata.pretrain.steps, 2);
    assert.match(config.metadata.command, /--lr 2e-3 /);
    assert.match(config.metadata.command, / --width 8 --layers 1 --heads 2 --mlp-width 16$/);
    assert.equal(config.metadata.interrupted, undefined);
  });
  assert.equal(await baseStamp(), before);
});

Deno.test("scripts/pretrain.ts refuses data/base without --overwrite-base", async (t) => {
  const before = await baseStamp();
  for (const out of ["data/base", "./data/base/", BASE_MODEL_DIR]) {
    await t.step(out, async () => {
      // --init of a missing folder: should the check ever fail, the run stops before writing.
      const args = ["--out", out, "--steps", "1", "--init", `${ROOT}no-such-checkpoint`, ...TINY];
      const { code, stderr } = await runPretrain(args, ROOT);
      assert.equal(code, 2);
      assert.match(
        stderr,
        /Cannot write into .*: it is the shipped base model, data\/base; pass --overwrite-base/,
      );
      assert.doesNotMatch(stderr, /step 1/);
    });
  }
  await t.step("--evaluate, which writes passk.json there, too", async () => {
    // A --file in a missing folder: should the check ever fail, nothing is written.
    const args = ["--out", "data/base", "--samples", "1", "--problems", "1"];
    const file = ["--file", "no/such/folder/passk.json"];
    const { code, stderr } = await runPretrain(["--evaluate", ...args, ...file], ROOT);
    assert.equal(code, 2);
    assert.match(stderr, /--overwrite-base/);
  });
  assert.equal(await baseStamp(), before);
});

Deno.test("scripts/pretrain.ts rejects bad flags, naming them, exit 2", async () => {
  await withTempDir(async (dir) => {
    const typo = await runPretrain(["--step", "5"], dir);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown flag --step \(did you mean --steps\?\)/);
    const keep = await runPretrain(["--corpus-keep", "some"], dir);
    assert.equal(keep.code, 2);
    assert.match(keep.stderr, /--corpus-keep must be one of all, hits, right, got "some"/);
    const lr = await runPretrain(["--lr", "fast"], dir);
    assert.match(lr.stderr, /--lr must be a number >= 0, got "fast"/);
  });
});

Deno.test("scripts/pretrain.ts stops on SIGINT, saves what it trained, and --resume finishes it exactly", async () => {
  const steps = ["--steps", "600", ...TINY];
  await withTempDir(async (dir) => {
    const child = pretrainCommand(steps, dir).spawn();
    const stdout = new Response(child.stdout).text();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!/step 1\/600/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    assert.match(stderr, /step 1\/600/, "training started");
    child.kill("SIGINT");
    for (let r = await reader.read(); !r.done; r = await reader.read()) stderr += r.value;
    const { code } = await child.status;
    await stdout;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping after this step/);
    const match = stderr.match(/interrupted at step (\d+)\/600: .*saved to out\/pretrain/);
    assert.ok(match, stderr);
    const out = `${dir}/out/pretrain`;
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    const step = Number(match[1]);
    assert.ok(step < 600, `stopped early, at ${step}`);
    assert.deepEqual(config.metadata.interrupted, { signal: "SIGINT", step, of: 600 });
    const history = JSON.parse(await Deno.readTextFile(`${out}/pretrain_history.json`));
    assert.equal(history.length, step);
    assert.ok((await Deno.stat(`${out}/pretrain_state.safetensors`)).size > 0);

    // Another command cannot resume it; the same command with --resume finishes it.
    const other = await runPretrain(["--steps", "601", ...TINY, "--resume"], dir);
    assert.equal(other.code, 2, other.stderr);
    assert.match(
      other.stderr,
      /Cannot --resume from out\/pretrain: it was started by .*--steps 600/,
    );
    const resumed = await runPretrain([...steps, "--resume"], dir);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming from step ${step}/600`));
    await withTempDir(async (whole) => {
      const uninterrupted = await runPretrain(steps, whole);
      assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
      const read = (root: string, file: string) => Deno.readFile(`${root}/out/pretrain/${file}`);
      assert.deepEqual(
        await read(dir, "model.safetensors"),
        await read(whole, "model.safetensors"),
      );
      const curve = async (root: string) =>
        JSON.parse(new TextDecoder().decode(await read(root, "pretrain_history.json")))
          .map((r: { step: number; loss: number }) => [r.step, r.loss]);
      assert.deepEqual(await curve(dir), await curve(whole));
      const meta = async (root: string) =>
        JSON.parse(new TextDecoder().decode(await read(root, "config.json"))).metadata;
      const [a, b] = [await meta(dir), await meta(whole)];
      assert.equal(a.command, b.command);
      assert.equal(a.finalLoss, b.finalLoss);
      assert.equal(a.interrupted, undefined);
    });
    await assert.rejects(
      () => Deno.stat(`${out}/pretrain_state.safetensors`),
      Deno.errors.NotFound,
    );
    const again = await runPretrain([...steps, "--resume"], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /holds no interrupted run/);
  });
});

Deno.test("scripts/pretrain.ts: one Ctrl-C saves every time, however it arrives", async (t) => {
  // One gradient worker: the main thread waits on it, idle, so two signals come one by one.
  const args = ["--steps", "100000", ...TINY.slice(2), "--workers", "1"];
  const stopsAndSaves = async (running: Running, out: string) => {
    const { code } = await running.child.status;
    assert.equal(code, 130, running.stderr());
    assert.doesNotMatch(running.stderr(), /exiting without saving/);
    assert.match(running.stderr(), /interrupted at step \d+\/100000: .*saved to /);
    const config = JSON.parse(await Deno.readTextFile(`${out}/config.json`));
    assert.equal(config.metadata.interrupted.signal, "SIGINT");
  };
  for (let trial = 1; trial <= 2; trial++) {
    await t.step(
      `to the process group of deno task, as a terminal sends it (trial ${trial})`,
      async () => {
        await withTempDir(async (dir) => {
          // setsid: a new process group, like a terminal's foreground job; deno task forwards
          // the signal to its child, which also gets the group's.
          const running = spawnWatched(
            new Deno.Command("setsid", {
              args: [
                Deno.execPath(),
                "task",
                "--config",
                `${ROOT}deno.json`,
                "pretrain",
                ...args,
                "--out",
                `${dir}/out`,
              ],
              stdout: "piped",
              stderr: "piped",
              signal: AbortSignal.timeout(120_000),
            }),
          );
          await running.waitFor(/step 1\/100000/);
          Deno.kill(-running.child.pid, "SIGINT");
          await stopsAndSaves(running, `${dir}/out`);
        });
      },
    );
    await t.step(`twice at once to the command itself (trial ${trial})`, async () => {
      await withTempDir(async (dir) => {
        const running = spawnWatched(pretrainCommand(args, dir));
        await running.waitFor(/step 1\/100000/);
        running.child.kill("SIGINT");
        running.child.kill("SIGINT");
        await stopsAndSaves(running, `${dir}/out/pretrain`);
      });
    });
  }
});

Deno.test("scripts/pretrain.ts fails at once when --out is not writable", async () => {
  await withTempDir(async (dir) => {
    // root may write anywhere chmod forbids; sysfs refuses even root.
    const out = Deno.uid() === 0 ? "/sys/kernel" : `${dir}/read-only`;
    if (Deno.uid() !== 0) await Deno.mkdir(out, { mode: 0o555 });
    const { code, stderr } = await runPretrain(["--out", out, "--steps", "2", ...TINY], dir);
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`Cannot write into ${out}: .*choose another --out`));
    assert.doesNotMatch(stderr, /corpus:/, "before any work");
  });
});

Deno.test("scripts/pretrain.ts writes checkpoints, and --resume after a SIGKILL equals an uninterrupted run", async (t) => {
  const steps = ["--steps", "120", ...TINY, "--checkpoint-every", "10"];
  await withTempDir(async (whole) => {
    const uninterrupted = await runPretrain(steps, whole);
    assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
    assert.match(uninterrupted.stderr, /checkpoint of step 110\/120 saved/);
    await assert.rejects(Deno.stat(`${whole}/out/pretrain/checkpoints`), Deno.errors.NotFound);
    await t.step("killed after a checkpoint, resumed from it", async () => {
      await withTempDir(async (dir) => {
        const running = spawnWatched(pretrainCommand(steps, dir));
        await running.waitFor(/checkpoint of step 20\/120 saved/);
        running.child.kill("SIGKILL");
        await running.child.status;
        const again = await runPretrain(steps, dir);
        assert.equal(again.code, 2, "an unfinished run is never started over without --resume");
        assert.match(
          again.stderr,
          /Cannot start a run in out\/pretrain: it holds an unfinished one/,
        );
        // A save cut short leaves a temporary; the resume removes it.
        await Deno.mkdir(`${dir}/out/pretrain/checkpoints/.step-000999.x.tmp`);
        const resumed = await runPretrain([...steps, "--resume"], dir);
        assert.equal(resumed.code, 0, resumed.stderr);
        const from = Number(resumed.stderr.match(/resuming from step (\d+)\/120/)?.[1]);
        assert.ok(from >= 20 && from % 10 === 0, resumed.stderr);
        assert.deepEqual(
          await resultOf(`${dir}/out/pretrain`),
          await resultOf(`${whole}/out/pretrain`),
        );
        await assert.rejects(Deno.stat(`${dir}/out/pretrain/checkpoints`), Deno.errors.NotFound);
      });
    });
    await t.step("a corrupt newest checkpoint: the one before it, named", async () => {
      await withTempDir(async (dir) => {
        const running = spawnWatched(pretrainCommand(steps, dir));
        await running.waitFor(/checkpoint of step 30\/120 saved/);
        running.child.kill("SIGKILL");
        await running.child.status;
        const root = `${dir}/out/pretrain/checkpoints`;
        const names = (await Array.fromAsync(Deno.readDir(root))).map((e) => e.name).sort();
        assert.equal(names.length, 2, `the newest two are kept, got ${names}`);
        await Deno.writeFile(`${root}/${names[1]}/pretrain_state.safetensors`, new Uint8Array(5));
        const resumed = await runPretrain([...steps, "--resume"], dir);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.match(
          resumed.stderr,
          new RegExp(
            `skipping the corrupt checkpoint .*${
              names[1]
            }: Cannot load .*pretrain_state\\.safetensors`,
          ),
        );
        assert.match(
          resumed.stderr,
          new RegExp(`resuming from step ${Number(names[0].slice(5))}/120`),
        );
        assert.deepEqual(
          await resultOf(`${dir}/out/pretrain`),
          await resultOf(`${whole}/out/pretrain`),
        );
      });
    });
    await t.step("a checkpoint that cannot be written stops the run, saying so", async () => {
      await withTempDir(async (dir) => {
        await Deno.mkdir(`${dir}/out/pretrain`, { recursive: true });
        await Deno.writeTextFile(`${dir}/out/pretrain/checkpoints`, "a file where the folder goes");
        const { code, stderr } = await runPretrain(steps, dir);
        assert.equal(code, 1);
        assert.match(
          stderr,
          /Cannot save the checkpoint of step 10 to out\/pretrain\/checkpoints: /,
        );
        assert.doesNotMatch(stderr, /step 11\//);
      });
    });
  });
});
