import assert from "node:assert/strict";
import { chooseCooledBase, matchMovement, meanPassAtK } from "../../lib/protocol/baselines.ts";
import { seededPrng } from "../../lib/random.ts";

// Synthetic per-problem outcomes: problem i solved with probability rate(i), n samples each.
function outcomes(
  seed: number,
  problems: number,
  n: number,
  rate: (i: number) => number,
): { n: number; c: number; problemId: string }[] {
  const prng = seededPrng(seed);
  return Array.from({ length: problems }, (_, i) => {
    let c = 0;
    for (let j = 0; j < n; j++) if (prng() < rate(i)) c++;
    return { n, c, problemId: `p${i}` };
  });
}
// A base whose per-problem pass rates sharpen as the temperature falls (p^(1/T), normalised
// against (1 − p)^(1/T), grows for the problems it solves more often than not and shrinks for the
// rest); most problems lie above 1/2, so cooling raises Pass@1 and lowers Pass@k at large k.
const prior = (i: number) => 0.3 + 0.65 * (i % 10) / 9;
const cooled = (t: number) => (i: number) => {
  const p = prior(i);
  const a = p ** (1 / t);
  const b = (1 - p) ** (1 / t);
  return a / (a + b);
};
const GRID = [1, 0.9, 0.8, 0.7, 0.6, 0.5];
const base = new Map(GRID.map((t) => [t, outcomes(1, 400, 64, cooled(t))]));

Deno.test("chooseCooledBase(): a method that is the base at some temperature gets that temperature", () => {
  for (const t of [1, 0.8, 0.6]) {
    const method = [0, 1, 2].map((s) => outcomes(10 + s, 400, 64, cooled(t)));
    const chosen = chooseCooledBase(base, { M: method }, 16).M;
    assert.equal(chosen.temperature, t, `method sampled at T=${t}`);
    assert.ok(Math.abs(chosen.passAt1 - chosen.methodPassAt1) < 0.02);
  }
});

Deno.test("chooseCooledBase(): Pass@k at the largest judged k is the chosen temperature's, and cooling lowers it", () => {
  const unmoved = chooseCooledBase(base, { M: [outcomes(20, 400, 64, cooled(1))] }, 16).M;
  const sharp = chooseCooledBase(base, { M: [outcomes(21, 400, 64, cooled(0.5))] }, 16).M;
  assert.equal(unmoved.passAtKmax, meanPassAtK(base.get(1)!, 16));
  assert.ok(sharp.passAt1 > unmoved.passAt1 && sharp.passAtKmax < unmoved.passAtKmax);
});

Deno.test("chooseCooledBase(): a tie keeps the higher temperature; an empty grid is an error", () => {
  const same = [{ n: 4, c: 2 }];
  const chosen = chooseCooledBase(new Map([[0.5, same], [0.9, same]]), { M: [same] }, 2);
  assert.equal(chosen.M.temperature, 0.9);
  assert.throws(() => chooseCooledBase(new Map(), { M: [same] }, 2), /grid is empty/);
});

Deno.test("matchMovement(): the target is the least-moved method's final gain; each method is matched where it reached it", () => {
  // Method A moves fast (gain 0.1 per step), B slowly (0.05 per step); 4 steps, 3 seeds.
  const run = (perStep: number, seed: number) => {
    const at = (step: number) => ({
      step,
      outcomes: outcomes(100 * seed + step, 2000, 8, () => 0.2 + perStep * step),
    });
    return { final: at(4), checkpoints: [at(1), at(2), at(3)] };
  };
  const basePassAt1 = [0, 1, 2].map((s) => meanPassAtK(outcomes(900 + s, 2000, 8, () => 0.2), 1));
  const matched = matchMovement({
    A: [0, 1, 2].map((s) => run(0.1, s)),
    B: [0, 1, 2].map((s) => run(0.05, s)),
  }, basePassAt1);
  assert.ok(Math.abs(matched.target - 0.2) < 0.02, `target ${matched.target}`);
  assert.deepEqual(matched.methods.A.steps, [2, 2, 2]);
  assert.deepEqual(matched.methods.B.steps, [4, 4, 4]);
  assert.ok(matched.methods.A.gains.every((g) => Math.abs(g - 0.2) < 0.03));
});

Deno.test("matchMovement(): seeds must match the base's", () => {
  const at = (step: number) => ({ step, outcomes: [{ n: 4, c: 1 }] });
  assert.throws(
    () => matchMovement({ A: [{ final: at(2), checkpoints: [at(1)] }] }, [0.1, 0.2]),
    /A has 1 seeds, the base 2/,
  );
});
