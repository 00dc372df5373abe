// deno-lint-ignore-file no-console -- the issue asks for FP / FN counts in the test output
// Real-data tests of the verifier on the paper's evaluation and training sets: every gold verifies
// against itself, generated rewrites verify, and random pairs of golds with different values and
// near-miss perturbations do not. They run on the committed sample (data/datasets/sample/) always,
// and on the full sets (12,570 golds) when RLVR_DATASETS or ../shared/datasets holds them.
// False-negative and false-positive counts are printed; the only tolerated exceptions are in
// KNOWN_UNFIXABLE.
import assert from "node:assert/strict";
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { ComputeEngine } from "@cortex-js/compute-engine";
import { normalizeAnswer } from "../../lib/verifier/normalize.ts";
import { verify } from "../../lib/verifier/verify.ts";
import { randomInt, seededPrng } from "../../lib/random.ts";
import { DATASET_FILES, FULL_DATA_SKIPPED, fullDatasets, SAMPLE_DATASETS } from "../_helpers.ts";

/**
 * Golds that are wrong in the dataset itself, with the reason: a correct answer cannot match
 * them (they still self-verify as identical strings). Everything else must pass.
 */
const KNOWN_UNFIXABLE: ReadonlyMap<string, string> = new Map([
  ["", "empty gold (1 in MATH test, 4 in MATH train): nothing to compare with"],
  ["864^2", "unit dropped but its exponent kept (`864 \\mbox{ inches}^2` became 864 squared)"],
  ["144^3", "unit dropped but its exponent kept (`144 \\mbox{ m}^3` became 144 cubed)"],
  ["15^2", "unit dropped but its exponent kept (`15\\mbox{ cm}^2` became 15 squared)"],
  ["2400^2", "unit dropped but its exponent kept (`2400 \\mbox{ cm}^2` became 2400 squared)"],
  ["90{square", "gold truncated inside `\\text{ square units}`"],
  [
    "thecorrectansweraswenormallydo,asthatwouldbeespeciallyconfusingforthisproblem",
    "gold is a fragment of the solution's prose; the reference answer is 12",
  ],
]);

type Gold = { source: string; target: string; solution: string | null };

async function loadGolds(dir: string): Promise<Gold[]> {
  const golds: Gold[] = [];
  for (const name of DATASET_FILES) {
    const bytes = await Deno.readFile(`${dir}${name}.parquet`);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const rows = await parquetReadObjects({ file, compressors });
    for (const row of rows) {
      const reward = row.reward_model as { ground_truth: { target: string; solution?: string } };
      const { target, solution = null } = reward.ground_truth;
      golds.push({ source: name, target, solution });
    }
  }
  return golds;
}

const RESPONSES = [
  (a: string) => `Let me work through this step by step. ... so the answer is $\\boxed{${a}}$.`,
  (a: string) => `We simplify and check the cases.\n\nThe final answer is $${a}$.`,
  (a: string) => `<think>try a few values</think>\nSo we get\n\n**Answer:** \\(${a}\\)`,
];

