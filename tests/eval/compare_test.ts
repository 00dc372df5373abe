import assert from "node:assert/strict";
import {
  alignProblems,
  bootstrapCurve,
  bootstrapDifference,
  bootstrapPassAtK,
  meanDifferenceInterval,
  multiSeedPassAtKCurve,
  percentileInterval,
  type SeedProblemCounts,
} from "../../lib/eval/compare.ts";
import { passAtK, passAtKCurve, type ProblemCounts } from "../../lib/eval/passk.ts";
import { type Prng, randomInt, seededPrng } from "../../lib/random.ts";
import { assertClose } from "../_helpers.ts";

Deno.test("bootstrapPassAtK() estimates the mean over seeds of the mean over problems", async (t) => {
  // Two seeds, two problems, n = 4: pass@2(4, c) = 1 − C(4−c, 2)/6.
  const seeds: SeedProblemCounts = [
    [{ problemId: "a", n: 4, c: 1 }, { problemId: "b", n: 4, c: 0 }],
    [{ problemId: "a", n: 4, c: 2 }, { problemId: "b", n: 4, c: 4 }],
  ];
  const boot = bootstrapPassAtK({ nsr: seeds }, [1, 2], { resamples: 0 });

  await t.step("by hand at k = 1 and k = 2", () => {
    assertClose(boot.estimates.nsr[0], (0.25 + 0 + 0.5 + 1) / 4, 1e-15);
    assertClose(boot.estimates.nsr[1], (0.5 + 0 + 5 / 6 + 1) / 4, 1e-15);
  });

  await t.step("zero resamples give degenerate intervals", () => {
    const curve = bootstrapCurve(boot, "nsr");
    assert.deepEqual(
      curve.map((p) => [p.lower, p.upper]),
      curve.map((p) => [p.estimate, p.estimate]),
    );
  });

  await t.step("records problems, seeds and settings", () => {
    assert.equal(boot.problems, 2);
    assert.deepEqual(boot.seeds, { nsr: 2 });
    assert.deepEqual(boot.methods, ["nsr"]);
    assert.equal(boot.confidence, 0.95);
  });
});

Deno.test("bootstrapPassAtK() with one seed reproduces passAtKCurve() exactly", () => {
  const prng = seededPrng(3);
  const counts = Array.from({ length: 30 }, () => ({ n: 16, c: randomInt(prng, 17) }));
  const expected = passAtKCurve(counts, [1, 4, 16], { resamples: 300, prng: seededPrng(9) });
  const actual = multiSeedPassAtKCurve([counts], [1, 4, 16], {
    resamples: 300,
    prng: seededPrng(9),
  });
  assert.deepEqual(actual, expected);
});

Deno.test("bootstrapPassAtK() agrees with a slow triple-loop reference on the same stream", () => {
  const prng = seededPrng(11);
  const make = (seeds: number): ProblemCounts[][] =>
    Array.from(
      { length: seeds },
      () =>
        Array.from({ length: 7 }, (_, i) => ({ problemId: `p${i}`, n: 8, c: randomInt(prng, 9) })),
    );
  const groups = { a: make(3), b: make(1), c: make(2) };
  const ks = [1, 2, 8];
  const boot = bootstrapPassAtK(groups, ks, { resamples: 50, prng: seededPrng(5) });
  // Reference: draw problem indices, then each method's seed indices, in the same order.
  const reference = seededPrng(5);
  const names = ["a", "b", "c"] as const;
  for (let b = 0; b < 50; b++) {
    const problems = Array.from({ length: 7 }, () => randomInt(reference, 7));
    for (const name of names) {
      const seeds = groups[name];
      const picked = seeds.length === 1 ? [0] : seeds.map(() => randomInt(reference, seeds.length));
      ks.forEach((k, j) => {
        let total = 0;
        for (const s of picked) {
          for (const i of problems) total += passAtK(seeds[s][i].n, seeds[s][i].c, k);
        }
        assertClose(
          boot.draws[name][j][b],
          total / (picked.length * 7),
          1e-12,
          `${name} ${k} ${b}`,
        );
      });
    }
  }
});

