import assert from "node:assert/strict";
import { coverageAgainstBase, distinctCorrect } from "../../lib/eval/coverage.ts";

// Base solves a, b, c (c > 0) and not d, e. Seeds (c per problem, in order a..e):
//   seed 0: 0 3 1 0 2  → lost {a},    gained {e}
//   seed 1: 0 0 4 1 0  → lost {a, b}, gained {d}
//   seed 2: 0 2 2 0 1  → lost {a},    gained {e}
const IDS = ["a", "b", "c", "d", "e"];
const BASE = [1, 5, 2, 0, 0].map((c, i) => ({ problemId: IDS[i], n: 8, c }));
const SEEDS = [[0, 3, 1, 0, 2], [0, 0, 4, 1, 0], [0, 2, 2, 0, 1]].map((cs) =>
  cs.map((c, i) => ({ problemId: IDS[i], n: 8, c }))
);

Deno.test("coverageAgainstBase() counts lost and gained problems by hand", async (t) => {
  const coverage = coverageAgainstBase(BASE, SEEDS);

  await t.step("totals", () => {
    assert.equal(coverage.problems, 5);
    assert.equal(coverage.seeds, 3);
    assert.equal(coverage.baseSolved, 3);
    assert.equal(coverage.methodSolved, (3 + 2 + 3) / 3);
  });

  await t.step("lost: per seed, mean, every seed, any seed", () => {
    assert.deepEqual(coverage.lost, {
      perSeed: [1, 2, 1],
      mean: 4 / 3,
      inEverySeed: ["a"],
      inAnySeed: ["a", "b"],
    });
  });

  await t.step("gained: per seed, mean, every seed, any seed", () => {
    assert.deepEqual(coverage.gained, {
      perSeed: [1, 1, 1],
      mean: 1,
      inEverySeed: [],
      inAnySeed: ["d", "e"],
    });
  });

  await t.step("seeds in another problem order give the same answer", () => {
    const reversed = SEEDS.map((seed) => [...seed].reverse());
    assert.deepEqual(coverageAgainstBase(BASE, reversed), coverage);
  });

  await t.step("the base against itself loses and gains nothing", () => {
    const self = coverageAgainstBase(BASE, [BASE]);
    assert.equal(self.lost.mean + self.gained.mean, 0);
    assert.equal(self.methodSolved, self.baseSolved);
  });

  await t.step("a seed with other problems is rejected", () => {
    const other = [
      SEEDS[0].map((p) => ({ ...p, problemId: p.problemId === "e" ? "f" : p.problemId })),
    ];
    assert.throws(() => coverageAgainstBase(BASE, other), /problem "f"/);
  });
});

Deno.test("distinctCorrect() counts distinct correct responses per solved problem", async (t) => {
  const records = [
    { problemId: "p", response: "x = 2\nso 4", correct: true },
    { problemId: "p", response: "x = 2 so 4", correct: true }, // same up to whitespace
    { problemId: "p", response: "directly: 4", correct: true },
    { problemId: "p", response: "5", correct: false },
    { problemId: "q", response: "7", correct: true },
    { problemId: "q", response: "7", correct: true },
    { problemId: "r", response: "1", correct: false }, // unsolved: not in the mean
  ];

  await t.step("by hand", () => {
    const result = distinctCorrect(records);
    assert.deepEqual(result.perProblem, [
      { problemId: "p", correct: 3, distinct: 2 },
      { problemId: "q", correct: 2, distinct: 1 },
      { problemId: "r", correct: 0, distinct: 0 },
    ]);
    assert.equal(result.solved, 2);
    assert.equal(result.meanDistinct, 1.5);
  });

  await t.step("a custom key, e.g. the final token", () => {
    const result = distinctCorrect(records, { key: (text) => text.split(/\s+/).at(-1)! });
    assert.equal(result.perProblem[0].distinct, 1);
  });

  await t.step("nothing solved gives a mean of 0", () => {
    assert.equal(
      distinctCorrect([{ problemId: "r", response: "1", correct: false }]).meanDistinct,
      0,
    );
    assert.equal(distinctCorrect([]).solved, 0);
  });
});
