import assert from "node:assert/strict";
import { fillReadme, formatMarkdown, readmeBlocks } from "../../lib/job/readme.ts";

const ROOT = new URL("../../", import.meta.url);
const summary = JSON.parse(await Deno.readTextFile(new URL("data/results/summary.json", ROOT)));
const readme = await Deno.readTextFile(new URL("README.md", ROOT));

Deno.test("the committed README's results are what summary.json gives (deno task readme)", async () => {
  for (const name of ["run", "movement", "claims"]) {
    assert.ok(readme.includes(`<!-- generated:${name} -->`), `README lacks the ${name} block`);
  }
  assert.equal(await formatMarkdown(fillReadme(readme, readmeBlocks(summary))), readme);
});

Deno.test("a changed number in summary.json changes the README's blocks", () => {
  const grpo = summary.methods.GRPO;
  const changed = { ...summary, methods: { ...summary.methods, GRPO: { ...grpo, klToBase: 0.5 } } };
  assert.notEqual(fillReadme(readme, readmeBlocks(changed)), readme);
  assert.match(readmeBlocks(changed).movement, /\| GRPO \| 0\.5000 \|/);
});

Deno.test("a changed verdict changes the claims block", () => {
  const claims = summary.claims.map((c: { verdict: string }, i: number) =>
    i === 0 ? { ...c, verdict: c.verdict === "reproduced" ? "not reproduced" : "reproduced" } : c
  );
  assert.notEqual(readmeBlocks({ ...summary, claims }).claims, readmeBlocks(summary).claims);
});

Deno.test("fillReadme() refuses unbalanced markers and blocks the summary lacks", () => {
  assert.throws(
    () => fillReadme("<!-- generated:x -->\n", { x: "" }),
    /opened \(x\) and closed \(\)/,
  );
  assert.throws(
    () => fillReadme("<!-- generated:y -->\na\n<!-- /generated:y -->", { x: "" }),
    /block y/,
  );
});
