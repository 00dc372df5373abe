// `deno task train` (scripts/train.ts) as a user runs it: --help lists every config field,
// --print-config and --set, PPO with its critic from a config file, and a run stopped by SIGINT
// and SIGTERM that exits 130 / 143, summarises the step it stopped at, resumes and is then cached.
import assert from "node:assert/strict";
import { parseExperimentConfig } from "../../lib/config.ts";
import { experimentConfigFields } from "../../lib/config_fields.ts";
import { METRICS_CSV_COLUMNS } from "../../lib/train/metrics_csv.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

function trainCommand(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/train.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(240_000),
  });
}

async function train(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await trainCommand(args).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

// A run small enough for a test: 4 prompts × 2 samples a step, 4 held-out problems.
const TINY = {
  rollout: { samplesPerPrompt: 2 },
  train: { promptsPerStep: 4, miniBatches: 1, evalEvery: 2, checkpointEvery: 2 },
};

Deno.test("scripts/train.ts --help lists every config field with its type, default and meaning", async () => {
  const { code, stdout } = await train(["--help"]);
  assert.equal(code, 0);
  for (const flag of ["config", "set", "print-config", "base", "out", "label", "eval-problems"]) {
    assert.match(stdout, new RegExp(`--${flag}\\b`));
  }
  assert.match(stdout, /schema\/experiment_config\.schema\.json/);
  for (const field of experimentConfigFields()) {
    const head = `  ${field.path}: ${field.type}` +
      (field.default === undefined ? "" : ` (default ${field.default})`);
    assert.ok(stdout.includes(head), `--help shows ${head}`);
  }
  assert.match(stdout, /train\.learningRate: number > 0 \(default 0\.0001\)\n[^]*?chose 3e-5/);
});

Deno.test("scripts/train.ts --print-config resolves file, --set and defaults; bad input exits 1", async (t) => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/nsr.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      $schema: `${ROOT}schema/experiment_config.schema.json`,
      objective: { kind: "nsr" },
      train: { steps: 50 },
    }),
  );
  await t.step("--set after the file, defaults for the rest", async () => {
    const { code, stdout } = await train([
      "--config",
      file,
      "--set",
      "train.steps=10,rollout.temperature=0.6",
      "--set",
      "seed=3",
      "--print-config",
    ]);
    assert.equal(code, 0);
    const expected = parseExperimentConfig({
      seed: 3,
      objective: { kind: "nsr" },
      rollout: { temperature: 0.6 },
      train: { steps: 10 },
    });
    assert.deepEqual(JSON.parse(stdout), expected);
  });
  await t.step("without --config: every default", async () => {
    const { code, stdout } = await train(["--print-config"]);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), parseExperimentConfig({}));
  });
  await t.step("a bad field names itself and where it came from", async () => {
    const { code, stderr } = await train(["--config", file, "--set", "train.stpes=10"]);
    assert.equal(code, 1);
    assert.match(stderr, /train has unknown key\(s\) stpes \(in .*nsr\.json and --set\)/);
  });
  await t.step("PPO without a critic says how to add one", async () => {
    const { code, stderr } = await train(["--set", "objective.kind=ppo"]);
    assert.equal(code, 1);
    assert.match(stderr, /Cannot train PPO: .*--set model\.valueHead=separate/);
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("scripts/train.ts trains PPO with its separate critic from a config file", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/ppo.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      ...TINY,
      objective: { kind: "ppo" },
      model: { valueHead: "separate" },
      train: { ...TINY.train, steps: 2 },
    }),
  );
  const { code, stdout, stderr } = await train([
    "--config",
    file,
    "--out",
    `${dir}/cache`,
    "--eval-problems",
    "4",
  ]);
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout);
  assert.equal(summary.dir.startsWith(`${dir}/cache/ppo-`), true);
  assert.deepEqual([summary.step, summary.steps, summary.stopped], [2, 2, false]);
  assert.equal(summary.lastEval.step, 2);
  assert.equal(summary.greedyAccuracy, summary.lastEval.greedyAccuracy);
  // The progress line shows what moves for PPO, and no loss.
  assert.match(
    stderr,
    /2\/2 .*correct [\d.]+, KL -?[\d.]+, entropy [\d.]+, value loss [\d.]+, greedy [\d.]+ \(step 2\), [\d.]+ samples\/s/,
  );
  assert.doesNotMatch(stderr, /(?<!value )\bloss [\d.]+/, "the policy loss is not shown");
  const csv = (await Deno.readTextFile(`${summary.dir}/metrics.csv`)).trim().split("\n");
  assert.deepEqual(csv[0].split(","), [...METRICS_CSV_COLUMNS]);
  assert.deepEqual(csv.slice(1).map((row) => row.split(",")[0]), ["0", "1", "2"]);
  const svg = await Deno.readTextFile(summary.figure);
  for (const panel of ["greedy accuracy", "greedy entropy", "correct ratio", "KL to base"]) {
    assert.ok(svg.includes(panel), `the figure has the ${panel} panel`);
  }
  const config = JSON.parse(await Deno.readTextFile(`${summary.dir}/config.json`));
  assert.equal(config.model.valueHead, "separate");
  await Deno.remove(dir, { recursive: true });
});

