import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { loadProtocol } from "../../lib/protocol/protocol_file.ts";
import { screenBase, screenControls } from "../../lib/tasks/salvage_screen.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { drawPrimary } from "../../lib/protocol/run_protocol.ts";
import {
  loadSalvageStudy,
  parseSalvageStudyConfig,
  runSalvageStudy,
  salvageProtocol,
  salvageRows,
  studyBaseDir,
} from "../../lib/tasks/salvage_study.ts";
import { PRIMARY_SET, PRIMARY_SETTING } from "../../lib/protocol/protocol_results.ts";
import { COUNTDOWN_TASK } from "../../lib/tasks/countdown_task.ts";

await initBackend();

Deno.test("parseSalvageStudyConfig() names bad fields and wants one reference, positive and negative", async () => {
  const full = await loadSalvageStudy("full");
  assert.deepEqual(full.bases.map((b) => b.role), ["reference", "positive", "between", "negative"]);
  const smoke = await loadSalvageStudy("smoke");
  assert.deepEqual(smoke.bases, full.bases);
  assert.ok(smoke.screen.samples < full.screen.samples);
  assert.throws(
    () => parseSalvageStudyConfig({ ...full, learningRate: -1 }),
    /salvage-study config: learningRate: .*got -1/,
  );
  assert.throws(
    () => parseSalvageStudyConfig({ ...full, share: "feasible" }),
    /share: .*got "feasible"/,
  );
  assert.throws(
    () =>
      parseSalvageStudyConfig({
        ...full,
        bases: full.bases.map((b) => ({ ...b, role: "between" })),
      }),
    /exactly one reference, got 0/,
  );
});

Deno.test("salvageProtocol() keeps the main protocol and fixes the study's seeds, methods and one rate", async () => {
  const protocol = await loadProtocol("full");
  const study = await loadSalvageStudy("full");
  const own = salvageProtocol(protocol, study);
  assert.deepEqual(own.seeds, study.seeds);
  assert.deepEqual(Object.keys(own.methods), study.methods); // GRPO, the gate's method, is among them
  assert.deepEqual(own.ablations, {});
  assert.deepEqual(own.calibration.rates, [study.learningRate]);
  assert.deepEqual(own.evaluation, protocol.evaluation);
  assert.deepEqual(own.pool, protocol.pool);
  assert.deepEqual(own.experiment, protocol.experiment);
  const psrOnly = salvageProtocol(protocol, { ...study, methods: ["PSR"] });
  assert.deepEqual(Object.keys(psrOnly.methods), ["PSR", "GRPO"]);
  assert.throws(
    () => salvageProtocol(protocol, { ...study, methods: ["NSR", "DPO"] }),
    /the protocol does not define DPO/,
  );
});

Deno.test("screenControls() admits matched bases with the share gap, and says why it does not", () => {
  const s = (p: number, share: number) => ({
    passAt1: { estimate: p, lower: p - 0.02, upper: p + 0.02 },
    salvageShare: { estimate: share, lower: share - 0.03, upper: share + 0.03 },
    successWeightedShare: { estimate: share / 2, lower: share / 2 - 0.03, upper: share / 2 + 0.03 },
  });
  const roles = { reference: "v3", positive: "pos", negative: "neg" };
  const rule = { passAt1Tolerance: 0.03, minShareGap: 0.2 };
  const ok = screenControls(
    { v3: s(0.27, 0.77), pos: s(0.29, 0.85), neg: s(0.25, 0.6) },
    roles,
    rule,
    "salvageShare",
  );
  assert.equal(ok.admitted, true);
  assert.ok(Math.abs(ok.shareGap - 0.25) < 1e-12);
  assert.equal(ok.separated, true);
  const offPassAt1 = screenControls(
    { v3: s(0.27, 0.77), pos: s(0.31, 0.85), neg: s(0.25, 0.6) },
    roles,
    rule,
    "salvageShare",
  );
  assert.deepEqual([offPassAt1.admitted, offPassAt1.matched.pos.within], [false, false]);
  // On the success-weighted share the same bases are only 0.125 apart.
  assert.equal(
    screenControls(
      { v3: s(0.27, 0.77), pos: s(0.29, 0.85), neg: s(0.25, 0.6) },
      roles,
      rule,
      "successWeightedShare",
    ).admitted,
    false,
  );
  assert.throws(
    () => screenControls({ v3: s(0.27, 0.77) }, roles, rule, "salvageShare"),
    /positive names "pos", which is not screened \(v3\)/,
  );
});

