import assert from "node:assert/strict";
import { planLanes, readLaneNotebook } from "../../lib/job/notebook_lanes.ts";

Deno.test("planLanes()", async (t) => {
  const repro = [
    { name: "00.ipynb" },
    { name: "01.ipynb" },
    { name: "02.ipynb" },
    { name: "03.ipynb" },
    { name: "04.ipynb", after: "02.ipynb" },
  ];
  await t.step("a notebook runs after the one it names, in the same lane", () => {
    const lanes = planLanes(repro, 2);
    assert.deepEqual(lanes, [["00.ipynb", "02.ipynb", "04.ipynb"], ["01.ipynb", "03.ipynb"]]);
  });
  await t.step("one job is one lane: each chain whole, in the order of its first notebook", () => {
    const lane = ["00.ipynb", "01.ipynb", "02.ipynb", "04.ipynb", "03.ipynb"];
    assert.deepEqual(planLanes(repro, 1), [lane]);
  });
  await t.step("more jobs than chains leaves no empty lane", () => {
    const lanes = planLanes(repro, 8);
    assert.equal(lanes.length, 4);
    assert.deepEqual(lanes.flat().sort(), repro.map((n) => n.name));
  });
  await t.step("an `after` outside the list is ignored; one listed later still comes first", () => {
    assert.deepEqual(planLanes([{ name: "b", after: "missing" }], 2), [["b"]]);
    assert.deepEqual(planLanes([{ name: "b", after: "a" }, { name: "a" }], 2), [["a", "b"]]);
  });
  await t.step("bad jobs and cycles are errors naming the value", () => {
    assert.throws(() => planLanes(repro, 0), /jobs must be an integer >= 1, got 0/);
    assert.throws(
      () => planLanes([{ name: "a", after: "b" }, { name: "b", after: "a" }], 2),
      /cycle through/,
    );
  });
});

Deno.test("readLaneNotebook() reads metadata.rlvr.after of the shipped notebooks", async () => {
  const dir = new URL("../../notebooks/", import.meta.url).pathname;
  const n04 = await readLaneNotebook(`${dir}04_weighted_objective.ipynb`);
  assert.deepEqual(n04, { name: "04_weighted_objective.ipynb", after: "02_psr_vs_nsr.ipynb" });
  const n02 = await readLaneNotebook(`${dir}02_psr_vs_nsr.ipynb`);
  assert.deepEqual(n02, { name: "02_psr_vs_nsr.ipynb" });
});
