// The researcher's loop through the commands (#29): `deno task train` a tiny PPO run from a config
// file, `deno task serve` the run directory and one of its checkpoints, `sampleToFile` from the
// server (completions with a base URL ending in /v1, and chat), `deno task eval` the sample file.
import assert from "node:assert/strict";
import { parseExperimentConfig } from "../../lib/config.ts";
import { readSamples } from "../../lib/eval/samples.ts";
import { sampleToFile } from "../../lib/rollout/sample_to_file.ts";
import { countdownPrompt } from "../../lib/tasks/countdown.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();
const ROLLOUT = parseExperimentConfig({ rollout: { samplesPerPrompt: 2, maxNewTokens: 24 } })
  .rollout;

async function command(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Runs `deno task serve --checkpoint dir --port 0` while `fn` gets its base URL. */
async function withServer(
  checkpoint: string,
  fn: (root: string, banner: string) => Promise<void>,
): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/serve.ts`, "--checkpoint", checkpoint, "--port", "0"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let banner = "";
    while (!/http:\/\/\S+:\d+/.test(banner)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`serve exited before listening: ${banner}`);
      banner += value;
    }
    const root = banner.match(/(http:\/\/[^/\s]+:\d+)/)![1];
    await fn(root, banner);
  } finally {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
  }
}

Deno.test({
  name: "train → serve → sampleToFile → eval: a PPO run from a config file, and its checkpoint",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const config = `${dir}/ppo.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        $schema: `${ROOT}schema/experiment_config.schema.json`,
        objective: { kind: "ppo" },
        model: { valueHead: "separate" },
        rollout: { samplesPerPrompt: 2 },
        train: { steps: 2, promptsPerStep: 4, miniBatches: 1, checkpointEvery: 1 },
      }),
    );
    const trained = await command("train.ts", [
      "--config",
      config,
      "--out",
      `${dir}/runs`,
      "--eval-problems",
      "0",
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const run = JSON.parse(trained.stdout);
    assert.match(await Deno.readTextFile(`${run.dir}/curves.svg`), /^<svg/);

    // Eight tier-A problems as the dataset; their prompts as the model was trained on them.
    const rows = (await Deno.readTextFile(`${ROOT}data/tasks/tierA.jsonl`)).trim().split("\n")
      .slice(0, 8);
    await Deno.writeTextFile(`${dir}/tierA8.jsonl`, rows.join("\n") + "\n");
    const problems = rows.map((line) => {
      const row = JSON.parse(line);
      return { problemId: row.id, prompt: countdownPrompt(row) };
    });

    const cases = [
      { checkpoint: run.dir, step: 2, api: "completions" as const, suffix: "/v1" },
      {
        checkpoint: `${run.dir}/checkpoints/step-000001`,
        step: 1,
        api: "chat" as const,
        suffix: "",
      },
    ];
    for (const { checkpoint, step, api, suffix } of cases) {
      const samples = `${dir}/samples-${step}.jsonl`;
      await withServer(checkpoint, async (root, banner) => {
        assert.match(banner, new RegExp(`step ${step}\\)`), banner);
        const written = await sampleToFile(
          { kind: "openai", baseUrl: `${root}${suffix}`, model: "rlvr-kit-policy", api },
          problems,
          { ...ROLLOUT, path: samples, seed: 0 },
        );
        assert.deepEqual(written, { sampled: problems.length, skipped: 0 });
      });
      const lines = await readSamples(samples);
      assert.equal(lines.length, problems.length * 2);
      assert.ok(lines.every((s) => typeof s.response === "string"));

      const out = `${dir}/eval-${step}`;
      const evaluated = await command("eval.ts", [
        "--samples",
        samples,
        "--dataset",
        `${dir}/tierA8.jsonl`,
        "--ks",
        "1,2",
        "--out",
        out,
      ]);
      assert.equal(evaluated.code, 0, evaluated.stderr);
      const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
      assert.equal(results.verdicts.length, problems.length * 2);
    }
    await Deno.remove(dir, { recursive: true });
  },
});
