import assert from "node:assert/strict";
import { loadDataset, type Problem } from "../../lib/eval/datasets.ts";
import { evaluateSamples } from "../../lib/eval/evaluate.ts";
import { readSamples, type SampleRecord, writeSamples } from "../../lib/eval/samples.ts";
import { passAtK } from "../../lib/eval/passk.ts";
import type { Progress } from "../../lib/progress.ts";
import type { Verdict } from "../../lib/verifier/verify.ts";
import { assertClose, SAMPLE_DATASETS } from "../_helpers.ts";

// A strict grader: the whole trimmed response must equal the gold; an empty response has no answer.
function exactMatch(response: string, gold: string): Verdict {
  const predicted = response.trim();
  if (predicted === "") return { correct: false, reason: "no-answer", predicted: null, gold };
  const correct = predicted === gold;
  return { correct, reason: correct ? "equivalent" : "not-equivalent", predicted, gold };
}

const PROBLEMS: Problem[] = [
  { problemId: "a", question: "1+1?", gold: "2" },
  { problemId: "b", question: "2+2?", gold: "4" },
  { problemId: "c", question: "3+3?", gold: "6" },
];

// n = 4 per problem; correct counts a: 3, b: 0, c: 1. Interleaved order on purpose.
const SAMPLES: SampleRecord[] = [
  ["a", "2"],
  ["b", "5"],
  ["c", "6"],
  ["a", "2"],
  ["b", ""],
  ["c", "7"],
  ["a", "3"],
  ["b", "5"],
  ["c", ""],
  ["a", "2"],
  ["b", "3"],
  ["c", "9"],
].map(([problemId, response]) => ({ problemId, response }));

Deno.test("evaluateSamples() counts per problem, scores Pass@k and counts reasons", () => {
  const result = evaluateSamples(SAMPLES, PROBLEMS, { grade: exactMatch, resamples: 100 });
  assert.equal(result.samples, 12);
  assert.deepEqual(result.problems, [
    { problemId: "a", n: 4, c: 3 },
    { problemId: "b", n: 4, c: 0 },
    { problemId: "c", n: 4, c: 1 },
  ]);
  assert.deepEqual(result.reasons, { "equivalent": 4, "not-equivalent": 6, "no-answer": 2 });
  assert.deepEqual(result.curve.map((p) => p.k), [1, 2, 4]);
  for (const { k, estimate: value, lower, upper } of result.curve) {
    assertClose(value, (passAtK(4, 3, k) + passAtK(4, 0, k) + passAtK(4, 1, k)) / 3, 1e-15);
    assert.ok(lower <= value && value <= upper);
  }
  assert.equal(result.confidence, 0.95);
  assert.deepEqual(result.unsampledProblemIds, []);
});

Deno.test("evaluateSamples() grades with the verifier by default", () => {
  const problems: Problem[] = [
    { problemId: "0", question: "Half of one?", gold: "\\frac{1}{2}" },
    { problemId: "1", question: "Angle?", gold: "336^\\circ" },
  ];
  const samples: SampleRecord[] = [
    { problemId: "0", response: "The answer is $\\boxed{0.5}$." },
    { problemId: "0", response: "I think it is \\boxed{\\frac{1}{2}}" },
    { problemId: "0", response: "I am not sure." },
    { problemId: "1", response: "So the angle is \\boxed{336^\\circ}." },
    { problemId: "1", response: "\\boxed{24^\\circ}" },
    { problemId: "1", response: "\\boxed{\\frac{}{}" },
  ];
  const result = evaluateSamples(samples, problems, { resamples: 0 });
  assert.deepEqual(result.problems.map(({ c }) => c), [2, 1]);
  const total = Object.values(result.reasons).reduce((a, b) => a + (b ?? 0), 0);
  assert.equal(total, 6);
  assert.equal(result.reasons["equivalent"], 3);
  assert.ok((result.reasons["no-answer"] ?? 0) >= 1);
  assert.ok((result.reasons["not-equivalent"] ?? 0) >= 1);
});

Deno.test("evaluateSamples() drops nothing silently", async (t) => {
  await t.step("a sample for an unknown problem is an error", () => {
    const samples = [...SAMPLES, { problemId: "zzz", response: "1" }];
    assert.throws(() => evaluateSamples(samples, PROBLEMS, { grade: exactMatch }), {
      name: "TypeError",
      message: 'Cannot evaluate samples: 1 problem id(s) are not in the dataset, got "zzz"',
    });
  });
  await t.step("a problem without samples is an error unless allowed", () => {
    const problems = [...PROBLEMS, { problemId: "d", question: "?", gold: "0" }];
    assert.throws(
      () => evaluateSamples(SAMPLES, problems, { grade: exactMatch }),
      /1 of 4 problems have no sample \(set allowUnsampled to skip them\), got "d"/,
    );
    const result = evaluateSamples(SAMPLES, problems, {
      grade: exactMatch,
      allowUnsampled: true,
      resamples: 0,
    });
    assert.deepEqual(result.unsampledProblemIds, ["d"]);
    assert.equal(result.problems.length, 3);
  });
  await t.step("a k above some problem's n names that problem", () => {
    const samples = SAMPLES.filter((s, i) => !(s.problemId === "b" && i > 5));
    assert.throws(
      () => evaluateSamples(samples, PROBLEMS, { grade: exactMatch, ks: [1, 4] }),
      /got k=4 and n=2 for problem "b"/,
    );
    const result = evaluateSamples(samples, PROBLEMS, { grade: exactMatch, resamples: 0 });
    assert.deepEqual(result.curve.map((p) => p.k), [1, 2]);
  });
});

Deno.test("evaluateSamples() is seeded and reports progress", () => {
  const seen: Progress[] = [];
  const a = evaluateSamples(SAMPLES, PROBLEMS, {
    grade: exactMatch,
    onProgress: (p) => seen.push(p),
  });
  const b = evaluateSamples(SAMPLES, PROBLEMS, { grade: exactMatch });
  assert.deepEqual(a, b);
  assert.deepEqual(seen, [{ done: 12, total: 12 }]);
});

Deno.test("the pipeline round-trips a sample file against real AIME 2025 golds (committed sample)", async () => {
  const problems = (await loadDataset(`${SAMPLE_DATASETS}aime2025/test.parquet`)).slice(0, 5);
  // Problem i gets i correct responses out of 4 (capped), the rest wrong or answerless.
  const samples: SampleRecord[] = problems.flatMap(({ problemId, gold }, i) =>
    [0, 1, 2, 3].map((j) => ({
      problemId,
      response: j < Math.min(i, 4)
        ? `Therefore the answer is $\\boxed{${gold}}$.`
        : j % 2 === 0
        ? "Therefore the answer is $\\boxed{-1}$."
        : "I give up.",
    }))
  );
  const dir = await Deno.makeTempDir();
  try {
    await writeSamples(`${dir}/samples.jsonl`, samples);
    const result = evaluateSamples(await readSamples(`${dir}/samples.jsonl`), problems, {
      allowUnsampled: false,
      resamples: 200,
    });
    assert.deepEqual(result.problems.map(({ n, c }) => [n, c]), [[4, 0], [4, 1], [4, 2], [4, 3], [
      4,
      4,
    ]]);
    assertClose(result.curve[0].estimate, 10 / 20, 1e-15);
    assert.equal(result.reasons["equivalent"], 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
