import assert from "node:assert/strict";
import { paperTableToRows } from "../../lib/eval/paper_table.ts";

const TABLE1 = JSON.parse(
  await Deno.readTextFile(new URL("../../data/paper/table1.json", import.meta.url)),
);

Deno.test("data/paper/table1.json holds the paper's Table 1", async (t) => {
  const rows = paperTableToRows(TABLE1);
  const value = (dataset: string, method: string, k: number): number | undefined =>
    rows.find((r) => r.dataset === dataset && r.method === method && r.k === k)?.estimate;
  await t.step("3 datasets × 6 methods × 9 ks, in percent", () => {
    assert.equal(TABLE1.unit, "percent");
    assert.equal(rows.length, 3 * 6 * 9);
    assert.deepEqual([...new Set(rows.map((r) => r.dataset))], ["MATH", "AIME 2025", "AMC23"]);
    assert.deepEqual(
      [...new Set(rows.map((r) => r.method))],
      ["Base", "GRPO", "PPO", "PSR", "NSR", "W-REINFORCE"],
    );
  });
  await t.step("spot values from the issue, as fractions", () => {
    assert.equal(value("MATH", "Base", 1), 0.632);
    assert.equal(value("MATH", "PSR", 256), 0.912);
    assert.equal(value("AIME 2025", "W-REINFORCE", 256), 0.567);
    assert.equal(value("AMC23", "NSR", 256), 1);
    assert.equal(value("AMC23", "Base", 2), 0.562);
  });
  await t.step("every curve is non-decreasing in k", () => {
    for (const [dataset, entry] of Object.entries(TABLE1.datasets)) {
      const { passAtK } = entry as { passAtK: Record<string, number[]> };
      for (const [method, values] of Object.entries(passAtK)) {
        for (let i = 1; i < values.length; i++) {
          assert.ok(values[i] >= values[i - 1], `${dataset} ${method} at ${TABLE1.ks[i]}`);
        }
      }
    }
  });
});

Deno.test("paperTableToRows() keeps fractions and rejects bad shapes", () => {
  const table = { unit: "fraction", ks: [1], datasets: { T: { passAtK: { NSR: [0.5] } } } };
  assert.deepEqual(paperTableToRows(table), [{
    dataset: "T",
    method: "NSR",
    k: 1,
    estimate: 0.5,
    lower: 0.5,
    upper: 0.5,
  }]);
  assert.throws(() => paperTableToRows({ ...table, unit: "ratio" }), /unit must be/);
  assert.throws(
    () => paperTableToRows({ ...table, datasets: { T: { passAtK: { NSR: [0.5, 0.6] } } } }),
    {
      name: "TypeError",
      message: /datasets\.T\.passAtK\.NSR must be 1 numbers in \[0, 1\], got \[0\.5,0\.6\]/,
    },
  );
  assert.throws(() => paperTableToRows({ ...table, ks: [0] }), /ks must be positive integers/);
  assert.throws(() => paperTableToRows(null), /table must be an object, got null/);
});
