import assert from "node:assert/strict";
import { curveToRows, passAtK, passAtKCurve } from "../../lib/eval/passk.ts";
import { deriveSeed, randomInt, seededPrng } from "../../lib/random.ts";
import { assertClose } from "../_helpers.ts";

// Slow, obviously correct reference: enumerate every k-subset of n samples whose first c are
// correct and count the subsets that contain a correct one.
function bruteForcePassAtK(n: number, c: number, k: number): number {
  let hits = 0;
  let total = 0;
  const visit = (start: number, left: number, hasCorrect: boolean): void => {
    if (left === 0) {
      total++;
      if (hasCorrect) hits++;
      return;
    }
    for (let i = start; i <= n - left; i++) visit(i + 1, left - 1, hasCorrect || i < c);
  };
  visit(0, k, false);
  return hits / total;
}

// Exact 1 − C(n−c, k)/C(n, k) with BigInt rationals, rounded to 30 digits. The ratio is
// ∏_{j<k} (n−c−j)/(n−j) = ∏_{i=n−c+1}^{n} (i−k)/i; the shorter product keeps BigInts small.
function exactPassAtK(n: number, c: number, k: number): number {
  let numerator = 1n;
  let denominator = 1n;
  if (k <= c) {
    for (let j = 0; j < k; j++) {
      numerator *= BigInt(Math.max(n - c - j, 0));
      denominator *= BigInt(n - j);
    }
  } else {
    for (let i = n - c + 1; i <= n; i++) {
      numerator *= BigInt(Math.max(i - k, 0));
      denominator *= BigInt(i);
    }
  }
  const scale = 10n ** 30n;
  const complement = (denominator - numerator) * scale / denominator;
  return Number(complement) / 1e30;
}

Deno.test("passAtK() agrees with brute-force subset enumeration for small n", () => {
  for (let n = 1; n <= 10; n++) {
    for (let c = 0; c <= n; c++) {
      for (let k = 1; k <= n; k++) {
        assertClose(passAtK(n, c, k), bruteForcePassAtK(n, c, k), 1e-12, `n=${n} c=${c} k=${k}`);
      }
    }
  }
});

Deno.test("passAtK() hand-computed cases", async (t) => {
  await t.step("returns c/n for k = 1", () => {
    for (const [n, c] of [[7, 3], [256, 17], [100_000, 31_415]]) {
      assertClose(passAtK(n, c, 1), c / n, 1e-15, `n=${n} c=${c}`);
    }
  });
  await t.step("returns 1 when n − c < k and 0 when c = 0", () => {
    assert.equal(passAtK(5, 3, 3), 1);
    assert.equal(passAtK(5, 5, 1), 1);
    assert.equal(passAtK(256, 0, 256), 0);
  });
  await t.step("returns 1 − (2/4)(1/3) = 5/6 for n=4, c=2, k=2", () => {
    assertClose(passAtK(4, 2, 2), 5 / 6, 1e-15);
  });
});

Deno.test("passAtK() is monotone in k and in c", () => {
  const n = 64;
  for (let c = 0; c <= n; c++) {
    for (let k = 2; k <= n; k++) assert.ok(passAtK(n, c, k) >= passAtK(n, c, k - 1));
  }
  for (let k = 1; k <= n; k++) {
    for (let c = 1; c <= n; c++) assert.ok(passAtK(n, c, k) >= passAtK(n, c - 1, k));
  }
});

Deno.test("passAtK() stays finite and exact to 1e-12 for large n", async (t) => {
  const cases: Array<[number, number, number]> = [
    [65_536, 1, 256],
    [65_536, 300, 256],
    [65_536, 32_768, 1],
    [65_536, 7, 65_000],
    [100_000, 50_000, 3],
    [100_000, 99_000, 2],
    [100_000, 1_000, 97],
    [100_000, 2, 99_998],
    [100_000, 60_000, 40_000],
  ];
  for (const [n, c, k] of cases) {
    await t.step(`n=${n} c=${c} k=${k}`, () => {
      const value = passAtK(n, c, k);
      assert.ok(Number.isFinite(value) && value >= 0 && value <= 1);
      assertClose(value, exactPassAtK(n, c, k), 1e-12);
    });
  }
});

Deno.test("passAtK() matches exact rationals on random cases up to n = 100,000", () => {
  const prng = seededPrng(1);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + randomInt(prng, 100_000);
    // Keep min(c, k) ≤ 1,500 so the BigInt reference stays fast; the other one is anything.
    const small = 1 + randomInt(prng, Math.min(n, 1500));
    const any = randomInt(prng, n + 1);
    const [c, k] = prng() < 0.5 ? [small - 1, Math.max(1, any)] : [any, small];
    assertClose(passAtK(n, c, k), exactPassAtK(n, c, k), 1e-12, `n=${n} c=${c} k=${k}`);
  }
});

