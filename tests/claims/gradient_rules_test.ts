import assert from "node:assert/strict";
import type { ProbePosition } from "../../lib/analysis/probe_summary.ts";
import { judgeClaims } from "../../lib/claims/registry.ts";

const RISING = [8, 8, 7, 7, 6, 5, 4, 4, 3, 2, 2, 1];

const judge = (
  probes: { nsr: ProbePosition[][]; psr: ProbePosition[][] },
  samplesTrained: readonly number[] = RISING,
) => judgeClaims("03_gradient_analysis", { probes, samplesTrained, resamples: 200 });

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
  await t.step("the exact mechanism reproduces every part", () => {
    const records = judge({ nsr, psr }).slice(0, 5);
    assert.deepEqual(records.map((r) => r.id), ["10a", "10b", "10c", "10d", "10"]);
    for (const record of records) assert.equal(record.verdict, "reproduced", record.evidence);
  });
  await t.step("swapping PSR and NSR probes is not reproduced", () => {
    const records = judge({ nsr: psr, psr: nsr }).slice(0, 5);
    assert.equal(records.find((r) => r.id === "10d")!.verdict, "not reproduced");
    assert.equal(records.at(-1)!.verdict, "not reproduced");
  });
  await t.step("no probes is an error", () => {
    assert.throws(
      () => judge({ nsr: [], psr }),
      /needs NSR and PSR probes, got 0 and 4/,
    );
  });
});

Deno.test('judgeClaims("03_gradient_analysis") judges claim 11 on the first and last quarters of steps', async (t) => {
  const probe: ProbePosition[] = [{
    position: 1,
    sampled: 0,
    probsBefore: [0.5, 0.3, 0.2],
    probsAfter: [0.3, 0.42, 0.28],
  }];
  const eleven = (trained: readonly number[]) =>
    judge({ nsr: [probe], psr: [probe] }, trained).find((r) => r.id === "11")!;
  await t.step("fewer samples at the end is reproduced, with the quarter in the label", () => {
    const record = eleven(RISING);
    assert.equal(record.verdict, "reproduced", record.evidence);
    // Last 3 steps (3, 2, 2, 1 → 2, 2, 1) minus first 3 (8, 8, 7): −6 samples per step.
    assert.equal(
      record.evidence.split(" [")[0],
      "samples trained, last 3 steps − first 3 steps: -6",
    );
  });
  await t.step("as many samples at the end is not reproduced; more is not reproduced", () => {
    assert.equal(eleven(Array(12).fill(5)).verdict, "not reproduced");
    assert.equal(eleven([...RISING].reverse()).verdict, "not reproduced");
  });
  await t.step("a change only in the middle half does not count", () => {
    // Same first and last quarters, a dip between them: the window is the quarters, not the run.
    const record = eleven([6, 6, 6, 1, 1, 1, 1, 1, 1, 6, 6, 6]);
    assert.equal(record.verdict, "not reproduced", record.evidence);
  });
});
