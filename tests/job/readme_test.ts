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

Deno.test("the salvage block is the summary's salvage section: its bases, control rule and claims", () => {
  const share = (x: number) => ({ estimate: x, lower: x - 0.03, upper: x + 0.03 });
  const salvage = {
    source: "a test",
    trainingCoreMinutes: 80.04,
    evaluationCoreMinutes: 20,
    notebookMinutes: 44.44,
    kMax: 16,
    bases: [
      {
        name: "v3",
        role: "reference",
        salvageShare: share(0.77),
        passAt1: 0.274,
        passAtKmax: 0.885,
        greedyAccuracy: 0.539,
        gatePassed: false,
      },
      {
        name: "late-flip",
        role: "positive",
        salvageShare: share(0.83),
        passAt1: 0.27,
        passAtKmax: 0.8,
        greedyAccuracy: 0.4,
        gatePassed: true,
      },
    ],
    controls: { admitted: true, evidence: "Pass@1 within the window" },
    regimes: [
      ["planted", "PSR", 0.3],
      ["planted", "NSR", 0.05],
      ["other", "PSR", -0.08],
      ["other", "NSR", -0.06],
    ].map(([regime, method, x]) => ({
      base: "late-flip",
      regime,
      problems: regime === "planted" ? 100 : 156,
      method,
      basePassAtK: regime === "planted" ? 0.577 : 0.933,
      difference: share(x as number),
    })),
    claims: [{
      id: "a",
      claim: "NSR rises with share",
      verdict: "inconclusive",
      evidence: "slope +0.1",
    }],
  };
  const block = readmeBlocks({ ...summary, salvage }).salvage;
  assert.match(
    block,
    /\| late-flip \| positive \| 0\.830 \[0\.800, 0\.860\] \| – \| 0\.270 \| 0\.800 \| 0\.400 \| passed \|/,
  );
  assert.match(block, /Pass@16/);
  assert.match(
    block,
    /notebook took 44\.4 minutes; 80\.0 core-minutes of RL training and 20\.0 of evaluation/,
  );
  assert.match(
    block,
    /Control rule \(fixed before any RL run\): admitted\. Pass@1 within the window\./,
  );
  assert.match(block, /\*\*a\. NSR rises with share\*\*: inconclusive/);
  // Where the coverage moves: one line per planted base and side, one column per method.
  assert.match(block, /\| base \| problems \| Base Pass@16 \| PSR \| NSR \|/);
  assert.match(
    block,
    /\| late-flip \| planted \(100\) \| 0\.577 \| \+30\.0 \[\+27\.0, \+33\.0\] \| \+5\.0 \[\+2\.0, \+8\.0\] \|/,
  );
  assert.match(
    block,
    /\| late-flip \| other \(156\) \| 0\.933 \| −8\.0 \[−11\.0, −5\.0\] \| −6\.0 \[−9\.0, −3\.0\] \|/,
  );
  assert.equal(readmeBlocks({ ...summary, salvage: undefined }).salvage, undefined);
});