Deno.test({
  name:
    "runSalvageStudy() screens and trains every base at the one rate, with no calibration run, and reads it back from the cache",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const protocol = await loadProtocol("smoke");
    const smoke = await loadSalvageStudy("smoke");
    const study = {
      ...smoke,
      bases: smoke.bases.filter((b) => b.role !== "between"),
      methods: ["PSR", "NSR"],
    };
    const cacheDir = await Deno.makeTempDir();
    try {
      const first = await runSalvageStudy(study, protocol, { task: COUNTDOWN_TASK, cacheDir });
      assert.deepEqual(first.bases.map((b) => b.name), study.bases.map((b) => b.name));
      for (const base of first.bases) {
        assert.equal(base.results.calibration.chosen, study.learningRate);
        assert.deepEqual(base.results.calibration.runs, []);
        for (const method of ["PSR", "NSR", "GRPO"]) {
          assert.ok(base.results.runs[method].every((r) => r.learningRate === study.learningRate));
        }
        assert.equal(base.results.evaluations[PRIMARY_SETTING][PRIMARY_SET].NSR.length, 1);
        const share = base.screen.salvageShare;
        assert.ok(
          share.lower <= share.estimate && share.estimate <= share.upper && share.upper <= 1,
        );
        assert.equal(base.screen.problems.length, protocol.evaluation.primary!.problems);
      }
      assert.ok(salvageRows(first, 2).some((r) => r.quantity === "NSR − Base at k=2"));
      // The screens ran on their own worker, beside the runs: the same as on this thread.
      const { primary } = drawPrimary(
        salvageProtocol(protocol, study),
        await COUNTDOWN_TASK.loadProblems("train"),
      );
      const loaded = await loadBaseModel({ dir: studyBaseDir(study.bases[1]) });
      try {
        const here = await screenBase(loaded.policy, primary!, {
          ...study.screen,
          tokenizer: loaded.tokenizer,
          maxChars: 38,
        });
        assert.deepEqual(first.bases[1].screen, here);
      } finally {
        loaded.policy.dispose();
      }
      // The planted errors come from each base's checkpoint: none on v3.
      assert.deepEqual(first.bases.map((b) => b.planted?.errors.kind ?? null), [
        null,
        "late-flip",
        "dead-start",
      ]);
      // Every evaluation, screen and training checkpoint under the cache with its modification
      // time: a recomputed result rewrites one (a finished run read back rewrites only its
      // metadata files).
      const files = async (dir = cacheDir): Promise<string[]> => {
        const out: string[] = [];
        for await (const entry of Deno.readDir(dir)) {
          const path = `${dir}/${entry.name}`;
          if (entry.isDirectory) out.push(...await files(path));
          else if (/\/evaluations\/|\/salvage-screen-|\/checkpoints\//.test(path)) {
            out.push(`${path} ${(await Deno.stat(path)).mtime?.getTime()}`);
          }
        }
        return out.sort();
      };
      const before = await files();
      assert.ok(before.some((f) => f.includes("/salvage-screen-")));
      assert.ok(before.some((f) => f.includes("/checkpoints/")));
      const again = await runSalvageStudy(study, protocol, { task: COUNTDOWN_TASK, cacheDir });
      assert.deepEqual(await files(), before); // nothing recomputed
      assert.deepEqual(again.controls, first.controls);
      assert.deepEqual(again.bases.map((b) => b.screen), first.bases.map((b) => b.screen));
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
