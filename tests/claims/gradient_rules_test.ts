import assert from "node:assert/strict";
import type { ProbePosition } from "../../lib/analysis/probe_summary.ts";
import { exactShareRaised } from "../../lib/claims/gradient_rules.ts";
import { judgeClaims } from "../../lib/claims/registry.ts";
import { seededPrng } from "../../lib/random.ts";

const RISING = [8, 8, 7, 7, 6, 5, 4, 4, 3, 2, 2, 1];
const FALLING_RUNS = [RISING, RISING.map((x) => x + 1), RISING.map((x, i) => x + (i % 2))];

const judge = (
  probes: { nsr: ProbePosition[][]; psr: ProbePosition[][]; control?: ProbePosition[][] },
  samplesTrained: readonly (readonly number[])[] = FALLING_RUNS,
) =>
  judgeClaims("03_gradient_analysis", {
    probes: { ...probes, control: probes.control ?? probes.nsr },
    samplesTrained,
    resamples: 200,
  });

Deno.test('judgeClaims("03_gradient_analysis") judges claim 10 from probes', async (t) => {
  // Exact single-softmax steps (z_v += η·π_y·π_v for NSR; the opposite for PSR) on varied priors.
  const exactStep = (probs: number[], sampled: number, reward: number): ProbePosition => {
    const logits = probs.map((p, v) =>
      Math.log(p) - reward * 2 * (v === sampled ? -probs[sampled] * (1 - p) : probs[sampled] * p)
    );
    const total = logits.reduce((s, z) => s + Math.exp(z), 0);
    return {
      position: 1,
      sampled,
      probsBefore: probs,
      probsAfter: logits.map((z) => Math.exp(z) / total),
    };
  };
  const priors = [[0.5, 0.3, 0.15, 0.05], [0.4, 0.35, 0.2, 0.05], [0.95, 0.03, 0.015, 0.005], [
    0.6,
    0.2,
    0.15,
    0.05,
  ]];
  const nsr = priors.map((p) => [exactStep(p, 0, -1)]);
  const psr = priors.map((p) => [exactStep(p, 0, 1)]);
  // A control step that reorders: it swaps the two likeliest alternatives (1 of 3 pairs).
  const control = nsr.map(([position]) => {
    const after = [...position.probsBefore];
    [after[1], after[2]] = [after[2], after[1]];
    return [{ ...position, probsAfter: after }];
  });
  await t.step("the exact mechanism against a control that reorders reproduces every part", () => {
    const records = judge({ nsr, psr, control }).slice(0, 5);
    assert.deepEqual(records.map((r) => r.id), ["10a", "10b", "10c", "10d", "10"]);
    for (const record of records) assert.equal(record.verdict, "reproduced", record.evidence);
    assert.match(records[3].evidence, /exact softmax gradient at the same positions raises 0\.0%/);
  });
  await t.step("10b: an NSR step no more orderly than its control is not reproduced", () => {
    const record = judge({ nsr, psr, control: nsr })[1];
    assert.equal(record.id, "10b");
    assert.notEqual(record.verdict, "reproduced", record.evidence);
    assert.match(record.evidence, /NSR 1\.0000, control 1\.0000/);
  });
  await t.step("swapping PSR and NSR probes is not reproduced", () => {
    const records = judge({ nsr: psr, psr: nsr, control }).slice(0, 5);
    assert.equal(records.find((r) => r.id === "10d")!.verdict, "not reproduced");
    assert.equal(records.at(-1)!.verdict, "not reproduced");
  });
  await t.step("a control probe missing is an error", () => {
    assert.throws(
      () => judge({ nsr, psr, control: control.slice(1) }),
      /needs one control probe per NSR probe, got 3 for 4/,
    );
  });
  await t.step("no probes is an error", () => {
    assert.throws(
      () => judge({ nsr: [], psr }),
      /needs NSR and PSR probes, got 0 and 4/,
    );
  });
});

