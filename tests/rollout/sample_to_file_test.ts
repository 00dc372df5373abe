import assert from "node:assert/strict";
import type { RolloutConfig } from "../../lib/config.ts";
import { readSamples } from "../../lib/eval/samples.ts";
import { PartialSamplingError } from "../../lib/rollout/rollout.ts";
import { sampleRollouts } from "../../lib/rollout/sample_rollouts.ts";
import { sampleToFile } from "../../lib/rollout/sample_to_file.ts";
import { withFakeServer } from "./_fake_openai.ts";

const ROLLOUT: RolloutConfig = {
  samplesPerPrompt: 2,
  temperature: 1,
  topP: 1,
  topK: 0,
  greedy: false,
  maxNewTokens: 8,
};
const PROBLEMS = ["a", "b", "c", "d"].map((id) => ({ problemId: id, prompt: `q${id}` }));

async function withTempFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/nested/samples.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The file's (problemId, response) pairs, sorted: completion order is not prompt order. */
async function pairs(path: string): Promise<string[]> {
  return (await readSamples(path)).map((s) => `${s.problemId}:${s.response}`).sort();
}

const ALL = PROBLEMS.flatMap((p) => [0, 1].map((j) => `${p.problemId}:${p.problemId}q${j}`))
  .sort();

Deno.test("sampleToFile() writes every problem's samples as a sample file", async () => {
  await withTempFile(async (path) => {
    await withFakeServer(() => undefined, async (endpoint, requests) => {
      // Each problem is in the file by the time its progress is reported.
      const inFile: boolean[] = [];
      const onProgress = ({ done }: { done: number }) =>
        inFile.push(Deno.readTextFileSync(path).split("\n").length - 1 === done);
      const options = { ...ROLLOUT, path, seed: 4, onProgress };
      const result = await sampleToFile(endpoint, PROBLEMS, options);
      assert.deepEqual(result, { sampled: 4, skipped: 0 });
      assert.deepEqual(inFile, [true, true, true, true]);
      assert.deepEqual(await pairs(path), ALL);
      const line = JSON.parse((await Deno.readTextFile(path)).split("\n")[0]);
      assert.deepEqual(Object.keys(line), ["problemId", "response", "sampleIndex", "truncated"]);
      // The same requests as sampleRollouts with the same seed.
      const seeds = new Map(requests.map((r) => [r.prompt, r.seed]));
      requests.length = 0;
      await sampleRollouts(endpoint, PROBLEMS.map((p) => p.prompt), { ...ROLLOUT, seed: 4 });
      assert.deepEqual(new Map(requests.map((r) => [r.prompt, r.seed])), seeds);
    });
  });
});

Deno.test("sampleToFile() appends as prompts complete and a re-run sends only the rest", async () => {
  await withTempFile(async (path) => {
    let down = true;
    await withFakeServer(
      ({ prompt }) => down && prompt === "qc" ? new Response("busy", { status: 503 }) : undefined,
      async (endpoint, requests) => {
        const options = { ...ROLLOUT, path, seed: 0 };
        const error = await sampleToFile(endpoint, PROBLEMS, options).then(
          () => assert.fail("expected a PartialSamplingError"),
          (e) => e,
        );
        assert.ok(error instanceof PartialSamplingError, String(error));
        assert.deepEqual(error.failures.map((f) => f.promptIndex), [2]);
        assert.match(error.message, /1 of 4 prompt\(s\) failed .*prompt 2 \("qc"\): .*HTTP 503/);
        assert.equal(error.rollouts.length, 6);
        // The problems that completed are in the file already.
        assert.deepEqual(await pairs(path), ALL.filter((p) => !p.startsWith("c:")));

        down = false;
        requests.length = 0;
        const result = await sampleToFile(endpoint, PROBLEMS, options);
        assert.deepEqual(result, { sampled: 1, skipped: 3 });
        assert.deepEqual(requests.map((r) => r.prompt), ["qc"]);
        assert.deepEqual(await pairs(path), ALL);

        requests.length = 0;
        assert.deepEqual(await sampleToFile(endpoint, PROBLEMS, options), {
          sampled: 0,
          skipped: 4,
        });
        assert.deepEqual(requests, []);
      },
    );
  });
});

Deno.test("sampleToFile() redoes a problem cut short by an interrupted append", async () => {
  await withTempFile(async (path) => {
    await withFakeServer(() => undefined, async (endpoint, requests) => {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      // "a" complete, "b" with one of its two samples, then half a line of "c".
      await Deno.writeTextFile(
        path,
        '{"problemId":"a","response":"aq0"}\n{"problemId":"a","response":"aq1"}\n' +
          '{"problemId":"b","response":"bq0"}\n{"problemId":"c","resp',
      );
      const result = await sampleToFile(endpoint, PROBLEMS, { ...ROLLOUT, path, seed: 0 });
      assert.deepEqual(result, { sampled: 3, skipped: 1 });
      assert.deepEqual(requests.map((r) => r.prompt).sort(), ["qb", "qc", "qd"]);
      assert.deepEqual(await pairs(path), ALL);
    });
  });
});

Deno.test("sampleToFile() refuses a file that belongs to another run", async (t) => {
  await withTempFile(async (path) => {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await withFakeServer(() => undefined, async (endpoint, requests) => {
      const options = { ...ROLLOUT, path, seed: 0 };
      await t.step("problems not in this run", async () => {
        await Deno.writeTextFile(path, '{"problemId":"zz","response":"x"}\n');
        await assert.rejects(
          sampleToFile(endpoint, PROBLEMS, options),
          /Cannot resume sampling into .*: it holds samples of problems not in this run, got "zz"/,
        );
      });
      await t.step("more samples than samplesPerPrompt", async () => {
        await Deno.writeTextFile(path, '{"problemId":"a","response":"x"}\n'.repeat(3));
        await assert.rejects(
          sampleToFile(endpoint, PROBLEMS, options),
          /problem "a" has more samples than samplesPerPrompt=2, got 3/,
        );
      });
      await t.step("repeated problem ids", async () => {
        await Deno.remove(path);
        await assert.rejects(
          sampleToFile(endpoint, [PROBLEMS[0], PROBLEMS[0]], options),
          /problem ids must be distinct, got "a" twice/,
        );
      });
      assert.deepEqual(requests, []);
    });
  });
});
