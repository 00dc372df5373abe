// `deno task train` (scripts/train.ts) as a subprocess: what it refuses before training, and one
// Ctrl-C through `deno task` stopping it with its step saved (exit 130).
import assert from "node:assert/strict";
import { BASE_MODEL_DIR } from "../../lib/tasks/base_model.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runTrain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/train.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** A copy of the shipped base whose metadata says its pretraining was interrupted. */
async function unfinishedBase(dir: string): Promise<string> {
  const base = `${dir}/half-base`;
  await Deno.mkdir(base);
  for (const file of ["model.safetensors", "config.json"]) {
    await Deno.copyFile(`${BASE_MODEL_DIR}${file}`, `${base}/${file}`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${base}/config.json`));
  config.metadata.interrupted = { signal: "SIGINT", step: 230, of: 1000 };
  await Deno.writeTextFile(`${base}/config.json`, JSON.stringify(config));
  return base;
}

/** A small config of the shipped base's model: two prompts of two samples per step. */
async function smallConfig(dir: string, prefix = ""): Promise<string> {
  const model = JSON.parse(await Deno.readTextFile(`${BASE_MODEL_DIR}config.json`)).model;
  const path = `${dir}/config.json`;
  const config = {
    model,
    rollout: { samplesPerPrompt: 2 },
    objective: { kind: "nsr" },
    train: { steps: 1000, promptsPerStep: 2, miniBatches: 1, checkpointEvery: 1000 },
  };
  await Deno.writeTextFile(path, prefix + JSON.stringify(config));
  return path;
}

Deno.test("scripts/train.ts refuses a base whose pretraining did not finish", async () => {
  await withTempDir(async (dir) => {
    const base = await unfinishedBase(dir);
    // The config starts with a UTF-8 byte-order mark, as some editors write it: accepted.
    const config = await smallConfig(dir, "\uFEFF");
    const { code, stderr } = await runTrain(["--config", config, "--base", base]);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /Cannot use .*half-base as a base model: its pretraining did not finish, got interrupted at step 230 of 1000 by SIGINT; .*--allow-unfinished-base/,
    );
    assert.doesNotMatch(stderr, /\uFEFF|Unexpected token/);
  });
});

Deno.test("scripts/train.ts refuses more prompts per step than the training split holds", async () => {
  await withTempDir(async (dir) => {
    const model = JSON.parse(await Deno.readTextFile(`${BASE_MODEL_DIR}config.json`)).model;
    await Deno.writeTextFile(
      `${dir}/big.json`,
      JSON.stringify({ model, train: { promptsPerStep: 100_000 } }),
    );
    const { code, stderr } = await runTrain([
      "--config",
      `${dir}/big.json`,
      "--out",
      `${dir}/runs`,
    ]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^Cannot train: train\.promptsPerStep must be <= the number of problems, got 100000 for \d+ problems$/m,
    );
    assert.doesNotMatch(stderr, /^\s+at /m, "a message, not a stack trace");
  });
});

Deno.test("scripts/train.ts names a config that is not JSON", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/broken.json`, '{"train": {"steps": 3');
    const { code, stderr } = await runTrain(["--config", `${dir}/broken.json`]);
    assert.equal(code, 1);
    assert.match(stderr, /Cannot read the config: Cannot parse .*broken\.json: not JSON \(/);
  });
});

Deno.test("scripts/train.ts: one Ctrl-C to the process group of deno task stops and saves", async () => {
  await withTempDir(async (dir) => {
    const config = await smallConfig(dir);
    const child = new Deno.Command("setsid", {
      args: [
        Deno.execPath(),
        "task",
        "--config",
        `${ROOT}deno.json`,
        "train",
        "--config",
        config,
        "--out",
        `${dir}/runs`,
        "--eval-problems",
        "0",
      ],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000),
    }).spawn();
    const stdout = new Response(child.stdout).text();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!/correct \d/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) break;
      stderr += value;
    }
    Deno.kill(-child.pid, "SIGINT");
    for (let r = await reader.read(); !r.done; r = await reader.read()) stderr += r.value;
    const { code } = await child.status;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping after this step/);
    assert.doesNotMatch(stderr, /exiting without saving/);
    const result = JSON.parse((await stdout).trim().split("\n").at(-1)!);
    assert.equal(result.stopped, true);
    assert.ok(result.step >= 1 && result.step < 1000 && result.steps === 1000);
    const latest = JSON.parse(await Deno.readTextFile(`${result.dir}/checkpoints/latest.json`));
    assert.equal(latest.step, result.step, "the step it stopped after is saved");
  });
});
