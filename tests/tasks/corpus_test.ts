import assert from "node:assert/strict";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { seededPrng } from "../../lib/random.ts";
import { teacherCorpus } from "../../lib/tasks/corpus.ts";
import { encodeBatch } from "../../lib/train/encode_batch.ts";
import { COUNTDOWN_ALPHABET } from "../../lib/tasks/countdown.ts";
import { gradeCountdown } from "../../lib/tasks/countdown_grade.ts";
import { teacherResponses } from "../../lib/tasks/teacher.ts";

const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
const problems = [{ digits: [3, 9, 2, 5], target: 42 }, { digits: [1, 4, 6, 8], target: 31 }];

Deno.test("teacherCorpus() is seeded, covers every problem and keeps the teacher's marks", () => {
  const rows = teacherCorpus(problems, { samplesPerProblem: 50, prng: seededPrng(1) });
  assert.deepEqual(rows, teacherCorpus(problems, { samplesPerProblem: 50, prng: seededPrng(1) }));
  assert.equal(rows.length, 100);
  assert.deepEqual([...new Set(rows.map((r) => r.prompt))], ["3925>42:", "1468>31:"]);
  rows.forEach((r, i) =>
    assert.equal(gradeCountdown(problems[i < 50 ? 0 : 1], r.response).correct, r.correct)
  );
  assert.ok(rows.some((r) => r.correct) && rows.some((r) => !r.correct));
});

Deno.test('teacherCorpus({ keep: "hits" }) keeps exactly the responses whose search hit', () => {
  const options = { samplesPerProblem: 200, prng: seededPrng(2) };
  // One stream for both problems, as teacherCorpus draws them.
  const stream = seededPrng(2);
  const drawn = problems.flatMap((p) => teacherResponses(p, 200, { prng: stream }));
  const hits = drawn.filter((s) => s.outcome === "hit");
  const rows = teacherCorpus(problems, { ...options, keep: "hits" });
  assert.deepEqual(rows.map((r) => r.response), hits.map((s) => s.response));
  assert.ok(hits.length > 0 && hits.length < drawn.length);
  // Misconceptions and slips survive the filter: some kept rows are wrong.
  assert.ok(rows.some((r) => !r.correct) && rows.some((r) => r.correct));
  // keep "right" keeps exactly the right responses of the same stream.
  const right = teacherCorpus(problems, { ...options, prng: seededPrng(2), keep: "right" });
  assert.deepEqual(
    right.map((r) => r.response),
    drawn.filter((s) => s.correct).map((s) => s.response),
  );
  assert.ok(right.every((r) => r.correct));
  assert.throws(
    () => teacherCorpus(problems, { ...options, keep: "best" as "hits" }),
    /keep must be one of all, hits, right, got "best"/,
  );
});

Deno.test("encodeBatch() pads right and masks exactly the response and its EOS", () => {
  const rows = [
    { prompt: "3925>42:", response: "9*5=45,45-3=42\\boxed{42}", correct: true },
    { prompt: "3925>42:", response: "\\boxed{4}", correct: false },
  ];
  const batch = encodeBatch(rows, { tokenizer });
  const T = 1 + 8 + rows[0].response.length + 1;
  assert.equal(batch.length, T);
  for (let b = 0; b < 2; b++) {
    const ids = [...batch.tokens.slice(b * T, (b + 1) * T)];
    const used = 1 + 8 + rows[b].response.length + 1;
    assert.equal(ids[0], tokenizer.bos);
    assert.equal(tokenizer.decode(ids.slice(1, 9)), rows[b].prompt);
    assert.equal(ids[used - 1], tokenizer.eos);
    assert.ok(ids.slice(used).every((id) => id === tokenizer.pad));
    const mask = [...batch.mask.slice(b * (T - 1), (b + 1) * (T - 1))];
    // target t predicts ids[t + 1]: counted iff that id is a response id or the EOS
    mask.forEach((m, t) => assert.equal(m, t + 1 >= 9 && t + 1 < used ? 1 : 0, `row ${b} t ${t}`));
  }
  assert.throws(() => encodeBatch([], { tokenizer }), /no rows/);
});