function exactDecimal(num: bigint, den: bigint): string | null {
  let d = den, twos = 0, fives = 0;
  while (d % 2n === 0n) [d, twos] = [d / 2n, twos + 1];
  while (d % 5n === 0n) [d, fives] = [d / 5n, fives + 1];
  if (d !== 1n) return null;
  const places = Math.max(twos, fives);
  const scaled = (num * 10n ** BigInt(places)) / den;
  const digits = scaled.toString().padStart(places + 1, "0");
  return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

/** Equivalent rewrites of a gold: \frac ↔ a/b ↔ exact decimal, \dfrac, spacing, braces. */
function rewrites(gold: string): string[] {
  const out = new Set<string>();
  if (gold.includes("\\frac")) out.add(gold.replaceAll("\\frac", "\\dfrac"));
  const frac = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(gold);
  if (frac) {
    out.add(`${frac[1]}${frac[2]}/${frac[3]}`);
    const decimal = exactDecimal(BigInt(frac[2]), BigInt(frac[3]));
    if (decimal) out.add(`${frac[1]}${decimal}`);
  }
  const decimal = /^(-?)(\d+)\.(\d+)$/.exec(gold);
  if (decimal) {
    out.add(`${decimal[1]}\\frac{${decimal[2]}${decimal[3]}}{1${"0".repeat(decimal[3].length)}}`);
  }
  const short = gold.replace(
    /\\(frac|sqrt)\{(\d)\}(?:\{(\d)\})?/g,
    (_m, c, a, b = "") => `\\${c}${a}${b}`,
  );
  if (short !== gold) out.add(short);
  if (/[,=+]/.test(gold) && !gold.includes("\\begin")) {
    out.add(gold.replace(/,/g, ", ").replace(/([=+])/g, " $1 "));
  }
  if (/^-?\d+$/.test(gold)) {
    const n = BigInt(gold);
    if (n >= 1000n) {
      out.add(n.toLocaleString("en-US")).add(n.toLocaleString("en-US").replaceAll(",", "{,}"));
    }
    if (n >= 0n && n < 100n) out.add(gold.padStart(3, "0"));
    out.add(`x = ${gold}`);
  }
  if (/^\(.*\)$/.test(gold) && !gold.includes("\\cup")) {
    out.add(`\\left${gold.slice(0, -1)}\\right)`);
  }
  if (/^\{[A-Za-z]+\}$/.test(gold)) out.add(`\\text{${gold.slice(1, -1)}}`);
  if (/^[^()[\]{}\\]+(,[^()[\]{}\\]+)+$/.test(gold) && !/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(gold)) {
    out.add(gold.split(",").reverse().join(", "));
  }
  const interval = /^([([])([^,]+),([^,]+)([)\]])$/.exec(gold);
  if (interval && !gold.includes("\\cup")) {
    const [, open, low, high, close] = interval;
    const lower = open === "(" ? "<" : "\\le", upper = close === ")" ? "<" : "\\le";
    if (low === "-\\infty" && high !== "\\infty") out.add(`x ${upper} ${high}`);
    else if (high === "\\infty" && low !== "-\\infty") out.add(`${low} ${lower} x`);
    else if (high !== "\\infty") out.add(`${low} ${lower} x ${upper} ${high}`);
  }
  const rows = gold.split(/\\(?=[^a-zA-Z{}])/).map((row) => row.split("&").length);
  const rectangular = rows.every((n) => n === rows[0]);
  if (gold.startsWith("\\begin{pmatrix}") && !gold.includes("\\\\") && rectangular) {
    out.add(gold.replace(/\\(?=[^a-zA-Z{}])/g, "\\\\").replaceAll("pmatrix", "bmatrix"));
  }
  const dotted = gold.includes("\\begin")
    ? gold
    : gold.replace(/(\d)\\(sqrt|pi)/g, "$1 \\cdot \\$2");
  if (dotted !== gold) out.add(dotted.replaceAll("\\pi", "π"));
  out.add(`{${gold}}`);
  out.delete(gold);
  return [...out];
}

/**
 * Perturbations with a different value: ±1, one digit, numerator + 1, sign, bracket type, the
 * last digit of an expression, and the order of a point's coordinates.
 */
function nearMisses(gold: string): string[] {
  const out: string[] = [];
  if (/^-?\d+$/.test(gold)) {
    const n = BigInt(gold);
    out.push(String(n + 1n), String(n - 1n));
    if (gold.length >= 5) {
      out.push(gold.slice(0, -2) + ((Number(gold.at(-2)) + 1) % 10) + gold.at(-1));
    }
  }
  const frac = /^(-?)\\frac\{(\d+)\}\{(\d+)\}$/.exec(gold);
  if (frac) out.push(`${frac[1]}\\frac{${BigInt(frac[2]) + 1n}}{${frac[3]}}`);
  if (/^[\d\\]/.test(gold) && !/^0$|^\\begin|,/.test(gold)) out.push(`-${gold}`);
  if (/^\[.*[\])]$/.test(gold) && !gold.includes("\\cup")) out.push(`(${gold.slice(1)}`);
  if (/^\(.*\)$/.test(gold) && !gold.includes("\\cup") && /\\infty|^\(-?\d+,-?\d+\)$/.test(gold)) {
    out.push(`${gold.slice(0, -1)}]`.replace("\\infty]", "\\infty)"));
  }
  // (Not after `\\approx`: `\\frac{2}{3}\\approx0.67` is the value 2/3, the rest is a remark.)
  if (!/^-?\d+$/.test(gold) && !frac && !gold.includes("\\approx")) {
    // Bump the last digit of an expression, tuple or matrix: `x^2+2x+1` → `x^2+2x+2`.
    const at = gold.search(/\d(?=\D*$)/);
    if (at >= 0) out.push(gold.slice(0, at) + ((Number(gold[at]) + 1) % 10) + gold.slice(at + 1));
  }
  const point = /^\(([^(),]+),([^(),]+)\)$/.exec(gold);
  if (point && !gold.includes("\\infty")) out.push(`(${point[2]},${point[1]})`);
  return out.filter((miss) => miss !== gold);
}

