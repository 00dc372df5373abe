import assert from "node:assert/strict";
import { seededPrng } from "../../lib/random.ts";
import { COUNTDOWN_ALPHABET, MAX_RESPONSE_CHARS } from "../../lib/tasks/countdown.ts";
import { gradeCountdown } from "../../lib/tasks/countdown_grade.ts";
import { loadCountdownSplit, TIER_NAMES } from "../../lib/tasks/splits.ts";
import { TEACHER_STRATEGIES, teacherResponses } from "../../lib/tasks/teacher.ts";

function counts(responses: readonly { response: string }[]): [string, number][] {
  const freq = new Map<string, number>();
  for (const r of responses) freq.set(r.response, (freq.get(r.response) ?? 0) + 1);
  return [...freq.entries()].sort((a, b) => b[1] - a[1]);
}

Deno.test("teacherResponses() is deterministic for a seed", () => {
  const p = { digits: [3, 9, 2, 5], target: 42 };
  assert.deepEqual(
    teacherResponses(p, 20, { prng: seededPrng(4) }),
    teacherResponses(p, 20, { prng: seededPrng(4) }),
  );
});

Deno.test("teacherResponses() marks agree with the verifier-based grade, both ways", async () => {
  let right = 0, wrong = 0;
  const prng = seededPrng(11);
  for (const tier of ["train", ...TIER_NAMES] as const) {
    const problems = (await loadCountdownSplit(tier)).filter((_, i) => i % 20 === 0).slice(0, 10);
    for (const p of problems) {
      for (const s of teacherResponses(p, 16, { prng })) {
        assert.equal(gradeCountdown(p, s.response).correct, s.correct, `${p.id} ${s.response}`);
        if (s.correct) right++;
        else wrong++;
        assert.ok(s.response.length <= MAX_RESPONSE_CHARS, s.response);
        assert.ok([...s.response].every((c) => COUNTDOWN_ALPHABET.includes(c)), s.response);
      }
    }
  }
  assert.ok(right > 50 && wrong > 50, `both kinds occur: ${right} right, ${wrong} wrong`);
});

Deno.test("teacherResponses() has a misconception: its most common answer is wrong, the right one appears", async (t) => {
  const cases = [
    { name: "7×8 = 54", problem: { digits: [7, 8, 1, 2], target: 55 } },
    { name: "6×9 = 56", problem: { digits: [6, 9, 1, 4], target: 55 } },
  ];
  for (const { name, problem } of cases) {
    await t.step(name, () => {
      const samples = teacherResponses(problem, 400, { prng: seededPrng(2) });
      const [top] = counts(samples);
      assert.equal(samples.find((s) => s.response === top[0])?.correct, false, top[0]);
      assert.ok(samples.some((s) => s.correct));
    });
  }
  await t.step("without the misconception the same problem is mostly solved", () => {
    const samples = teacherResponses(cases[0].problem, 400, { prng: seededPrng(2), tablesRate: 0 });
    const [top] = counts(samples);
    assert.equal(samples.find((s) => s.response === top[0])?.correct, true, top[0]);
  });
});

Deno.test("teacherResponses() slips more often in later steps", () => {
  const problems = [{ digits: [3, 9, 2, 5], target: 42 }, { digits: [1, 4, 6, 8], target: 31 }];
  const bySteps = new Map<number, { n: number; slipped: number }>();
  const prng = seededPrng(5);
  for (const p of problems) {
    for (const s of teacherResponses(p, 1500, { prng, slipRate: 0.05 })) {
      const steps = s.response.split(",").length;
      const entry = bySteps.get(steps) ?? { n: 0, slipped: 0 };
      entry.n++;
      if (s.slipped) entry.slipped++;
      bySteps.set(steps, entry);
    }
  }
  const rate = (k: number) => bySteps.get(k)!.slipped / bySteps.get(k)!.n;
  assert.ok(rate(1) < rate(2) && rate(2) < rate(3), `${rate(1)} ${rate(2)} ${rate(3)}`);
});

Deno.test("teacherResponses() strategies are each right on some problems and wrong on others", async () => {
  const problems = (await loadCountdownSplit("tierA")).slice(0, 60);
  const prng = seededPrng(8);
  const perStrategy = new Map<string, number[]>();
  for (const p of problems) {
    const samples = teacherResponses(p, 64, { prng });
    for (const strategy of TEACHER_STRATEGIES) {
      const mine = samples.filter((s) => s.strategy === strategy);
      if (mine.length < 4) continue;
      const list = perStrategy.get(strategy) ?? [];
      list.push(mine.filter((s) => s.correct).length / mine.length);
      perStrategy.set(strategy, list);
    }
  }
  for (const strategy of ["add", "multiply", "pairs", "factor"]) {
    const rates = perStrategy.get(strategy) ?? [];
    assert.ok(rates.some((r) => r >= 0.5), `${strategy} is right somewhere`);
    assert.ok(rates.some((r) => r === 0), `${strategy} is wrong somewhere`);
  }
});
