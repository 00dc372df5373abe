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