/** Spawns a run and sends `signal` once its metrics.jsonl holds a step after `afterStep`. */
async function stopRun(
  args: string[],
  cache: string,
  signal: Deno.Signal,
  afterStep: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = trainCommand(args).spawn();
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  const deadline = Date.now() + 120_000;
  let sent = false;
  while (!sent && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    for (const entry of await Array.fromAsync(Deno.readDir(cache)).catch(() => [])) {
      const log = await Deno.readTextFile(`${cache}/${entry.name}/metrics.jsonl`).catch(() => "");
      const steps = log.split("\n").filter((line) => line.includes('"kind":"step"')).length;
      if (steps > afterStep) {
        child.kill(signal);
        sent = true;
      }
    }
  }
  const { code } = await child.status;
  return { code, stdout: await stdout, stderr: await stderr };
}

Deno.test({
  name: "scripts/train.ts stops on SIGINT (130) and SIGTERM (143), resumes, then reuses the run",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const cache = `${dir}/cache`;
    await Deno.mkdir(cache);
    const file = `${dir}/nsr.json`;
    const steps = 40;
    await Deno.writeTextFile(
      file,
      JSON.stringify({ ...TINY, objective: { kind: "nsr" }, train: { ...TINY.train, steps } }),
    );
    const args = ["--config", file, "--out", cache, "--eval-problems", "2"];

    const first = await stopRun(args, cache, "SIGINT", 0);
    assert.equal(first.code, 130, first.stderr);
    const stopped = JSON.parse(first.stdout);
    assert.equal(stopped.stopped, true);
    assert.ok(stopped.step >= 1 && stopped.step < steps, `stopped at ${stopped.step}`);
    const latest = JSON.parse(await Deno.readTextFile(`${stopped.dir}/checkpoints/latest.json`));
    assert.equal(latest.step, stopped.step, "the stopping step is checkpointed and summarised");
    assert.equal(
      stopped.greedyAccuracy,
      stopped.lastEval.step === stopped.step ? stopped.lastEval.greedyAccuracy : null,
      "a greedy accuracy in the summary is the stopping step's, never an older one",
    );
    assert.match(await Deno.readTextFile(`${stopped.dir}/curves.svg`), /^<svg/);

    const second = await stopRun(args, cache, "SIGTERM", stopped.step);
    assert.equal(second.code, 143, second.stderr);
    assert.match(second.stderr, new RegExp(`resuming at step ${stopped.step} of ${steps}`));
    const again = JSON.parse(second.stdout);
    assert.ok(again.step > stopped.step, "the resumed run went on");

    // A save cut short can leave latest.json truncated: the run resumes all the same, saying so.
    const latestPath = `${again.dir}/checkpoints/latest.json`;
    await Deno.writeTextFile(latestPath, (await Deno.readTextFile(latestPath)).slice(0, 10));
    const third = await train(args);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /Cannot parse .*\/checkpoints\/latest\.json: not JSON/);
    assert.match(third.stderr, new RegExp(`resuming at step ${again.step} of ${steps}`));
    assert.deepEqual([JSON.parse(third.stdout).step, JSON.parse(third.stdout).stopped], [
      steps,
      false,
    ]);

    const fourth = await train(args);
    assert.equal(fourth.code, 0);
    assert.ok(
      fourth.stderr.includes(`cached: ${again.dir} (all ${steps} steps done)`),
      fourth.stderr,
    );
    await Deno.remove(dir, { recursive: true });
  },
});
