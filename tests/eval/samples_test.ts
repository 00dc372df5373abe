import assert from "node:assert/strict";
import { JsonlError } from "../../lib/_io/jsonl.ts";
import {
  checkSamplePrompts,
  formatSamples,
  parseSamples,
  readSamples,
  writeSamples,
} from "../../lib/eval/samples.ts";

// assert.throws returns nothing; this hands back the error so a test can read its fields.
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error, got none");
}

Deno.test("writeSamples() and readSamples() round-trip awkward text", async () => {
  const samples = [
    { problemId: "0", response: "line one\nline two \\boxed{\\frac{1}{2}}" },
    { problemId: "a/b", response: "" },
    { problemId: "2", response: 'quotes " and unicode π ✓ and \u2028 separator' },
  ];
  const dir = await Deno.makeTempDir();
  try {
    await writeSamples(`${dir}/s.jsonl`, samples);
    assert.deepEqual(
      await readSamples(`${dir}/s.jsonl`),
      samples.map((sample, i) => ({ ...sample, line: i + 1 })),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["s.jsonl"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseSamples() accepts integer ids, CRLF, blank lines, a prompt and extra fields", () => {
  const text =
    '{"problemId": 4, "response": "x", "seed": 1}\r\n\r\n{"problemId": "b", "response": "y", "prompt": "p"}';
  assert.deepEqual(parseSamples(text), [
    { problemId: "4", response: "x", line: 1 },
    { problemId: "b", response: "y", prompt: "p", line: 3 },
  ]);
  assert.equal(
    formatSamples(parseSamples(text)),
    '{"problemId":"4","response":"x"}\n{"problemId":"b","response":"y"}\n',
  );
});

Deno.test("parseSamples() reports every malformed line with its number", () => {
  const lines = [
    '{"problemId": "0", "response": "ok"}',
    '{"problemId": "0", "response": "trailing',
    '{"problemId": 1.5, "response": "x"}',
    '{"response": "x"}',
    '{"problemId": "0", "response": 42}',
    "null",
    '{"problemId": "0", "response": "ok"}',
  ];
  const error = thrown(() => parseSamples(lines.join("\n"), { source: "S.jsonl" }));
  assert.ok(error instanceof JsonlError);
  assert.deepEqual(error.issues.map((issue) => issue.line), [2, 3, 4, 5, 6]);
  assert.match(error.message, /^Cannot parse S\.jsonl: 5 malformed lines: line 2: invalid JSON/);
  assert.match(
    error.message,
    /line 3: "problemId" must be a non-empty string or an integer, got 1\.5/,
  );
  assert.match(error.message, /line 4: "problemId" must be .*, got undefined/);
  assert.match(error.message, /line 5: "response" must be a string, got 42/);
  assert.match(error.message, /line 6: expected an object, got null/);
});

Deno.test("JsonlError lists ten lines and counts the rest", () => {
  const text = "{\n".repeat(13);
  const error = thrown(() => parseSamples(text));
  assert.ok(error instanceof JsonlError);
  assert.equal(error.issues.length, 13);
  assert.match(error.message, /line 10: invalid JSON[^;]*; and 3 more$/);
  assert.doesNotMatch(error.message, /line 11/);
});

Deno.test("checkSamplePrompts() names every line whose prompt contradicts its problem id", () => {
  const problems = [
    { problemId: "7", question: "3925>42:", gold: "7" },
    { problemId: "12", question: "3925>41:", gold: "12" },
    { problemId: "m", question: "What is\n 1+1?", gold: "2" },
  ];
  const lines = [
    '{"problemId": "7", "prompt": "3925>42:", "response": "a"}',
    '{"problemId": "7", "response": "no prompt recorded: nothing to check"}',
    '{"problemId": "7", "prompt": "3925>41:", "response": "b"}',
    "",
    '{"problemId": "m", "prompt": "Question: What is 1+1?\\nAnswer:", "response": "c"}',
    '{"problemId": "m", "prompt": "What is 2+2?", "response": "d"}',
  ];
  const samples = parseSamples(lines.join("\n"), { source: "S.jsonl" });
  const error = thrown(() => checkSamplePrompts(samples, problems, { source: "S.jsonl" }));
  assert.ok(error instanceof JsonlError);
  assert.deepEqual(error.issues.map((issue) => issue.line), [3, 6]);
  assert.match(
    error.message,
    /^Cannot parse S\.jsonl: 2 malformed lines: line 3: its prompt is not problem "7"'s: it lacks the question "3925>42:", got "3925>41:" \(the prompt of problem "12"\); line 6: /,
  );
  checkSamplePrompts(samples.filter((s) => s.line !== 3 && s.line !== 6), problems);
});
