import assert from "node:assert/strict";
import { BOX_OPEN, COUNTDOWN_ALPHABET, solveCountdown } from "../../lib/tasks/countdown.ts";
import { gradeCountdown } from "../../lib/tasks/countdown_grade.ts";
import { isLive, shortestCompletion, shortestCorrect } from "../../lib/tasks/countdown_liveness.ts";
import { formatWorking, treeSteps } from "../../lib/tasks/working.ts";
import { seededPrng } from "../../lib/random.ts";

const PROBLEMS = [
  { digits: [3, 9, 2, 5], target: 42 },
  { digits: [1, 2, 3, 8], target: 16 },
  { digits: [1, 3, 2, 6], target: 36 },
  { digits: [4, 7, 1, 0], target: 29 },
];

/** The shortest completion found by trying every string of up to `k` characters of the alphabet. */
function bruteForce(problem: (typeof PROBLEMS)[number], prefix: string, k: number): number | null {
  let frontier = [""];
  for (let length = 0; length <= k; length++) {
    if (frontier.some((s) => gradeCountdown(problem, prefix + s).correct)) return length;
    frontier = frontier.flatMap((s) => [...COUNTDOWN_ALPHABET].map((c) => s + c));
  }
  return null;
}

/** Prefixes near the end of right responses, honest and with slips (a char replaced). */
function prefixes(seed: number): { problem: (typeof PROBLEMS)[number]; prefix: string }[] {
  const prng = seededPrng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(prng() * xs.length)];
  const out: { problem: (typeof PROBLEMS)[number]; prefix: string }[] = [];
  for (const problem of PROBLEMS) {
    const solutions = solveCountdown(problem).slice(0, 3);
    for (const solution of solutions) {
      const response = `${formatWorking(treeSteps(solution))}${BOX_OPEN}${problem.target}}`;
      for (let cut = 0; cut <= response.length; cut++) {
        const prefix = response.slice(0, cut);
        out.push({ problem, prefix });
        const at = Math.floor(prng() * Math.max(cut, 1));
        const slipped = prefix.slice(0, at) + pick([...COUNTDOWN_ALPHABET]) + prefix.slice(at + 1);
        out.push({ problem, prefix: slipped.slice(0, cut) });
      }
    }
  }
  return out;
}

Deno.test("shortestCompletion() returns a completion the grader calls correct, or null", () => {
  let live = 0;
  for (const { problem, prefix } of prefixes(1)) {
    const completion = shortestCompletion(problem, prefix);
    if (completion === null) continue;
    live++;
    const grade = gradeCountdown(problem, prefix + completion);
    assert.ok(grade.correct, `${JSON.stringify(prefix + completion)}: ${grade.reason}`);
  }
  assert.ok(live > 100, `${live} live prefixes`);
});

Deno.test("shortestCompletion() agrees with a brute-force search over every short completion", () => {
  // Every completion of up to two characters (650 graded responses per prefix), and of up to
  // three for a sample (16,275 each): the same shortest length, or none within the bound.
  const all = prefixes(2);
  let checked = 0, live = 0, dead = 0;
  for (const [i, { problem, prefix }] of all.entries()) {
    const k = i % 23 === 0 ? 3 : 2;
    const brute = bruteForce(problem, prefix, k);
    const ours = shortestCompletion(problem, prefix);
    const within = ours !== null && ours.length <= k ? ours.length : null;
    assert.equal(within, brute, `${JSON.stringify(prefix)} (${problem.target}): ours ${ours}`);
    checked++;
    if (brute !== null) live++;
    else if (ours === null) dead++;
  }
  assert.ok(checked > 300 && live > 40 && dead > 40, `${checked} ${live} ${dead}`);
});

Deno.test("liveness follows the grader's leniency, not canonical strings", () => {
  const problem = PROBLEMS[0];
  // Claims are labels: a false claim does not kill the response.
  assert.equal(shortestCompletion(problem, "9*5=46,46-3=41"), "\\boxed{42}");
  // The box accepts an equal expression or a leading zero; a closed wrong box is dead.
  assert.equal(shortestCompletion(problem, "9*5=45,45-3=42\\boxed{6*"), "7}");
  assert.equal(shortestCompletion(problem, "9*5=45,45-3=42\\boxed{0"), "42}");
  assert.equal(shortestCompletion(problem, "9*5=45,45-3=42\\boxed{4}"), null);
  // A derived value that is not the target kills only once no step can follow.
  assert.equal(shortestCompletion(problem, "9*5=45,45-2=43"), null); // 3 alone cannot fix 43
  assert.equal(shortestCompletion(problem, "9*5=45,45-2"), null);
  assert.equal(shortestCompletion(problem, "9+5=14,14*3=42,"), null); // a result left unused
  // An operand the parser cannot bind (a second 9) is dead at once.
  assert.equal(shortestCompletion(problem, "9*9"), null);
  // A result's label shadows the digit it names: "3" takes the result, the digit comes after.
  assert.equal(shortestCompletion(problem, "9*5=3,3-3"), "=0\\boxed{42}");
  // So 45 − 3·2 = 39 cannot be written after "9*5=3,": "3*2" would take 45, not the digit 3.
  const shadowed = { ...problem, target: 39 };
  const completion = shortestCompletion(shadowed, "9*5=3,");
  assert.ok(
    completion === null || gradeCountdown(shadowed, `9*5=3,${completion}`).correct,
    `${completion}`,
  );
  assert.equal(shortestCompletion(shadowed, "9*5=4,"), "3*2=0,4-0=0\\boxed{39}");
});

Deno.test("isLive() and shortestCorrect() read the budget", () => {
  const problem = PROBLEMS[0];
  const prefix = "9*5=45,45-3=42\\boxed{4";
  assert.equal(shortestCorrect(problem, prefix), prefix.length + 2);
  assert.equal(isLive(problem, prefix, prefix.length + 2), true);
  assert.equal(isLive(problem, prefix, prefix.length + 1), false);
  assert.equal(shortestCorrect(problem, "9*9"), null);
  assert.equal(isLive(problem, "9*9", 1000), false);
});