Deno.test("passAtK() throws RangeError naming the values", async (t) => {
  await t.step("non-integers", () => {
    assert.throws(() => passAtK(4.5, 1, 1), {
      name: "RangeError",
      message: "Cannot compute pass@k: n, c and k must be integers, got n=4.5, c=1 and k=1",
    });
    assert.throws(() => passAtK(4, Number.NaN, 1), /got n=4, c=NaN and k=1/);
  });
  await t.step("c outside [0, n]", () => {
    assert.throws(() => passAtK(4, 5, 1), {
      name: "RangeError",
      message: "Cannot compute pass@k: c must be in [0, n], got c=5 and n=4",
    });
    assert.throws(() => passAtK(4, -1, 1), /got c=-1 and n=4/);
  });
  await t.step("k outside [1, n]", () => {
    assert.throws(() => passAtK(4, 2, 0), {
      name: "RangeError",
      message: "Cannot compute pass@k: k must be >= 1, got k=0",
    });
    assert.throws(() => passAtK(4, 2, 8), {
      name: "RangeError",
      message: "Cannot compute pass@k: k must be <= n, got k=8 and n=4",
    });
  });
});

Deno.test("passAtKCurve() means over problems with differing n", () => {
  const results = [{ n: 4, c: 2 }, { n: 8, c: 0 }, { n: 2, c: 2 }];
  const curve = passAtKCurve(results, [1, 2], { resamples: 0 });
  assertClose(curve[0].estimate, (0.5 + 0 + 1) / 3, 1e-15);
  assertClose(curve[1].estimate, (5 / 6 + 0 + 1) / 3, 1e-15);
  assert.equal(curve[0].lower, curve[0].estimate);
  assert.equal(curve[1].upper, curve[1].estimate);
});

Deno.test("passAtKCurve() rejects a k larger than a problem's n, naming the problem", () => {
  const results = [{ n: 16, c: 2, problemId: "a" }, { n: 8, c: 1, problemId: "b" }];
  assert.throws(() => passAtKCurve(results, [1, 16]), {
    name: "RangeError",
    message:
      'Cannot compute a pass@k curve: k must be <= n for every problem, got k=16 and n=8 for problem "b"',
  });
  assert.throws(() => passAtKCurve([{ n: 4, c: 1 }, { n: 2, c: 1 }], [4]), /for problem #1/);
  assert.throws(() => passAtKCurve([], [1]), /no problems/);
  assert.throws(() => passAtKCurve(results, [1], { confidence: 1 }), /confidence/);
  assert.throws(() => passAtKCurve(results, [1], { resamples: 1.5 }), /resamples/);
});

Deno.test("passAtKCurve() is seeded and its interval brackets the mean", () => {
  const prng = seededPrng(3);
  const results = Array.from({ length: 50 }, () => ({ n: 16, c: randomInt(prng, 17) }));
  const a = passAtKCurve(results, [1, 4, 8], { prng: seededPrng(9), resamples: 200 });
  const b = passAtKCurve(results, [1, 4, 8], { prng: seededPrng(9), resamples: 200 });
  const other = passAtKCurve(results, [1, 4, 8], { prng: seededPrng(10), resamples: 200 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, other);
  for (const point of a) {
    assert.ok(point.lower < point.estimate && point.estimate < point.upper, JSON.stringify(point));
  }
});

Deno.test("passAtKCurve() interval covers the true value at about the nominal rate", () => {
  // Population: per-problem success rate p ~ Uniform(0, 1), so the true Pass@k is
  // E[1 − (1 − p)^k] = k / (k + 1). Each replicate draws M problems, n samples each.
  const reps = 300, problems = 100, n = 16, ks = [1, 4];
  const covered = ks.map(() => 0);
  for (let rep = 0; rep < reps; rep++) {
    const prng = seededPrng(deriveSeed(2025, `rep${rep}`));
    const results = Array.from({ length: problems }, () => {
      const p = prng();
      let c = 0;
      for (let i = 0; i < n; i++) if (prng() < p) c++;
      return { n, c };
    });
    const curve = passAtKCurve(results, ks, { resamples: 300, prng });
    curve.forEach(({ k, lower, upper }, j) => {
      if (lower <= k / (k + 1) && k / (k + 1) <= upper) covered[j]++;
    });
  }
  // Nominal 0.95; with 300 replicates the binomial s.d. of the observed rate is 0.0126, and the
  // percentile bootstrap with M = 100 under-covers by about 0.01. [0.90, 0.99] is > 3 s.d. wide
  // on each side of 0.94, yet rejects an interval of half the right width (coverage ≈ 0.68).
  for (const [j, k] of ks.entries()) {
    const rate = covered[j] / reps;
    assert.ok(rate >= 0.9 && rate <= 0.99, `coverage at k=${k}: ${rate}`);
  }
});

Deno.test("curveToRows() labels every point", () => {
  const curve = passAtKCurve([{ n: 2, c: 1 }], [1, 2], { resamples: 0 });
  assert.deepEqual(curveToRows(curve, { dataset: "AMC23", method: "PSR" }), [
    { dataset: "AMC23", method: "PSR", k: 1, estimate: 0.5, lower: 0.5, upper: 0.5 },
    { dataset: "AMC23", method: "PSR", k: 2, estimate: 1, lower: 1, upper: 1 },
  ]);
});
