import assert from "node:assert/strict";
import type { EvaluationResult } from "../../lib/eval/evaluate.ts";
import { formatEvaluationTable } from "../../lib/present/evaluation_table.ts";

const RESULT: EvaluationResult = {
  samples: 10,
  problems: [{ problemId: "a", n: 4, c: 1 }, { problemId: "b", n: 6, c: 6 }],
  curve: [
    { k: 1, estimate: 0.625, lower: 0.25, upper: 1 },
    { k: 4, estimate: 1, lower: 1, upper: 1 },
  ],
  confidence: 0.9,
  reasons: { "equivalent": 7, "not-equivalent": 2, "budget-exceeded": 1 },
  unsampledProblemIds: ["c", "d"],
};

Deno.test("formatEvaluationTable() prints one row per k, then counts and reasons", () => {
  assert.equal(
    formatEvaluationTable(RESULT),
    [
      "    k   pass@k  90% interval",
      "    1     62.5  [25.0, 100.0]",
      "    4    100.0  [100.0, 100.0]",
      "10 samples over 2 problems (n = 4 to 6), pass@k in %",
      "2 problems had no sample and were skipped",
      "reasons: equivalent 7, not-equivalent 2, budget-exceeded 1",
    ].join("\n"),
  );
});

Deno.test("formatEvaluationTable() states a common n once", () => {
  const table = formatEvaluationTable({
    ...RESULT,
    problems: [{ problemId: "a", n: 5, c: 1 }, { problemId: "b", n: 5, c: 0 }],
    unsampledProblemIds: [],
  });
  assert.match(table, /10 samples over 2 problems \(n = 5 each\)/);
  assert.doesNotMatch(table, /no sample/);
});
