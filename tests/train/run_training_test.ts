import assert from "node:assert/strict";
import { codeFingerprint } from "../../lib/_io/code_fingerprint.ts";
import { hashKey } from "../../lib/_io/cache.ts";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { savePolicy } from "../../lib/model/checkpoint.ts";
import {
  loadRunPolicy,
  runTraining,
  tokenizerSymbols,
  trainingKey,
} from "../../lib/train/run_training.ts";
import { COPY_TASK, copyTaskConfig } from "../_helpers.ts";

await initBackend();

const TOKENIZER = charTokenizer(COPY_TASK.alphabet);
const PROBLEMS = COPY_TASK.problems;
const CONFIG = await copyTaskConfig({ kind: "nsr" }, {
  steps: 3,
  promptsPerStep: 2,
  miniBatches: 1,
  learningRate: 1e-3,
  checkpointEvery: 1,
});

Deno.test("runTraining() reuses a finished run with the same key", async () => {
  const cacheDir = await Deno.makeTempDir();
  using policy = Policy.create(CONFIG.model, { seed: 0 });
  const options = { policy, tokenizer: TOKENIZER, problems: PROBLEMS, reward: COPY_TASK.reward };
  let calls = 0;
  const first = await runTraining(CONFIG, {
    ...options,
    cacheDir,
    label: "nsr",
    onStep: () => calls++,
  });
  assert.deepEqual([first.steps.length, calls], [3, 3]);
  const again = await runTraining(CONFIG, {
    ...options,
    cacheDir,
    label: "nsr",
    onStep: () => calls++,
  });
  assert.equal(calls, 3, "a finished run is not retrained");
  assert.equal(again.dir, first.dir);
  const withoutTimes = (steps: typeof first.steps) => steps.map(({ seconds: _, ...rest }) => rest);
  assert.deepEqual(withoutTimes(again.steps), withoutTimes(first.steps));
  const key = JSON.parse(await Deno.readTextFile(`${first.dir}/key.json`));
  assert.deepEqual(key, JSON.parse(JSON.stringify(await trainingKey(CONFIG, options))));
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("runTraining() with workers trains on its own pools, under a key of its own", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    using policy = Policy.create(CONFIG.model, { seed: 0 });
    const options = { policy, tokenizer: TOKENIZER, problems: PROBLEMS, reward: COPY_TASK.reward };
    const alone = await runTraining(CONFIG, { ...options, cacheDir, label: "nsr" });
    const pooled = await runTraining(CONFIG, { ...options, cacheDir, label: "nsr", workers: 2 });
    assert.notEqual(pooled.dir, alone.dir);
    assert.equal(JSON.parse(await Deno.readTextFile(`${pooled.dir}/key.json`)).workers, 2);
    assert.deepEqual(
      pooled.steps.map((m) => m.correctRatio),
      alone.steps.map((m) => m.correctRatio),
    );
    pooled.steps.forEach((m, s) =>
      assert.ok(Math.abs(m.loss - alone.steps[s].loss) < 1e-5, `loss at step ${s + 1}`)
    );
    await assert.rejects(
      runTraining(CONFIG, { ...options, cacheDir, label: "nsr", workers: 0 }),
      /workers must be an integer >= 1, got 0/,
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("trainingKey() changes with every input a run's numbers depend on", async (t) => {
  using policy = Policy.create(CONFIG.model, { seed: 0 });
  using other = Policy.create(CONFIG.model, { seed: 1 });
  const base = { policy, tokenizer: TOKENIZER, problems: PROBLEMS, reward: COPY_TASK.reward };
  const hash = async (config = CONFIG, options = base) =>
    await hashKey(await trainingKey(config, options));
  const reference = await hash();
  await t.step("an unchanged run has the same key", async () => {
    assert.equal(await hash(), reference);
  });
  await t.step("the config (seed, learning rate)", async () => {
    assert.notEqual(await hash({ ...CONFIG, seed: 2 }), reference);
    assert.notEqual(
      await hash({ ...CONFIG, train: { ...CONFIG.train, learningRate: 2e-3 } }),
      reference,
    );
  });
  await t.step("the starting weights", async () => {
    assert.notEqual(await hash(CONFIG, { ...base, policy: other }), reference);
  });
  await t.step("the tokenizer's symbols", async () => {
    assert.notEqual(await hash(CONFIG, { ...base, tokenizer: charTokenizer("1023") }), reference);
  });
  await t.step("the reward: same name, other code", async () => {
    const name = COPY_TASK.reward.name;
    const one = await hash(CONFIG, { ...base, reward: { name, grade: () => 1 } });
    const zero = await hash(CONFIG, { ...base, reward: { name, grade: () => 0 } });
    assert.notEqual(one, zero);
    assert.notEqual(one, reference);
  });
  await t.step("the data: any field of a problem, not only its prompt", async () => {
    const problems = PROBLEMS.map((p, i) => ({ ...p, target: i }));
    const moved = problems.map((p, i) => ({ ...p, target: i + 1 }));
    assert.notEqual(
      await hash(CONFIG, { ...base, problems }),
      await hash(CONFIG, { ...base, problems: moved }),
    );
  });
  await t.step(
    "the workers: a pooled run's updates equal a one-core run's only to float tolerance",
    async () => {
      assert.equal(await hash(CONFIG, { ...base, workers: 1 } as typeof base), reference);
      assert.notEqual(await hash(CONFIG, { ...base, workers: 2 } as typeof base), reference);
    },
  );
  await t.step(
    "the code: the key holds the fingerprint of the trainer's module graph",
    async () => {
      const key = await trainingKey(CONFIG, base);
      const url = new URL("../../lib/train/run_training.ts", import.meta.url);
      assert.equal(key.code, await codeFingerprint([url]));
    },
  );
});

Deno.test("runTraining() never returns one reward's run for another with the same name", async () => {
  const cacheDir = await Deno.makeTempDir();
  using policy = Policy.create(CONFIG.model, { seed: 0 });
  const options = { policy, tokenizer: TOKENIZER, problems: PROBLEMS, cacheDir, label: "r" };
  const one = await runTraining(CONFIG, { ...options, reward: { name: "c", grade: () => 1 } });
  const zero = await runTraining(CONFIG, { ...options, reward: { name: "c", grade: () => 0 } });
  assert.notEqual(one.dir, zero.dir);
  assert.deepEqual(one.steps.map((s) => s.correctRatio), [1, 1, 1]);
  assert.deepEqual(zero.steps.map((s) => s.correctRatio), [0, 0, 0]);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("loadRunPolicy() loads the trained weights of a run's last step", async (t) => {
  const cacheDir = await Deno.makeTempDir();
  const config = await copyTaskConfig({ kind: "psr" }, {
    steps: 2,
    promptsPerStep: 2,
    miniBatches: 1,
    learningRate: 1e-2,
    checkpointEvery: 1,
  });
  using start = Policy.create(config.model, { seed: 0 });
  const run = await runTraining(config, {
    policy: start,
    tokenizer: TOKENIZER,
    problems: PROBLEMS,
    reward: COPY_TASK.reward,
    cacheDir,
    label: "psr",
  });
  await t.step("the step is the run's last and the weights moved from the start", async () => {
    const { policy, step } = await loadRunPolicy(run);
    using trained = policy;
    assert.equal(step, 2);
    assert.deepEqual(trained.config, start.config);
    const before = start.actorVariables.map((v) => v.dataSync());
    const after = trained.actorVariables.map((v) => v.dataSync());
    assert.ok(before.some((w, i) => w.some((x, j) => x !== after[i][j])));
  });
  await t.step("a directory without a checkpoint is refused, naming it", async () => {
    await assert.rejects(
      () => loadRunPolicy({ dir: cacheDir }),
      new RegExp(`Cannot find a checkpoint: ${cacheDir} must be a run directory`),
    );
  });
  await t.step("every level of the run loads, with the run's tokenizer", async () => {
    const levels = {
      [run.dir]: 2,
      [`${run.dir}/checkpoints`]: 2,
      [`${run.dir}/checkpoints/step-000001`]: 1,
      [`${run.dir}/checkpoints/step-000001/policy/`]: 1,
      [`${run.dir}/checkpoints/step-000002/policy`]: 2,
    };
    for (const [dir, expected] of Object.entries(levels)) {
      const loaded = await loadRunPolicy({ dir });
      using _ = loaded.policy;
      assert.equal(loaded.step, expected, dir);
      assert.equal(
        loaded.policyDir.replace(/\/$/, ""),
        `${run.dir}/checkpoints/step-00000${expected}/policy`,
      );
      assert.deepEqual(tokenizerSymbols(loaded.tokenizer), tokenizerSymbols(TOKENIZER), dir);
    }
  });
  await t.step("a checkpoint keeps its tokenizer alphabet, so it loads on its own", async () => {
    const saved = JSON.parse(
      await Deno.readTextFile(`${run.dir}/checkpoints/step-000002/policy/config.json`),
    );
    assert.equal(saved.tokenizerAlphabet, COPY_TASK.alphabet);
    const alone = `${cacheDir}/alone`;
    await Deno.mkdir(alone);
    for (const file of ["config.json", "model.safetensors"]) {
      await Deno.copyFile(`${run.dir}/checkpoints/step-000002/policy/${file}`, `${alone}/${file}`);
    }
    const loaded = await loadRunPolicy({ dir: alone });
    using _ = loaded.policy;
    assert.deepEqual([loaded.step, loaded.tokenizer.vocabSize], [0, TOKENIZER.vocabSize]);
  });
  await t.step(
    "a checkpoint saved without the alphabet takes the run's from key.json",
    async () => {
      const old = `${cacheDir}/old-run`;
      await Deno.mkdir(`${old}/checkpoints/step-000002`, { recursive: true });
      await Deno.copyFile(`${run.dir}/key.json`, `${old}/key.json`);
      await Deno.copyFile(
        `${run.dir}/checkpoints/step-000002/state.json`,
        `${old}/checkpoints/step-000002/state.json`,
      );
      const policy = (await loadRunPolicy(run)).policy;
      await savePolicy(policy, `${old}/checkpoints/step-000002/policy`);
      policy.dispose();
      const loaded = await loadRunPolicy({ dir: `${old}/checkpoints/step-000002` });
      using _ = loaded.policy;
      assert.deepEqual(tokenizerSymbols(loaded.tokenizer), tokenizerSymbols(TOKENIZER));
      await Deno.remove(`${old}/key.json`);
      await assert.rejects(
        loadRunPolicy({ dir: `${old}/checkpoints/step-000002` }),
        /has no tokenizer alphabet and .*key\.json names no character tokenizer/,
      );
    },
  );
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("runTraining() with continueFrom resumes a shorter run of the same config", async () => {
  const cacheDir = await Deno.makeTempDir();
  using policy = Policy.create(CONFIG.model, { seed: 0 });
  const options = {
    policy,
    tokenizer: TOKENIZER,
    problems: PROBLEMS,
    reward: COPY_TASK.reward,
    cacheDir,
  };
  const long = { ...CONFIG, train: { ...CONFIG.train, steps: 6 } };
  const whole = await runTraining(long, { ...options, label: "whole" });
  const short = await runTraining(CONFIG, { ...options, label: "short" });
  const ran: number[] = [];
  const continued = await runTraining(long, {
    ...options,
    label: "continued",
    continueFrom: short.dir,
    onStep: (m) => ran.push(m.step),
  });
  assert.deepEqual(ran, [4, 5, 6]);
  const withoutTimes = (steps: typeof whole.steps) => steps.map(({ seconds: _, ...rest }) => rest);
  assert.deepEqual(withoutTimes(continued.steps), withoutTimes(whole.steps));
  using a = (await loadRunPolicy(whole)).policy;
  using b = (await loadRunPolicy(continued)).policy;
  assert.deepEqual(b.params["wte"].dataSync(), a.params["wte"].dataSync());
  await assert.rejects(
    runTraining(long, { ...options, label: "nothing", continueFrom: `${cacheDir}/missing` }),
    /holds no checkpoint/,
  );
  await Deno.remove(cacheDir, { recursive: true });
});