Deno.test("exactShareRaised() follows the first-order softmax step, not a slogan", () => {
  // PSR on an unlikely sampled token: the mass it gains comes mostly from the big alternative,
  // so the two small ones rise (Δ log π_v = η·π_y·(Σ_u π_u² − π_y − π_v) > 0 for them).
  const position = { position: 1, sampled: 0, probsBefore: [0.2, 0.7, 0.05, 0.05], probsAfter: [] };
  assert.equal(exactShareRaised([position], 1), 2 / 3);
  // A confident sampled token: PSR lowers every alternative, NSR raises every one.
  const confident = { ...position, probsBefore: [0.7, 0.2, 0.05, 0.05] };
  assert.equal(exactShareRaised([confident], 1), 0);
  assert.equal(exactShareRaised([confident], -1), 1);
});

Deno.test('judgeClaims("03_gradient_analysis") judges claim 11 over seeds, first and last quarters of steps', async (t) => {
  const probe: ProbePosition[] = [{
    position: 1,
    sampled: 0,
    probsBefore: [0.5, 0.3, 0.2],
    probsAfter: [0.3, 0.42, 0.28],
  }];
  const eleven = (runs: readonly (readonly number[])[]) =>
    judge({ nsr: [probe], psr: [probe] }, runs).find((r) => r.id === "11")!;
  await t.step("fewer samples at the end in every seed is reproduced", () => {
    const record = eleven(FALLING_RUNS);
    assert.equal(record.verdict, "reproduced", record.evidence);
    // Per seed, the last 3 steps' mean minus the first 3 steps', averaged over the seeds.
    const d = (xs: readonly number[]) =>
      (xs.slice(-3).reduce((a, x) => a + x, 0) - xs.slice(0, 3).reduce((a, x) => a + x, 0)) / 3;
    const expected = FALLING_RUNS.map(d).reduce((a, x) => a + x, 0) / 3;
    const shown = Number(record.evidence.match(/steps \(3 seeds\): (-?[\d.]+)/)![1]);
    assert.ok(Math.abs(shown - expected) < 0.01, `${shown} vs ${expected}`);
    assert.match(record.evidence, /last quarter − first quarter of the steps \(3 seeds\)/);
  });
  await t.step("as many samples at the end is not reproduced; more is not reproduced", () => {
    assert.equal(eleven([Array(12).fill(5), Array(12).fill(6)]).verdict, "not reproduced");
    assert.equal(eleven(FALLING_RUNS.map((r) => [...r].reverse())).verdict, "not reproduced");
  });
  await t.step("seeds that disagree are inconclusive", () => {
    assert.equal(eleven([RISING, [...RISING].reverse(), RISING]).verdict, "inconclusive");
  });
  await t.step("a change only in the middle half does not count", () => {
    const dip = [6, 6, 6, 1, 1, 1, 1, 1, 1, 6, 6, 6];
    const record = eleven([dip, dip.map((x) => x + 1)]);
    assert.equal(record.verdict, "not reproduced", record.evidence);
  });
  await t.step("one seed is not testable", () => {
    assert.equal(eleven([RISING]).verdict, "not testable");
  });
  await t.step("simulated: ≤ 5% reproduced with no trend, ≥ 80% with a trend", () => {
    // Three NSR runs of 60 steps; samples trained per step = trend + seed offset + step noise.
    const prng = seededPrng(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - prng())) * Math.cos(2 * Math.PI * prng());
    const draw = (drop: number) =>
      Array.from({ length: 3 }, () => {
        const offset = 20 * normal(); // seeds differ more than steps
        return Array.from({ length: 60 }, (_, i) => 150 + offset - drop * i / 59 + 10 * normal());
      });
    const rate = (drop: number, draws: number) => {
      let hits = 0;
      for (let d = 0; d < draws; d++) if (eleven(draw(drop)).verdict === "reproduced") hits++;
      return hits / draws;
    };
    // With a normal-quantile interval (1.96 instead of t = 4.30) the null rate is ~9%.
    assert.ok(rate(0, 400) <= 0.05);
    assert.ok(rate(30, 200) >= 0.8);
  });
});
