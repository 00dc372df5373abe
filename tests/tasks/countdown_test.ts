import assert from "node:assert/strict";
import {
  allCountdownProblems,
  COUNTDOWN_ALPHABET,
  countdownPrompt,
  MAX_RESPONSE_CHARS,
  problemKey,
  PROMPT_CHARS,
  shuffleDigits,
  solveCountdown,
} from "../../lib/tasks/countdown.ts";
import {
  type Expr,
  exprDigits,
  exprKey,
  exprValue,
  type Operator,
} from "../../lib/tasks/expression.ts";
import { seededPrng } from "../../lib/random.ts";

/**
 * Brute-force reference: every postfix (RPN) program over every ordered selection of 2–4 of the
 * digits, evaluated on a stack; programs whose intermediate values are all positive are kept,
 * keyed up to commutativity. Independent of the subset DP in solutionsByValue.
 */
function bruteForce(digits: readonly number[], target: number): Set<string> {
  const found = new Set<string>();
  const ops: Operator[] = ["+", "-", "*"];
  const permute = (items: number[], k: number): number[][] =>
    k === 0
      ? [[]]
      : items.flatMap((x, i) =>
        permute(items.filter((_, j) => j !== i), k - 1).map((rest) => [x, ...rest])
      );
  for (let size = 2; size <= digits.length; size++) {
    for (const order of permute([...digits], size)) {
      // A program interleaves `size` pushes and `size - 1` operators; try every interleaving.
      const run = (next: number, stack: { e: Expr; v: number }[]): void => {
        if (next === size && stack.length === 1) {
          if (stack[0].v === target) found.add(exprKey(stack[0].e));
          return;
        }
        if (next < size) {
          run(next + 1, [...stack, { e: { kind: "digit", value: order[next] }, v: order[next] }]);
        }
        if (stack.length >= 2) {
          const a = stack[stack.length - 2], b = stack[stack.length - 1];
          for (const op of ops) {
            const v = op === "+" ? a.v + b.v : op === "-" ? a.v - b.v : a.v * b.v;
            if (v <= 0) continue;
            run(next, [...stack.slice(0, -2), { e: { kind: "op", op, left: a.e, right: b.e }, v }]);
          }
        }
      };
      run(0, []);
    }
  }
  return found;
}

Deno.test("solveCountdown() agrees with a brute-force postfix enumeration", async (t) => {
  for (const digits of [[1, 2, 3, 4], [2, 5, 7, 9], [3, 6, 8, 9]]) {
    await t.step(`digits ${digits.join("")}, every target 10-99`, () => {
      for (let target = 10; target <= 99; target++) {
        const solutions = solveCountdown({ digits, target });
        const keys = new Set(solutions.map(exprKey));
        assert.equal(keys.size, solutions.length, "solutions are distinct");
        assert.deepEqual(
          [...keys].sort(),
          [...bruteForce(digits, target)].sort(),
          `target ${target}`,
        );
      }
    });
  }
  await t.step("every solution uses given digits at most once and hits the target", () => {
    const problem = { digits: [2, 5, 7, 9], target: 37 };
    for (const e of solveCountdown(problem)) {
      const used = exprDigits(e);
      assert.equal(new Set(used).size, used.length);
      assert.ok(used.every((d) => problem.digits.includes(d)) && used.length >= 2);
      assert.equal(exprValue(e), 37);
    }
  });
  await t.step("a hand-checked case: 1,2,3,4 cannot reach 99 and reach 24 as 1*2*3*4", () => {
    assert.deepEqual(solveCountdown({ digits: [1, 2, 3, 4], target: 99 }), []);
    assert.ok(
      solveCountdown({ digits: [1, 2, 3, 4], target: 24 }).map(exprKey).includes("(((1*2)*3)*4)"),
    );
  });
});

Deno.test("allCountdownProblems() lists each solvable problem once with its solution count", () => {
  const all = allCountdownProblems();
  assert.equal(new Set(all.map(problemKey)).size, all.length);
  const sample = all.filter((_, i) => i % 997 === 0);
  for (const p of sample) assert.equal(p.solutions, bruteForce(p.digits, p.target).size);
});

Deno.test("countdownPrompt() fits the context with the longest response", () => {
  const prompt = countdownPrompt({ digits: [9, 8, 7, 6], target: 99 });
  assert.equal(prompt.length, PROMPT_CHARS);
  assert.ok(1 + PROMPT_CHARS + MAX_RESPONSE_CHARS + 1 <= 48);
  const longest = "9*8=72,72*7=504,504*6=3024\\boxed{3024}";
  assert.equal(longest.length, MAX_RESPONSE_CHARS);
  assert.ok([...prompt + longest].every((c) => COUNTDOWN_ALPHABET.includes(c)));
  assert.equal(new Set(COUNTDOWN_ALPHABET).size, COUNTDOWN_ALPHABET.length);
});

Deno.test("shuffleDigits() is seeded and keeps the problem's identity", () => {
  const p = { digits: [1, 2, 3, 4], target: 10 };
  const a = shuffleDigits(p, { prng: seededPrng(3) });
  assert.deepEqual(a, shuffleDigits(p, { prng: seededPrng(3) }));
  assert.equal(problemKey(a), problemKey(p));
});