Deno.test("bootstrapPassAtK() aligns problems by id and rejects mismatches", async (t) => {
  const a = [[{ problemId: "x", n: 4, c: 4 }, { problemId: "y", n: 4, c: 0 }]];
  const shuffled = [[{ problemId: "y", n: 4, c: 0 }, { problemId: "x", n: 4, c: 4 }]];

  await t.step("order does not matter", () => {
    const boot = bootstrapPassAtK({ a, b: shuffled }, [1], { resamples: 40 });
    const [d] = bootstrapDifference(boot, { method: "a", base: "b" });
    assert.deepEqual(d, { k: 1, estimate: 0, lower: 0, upper: 0 });
  });

  await t.step("an unknown id is named", () => {
    const other = [[{ problemId: "x", n: 4, c: 4 }, { problemId: "z", n: 4, c: 0 }]];
    assert.throws(() => bootstrapPassAtK({ a, other }, [1]), /problem "z"/);
  });

  await t.step("a different number of problems is rejected", () => {
    assert.throws(() => alignProblems([a, [[{ n: 4, c: 1 }]]]), /got 1 problems in method 1/);
  });

  await t.step("k above a problem's n names the problem", () => {
    assert.throws(() => bootstrapPassAtK({ a }, [8]), /k=8 and n=4 for problem "x"/);
  });

  await t.step("no methods, no ks, bad options", () => {
    assert.throws(() => bootstrapPassAtK({}, [1]), RangeError);
    assert.throws(() => bootstrapPassAtK({ a }, []), RangeError);
    assert.throws(() => bootstrapPassAtK({ a }, [1], { resamples: -1 }), /resamples/);
    assert.throws(() => bootstrapPassAtK({ a }, [1], { confidence: 1 }), /confidence/);
    assert.throws(() => bootstrapCurve(bootstrapPassAtK({ a }, [1]), "b"), /unknown method "b"/);
  });
});

Deno.test("bootstrapDifference() pairs problems: a per-problem constant gain has no spread", () => {
  // Problems range from hard to easy (large spread), but the method adds exactly 2/8 to each.
  const base = [Array.from({ length: 20 }, (_, i) => ({ n: 8, c: i % 7 }))];
  const method = [base[0].map(({ n, c }) => ({ n, c: c + 2 }))];
  const boot = bootstrapPassAtK({ base, method }, [1], { resamples: 200 });
  const [d] = bootstrapDifference(boot, { method: "method", base: "base" });
  assertClose(d.estimate, 0.25, 1e-12);
  assertClose(d.lower, 0.25, 1e-12);
  assertClose(d.upper, 0.25, 1e-12);
  // Each curve alone is wide, because problems differ.
  const [alone] = bootstrapCurve(boot, "method");
  assert.ok(alone.upper - alone.lower > 0.1, `curve interval ${alone.lower}..${alone.upper}`);
});

// Simulation: problem success rate p ~ U(A, B); the method adds DELTA plus a seed effect
// u ~ U(−e, e) shared by all problems of a training seed; the base is one evaluation of p.
// Truth (population): E[1 − (1 − p − DELTA − u)^k] − E[1 − (1 − p)^k], in closed form.
const A = 0.2, B = 0.6, DELTA = 0.1;

function trueDifference(k: number, e: number): number {
  const basePower = ((1 - A) ** (k + 1) - (1 - B) ** (k + 1)) / ((k + 1) * (B - A));
  const shifted = (
    x: number,
  ): number => ((1 - DELTA - A + x) ** (k + 2) - (1 - DELTA - B + x) ** (k + 2));
  const methodPower = (shifted(e) - shifted(-e)) / ((k + 1) * (k + 2) * (B - A) * 2 * e);
  return basePower - methodPower;
}

function binomial(prng: Prng, n: number, q: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (prng() < q) c++;
  return c;
}

