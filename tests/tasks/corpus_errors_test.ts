import assert from "node:assert/strict";
import { seededPrng } from "../../lib/random.ts";
import { teacherCorpus } from "../../lib/tasks/corpus.ts";
import {
  checkPlantedErrors,
  flipLastOperator,
  inPlantedRegime,
  plantError,
  replaceFirstDigit,
} from "../../lib/tasks/corpus_errors.ts";
import { gradeCountdown } from "../../lib/tasks/countdown_grade.ts";
import { isLive, shortestCompletion } from "../../lib/tasks/countdown_liveness.ts";

const problem = { digits: [3, 9, 2, 5], target: 42 };
const right = "9*5=45,45-3=42\\boxed{42}";

Deno.test("flipLastOperator() flips only the last step's operator and keeps its claim", () => {
  assert.equal(flipLastOperator(right), "9*5=45,45+3=42\\boxed{42}");
  assert.equal(flipLastOperator("9*5=45\\boxed{45}"), "9+5=45\\boxed{45}");
  assert.equal(flipLastOperator("9*5=45,45+3=48\\boxed{48}"), "9*5=45,45-3=48\\boxed{48}");
  assert.throws(() => flipLastOperator("\\boxed{42}"), /no step "a op b=c" before the box/);
});

Deno.test("the planted late flip is graded wrong, and its fatal token is the flipped operator with the right one live", () => {
  const flipped = flipLastOperator(right);
  assert.equal(gradeCountdown(problem, flipped).correct, false);
  const at = flipped.lastIndexOf("+");
  // Live just before the flipped operator (the right one finishes it), dead right after it.
  assert.equal(isLive(problem, flipped.slice(0, at), 38), true);
  assert.equal(isLive(problem, flipped.slice(0, at) + "-", 38), true);
  assert.equal(isLive(problem, flipped.slice(0, at + 1), 38), false);
  assert.ok(shortestCompletion(problem, flipped.slice(0, at) + "-") !== null);
});

Deno.test("replaceFirstDigit() draws a digit the problem lacks, uniformly, and leaves a dead end", () => {
  const prng = seededPrng(4);
  const seen = new Map<string, number>();
  for (let i = 0; i < 2000; i++) {
    const out = replaceFirstDigit(right, problem, prng);
    assert.equal(out.slice(1), right.slice(1));
    seen.set(out[0], (seen.get(out[0]) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ["1", "4", "6", "7", "8"]);
  for (const n of seen.values()) assert.ok(Math.abs(n - 400) < 80, `count ${n}`);
  for (const d of seen.keys()) assert.equal(isLive(problem, d, 38), false);
  assert.throws(
    () => replaceFirstDigit("*5", problem, prng),
    /does not start with one/,
  );
});

Deno.test("plantError() rewrites only in the regime, at the rate, by kind; bad options are named", () => {
  const outside = { digits: [3, 9, 2, 5], target: 47 };
  assert.equal(inPlantedRegime(problem, 4), true);
  assert.equal(inPlantedRegime(outside, 4), false);
  const options = { kind: "late-flip" as const, rate: 1, unitsBelow: 4, prng: seededPrng(0) };
  assert.equal(plantError(outside, right, options), right);
  assert.equal(plantError(problem, right, { ...options, kind: "none" }), right);
  assert.equal(plantError(problem, right, { ...options, rate: 0 }), right);
  const prng = seededPrng(9);
  let flips = 0, starts = 0, kept = 0;
  for (let i = 0; i < 4000; i++) {
    const out = plantError(problem, right, { kind: "mixed", rate: 0.8, unitsBelow: 4, prng });
    if (out === right) kept++;
    else if (out[0] === right[0]) flips++;
    else starts++;
  }
  assert.ok(Math.abs(kept / 4000 - 0.2) < 0.03, `kept ${kept}`);
  assert.ok(Math.abs(flips - starts) < 200, `flips ${flips}, starts ${starts}`);
  assert.throws(
    () => checkPlantedErrors({ kind: "none", rate: 1.5, unitsBelow: 4 }),
    /rate must be in \[0, 1\], got 1.5/,
  );
  assert.throws(
    () => checkPlantedErrors({ kind: "none", rate: 1, unitsBelow: 11 }),
    /unitsBelow .* got 11/,
  );
  assert.throws(
    () => checkPlantedErrors({ kind: "late" as "none", rate: 1, unitsBelow: 4 }),
    /kind must be one of none, late-flip, dead-start, mixed, got "late"/,
  );
});

Deno.test("teacherCorpus({ planted }) leaves the rest of the corpus as it was and marks rewritten rows by the grader", () => {
  const problems = [problem, { digits: [1, 4, 6, 8], target: 31 }, {
    digits: [2, 7, 3, 6],
    target: 45,
  }];
  const plain = teacherCorpus(problems, {
    samplesPerProblem: 60,
    keep: "right",
    prng: seededPrng(3),
  });
  const planted = teacherCorpus(problems, {
    samplesPerProblem: 60,
    keep: "right",
    prng: seededPrng(3),
    planted: { kind: "dead-start", rate: 0.9, unitsBelow: 4, prng: seededPrng(8) },
  });
  assert.equal(planted.length, plain.length);
  let rewritten = 0;
  planted.forEach((row, i) => {
    assert.equal(row.prompt, plain[i].prompt);
    if (row.response === plain[i].response) return;
    rewritten++;
    assert.equal(row.correct, false);
    assert.ok(row.prompt.endsWith(">42:") || row.prompt.endsWith(">31:"), row.prompt);
  });
  assert.ok(rewritten > 0);
  assert.ok(planted.filter((r) => r.prompt.endsWith(">45:")).every((r) => r.correct));
});
