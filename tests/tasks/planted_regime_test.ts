import assert from "node:assert/strict";
import { plantedErrorsOf, plantedRegime } from "../../lib/tasks/planted_regime.ts";
import { studyBaseDir } from "../../lib/tasks/salvage_study.ts";

Deno.test("plantedErrorsOf() reads a base's planted errors from its checkpoint, and names a bad field", async () => {
  assert.deepEqual(await plantedErrorsOf(studyBaseDir({ dir: "data/bases/dead_end" })), {
    kind: "dead-start",
    rate: 1,
    unitsBelow: 3,
  });
  assert.equal(await plantedErrorsOf(studyBaseDir({ dir: "data/base" })), null);
  const dir = await Deno.makeTempDir();
  try {
    const planted = { kind: "late", rate: 1, unitsBelow: 3 };
    await Deno.writeTextFile(
      `${dir}/config.json`,
      JSON.stringify({ metadata: { pretrain: { planted } } }),
    );
    await assert.rejects(plantedErrorsOf(dir), /metadata\.pretrain\.planted\.kind/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plantedRegime() lists the problems inside the regime (target's units digit below the bound)", async () => {
  const digits = [1, 2, 3, 4];
  const problems = [10, 11, 12, 13, 22, 29, 30].map((target) => ({
    id: `t${target}`,
    target,
    digits,
  }));
  const regime = await plantedRegime(studyBaseDir({ dir: "data/bases/dead_end" }), problems);
  assert.deepEqual(regime?.problemIds, ["t10", "t11", "t12", "t22", "t30"]);
  assert.equal(await plantedRegime(studyBaseDir({ dir: "data/base" }), problems), null);
});
