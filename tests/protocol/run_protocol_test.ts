import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { loadProtocol, mergeChanges } from "../../lib/protocol/protocol_file.ts";
import { chooseLearningRate } from "../../lib/protocol/calibration.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  TABLE_SETTING,
} from "../../lib/protocol/protocol_results.ts";
import { checkpointSetting, cooledSetting } from "../../lib/protocol/grid.ts";
import { runProtocol } from "../../lib/protocol/run_protocol.ts";
import { summarizeProtocol } from "../../lib/protocol/summary.ts";
import { sharpeningRows } from "../../lib/protocol/sharpening_rows.ts";
import { BASE_MODEL_DIR } from "../../lib/tasks/base_model.ts";
import { COUNTDOWN_TASK } from "../../lib/tasks/countdown_task.ts";

await initBackend();

Deno.test("chooseLearningRate() takes the smallest rate that learns, else the largest", async (t) => {
  const run = (learningRate: number, first: number, last: number, finite = true) => ({
    learningRate,
    finite,
    klToBase: 0,
    rolloutEntropy: 0,
    correctRatios: [
      ...Array(5).fill(first),
      ...Array(30).fill((first + last) / 2),
      ...Array(10).fill(last),
    ],
  });
  await t.step("the rise is last 10 minus first 5; ties at the threshold qualify", () => {
    const { runs, chosen } = chooseLearningRate([
      run(3e-4, 0.4, 0.9),
      run(1e-4, 0.4, 0.5),
      run(3e-5, 0.4, 0.45),
    ], {
      minRise: 0.1,
    });
    assert.equal(chosen, 1e-4);
    assert.deepEqual(runs.map((r) => r.learningRate), [3e-5, 1e-4, 3e-4]);
    assert.deepEqual(runs.map((r) => r.qualifies), [false, true, true]);
    assert.ok(Math.abs(runs[1].rise - 0.1) < 1e-12);
  });
  await t.step("a run with a non-finite loss never qualifies", () => {
    assert.equal(
      chooseLearningRate([run(1e-4, 0.4, 0.9, false), run(1e-3, 0.4, 0.9)], { minRise: 0.1 })
        .chosen,
      1e-3,
    );
  });
  await t.step("no rate learns: the largest, flagged as not qualifying", () => {
    const { runs, chosen } = chooseLearningRate([run(1e-5, 0.4, 0.4), run(1e-4, 0.4, 0.42)], {
      minRise: 0.1,
    });
    assert.equal(chosen, 1e-4);
    assert.ok(runs.every((r) => !r.qualifies));
  });
});