/** Independent check that two golds have the same value: compute-engine's own N(). */
function makeValueOracle(): (gold: string) => string | null {
  const ce = new ComputeEngine();
  const cache = new Map<string, string | null>();
  return (gold) => {
    if (!cache.has(gold)) {
      let key: string | null = null;
      try {
        const value = ce.parse(gold).N();
        if (Number.isFinite(value.re) && Number.isFinite(value.im)) {
          key = `${value.re.toPrecision(10)},${value.im.toPrecision(10)}`;
        }
      } catch {
        key = null;
      }
      cache.set(gold, key);
    }
    return cache.get(gold)!;
  };
}

function report(title: string, total: number, failures: readonly string[]): void {
  console.log(`${title}: ${failures.length} of ${total}`);
  for (const failure of failures.slice(0, 100)) console.log(`  ${failure}`);
}

/** What one run of the real-data tests expects of its data set. */
type DataSize = {
  /** Golds in the four files. */
  readonly golds: number;
  /** Of which come with a reference solution (MATH). */
  readonly solutions: number;
  /** Random pairs of golds tried (all golds / non-integer golds / hedges). */
  readonly pairs: number;
  /** Fewest rewrites and near misses the generators must produce. */
  readonly minRewrites: number;
  readonly minNearMisses: number;
  /** Most reference solutions boxing several answers. */
  readonly maxSeveralBoxes: number;
};

const SAMPLE_SIZE: DataSize = {
  golds: 422,
  solutions: 401,
  pairs: 2_000,
  minRewrites: 500,
  minNearMisses: 400,
  maxSeveralBoxes: 2,
};
const FULL_SIZE: DataSize = {
  golds: 12_570,
  solutions: 12_500,
  pairs: 20_000,
  minRewrites: 5_000,
  minNearMisses: 3_000,
  maxSeveralBoxes: 15,
};

Deno.test("verify() on real MATH / AIME 2025 / AMC23 golds (committed sample)", async (t) => {
  await realDataSteps(t, await loadGolds(SAMPLE_DATASETS), SAMPLE_SIZE);
});

const FULL = fullDatasets();
if (FULL === null) console.log(FULL_DATA_SKIPPED);

Deno.test({
  name: "verify() on real MATH / AIME 2025 / AMC23 golds (full sets, optional: RLVR_DATASETS)",
  ignore: FULL === null,
  fn: async (t) => await realDataSteps(t, await loadGolds(FULL as string), FULL_SIZE),
});

