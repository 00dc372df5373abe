// The salvage study's rules at the study's size (256 problems, n = 64, 3 seeds), by simulation
// with fixed seeds: where a hypothesis fails (at its boundary) a rule says "reproduced" at most
// 5% of the time, where it holds with an effect of the size seen here at least 80%. A flipped
// slope fails the power test and a trend interval narrowed to 50% fails the no-trend test
// (both checked when these tests were written).
import assert from "node:assert/strict";
import {
  negativeControlParts,
  positiveControlParts,
  trendInterval,
} from "../../lib/claims/salvage_rules.ts";
import {
  lift,
  reproducedRate,
  scale,
  sharpen,
  simulatedResults,
  type World,
} from "../../lib/claims/simulate.ts";
import { seededPrng } from "../../lib/random.ts";
import { BASE, v3Protocol } from "./_v3_size.ts";

const protocol = v3Protocol(300);
const METHODS = ["PSR", "NSR", "W-REINFORCE", "GRPO"];

/** Rates moved by g: lifted toward 1 when g ≥ 0, scaled down by 1 + g otherwise. */
const shift = (b: readonly number[], g: number) => g >= 0 ? lift(b, g) : scale(b, 1 + g);

/** Share of draws in which the trend's interval lies above 0, NSR − Base moved by `effect`. */
function trendRate(shares: readonly number[], effect: (share: number) => number): number {
  const prng = seededPrng(5);
  const trials = 40;
  let above = 0;
  for (let t = 0; t < trials; t++) {
    const points = shares.map((share) => ({
      share,
      results: simulatedResults(protocol, {
        methods: { Base: BASE, NSR: shift(BASE, effect(share)) },
      }, prng),
    }));
    if (trendInterval(points, { x: "NSR", y: "Base", k: 16 }).slope.lower > 0) above++;
  }
  return above / trials;
}

const SHARES = [0.62, 0.72, 0.76, 0.83];

Deno.test("trend rule: no trend (NSR's effect the same on every base) reads as a rise <= 5% of the time", () => {
  assert.ok(trendRate(SHARES, () => 0.03) <= 0.05);
  assert.ok(trendRate(SHARES, () => -0.05) <= 0.05);
});

Deno.test("trend rule: NSR − Base from -5 pp to +3 pp over the shares reads as a rise >= 80% of the time", () => {
  // -0.12 .. +0.06 moves Pass@16 by roughly -5 .. +3 pp on this base.
  const rate = trendRate(SHARES, (s) => -0.12 + 0.18 * (s - 0.62) / 0.21);
  assert.ok(rate >= 0.8, `power ${rate}`);
});

Deno.test("trendInterval: the slope of known differences, and an error when the shares do not vary", () => {
  const prng = seededPrng(1);
  const world = (g: number): World => ({ methods: { Base: BASE, NSR: shift(BASE, g) } });
  const points = [0.6, 0.8].map((share, i) => ({
    share,
    results: simulatedResults(protocol, world(i === 0 ? -0.1 : 0.1), prng),
  }));
  const { slope, differences } = trendInterval(points, { x: "NSR", y: "Base", k: 16 });
  assert.ok(differences[0] < 0 && differences[1] > 0);
  assert.ok(Math.abs(slope.estimate - (differences[1] - differences[0]) / 0.2) < 1e-12);
  assert.ok(slope.lower <= slope.estimate && slope.estimate <= slope.upper);
  assert.throws(
    () => trendInterval(points.map((p) => ({ ...p, share: 0.7 })), { x: "NSR", y: "Base", k: 16 }),
    /shares must vary, got 0.7, 0.7/,
  );
});

const options = { protocol, trials: 40, seed: 3 };

Deno.test("(c) negative control: every method loses 3.5 pp of Pass@16 -> >= 80%; one method at the base -> <= 5%", () => {
  const rule = {
    rule: (
      ctx: Parameters<typeof negativeControlParts>[0],
      labels: { id: string; claim: string },
    ) => negativeControlParts(ctx, METHODS, labels),
  };
  const lost = Object.fromEntries(METHODS.map((m) => [m, scale(BASE, 0.75)]));
  assert.ok(reproducedRate(rule, { methods: { Base: BASE, ...lost } }, options) >= 0.8);
  assert.ok(
    reproducedRate(rule, { methods: { Base: BASE, ...lost, NSR: BASE } }, options) <= 0.05,
  );
});

Deno.test("(b) positive control: the Qwen picture -> >= 80%; PSR tying the base, or NSR its cooled base -> <= 5%", () => {
  const rule = { rule: positiveControlParts };
  const cooled = new Map([[0.7, sharpen(BASE, 0.3)]]);
  const qwen = { Base: BASE, NSR: lift(BASE, 0.05), PSR: sharpen(BASE, 0.3) };
  assert.ok(reproducedRate(rule, { methods: qwen, cooled }, options) >= 0.8);
  assert.ok(reproducedRate(rule, { methods: { ...qwen, PSR: BASE }, cooled }, options) <= 0.05);
  assert.ok(
    reproducedRate(rule, {
      methods: { ...qwen, NSR: sharpen(BASE, 0.3) },
      cooled,
    }, options) <= 0.05,
  );
});