Deno.test("mergeChanges() and loadProtocol() give the smoke profile as changes to the full one", async () => {
  const full = await loadProtocol("full");
  const smoke = await loadProtocol("smoke");
  assert.deepEqual(smoke.methods, full.methods);
  assert.equal(smoke.experiment.train.miniBatches, full.experiment.train.miniBatches);
  assert.ok(smoke.experiment.train.steps < full.experiment.train.steps);
  assert.deepEqual(mergeChanges([1, 2], [3]), [3]);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/p.json`, JSON.stringify({ full: { ...full, seeds: [] } }));
  await assert.rejects(
    loadProtocol("full", { path: `${dir}/p.json` }),
    /full protocol from .*seeds/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name:
    "runProtocol() runs the smoke protocol end to end, and a re-run reads it back from the cache",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const protocol = await loadProtocol("smoke");
    const cacheDir = await Deno.makeTempDir({ prefix: "rlvr_protocol_" });
    try {
      const lines: string[] = [];
      const options = { task: COUNTDOWN_TASK, baseDir: BASE_MODEL_DIR, cacheDir };
      const results = await runProtocol(protocol, {
        ...options,
        workers: 0,
        onProgress: (p) => lines.push(p.detail ?? ""),
      });
      // The pool (v3): every candidate, unscreened; the primary set evaluated for every method.
      assert.equal(results.pool.filter, "none");
      assert.equal(results.pool.problemIds.length, protocol.pool.candidates);
      assert.equal(
        results.evaluations[PRIMARY_SETTING].primary.NSR[0].outcomes.length,
        protocol.evaluation.primary?.problems,
      );
      // Matched movement picked a checkpoint per method and seed, evaluated at the full n.
      assert.deepEqual(
        results.matchedMovement?.methods.NSR.steps.length,
        protocol.seeds.length,
      );
      assert.ok(protocol.calibration.rates.includes(results.calibration.chosen));
      // Every method of the main grid on every seed, every ablation on its seeds.
      const methods = Object.keys(protocol.methods);
      for (const method of methods) {
        assert.deepEqual(results.runs[method].map((r) => r.seed), protocol.seeds);
        assert.ok(results.runs[method].every((r) => r.learningRate === results.calibration.chosen));
        assert.equal(results.runs[method][0].steps.length, protocol.experiment.train.steps);
      }
      assert.deepEqual(results.groups.main, [BASE_METHOD, ...methods]);
      assert.equal(results.runs["NSR ×2"][0].steps.length, 2 * protocol.experiment.train.steps);
      for (const tier of COUNTDOWN_TASK.tiers) {
        const byMethod = results.evaluations[PRIMARY_SETTING][tier];
        assert.equal(byMethod[BASE_METHOD].length, protocol.seeds.length);
        assert.equal(byMethod.PSR[0].outcomes.length, protocol.evaluation.problemsPerTier);
        assert.equal(byMethod.PSR[0].outcomes[0].n, protocol.evaluation.samples);
        assert.deepEqual(Object.keys(results.evaluations[TABLE_SETTING][tier]), [
          BASE_METHOD,
          ...methods,
        ]);
      }
      // Methods are compared on the same sampling streams: same seed, same tier, same seed of sampling.
      assert.equal(
        results.evaluations[PRIMARY_SETTING].tierA.PSR[1].seed,
        results.evaluations[PRIMARY_SETTING].tierA.NSR[1].seed,
      );
      assert.ok(lines.some((line) => /^main: .*step \d+\/\d+/.test(line)), lines.join("\n"));
      // A re-run, now in a worker, computes nothing and gives the same numbers.
      const started = performance.now();
      const again = await runProtocol(protocol, { ...options, workers: 1 });
      assert.deepEqual(again.evaluations, results.evaluations);
      assert.deepEqual(
        again.runs.NSR.map((r) => r.steps.map((s) => s.correctRatio)),
        results.runs.NSR.map((r) => r.steps.map((s) => s.correctRatio)),
      );
      assert.ok(performance.now() - started < 20_000, "the re-run read everything from the cache");
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "runProtocol() with v3's evaluation: a primary set drawn from the train split and never trained on, an unscreened pool, the cooled base and checkpoint evaluations",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const smoke = await loadProtocol("smoke");
    const protocol = {
      ...smoke,
      seeds: [0],
      methods: { NSR: smoke.methods.NSR, GRPO: smoke.methods.GRPO },
      ablations: {},
      pool: { ...smoke.pool, minPassRate: 0 },
      evaluation: {
        ...smoke.evaluation,
        primary: { problems: 10, seed: 3 },
        cooledBase: { temperatures: [0.5, 0.8] },
        checkpoints: { every: 1, samples: 2 },
      },
    };
    const cacheDir = await Deno.makeTempDir({ prefix: "rlvr_protocol_v3_" });
    try {
      const results = await runProtocol(protocol, {
        task: COUNTDOWN_TASK,
        baseDir: BASE_MODEL_DIR,
        cacheDir,
        workers: 0,
      });
      // The pool: every candidate, none screened, none of them in the primary set.
      assert.equal(results.pool.filter, "none");
      assert.equal(results.pool.problemIds.length, protocol.pool.candidates);
      assert.equal(results.seconds.screening, 0);
      const primary = results.evaluations[PRIMARY_SETTING][PRIMARY_SET];
      const primaryIds = primary[BASE_METHOD][0].outcomes.map((o) => o.problemId);
      assert.equal(primaryIds.length, 10);
      assert.deepEqual(primaryIds.filter((id) => results.pool.problemIds.includes(id)), []);
      // Drawn from the train split (not its first problems: a seeded draw), in split order.
      const train = (await COUNTDOWN_TASK.loadProblems("train")).map((p) => p.id);
      const at = primaryIds.map((id) => train.indexOf(id));
      assert.ok(at.every((i, j) => i >= 0 && (j === 0 || i > at[j - 1])), `${at}`);
      assert.ok(at.at(-1)! > 10, `${at}`);
      // The primary set is evaluated first, then the tiers, for every method.
      assert.deepEqual(Object.keys(results.evaluations[PRIMARY_SETTING]), [
        PRIMARY_SET,
        ...COUNTDOWN_TASK.tiers,
      ]);
      assert.equal(primary.NSR[0].outcomes.length, 10);
      // The cooled base: the base alone, on the primary set, at each temperature.
      for (const t of [0.5, 0.8]) {
        const byMethod = results.evaluations[cooledSetting(t)][PRIMARY_SET];
        assert.deepEqual(Object.keys(byMethod), [BASE_METHOD]);
        assert.equal(byMethod[BASE_METHOD][0].outcomes[0].n, protocol.evaluation.samples);
      }
      // Checkpoints before the last step, on the primary set with their own n.
      const steps = protocol.experiment.train.steps;
      for (const method of ["NSR", "GRPO"]) {
        const [seed0] = results.checkpoints[method];
        assert.deepEqual(
          seed0.map((c) => c.step),
          Array.from({ length: steps - 1 }, (_, i) => i + 1),
        );
        assert.ok(seed0.every((c) => c.outcomes.length === 10 && c.outcomes[0].n === 2));
        assert.equal(seed0[0].settingName, checkpointSetting(2));
      }
      assert.deepEqual(Object.keys(results.checkpoints).sort(), ["GRPO", "NSR"]);
      // Matched movement: a step per method and seed, evaluated at the full n on the final
      // policies' sampling stream.
      const matched = results.matchedMovement!;
      for (const method of ["NSR", "GRPO"]) {
        const [step] = matched.methods[method].steps;
        assert.ok(step >= 1 && step <= steps);
        const [evaluation] = matched.evaluations[method];
        assert.equal(evaluation.step, step);
        assert.equal(evaluation.outcomes[0].n, protocol.evaluation.samples);
        assert.equal(evaluation.seed, primary.NSR[0].seed);
      }
      assert.ok(Number.isFinite(matched.target));
      // The summary's v3 fields, and the figure's rows: the base's curve over T = 1, 0.8, 0.5,
      // then each method's final point.
      const summary = summarizeProtocol(results);
      assert.deepEqual(summary.primarySet, { name: "primary", problems: 10 });
      assert.deepEqual(Object.keys(summary.baselines?.cooledBase ?? {}).sort(), ["GRPO", "NSR"]);
      assert.ok([1, 0.8, 0.5].includes(summary.baselines!.cooledBase.NSR.temperature));
      assert.equal(summary.matchedMovement?.target, matched.target);
      assert.deepEqual(summary.matchedMovement?.methods.NSR.steps, matched.methods.NSR.steps);
      assert.deepEqual(Object.keys(summary.methods.NSR.passAtKmaxVsBase), [
        "primary",
        ...COUNTDOWN_TASK.tiers,
      ]);
      assert.ok(summary.methods.NSR.primary!.passAtKmax >= summary.methods.NSR.primary!.passAt1);
      const rows = sharpeningRows(results);
      assert.deepEqual(
        rows.filter((r) => r.kind === "temperature").map((r) => r.at),
        [1, 0.8, 0.5],
      );
      assert.deepEqual(rows.filter((r) => r.kind === "final").map((r) => r.method), [
        "NSR",
        "GRPO",
      ]);
      // Evaluated on the primary set alone (the salvage study): the tiers and the table are not
      // evaluated, the primary set's numbers and the runs are the same (read from the cache).
      const options = { task: COUNTDOWN_TASK, baseDir: BASE_MODEL_DIR, cacheDir, workers: 0 };
      const alone = await runProtocol(protocol, { ...options, sets: [PRIMARY_SET] });
      assert.deepEqual(Object.keys(alone.evaluations[PRIMARY_SETTING]), [PRIMARY_SET]);
      assert.ok(results.evaluations[TABLE_SETTING] !== undefined);
      assert.equal(alone.evaluations[TABLE_SETTING], undefined);
      assert.deepEqual(alone.evaluations[PRIMARY_SETTING][PRIMARY_SET], primary);
      assert.deepEqual(alone.matchedMovement, matched);
      const ratios = (r: typeof results) =>
        Object.values(r.runs).map((runs) =>
          runs.map((run) => run.steps.map((s) => s.correctRatio))
        );
      assert.deepEqual(ratios(alone), ratios(results));
      await assert.rejects(
        runProtocol(protocol, { ...options, sets: ["tierZ"] }),
        /sets must name evaluated sets \(primary, tierA, tierB, tierC\), got tierZ/,
      );
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test("runProtocol() refuses a cooled base or checkpoints without a primary set, naming the field", async () => {
  const smoke = await loadProtocol("smoke");
  const protocol = {
    ...smoke,
    evaluation: {
      ...smoke.evaluation,
      primary: undefined,
      checkpoints: undefined,
      cooledBase: { temperatures: [0.5] },
    },
  };
  await assert.rejects(
    runProtocol(protocol, {
      task: COUNTDOWN_TASK,
      baseDir: BASE_MODEL_DIR,
      cacheDir: "/nonexistent",
    }),
    /evaluation\.cooledBase needs evaluation\.primary/,
  );
});
