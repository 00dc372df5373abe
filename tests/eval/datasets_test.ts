import assert from "node:assert/strict";
import { loadDataset, parseJsonlDataset } from "../../lib/eval/datasets.ts";
import { JsonlError } from "../../lib/_io/jsonl.ts";
import { FULL_DATA_SKIPPED, fullDatasets, SAMPLE_DATASETS } from "../_helpers.ts";

// assert.throws returns nothing; this hands back the error so a test can read its fields.
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error, got none");
}

Deno.test("loadDataset() reads the committed sample of the paper's parquet files", async (t) => {
  await t.step("MATH test: ids, golds, levels and subjects; the empty gold kept", async () => {
    const problems = await loadDataset(`${SAMPLE_DATASETS}math/test.parquet`);
    assert.equal(problems.length, 201);
    assert.deepEqual(problems[0], {
      problemId: "1",
      question: "What is the positive difference between $120\\%$ of 30 and $130\\%$ of 20?",
      gold: "10",
      dataSource: "TianHongZXY/MATH",
      level: "Level 1",
      subject: "Algebra",
    });
    assert.equal(new Set(problems.map((p) => p.problemId)).size, 201);
    assert.ok(problems.every((p) => p.question !== ""));
    // The shipped file has one empty target (the magician/weekday problem); we keep it as is.
    assert.deepEqual(problems.filter((p) => p.gold === "").map((p) => p.problemId), ["3526"]);
  });
  await t.step("AIME 2025: one gold in degrees, no level", async () => {
    const problems = await loadDataset(`${SAMPLE_DATASETS}aime2025/test.parquet`);
    assert.equal(problems.length, 11);
    assert.equal(problems[0].gold, "70");
    assert.ok(problems.some((p) => p.gold === "336^\\circ"));
    assert.equal(problems[0].level, undefined);
  });
  await t.step("AMC23: ids are the row numbers of the full file", async () => {
    const problems = await loadDataset(`${SAMPLE_DATASETS}amc23/test.parquet`);
    assert.equal(problems.length, 10);
    assert.equal(problems[0].gold, "27");
    assert.equal(problems[9].problemId, "9");
  });
});

const FULL = fullDatasets();
// deno-lint-ignore no-console -- says once why the optional tests did not run
if (FULL === null) console.log(FULL_DATA_SKIPPED);

Deno.test({
  name: "loadDataset() reads the paper's full parquet files (optional: RLVR_DATASETS)",
  ignore: FULL === null,
  fn: async (t) => {
    const dir = FULL as string;
    await t.step("MATH test: 5,000 problems with unique ids, one empty gold", async () => {
      const problems = await loadDataset(`${dir}math/test.parquet`);
      assert.equal(problems.length, 5000);
      assert.equal(problems[2].gold, "\\frac{9}{7}");
      assert.equal(new Set(problems.map((p) => p.problemId)).size, 5000);
      assert.deepEqual(problems.filter((p) => p.gold === "").map((p) => p.problemId), ["3526"]);
    });
    await t.step("AIME 2025: 30 problems; AMC23: 40", async () => {
      assert.equal((await loadDataset(`${dir}aime2025/test.parquet`)).length, 30);
      const amc = await loadDataset(`${dir}amc23/test.parquet`);
      assert.equal(amc.length, 40);
      assert.equal(amc[39].problemId, "39");
    });
    await t.step("the committed sample is rows of the full files, unchanged", async () => {
      for (const file of ["math/test", "aime2025/test", "amc23/test"]) {
        const full = new Map(
          (await loadDataset(`${dir}${file}.parquet`)).map((p) => [p.problemId, p]),
        );
        for (const p of await loadDataset(`${SAMPLE_DATASETS}${file}.parquet`)) {
          assert.deepEqual(p, full.get(p.problemId));
        }
      }
    });
  },
});

Deno.test("parseJsonlDataset() reads plain and verl-schema lines", () => {
  const text = [
    '{"question": "1+1?", "gold": "2"}',
    "",
    '{"problemId": 7, "question": "2+2?", "gold": "4"}',
    JSON.stringify({
      prompt: [{ role: "user", content: "3+3?" }],
      reward_model: { ground_truth: { target: "6" } },
      extra_info: { index: 12 },
      data_source: "mine",
    }),
  ].join("\n");
  assert.deepEqual(parseJsonlDataset(text), [
    { problemId: "0", question: "1+1?", gold: "2" },
    { problemId: "7", question: "2+2?", gold: "4" },
    { problemId: "12", question: "3+3?", gold: "6", dataSource: "mine" },
  ]);
});

Deno.test("parseJsonlDataset() reports every malformed line with its number", () => {
  const text = [
    '{"question": "ok", "gold": "1"}',
    '{"question": "no gold"}',
    "not json",
    '{"reward_model": {"ground_truth": {"question": "q"}}}',
    "[1, 2]",
  ].join("\n");
  const error = thrown(() => parseJsonlDataset(text, { source: "d.jsonl" }));
  assert.ok(error instanceof JsonlError);
  assert.deepEqual(error.issues.map((issue) => issue.line), [2, 3, 4, 5]);
  assert.match(error.message, /^Cannot parse d\.jsonl: 4 malformed lines: line 2: "gold" must be/);
  assert.match(error.message, /line 4: "reward_model\.ground_truth\.target" must be a string/);
  assert.match(error.message, /line 5: expected a record to be an object, got \[1,2\]/);
});

Deno.test("parseJsonlDataset() rejects repeated problem ids", () => {
  const text = '{"problemId": "a", "question": "q", "gold": "1"}\n'.repeat(2);
  assert.throws(() => parseJsonlDataset(text, { source: "d.jsonl" }), {
    name: "TypeError",
    message: 'Cannot load d.jsonl: problem ids must be unique, got "a" twice',
  });
});

Deno.test("loadDataset() rejects an unknown extension", async () => {
  await assert.rejects(() => loadDataset("problems.csv"), {
    name: "TypeError",
    message: "Cannot load dataset: expected a .parquet or .jsonl file, got problems.csv",
  });
});

Deno.test("loadDataset() names a file that is not parquet, and accepts a JSONL byte-order mark", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(
      `${dir}/garbage.parquet`,
      new TextEncoder().encode("PAR1 not really PAR1"),
    );
    await assert.rejects(
      loadDataset(`${dir}/garbage.parquet`),
      new RegExp(`Cannot load ${dir}/garbage\\.parquet: not a readable parquet file \\(`),
    );
    await Deno.writeTextFile(`${dir}/bom.jsonl`, '\uFEFF{"question": "1+1?", "gold": "2"}\n');
    assert.deepEqual(await loadDataset(`${dir}/bom.jsonl`), [
      { problemId: "0", question: "1+1?", gold: "2" },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
