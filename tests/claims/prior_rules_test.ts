// The prior-strength study's claims (notebook 05) on synthetic bases of known truth.
import assert from "node:assert/strict";
import { judgeClaims } from "../../lib/claims/registry.ts";
import type { PriorStudyResults } from "../../lib/protocol/prior_study.ts";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import { fakeResults, type Shape, SHAPES } from "./_fake_results.ts";

// Pass@1 where a method solves a problem: GRPO's is well above the base's, so the gate passes.
const P: Record<string, number> = { Base: 0.2, PSR: 0.45, NSR: 0.3, GRPO: 0.45 };
// Every method solves a share of the problems (p > 0) and never the rest; Pass@64 is that share.
const solving = (shares: Record<string, number>): Record<string, Shape> =>
  Object.fromEntries(
    Object.entries(SHAPES).map(([m, s]) => [
      m,
      m in shares ? { ...s, p: (i: number) => (i % 10 < 10 * shares[m] ? P[m] : 0) } : s,
    ]),
  );
// The weak base: every method loses coverage (Base 80%), NSR least (70% against 60%).
const WEAK = solving({ Base: 0.8, PSR: 0.6, NSR: 0.7, GRPO: 0.6 });
// The strong base: NSR keeps the base's 80%, PSR and GRPO lose as much as on the weak base.
const STRONG = solving({ Base: 0.8, PSR: 0.6, NSR: 0.8, GRPO: 0.6 });

function study(weak: ProtocolResults, strong: ProtocolResults): PriorStudyResults {
  const config = {
    bases: [{ name: "weak", dir: "w" }, { name: "strong", dir: "s" }],
    methods: ["PSR", "NSR", "GRPO"],
    seeds: [0, 1, 2],
  };
  const base = (name: string, results: ProtocolResults) => ({
    name,
    dir: name,
    results,
    passAt1: 0,
    trainPassRate: 0,
  });
  return { study: config, bases: [base("weak", weak), base("strong", strong)] };
}

Deno.test('judgeClaims("05_prior_strength") reproduces (a), (b) and (c) where they hold', async () => {
  const claims = judgeClaims(
    "05_prior_strength",
    study(await fakeResults(WEAK), await fakeResults(STRONG)),
  );
  assert.deepEqual(claims.map((c) => [c.id, c.verdict]), [
    ["a", "reproduced"],
    ["b", "reproduced"],
    ["c", "reproduced"],
  ], claims.map((c) => c.evidence).join("\n"));
  // (a): NSR − PSR at k = 64 is +10 pp on the weak base and +20 on the strong one.
  assert.match(claims[0].evidence, /^\(NSR − PSR at k=64\) on strong − on weak: \+10\.\d pp/);
  assert.match(claims[0].evidence, /NSR − PSR: weak \+?10\.\d pp, strong \+?20\.\d pp$/);
  assert.match(claims[2].claim, /weakest base \(weak\)/);
});

Deno.test("(a) is not reproduced when the advantage shrinks or stays with the prior", async () => {
  const weak = await fakeResults(WEAK), strong = await fakeResults(STRONG);
  const shrinks = judgeClaims("05_prior_strength", study(strong, weak));
  assert.equal(shrinks[0].verdict, "not reproduced", shrinks[0].evidence);
  const same = judgeClaims("05_prior_strength", study(weak, weak));
  assert.equal(same[0].verdict, "not reproduced", same[0].evidence);
});

Deno.test("(b) and (c) fail where the strong base loses coverage or the weak one keeps it", async () => {
  const weak = await fakeResults(WEAK);
  const claims = judgeClaims("05_prior_strength", study(weak, weak));
  assert.equal(claims[1].verdict, "not reproduced", claims[1].evidence); // NSR −10 pp < −2 pp
  const kept = await fakeResults(solving({ Base: 0.8, PSR: 0.8, NSR: 0.8, GRPO: 0.8 }));
  const c = judgeClaims("05_prior_strength", study(kept, kept))[2];
  assert.equal(c.verdict, "not reproduced", c.evidence); // nobody loses: not "less"
});

Deno.test("a base whose policies did not move makes the claims that read it not tested", async () => {
  const still = Object.fromEntries(
    Object.entries(WEAK).map(([m, s]) => [m, { ...s, p: WEAK.Base.p, kl: 0.001 }]),
  );
  const claims = judgeClaims(
    "05_prior_strength",
    study(await fakeResults(still), await fakeResults(STRONG)),
  );
  assert.deepEqual(claims.map((c) => c.verdict), ["not tested", "reproduced", "not tested"]);
  assert.match(claims[0].evidence, /^not tested: weak: the policies did not move enough/);
});

Deno.test("(a) under no true change: its 95% interval covers 0 on nearly every null world", async () => {
  // Both bases: NSR and PSR solve the same problems with the same small p, so Pass@64 is noisy
  // and the true (a) is 0. Extra methods drawn first (pads) give each world its own draws.
  const shapes = solving({ Base: 0.8, PSR: 0.8, NSR: 0.8, GRPO: 0.8 });
  const rare = (i: number) => (i % 5 === 0 ? 0 : 0.02);
  const noisy = (pads: number) =>
    fakeResults({
      ...Object.fromEntries(Array.from({ length: pads }, (_, j) => [`pad ${j}`, shapes.Base])),
      ...shapes,
      PSR: { ...shapes.PSR, p: rare },
      NSR: { ...shapes.NSR, p: rare },
    });
  const verdicts: string[] = [];
  for (let w = 0; w < 6; w++) {
    const claims = judgeClaims("05_prior_strength", study(await noisy(w), await noisy(w + 1)));
    verdicts.push(claims[0].verdict);
  }
  const decided = verdicts.filter((v) => v !== "inconclusive").length;
  assert.ok(decided <= 1, `a null (a) decided ${decided} of 6 times: ${verdicts.join(", ")}`);
});
