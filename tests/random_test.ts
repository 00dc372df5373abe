import assert from "node:assert/strict";
import { deriveSeed, randomInt, seededPrng } from "../lib/random.ts";

Deno.test("seededPrng() gives the same stream for the same seed", () => {
  const a = seededPrng(42), b = seededPrng(42), c = seededPrng(43);
  const xs = Array.from({ length: 100 }, a);
  assert.deepEqual(xs, Array.from({ length: 100 }, b));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, c));
});

Deno.test("seededPrng() is uniform on [0, 1)", () => {
  const prng = seededPrng(1);
  const bins = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = prng();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]++;
  }
  // Chi-square with 9 degrees of freedom: the 99.9% quantile is 27.9.
  const chi2 = bins.reduce((sum, count) => sum + (count - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 27.9, `chi-square ${chi2}`);
});

Deno.test("seededPrng() rejects a seed that is not a safe integer", () => {
  assert.throws(() => seededPrng(1.5), /seed must be a safe integer, got 1\.5/);
});

Deno.test("seededPrng() separates seeds above 2^32", () => {
  assert.notEqual(seededPrng(2 ** 32)(), seededPrng(0)());
});

Deno.test("deriveSeed() is stable and label-sensitive", () => {
  assert.equal(deriveSeed(5, "train"), deriveSeed(5, "train"));
  assert.notEqual(deriveSeed(5, "train"), deriveSeed(5, "eval"));
  assert.notEqual(deriveSeed(5, "train"), deriveSeed(6, "train"));
});

Deno.test("randomInt() covers [0, n)", () => {
  const prng = seededPrng(3);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(randomInt(prng, 6));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5]);
});
