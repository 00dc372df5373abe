import assert from "node:assert/strict";
import { seedInterval, tQuantile975 } from "../../lib/eval/seed_interval.ts";
import { seededPrng } from "../../lib/random.ts";

Deno.test("seedInterval() covers the true mean 95% of the time with 3 and 10 seeds", () => {
  const prng = seededPrng(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - prng())) * Math.cos(2 * Math.PI * prng());
  for (const seeds of [3, 10]) {
    let covered = 0;
    const draws = 4000;
    for (let d = 0; d < draws; d++) {
      const { lower, upper } = seedInterval(Array.from({ length: seeds }, () => 5 + 2 * normal()));
      if (lower <= 5 && 5 <= upper) covered++;
    }
    // A normal quantile (1.96) instead of t covers ~80% with 3 seeds.
    assert.ok(Math.abs(covered / draws - 0.95) < 0.015, `${seeds} seeds: ${covered / draws}`);
  }
});

Deno.test("tQuantile975() matches the table and tends to the normal quantile", () => {
  assert.equal(tQuantile975(1), 12.7062);
  assert.equal(tQuantile975(30), 2.0423);
  assert.ok(Math.abs(tQuantile975(31) - 2.0395) < 1e-3); // tables: 2.0395
  assert.ok(Math.abs(tQuantile975(120) - 1.9799) < 1e-3); // tables: 1.9799
  assert.throws(() => tQuantile975(0), /df must be a positive integer, got 0/);
});

Deno.test("seedInterval() refuses no values and non-finite ones", () => {
  assert.throws(() => seedInterval([]), /no values, got 0/);
  assert.throws(() => seedInterval([1, NaN]), /value 1 is NaN/);
});
