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
      assert.deepEqual(results.rows.map((r: { k: number; passAtK: number }) => [r.k, r.passAtK]), [
        [1, 0.5],
        [2, 1],
      ]);
      assert.equal(results.method, "nsr");
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

    await t.step("missing flags print the usage, exit 2", async () => {
      const { code, stderr } = await runEval(["--samples", `${dir}/nsr.jsonl`]);
      assert.equal(code, 2);
      assert.match(stderr, /--samples and --dataset are required\nUsage: deno task eval/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