async function realDataSteps(
  t: Deno.TestContext,
  golds: readonly Gold[],
  size: DataSize,
): Promise<void> {
  assert.equal(golds.length, size.golds);

  await t.step("every gold verifies against itself in a realistic response", () => {
    const falseNegatives: string[] = [];
    const exceptions: string[] = [];
    golds.forEach(({ source, target }, i) => {
      const verdict = verify(RESPONSES[i % RESPONSES.length](target), target);
      if (verdict.correct) return;
      const line = `${source} ${JSON.stringify(target)} -> ${verdict.reason}`;
      if (KNOWN_UNFIXABLE.has(target)) exceptions.push(`${line} (${KNOWN_UNFIXABLE.get(target)})`);
      else falseNegatives.push(line);
    });
    report("self-verify false negatives", golds.length, falseNegatives);
    report("self-verify known-unfixable exceptions", golds.length, exceptions);
    assert.deepEqual(falseNegatives, []);
  });

  await t.step("reference solutions (original LaTeX) verify against their golds", () => {
    // The MATH solutions end in the original `\\boxed{…}` (with `\\text`, spaces, `\\dfrac`,
    // units, `^\\circ`); the golds are a stripped copy. This is the closest thing to real model
    // output with a known right answer.
    const falseNegatives: string[] = [];
    const severalBoxes: string[] = [];
    const exceptions: string[] = [];
    let total = 0;
    for (const { source, target, solution } of golds) {
      if (solution === null) continue;
      total++;
      const verdict = verify(solution, target);
      if (verdict.correct) continue;
      const line = `${source} ${JSON.stringify(target)} <- ${JSON.stringify(verdict.predicted)}`;
      const lastBox = [...solution.matchAll(/\\boxed\{/g)].length > 1 &&
        verify(solution.slice(solution.lastIndexOf("\\boxed")), target).correct;
      if (KNOWN_UNFIXABLE.has(target)) exceptions.push(`${line} (${KNOWN_UNFIXABLE.get(target)})`);
      else if (lastBox) severalBoxes.push(line);
      else falseNegatives.push(line);
    }
    report("reference-solution false negatives", total, falseNegatives);
    report(
      "reference solutions boxing several different answers (the gold kept only the last box; " +
        "verify reads adjacent boxes as one list answer so that hedging is never rewarded)",
      total,
      severalBoxes,
    );
    report("reference-solution known-unfixable golds", total, exceptions);
    assert.equal(total, size.solutions);
    assert.deepEqual(falseNegatives, []);
    assert.ok(
      severalBoxes.length <= size.maxSeveralBoxes,
      `${severalBoxes.length} several-box solutions`,
    );
  });

  await t.step("generated equivalent rewrites verify", () => {
    const falseNegatives: string[] = [];
    let total = 0;
    const unique = [...new Set(golds.map((g) => g.target))].filter((g) => !KNOWN_UNFIXABLE.has(g));
    unique.forEach((gold, i) => {
      for (const rewrite of rewrites(gold)) {
        total++;
        const verdict = verify(RESPONSES[i % RESPONSES.length](rewrite), gold);
        if (!verdict.correct) {
          falseNegatives.push(
            `${JSON.stringify(gold)} vs ${JSON.stringify(rewrite)} -> ${verdict.reason}`,
          );
        }
      }
    });
    report("rewrite false negatives", total, falseNegatives);
    assert.ok(total > size.minRewrites, `only ${total} rewrites generated`);
    assert.deepEqual(falseNegatives, []);
  });

  const sameValue = makeValueOracle();
  const isDifferent = (a: string, b: string): boolean => {
    if (a === b || normalizeAnswer(a) === normalizeAnswer(b)) return false;
    const va = sameValue(a);
    return va === null || va !== sameValue(b);
  };

  await t.step(
    `${size.pairs} random pairs of golds with different values do not verify`,
    () => {
      const prng = seededPrng(20250601);
      const falsePositives: string[] = [];
      let pairs = 0, excluded = 0;
      while (pairs < size.pairs) {
        const gold = golds[randomInt(prng, golds.length)].target;
        const other = golds[randomInt(prng, golds.length)].target;
        if (!isDifferent(gold, other)) {
          excluded++;
          continue;
        }
        pairs++;
        const verdict = verify(RESPONSES[pairs % RESPONSES.length](other), gold);
        if (verdict.correct) {
          falsePositives.push(
            `${JSON.stringify(gold)} vs ${JSON.stringify(other)}`,
          );
        }
      }
      console.log(
        `pairs excluded as equal in value (same string, same normal form, same N()): ${excluded}`,
      );
      report("mismatched-pair false positives", pairs, falsePositives);
      assert.deepEqual(falsePositives, []);
    },
  );

  await t.step(
    `${size.pairs / 2} random pairs of non-integer golds with different values do not verify`,
    () => {
      const pool = golds.map((g) => g.target).filter((g) => !/^-?\d+$/.test(g));
      const prng = seededPrng(20250602);
      const falsePositives: string[] = [];
      let pairs = 0;
      while (pairs < size.pairs / 2) {
        const gold = pool[randomInt(prng, pool.length)], other = pool[randomInt(prng, pool.length)];
        if (!isDifferent(gold, other)) continue;
        pairs++;
        const verdict = verify(RESPONSES[pairs % RESPONSES.length](other), gold);
        if (verdict.correct) {
          falsePositives.push(
            `${JSON.stringify(gold)} vs ${JSON.stringify(other)}`,
          );
        }
      }
      report("non-integer mismatched-pair false positives", pairs, falsePositives);
      assert.deepEqual(falsePositives, []);
    },
  );

  await t.step("hedged answers (the gold plus a different value) do not verify", () => {
    const prng = seededPrng(20250603);
    const hedges = [
      (g: string, o: string) => `\\boxed{${g} \\text{ or } ${o}}`,
      (g: string, o: string) => `\\boxed{${o} \\text{ or } ${g}}`,
      (g: string, o: string) => `$\\boxed{${g}}$ and $\\boxed{${o}}$`,
      (g: string, o: string) => `\\boxed{${o}}, \\boxed{${g}}`,
      (g: string, o: string) => `The answer is $${g}$ or $${o}$.`,
    ];
    const falsePositives: string[] = [];
    let total = 0;
    while (total < size.pairs / 4) {
      const gold = golds[randomInt(prng, golds.length)].target;
      const other = golds[randomInt(prng, golds.length)].target;
      const skip = other === "" || /,|\\pm|\\cup/.test(gold + other);
      if (skip || !isDifferent(gold, other)) continue;
      const response = hedges[total % hedges.length](gold, other);
      total++;
      if (verify(response, gold).correct) {
        falsePositives.push(`${JSON.stringify(gold)}: ${response}`);
      }
    }
    report("hedged-answer false positives", total, falsePositives);
    assert.deepEqual(falsePositives, []);
  });

  await t.step("near-miss perturbations of every gold do not verify", () => {
    const falsePositives: string[] = [];
    let total = 0;
    const unique = [...new Set(golds.map((g) => g.target))];
    unique.forEach((gold, i) => {
      for (const miss of nearMisses(gold)) {
        if (!isDifferent(gold, miss)) continue;
        total++;
        const verdict = verify(RESPONSES[i % RESPONSES.length](miss), gold);
        if (verdict.correct) {
          falsePositives.push(`${JSON.stringify(gold)} vs ${JSON.stringify(miss)}`);
        }
      }
    });
    report("near-miss false positives", total, falsePositives);
    assert.ok(total > size.minNearMisses, `only ${total} near misses generated`);
    assert.deepEqual(falsePositives, []);
  });
}
