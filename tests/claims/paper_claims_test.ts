import assert from "node:assert/strict";
import { movementGate } from "../../lib/claims/movement_gate.ts";
import { judgeClaims } from "../../lib/claims/registry.ts";
import { type ClaimRecord, MACHINE_SHIFT_PP } from "../../lib/claims/verdict.ts";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import { base, fakeResults, type Shape, SHAPES } from "./_fake_results.ts";

/** The paper claims of notebooks 02 and 04, in id order (1–9, 12, 13). */
function paperClaims(results: ProtocolResults): ClaimRecord[] {
  return [
    ...judgeClaims("02_psr_vs_nsr", results),
    ...judgeClaims("04_weighted_objective", results),
  ].sort((a, b) => parseInt(a.id) - parseInt(b.id) || a.id.localeCompare(b.id));
}

Deno.test("judgeClaims() on notebooks 02 and 04 judges each claim from the numbers when the policies moved", async () => {
  const results = await fakeResults(SHAPES);
  const gate = movementGate(results);
  assert.ok(gate.passed, gate.evidence);
  const claims = paperClaims(results);
  const verdicts = Object.fromEntries(claims.map((c) => [c.id, c.verdict]));
  assert.deepEqual(verdicts, {
    "1": "reproduced", // PSR: Pass@1 up (0.27 vs 0.16), Pass@64 down (60% vs 80% of problems)
    // NSR keeps 88% of GRPO's 6.4 pp gain: above the 75% rule, but (NSR − Base) − 0.75 (GRPO −
    // Base) = +0.8 pp has an interval that reaches below 0 on 120 problems.
    "2": "inconclusive",
    "3": "reproduced", // NSR's curve is never below the base's
    "4": "reproduced",
    "5": "reproduced",
    "6": "reproduced", // λ = 1 loses problems at large k; Pass@1 best at small λ
    "7": "reproduced", // PSR 0.1 < GRPO/PPO 0.15 < NSR 0.2 = Base
    "8": "reproduced", // training correct ratio: PSR 0.8 highest, NSR 0.5 lowest
    "9": "inconclusive", // greedy accuracy on only 10 validation problems cannot separate them
    "12": "reproduced", // NSR ×2 lost problems; W-REINFORCE has no long run (not testable part)
    "13": "reproduced",
    // v2-shaped results: no cooled base, no checkpoints.
    "14": "not testable",
    "15": "not testable",
    ...Object.fromEntries(["1m", "3m", "4m", "7m", "14m", "15m"].map((id) => [id, "not testable"])),
  });
});

Deno.test("judgeClaims() on notebooks 02 and 04 does not test anything when the policies did not move", async () => {
  const still = Object.fromEntries(
    Object.entries(SHAPES).map(([m, s]) => [m, { ...s, p: base.p, kl: 0.001 }]),
  );
  const results = await fakeResults(still);
  assert.equal(movementGate(results).passed, false);
  const claims = paperClaims(results);
  assert.ok(claims.every((c) => c.verdict === "not tested"));
  assert.match(claims[0].evidence, /did not move enough: GRPO − Base Pass@1: tierA/);
});

Deno.test("judgeClaims() on notebooks 02 and 04 calls a comparison at a ceiling not testable", async () => {
  const all = (p: number): Shape["p"] => () => p;
  const saturated = Object.fromEntries(
    Object.entries(SHAPES).map(([m, s]) => [m, { ...s, p: all(0.9) }]),
  );
  saturated.GRPO = { ...SHAPES.GRPO, p: all(0.95) };
  saturated.Base = { ...SHAPES.Base, p: all(0.5) };
  const claims = paperClaims(await fakeResults(saturated));
  const four = claims.find((c) => c.id === "4");
  assert.equal(four?.verdict, "not testable");
  assert.match(four?.evidence ?? "", /both at 100\.0% and 100\.0%/);
});

Deno.test("movementGate() fails when the calibration method gains Pass@1 but its KL is too small", async () => {
  const results = await fakeResults({ ...SHAPES, GRPO: { ...SHAPES.GRPO, kl: 0.001 } });
  const gate = movementGate(results);
  assert.equal(gate.passed, false);
  assert.ok(Object.values(gate.passAt1).every((i) => i.lower > 0), gate.evidence);
  assert.match(gate.evidence, /GRPO KL to the base 0\.00100 nats\/token \(gate: .* KL >= 0\.01\)$/);
});

Deno.test("movementGate() fails when the calibration method gains Pass@1 but not greedy accuracy", async () => {
  // GRPO samples better (Pass@1 up) but decodes greedily as the base does: sharpening, not learning.
  const results = await fakeResults({ ...SHAPES, GRPO: { ...SHAPES.GRPO, greedy: base.p } });
  const gate = movementGate(results);
  assert.equal(gate.passed, false, gate.evidence);
  assert.ok(Object.values(gate.passAt1).every((i) => i.lower > 0), gate.evidence);
  assert.ok(gate.kl >= 0.01);
  assert.ok(gate.greedyAccuracy.lower <= 0 && gate.greedyAccuracy.upper >= 0, gate.evidence);
  assert.match(gate.evidence, /greedy accuracy \+0\.0 pp \[\+0\.0, \+0\.0\]/);
  // With its greedy decoding improved too, the same run passes.
  assert.equal(movementGate(await fakeResults(SHAPES)).passed, true);
});

Deno.test("judgeClaims() marks a judged verdict fragile when its interval is within MACHINE_SHIFT_PP of a boundary", async () => {
  const claims = paperClaims(await fakeResults(SHAPES));
  for (const c of claims) {
    const judged = c.verdict !== "not tested" && c.verdict !== "not testable";
    const near = c.firmnessPp !== undefined && c.firmnessPp < MACHINE_SHIFT_PP;
    assert.equal((c as { fragile?: boolean }).fragile, judged && near, `${c.id}: ${c.firmnessPp}`);
  }
  // Claim 2's NSR keeps 88% of GRPO's gain against a 75% rule: its interval's lower end sits
  // within a fraction of a point of 0.
  const two = claims.find((c) => c.id === "2")!;
  assert.ok(two.firmnessPp! < MACHINE_SHIFT_PP, `claim 2 firmness ${two.firmnessPp}`);
  assert.ok(claims.some((c) => c.firmnessPp! >= MACHINE_SHIFT_PP), "some verdicts are firm");
});

Deno.test("claim 8 judges PSR against NSR and only reports PSR against the others", async () => {
  const eight = async (shapes: Record<string, Shape>) =>
    paperClaims(await fakeResults(shapes)).find((c) => c.id === "8")!;
  // GRPO's training batches are the most often correct: PSR is not the highest, yet above NSR.
  const grpoHighest = await eight({ ...SHAPES, GRPO: { ...SHAPES.GRPO, correctRatio: 0.9 } });
  assert.equal(grpoHighest.verdict, "reproduced", grpoHighest.evidence);
  assert.match(grpoHighest.evidence, /^PSR − NSR: .*; not judged: .*PSR − GRPO -/);
  // NSR's batches as often correct as PSR's: the named order fails.
  const tied = await eight({ ...SHAPES, NSR: { ...SHAPES.NSR, correctRatio: 0.8 } });
  assert.notEqual(tied.verdict, "reproduced", tied.evidence);
  const flipped = await eight({ ...SHAPES, NSR: { ...SHAPES.NSR, correctRatio: 1 } });
  assert.equal(flipped.verdict, "not reproduced", flipped.evidence);
});
