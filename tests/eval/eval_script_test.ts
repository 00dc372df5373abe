// End-to-end test of `deno task eval` (scripts/eval.ts), run as a subprocess.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function runEval(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/eval.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("scripts/eval.ts prints the table and writes results and figure", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/tiny.jsonl`,
      '{"problemId": "p", "question": "1+1?", "gold": "2"}\n' +
        '{"problemId": "q", "question": "Half?", "gold": "\\\\frac{1}{2}"}\n',
    );
    const samples = [
      ["p", "\\boxed{2}"],
      ["p", "\\boxed{3}"],
      ["q", "no idea"],
      ["q", "\\boxed{0.5}"],
    ].map(([problemId, response]) => JSON.stringify({ problemId, response })).join("\n");
    await Deno.writeTextFile(`${dir}/nsr.jsonl`, samples + "\n");

    await t.step("a good run exits 0 and writes both files", async () => {
      const args = ["--samples", `${dir}/nsr.jsonl`, "--dataset", `${dir}/tiny.jsonl`];
      const { code, stdout, stderr } = await runEval([
        ...args,
        "--out",
        `${dir}/out`,
        "--ks",
        "1,2",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^\S+ · nsr\n {4}k {3}pass@k {2}95% interval\n {4}1 {5}50\.0 /);
      assert.match(stdout, /reasons: .*equivalent 2/);
      const results = JSON.parse(await Deno.readTextFile(`${dir}/out/results.json`));
      assert.deepEqual(results.problems, [{ problemId: "p", n: 2, c: 1 }, {
        problemId: "q",
        n: 2,
        c: 1,
      }]);
      assert.deepEqual(
        results.rows.map((r: { k: number; estimate: number }) => [r.k, r.estimate]),
        [
          [1, 0.5],
          [2, 1],
        ],
      );
      assert.equal(results.method, "nsr");
      // Every sample's verdict and extracted answer, by line, to audit the grader.
      assert.deepEqual(results.verdicts, [
        { problemId: "p", line: 1, correct: true, reason: "equivalent", predicted: "2" },
        { problemId: "p", line: 2, correct: false, reason: "not-equivalent", predicted: "3" },
        { problemId: "q", line: 3, correct: false, reason: "no-answer", predicted: null },
        { problemId: "q", line: 4, correct: true, reason: "equivalent", predicted: "0.5" },
      ]);
      assert.match(await Deno.readTextFile(`${dir}/out/passk.svg`), /^<svg/);
    });

    await t.step("malformed sample lines are listed with their numbers, exit 1", async () => {
      await Deno.writeTextFile(`${dir}/bad.jsonl`, samples + '\n{"problemId": "p"\n\n[]\n');
      const { code, stderr } = await runEval([
        "--samples",
        `${dir}/bad.jsonl`,
        "--dataset",
        `${dir}/tiny.jsonl`,
      ]);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /2 malformed line\(s\) in .*bad\.jsonl\n {2}line 5: invalid JSON.*\n {2}line 7: /,
      );
    });

    await t.step(
      "a sample whose prompt is another problem's is an error naming its line",
      async () => {
        const lines = [
          { problemId: "p", prompt: "Q: 1+1?", response: "\\boxed{2}" },
          { problemId: "q", prompt: "Q: Half?", response: "\\boxed{0.5}" },
          { problemId: "p", prompt: "Half?", response: "\\boxed{0.5}" },
        ].map((line) => JSON.stringify(line)).join("\n");
        await Deno.writeTextFile(`${dir}/mixed.jsonl`, lines + "\n");
        const { code, stderr } = await runEval([
          "--samples",
          `${dir}/mixed.jsonl`,
          "--dataset",
          `${dir}/tiny.jsonl`,
          "--out",
          `${dir}/mixed-out`,
        ]);
        assert.equal(code, 1);
        assert.match(
          stderr,
          /1 malformed line\(s\) in .*mixed\.jsonl\n {2}line 3: its prompt is not problem "p"'s: it lacks the question "1\+1\?", got "Half\?" \(the prompt of problem "q"\)/,
        );
        await assert.rejects(Deno.stat(`${dir}/mixed-out/results.json`), Deno.errors.NotFound);
      },
    );

    await t.step("missing flags print the usage, exit 2", async () => {
      const { code, stderr } = await runEval(["--samples", `${dir}/nsr.jsonl`]);
      assert.equal(code, 2);
      assert.match(stderr, /--samples and --dataset are required\nUsage: deno task eval/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/eval.ts grades a Countdown dataset with the Countdown grader", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    // Rows as in data/tasks/*.jsonl: the problem id is the row's id.
    await Deno.writeTextFile(
      `${dir}/tier.jsonl`,
      '{"id":"2359>42","digits":[3,9,2,5],"target":42,"solutions":9,"teacherPass1":0.5}\n' +
        '{"id":"1234>24","digits":[2,3,4,1],"target":24,"solutions":22,"teacherPass1":0.3}\n',
    );
    const samples = [
      ["2359>42", "9*5=45,45-3=42\\boxed{42}"], // right working, right answer
      ["2359>42", "9*5=45,45-2=42\\boxed{42}"], // the target boxed after a wrong step
      ["1234>24", "2*3=6,6*4=24\\boxed{24}"], // 2*3*4 = 24, right
      ["1234>24", "\\boxed{24}"], // no working at all
    ].map(([problemId, response]) => JSON.stringify({ problemId, response })).join("\n");
    await Deno.writeTextFile(`${dir}/s.jsonl`, samples + "\n");
    const base = ["--samples", `${dir}/s.jsonl`, "--dataset", `${dir}/tier.jsonl`];

    await t.step("a boxed target with wrong working counts as wrong", async () => {
      const { code, stdout, stderr } = await runEval([...base, "--out", `${dir}/out`]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /by the countdown grader/);
      assert.match(stdout, /countdown grades \(answer and working\): .*wrong-working 1/);
      const results = JSON.parse(await Deno.readTextFile(`${dir}/out/results.json`));
      assert.equal(results.task, "countdown");
      assert.deepEqual(results.problems, [
        { problemId: "2359>42", n: 2, c: 1 },
        { problemId: "1234>24", n: 2, c: 1 },
      ]);
      assert.deepEqual(results.countdownReasons, {
        correct: 2,
        "wrong-working": 1,
        "invalid-working": 1,
      });
    });
    await t.step(
      "a sample whose prompt is another problem's is refused, naming its line",
      async () => {
        const lines = [
          { problemId: "2359>42", prompt: "3925>42:", response: "9*5=45,45-3=42\\boxed{42}" },
          { problemId: "2359>42", prompt: "2341>24:", response: "2*3=6,6*4=24\\boxed{24}" },
        ].map((line) => JSON.stringify(line)).join("\n");
        await Deno.writeTextFile(`${dir}/swapped.jsonl`, lines + "\n");
        const { code, stderr } = await runEval([
          "--samples",
          `${dir}/swapped.jsonl`,
          ...base.slice(2),
        ]);
        assert.equal(code, 1);
        assert.match(
          stderr,
          /line 2: its prompt is not problem "2359>42"'s: it lacks the question "3925>42:", got "2341>24:" \(the prompt of problem "1234>24"\)/,
        );
      },
    );
    await t.step("--task countdown agrees; --task math is refused for Countdown rows", async () => {
      const agree = await runEval([...base, "--task", "countdown", "--out", `${dir}/out2`]);
      assert.equal(agree.code, 0, agree.stderr);
      const { code, stderr } = await runEval([...base, "--task", "math"]);
      assert.equal(code, 1);
      assert.match(stderr, /with --task math: its rows are Countdown problems/);
    });
    await t.step("a dataset mixing Countdown and math rows is ambiguous", async () => {
      await Deno.writeTextFile(
        `${dir}/mixed.jsonl`,
        '{"id":"2359>42","digits":[3,9,2,5],"target":42}\n{"question":"1+1?","gold":"2"}\n',
      );
      const { code, stderr } = await runEval([
        "--samples",
        `${dir}/s.jsonl`,
        "--dataset",
        `${dir}/mixed.jsonl`,
      ]);
      assert.equal(code, 1);
      assert.match(stderr, /the task is ambiguous, the rows mix Countdown problems/);
    });
    await t.step("a verl-style Countdown dataset is refused", async () => {
      const row = {
        data_source: "countdown",
        prompt: [{ role: "user", content: "Make 42 from 3 9 2 5" }],
        reward_model: { ground_truth: { target: "42" } },
      };
      await Deno.writeTextFile(`${dir}/verl.jsonl`, JSON.stringify(row) + "\n");
      const { code, stderr } = await runEval([
        "--samples",
        `${dir}/s.jsonl`,
        "--dataset",
        `${dir}/verl.jsonl`,
      ]);
      assert.equal(code, 1);
      assert.match(stderr, /verl-style Countdown dataset/);
    });
    await t.step("--task takes only math or countdown, exit 2", async () => {
      const { code, stderr } = await runEval([...base, "--task", "chess"]);
      assert.equal(code, 2);
      assert.match(stderr, /--task must be one of math, countdown, got "chess"/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scripts/eval.ts rejects unknown flags and stray arguments, exit 2", async () => {
  const typo = await runEval(["--sample", "s.jsonl", "--dataset", "d.jsonl"]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown flag --sample \(did you mean --samples\?\)/);
  const stray = await runEval(["--samples", "s.jsonl", "--dataset", "d.jsonl", "extra"]);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /unexpected argument "extra"/);
  const help = await runEval(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task eval[^]*--task math\|countdown/);
});