function simulate(
  prng: Prng,
  sizes: { problems: number; seeds: number; n: number; seedEffect: number },
): { base: ProblemCounts[][]; method: ProblemCounts[][] } {
  const { problems, seeds, n, seedEffect } = sizes;
  const p = Array.from({ length: problems }, () => A + (B - A) * prng());
  const base = [p.map((q, i) => ({ problemId: `${i}`, n, c: binomial(prng, n, q) }))];
  const method = Array.from({ length: seeds }, () => {
    const u = seedEffect * (2 * prng() - 1);
    return p.map((q, i) => ({ problemId: `${i}`, n, c: binomial(prng, n, q + DELTA + u) }));
  });
  return { base, method };
}

Deno.test("bootstrapDifference() recovers a known difference and covers it at about 95%", async (t) => {
  const ks = [1, 4];

  await t.step("the closed-form truth matches k = 1 by hand", () => {
    assertClose(trueDifference(1, 0.05), DELTA, 1e-12);
  });

  await t.step("a large simulated tier lands near the truth", () => {
    const seedEffect = 0.005;
    const sizes = { problems: 2000, seeds: 3, n: 16, seedEffect };
    const { base, method } = simulate(seededPrng(1), sizes);
    const boot = bootstrapPassAtK({ base, method }, ks, { resamples: 200 });
    bootstrapDifference(boot, { method: "method", base: "base" }).forEach((d) => {
      const truth = trueDifference(d.k, seedEffect);
      assertClose(d.estimate, truth, 0.015, `difference at k=${d.k}`);
      assert.ok(d.upper - d.lower < 0.05, `interval at k=${d.k}: ${d.lower}..${d.upper}`);
    });
  });

  await t.step("coverage over 300 small tiers with 3 seeds is near the nominal 95%", () => {
    const seedEffect = 0.05;
    const truth = ks.map((k) => trueDifference(k, seedEffect));
    const prng = seededPrng(2024);
    const replicates = 300;
    const covered = ks.map(() => 0);
    const bias = ks.map(() => 0);
    for (let r = 0; r < replicates; r++) {
      const { base, method } = simulate(prng, { problems: 40, seeds: 3, n: 8, seedEffect });
      const boot = bootstrapPassAtK({ base, method }, ks, { resamples: 300, prng });
      bootstrapDifference(boot, { method: "method", base: "base" }).forEach((d, j) => {
        if (d.lower <= truth[j] && truth[j] <= d.upper) covered[j]++;
        bias[j] += (d.estimate - truth[j]) / replicates;
      });
    }
    covered.forEach((count, j) => {
      const rate = count / replicates;
      assert.ok(rate >= 0.9 && rate <= 0.99, `coverage at k=${ks[j]}: ${rate}`);
      // Pass@k is unbiased, so the mean error is within ~3 standard errors of 0.
      assert.ok(Math.abs(bias[j]) < 0.01, `bias at k=${ks[j]}: ${bias[j]}`);
    });
  });
});

Deno.test("meanDifferenceInterval() bootstraps unpaired and paired differences", async (t) => {
  await t.step("a single base value stays fixed", () => {
    const d = meanDifferenceInterval([1, 2, 3], [0.5], { resamples: 500 });
    assertClose(d.estimate, 1.5, 1e-15);
    assert.ok(d.lower >= 0.5 && d.upper <= 2.5 && d.lower < d.upper);
  });

  await t.step("pairing removes the shared spread", () => {
    const a = [1, 5, 9, 13], b = [0, 4, 8, 12];
    assert.deepEqual(meanDifferenceInterval(a, b, { paired: true }), {
      estimate: 1,
      lower: 1,
      upper: 1,
    });
    const unpaired = meanDifferenceInterval(a, b);
    assert.ok(unpaired.upper - unpaired.lower > 4);
  });

  await t.step("rejects empty or mismatched samples", () => {
    assert.throws(() => meanDifferenceInterval([], [1]), /got 0 and 1/);
    assert.throws(() => meanDifferenceInterval([1], [1, 2], { paired: true }), /lengths differ/);
  });
});

Deno.test("percentileInterval() interpolates order statistics like numpy", () => {
  const draws = [5, 1, 4, 2, 3];
  const { lower, upper } = percentileInterval(draws, 0, 0.9);
  assertClose(lower, 1.2, 1e-12);
  assertClose(upper, 4.8, 1e-12);
  assert.deepEqual(draws, [5, 1, 4, 2, 3]); // not sorted in place
});
