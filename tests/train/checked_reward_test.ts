import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { checkedReward, rewardParams } from "../../lib/train/checked_reward.ts";
import { rewardIdentity, runTraining } from "../../lib/train/run_training.ts";
import { COPY_TASK, copyTaskConfig } from "../_helpers.ts";

await initBackend();

const rollout = (response: string) => ({ response }) as never;

Deno.test("checkedReward() refuses a grader that closes over a value it does not declare", async (t) => {
  await t.step("an undeclared value is named at the first grading", () => {
    const t = 5;
    const reward = checkedReward({
      name: "threshold",
      grade: (r: { response: string }) => (r.response.length > t ? 1 : 0),
    });
    assert.throws(
      () => reward.grade(rollout("abcdef") as never),
      /Cannot grade with reward "threshold": its grade reads t, a value it closes over without declaring it, got params \{\}; declare it \(params: \{ t \}\)/,
    );
  });
  await t.step("a declared value grades as the original, as an arrow or a method", () => {
    const t = 5;
    const arrow = checkedReward({
      name: "threshold",
      params: { t },
      grade: (r: { response: string }) => (r.response.length > t ? 1 : 0),
    });
    const method = checkedReward({
      name: "threshold",
      params: { t },
      grade(r: { response: string }): number {
        return r.response.length > t ? 1 : 0;
      },
    });
    for (const reward of [arrow, method]) {
      assert.equal(reward.grade(rollout("abcdef") as never), 1);
      assert.equal(reward.grade(rollout("abc") as never), 0);
    }
  });
  await t.step("a declaration that differs from the value closed over is refused", () => {
    const t = 1000;
    const reward = checkedReward({
      name: "threshold",
      params: { t: 5 },
      grade: (r: { response: string }) => (r.response.length > t ? 1 : 0),
    });
    assert.equal(reward.grade(rollout("abc") as never), 0, "both agree on a short response");
    assert.throws(
      () => reward.grade(rollout("abcdefgh") as never),
      /its grade gave 0 with the values it closes over but 1 with its declared params \{"t":5\}/,
    );
  });
  await t.step("a bound grader, whose source hides what it does, is refused at once", () => {
    const grade = function (this: { t: number }, r: { response: string }): number {
      return r.response.length > this.t ? 1 : 0;
    }.bind({ t: 5 });
    assert.throws(
      () => checkedReward({ name: "bound", grade }),
      /Cannot use reward "bound": the source of its grade cannot be read \(a bound or built-in function\)/,
    );
  });
  await t.step("params must be JSON data", () => {
    assert.throws(
      () => rewardParams({ name: "r", params: { f: (() => 1) as never }, grade: () => 1 }),
      /Cannot use reward "r": params\.f must be JSON data .*got a function/,
    );
    assert.throws(
      () => rewardParams({ name: "r", params: { xs: [1, Infinity] }, grade: () => 1 }),
      /params\.xs\[1\] must be JSON data .*got Infinity/,
    );
  });
  await t.step("a reward from a module is left as it is (its code fingerprint covers it)", () => {
    const reward = { name: "m", module: import.meta.url, grade: () => 1 };
    assert.equal(checkedReward(reward), reward);
  });
});

Deno.test("runTraining() keys a reward by its params and refuses undeclared ones", async (t) => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const config = await copyTaskConfig({ kind: "nsr" }, {
      steps: 1,
      promptsPerStep: 2,
      miniBatches: 1,
    });
    using policy = Policy.create(config.model, { seed: 0 });
    const options = {
      policy,
      tokenizer: charTokenizer(COPY_TASK.alphabet),
      problems: COPY_TASK.problems,
      cacheDir,
      label: "threshold",
    };
    // The probe of issue 30: a reward named "threshold" grading len > t, with t = 5 then t = 0.
    const threshold = (t: number) => ({
      name: "threshold",
      params: { t },
      grade: (r: { response: string }) => (r.response.length > t ? 1 : 0),
    });
    await t.step("two values of a declared param are two runs", async () => {
      const five = await runTraining(config, { ...options, reward: threshold(5) });
      const zero = await runTraining(config, { ...options, reward: threshold(0) });
      assert.notEqual(five.dir, zero.dir);
      assert.equal(five.steps[0].correctRatio, 0, "no response of at most 2 tokens is > 5 long");
      assert.ok(zero.steps[0].correctRatio > 0);
      assert.notDeepEqual(
        await rewardIdentity(threshold(5)),
        await rewardIdentity(threshold(0)),
      );
    });
    await t.step("an undeclared value is refused when the run grades", async () => {
      const t = 0;
      const undeclared = {
        name: "threshold",
        grade: (r: { response: string }) => (r.response.length > t ? 1 : 0),
      };
      await assert.rejects(
        runTraining(config, { ...options, reward: undeclared }),
        /its grade reads t, a value it closes over without declaring it/,
      );
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
