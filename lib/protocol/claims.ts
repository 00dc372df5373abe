/**
 * Claims: turn estimates with intervals into verdicts, "reproduced", "not reproduced" or
 * "inconclusive", by one documented rule, so a notebook's claims table is computed from its
 * numbers and never typed in.
 *
 * The rule ({@link judgeInterval}), for a quantity D (usually A − B) with interval [lo, hi] and a
 * margin μ ≥ 0 (differences within ±μ count as "no difference"):
 * - "greater" (D > 0): reproduced when lo > 0; not reproduced when hi < 0, or when the interval
 *   lies within [−μ, μ] (the two are the same, e.g. both exactly 100%); else inconclusive.
 * - "less" (D < 0): the mirror image of "greater".
 * - "at-least" (D ≥ 0, non-inferiority): not reproduced when hi < 0 (A significantly below B,
 *   however slightly); else reproduced when lo ≥ −μ; else inconclusive.
 * - "at-most" (D ≤ 0): the mirror image of "at-least".
 * - "close" (|D| ≤ μ, equivalence as in two one-sided tests): reproduced when [lo, hi] lies
 *   within [−μ, μ]; not reproduced when it lies entirely outside (hi < −μ or lo > μ); else
 *   inconclusive.
 * Intervals are pointwise (one per k): a claim over many ks or tiers is a little more likely to
 * be "not reproduced" by chance than one at a single k.
 *
 * @module
 */

import {
  type Interval,
  type PassAtKBootstrap,
  type PassAtKDifference,
  pearson,
  percentileInterval,
} from "../eval/compare.ts";

/** The three outcomes of testing a claim. */
export type ClaimVerdict = "reproduced" | "not reproduced" | "inconclusive";

/** How a quantity D (usually A − B) must compare with 0; see the module doc for each rule. */
export type ClaimRelation = "greater" | "less" | "at-least" | "at-most" | "close";

/** A tested claim: what was claimed, the verdict, and the numbers behind it. */
export type ClaimRecord = {
  /** Short identifier, e.g. "3" or "3/MATH". */
  readonly id: string;
  /** The claim in words. */
  readonly claim: string;
  /** The verdict, computed from the intervals. */
  readonly verdict: ClaimVerdict;
  /** The numbers with their intervals, in words. */
  readonly evidence: string;
};

/** Identifies a claim: its `id` and its text. */
export type ClaimLabels = {
  /** Short identifier. */
  readonly id: string;
  /** The claim in words. */
  readonly claim: string;
};

/**
 * Margin of the Pass@k "at-least" claims: one percentage point, the precision of the paper's
 * Table 1. A method within one point of another at some k is "not below" it there.
 */
export const PASS_AT_K_MARGIN = 0.01;

/**
 * Judges a claim about a quantity D from its interval, by the rule of the module doc.
 *
 * @param interval The interval of D (`lower` ≤ `upper`).
 * @param options The `relation` claimed and the `margin` μ (default 0; "close" needs μ > 0).
 * @returns The verdict.
 * @throws {RangeError} If the interval is not finite and ordered, or the margin is negative
 *   (or 0 for "close").
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(judgeInterval({ lower: 0.01, upper: 0.05 }, { relation: "greater" }), "reproduced");
 * assert.equal(judgeInterval({ lower: -0.01, upper: 0.05 }, { relation: "greater" }), "inconclusive");
 * assert.equal(judgeInterval({ lower: -0.005, upper: 0 }, { relation: "at-least", margin: 0.01 }), "reproduced");
 * ```
 */
export function judgeInterval(
  interval: { readonly lower: number; readonly upper: number },
  options: { readonly relation: ClaimRelation; readonly margin?: number },
): ClaimVerdict {
  const { relation, margin = 0 } = options;
  const { lower, upper } = interval;
  if (!(Number.isFinite(lower) && Number.isFinite(upper) && lower <= upper)) {
    throw new RangeError(
      `Cannot judge a claim: the interval must be finite with lower <= upper, got [${lower}, ${upper}]`,
    );
  }
  if (!(margin >= 0) || (relation === "close" && margin === 0)) {
    throw new RangeError(
      `Cannot judge a claim: the margin must be >= 0 (> 0 for "close"), got ${margin}`,
    );
  }
  switch (relation) {
    case "greater":
      if (lower > 0) return "reproduced";
      if (upper < 0 || (lower >= -margin && upper <= margin)) return "not reproduced";
      return "inconclusive";
    case "less":
      return judgeInterval({ lower: -upper, upper: -lower }, { relation: "greater", margin });
    case "at-least":
      if (upper < 0) return "not reproduced";
      return lower >= -margin ? "reproduced" : "inconclusive";
    case "at-most":
      return judgeInterval({ lower: -upper, upper: -lower }, { relation: "at-least", margin });
    case "close":
      if (lower >= -margin && upper <= margin) return "reproduced";
      return upper < -margin || lower > margin ? "not reproduced" : "inconclusive";
    default: {
      const unknown: never = relation;
      throw new RangeError(`Cannot judge a claim: unknown relation, got ${unknown}`);
    }
  }
}

/** How numbers are written in evidence: Pass@k points (×100, "pp") or plain numbers. */
export type EvidenceUnit = "percent" | "number";

/**
 * A claim about one quantity with an interval: a Pass@k difference at one k, or a per-seed metric
 * such as final test entropy (from `meanDifferenceInterval`).
 *
 * @param interval The estimate of D and its interval.
 * @param options Labels, `relation`, `margin` (default 0), `label` naming D in the evidence and
 *   the `unit` of its numbers (default "number").
 * @returns The record, with the interval.
 * @throws {RangeError} As {@link judgeInterval}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const record = claimFromInterval({ estimate: 0.05, lower: 0.02, upper: 0.08 }, {
 *   id: "2", claim: "NSR raises Pass@1", relation: "greater", label: "NSR − Base, k=1", unit: "percent",
 * });
 * assert.equal(record.verdict, "reproduced");
 * assert.equal(record.evidence, "NSR − Base, k=1: +5.0 pp [+2.0, +8.0]");
 * ```
 */
export function claimFromInterval(
  interval: Interval,
  options: ClaimLabels & {
    readonly relation: ClaimRelation;
    readonly margin?: number;
    readonly label?: string;
    readonly unit?: EvidenceUnit;
  },
): ClaimRecord & { readonly interval: Interval } {
  const { id, claim, relation, margin = 0, label = "difference", unit = "number" } = options;
  const verdict = judgeInterval(interval, { relation, margin });
  return { id, claim, verdict, evidence: `${label}: ${formatInterval(interval, unit)}`, interval };
}

/**
 * The claim "A ≥ B at every k" (or "A > B at every k") from the paired differences A − B: judged
 * at each k, then not reproduced if some k is, reproduced if every k is, else inconclusive. The
 * evidence names the worst k (the smallest estimated difference) and the ks that failed.
 *
 * @param differences A − B per k, e.g. from `bootstrapDifference`.
 * @param options Labels, `relation` ("at-least" by default, or "greater"), `margin` (default
 *   {@link PASS_AT_K_MARGIN}) and a `label` for A − B.
 * @returns The record, with the worst k and the verdict at each k.
 * @throws {RangeError} If there are no differences.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const record = claimAtEveryK([
 *   { k: 1, difference: 0.05, lower: 0.02, upper: 0.08 },
 *   { k: 256, difference: -0.002, lower: -0.008, upper: 0.004 },
 * ], { id: "3", claim: "NSR ≥ Base at every k" });
 * assert.equal(record.verdict, "reproduced");
 * assert.equal(record.worstK, 256);
 * ```
 */
export function claimAtEveryK(
  differences: readonly PassAtKDifference[],
  options: ClaimLabels & {
    readonly relation?: "at-least" | "greater";
    readonly margin?: number;
    readonly label?: string;
  },
): ClaimRecord & { readonly worstK: number; readonly perK: readonly ClaimVerdict[] } {
  const { id, claim, relation = "at-least", margin = PASS_AT_K_MARGIN, label = "A − B" } = options;
  if (differences.length === 0) {
    throw new RangeError(`Cannot judge claim ${id}: no differences, got []`);
  }
  const perK = differences.map((d) => judgeInterval(d, { relation, margin }));
  const worst = differences.reduce((a, b) => (b.difference < a.difference ? b : a));
  const failed = (verdict: ClaimVerdict): string => {
    const ks = differences.filter((_, j) => perK[j] === verdict).map((d) => d.k);
    return ks.length === 0 ? "" : `; ${verdict} at k=${ks.join(",")}`;
  };
  const verdict = combine(perK, "all");
  const evidence = `${label}, worst k=${worst.k}: ${formatDifference(worst)}` +
    `${failed("not reproduced")}${failed("inconclusive")}`;
  return { id, claim, verdict, evidence, worstK: worst.k, perK };
}

/**
 * The claim "A's Pass@1 > B's, but A < B at large k", from the differences A − B: both parts
 * must hold (A − B "greater" at the smallest k and "less" at `largeK`); not reproduced if either
 * part is, reproduced if both are, else inconclusive. Also reports the crossover k: the smallest
 * k where the estimated difference is negative, whether it is significant there (interval below
 * 0), and the smallest k where it is significantly negative.
 *
 * @param differences A − B per k, in increasing k.
 * @param options Labels, `margin` (default 0), `largeK` (default the largest k) and `label`.
 * @returns The record with the crossover.
 * @throws {RangeError} If there are fewer than two ks or `largeK` is not among them.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const record = claimCrossover([
 *   { k: 1, difference: 0.1, lower: 0.05, upper: 0.15 },
 *   { k: 16, difference: -0.01, lower: -0.03, upper: 0.01 },
 *   { k: 256, difference: -0.06, lower: -0.09, upper: -0.03 },
 * ], { id: "1", claim: "PSR: Pass@1 up, large-k down" });
 * assert.equal(record.verdict, "reproduced");
 * assert.deepEqual([record.crossoverK, record.firstSignificantK], [16, 256]);
 * ```
 */
export function claimCrossover(
  differences: readonly PassAtKDifference[],
  options: ClaimLabels & {
    readonly margin?: number;
    readonly largeK?: number;
    readonly label?: string;
  },
): ClaimRecord & {
  readonly crossoverK: number | null;
  readonly crossoverSignificant: boolean;
  readonly firstSignificantK: number | null;
} {
  const sorted = [...differences].sort((a, b) => a.k - b.k);
  const { id, claim, margin = 0, largeK = sorted.at(-1)?.k, label = "A − B" } = options;
  const large = sorted.find((d) => d.k === largeK);
  if (sorted.length < 2 || large === undefined || large === sorted[0]) {
    throw new RangeError(
      `Cannot judge claim ${id}: needs two ks and a large k among them, got ks ` +
        `${sorted.map((d) => d.k).join(",") || "none"} and largeK=${largeK}`,
    );
  }
  const small = sorted[0];
  const verdict = combine([
    judgeInterval(small, { relation: "greater", margin }),
    judgeInterval(large, { relation: "less", margin }),
  ], "all");
  const crossover = sorted.find((d) => d.difference < 0);
  const firstSignificant = sorted.find((d) => d.upper < 0);
  const crossoverText = crossover === undefined
    ? "no crossover"
    : `crossover at k=${crossover.k} (${
      firstSignificant === undefined
        ? "never significant"
        : `significant from k=${firstSignificant.k}`
    })`;
  const evidence = `${label}: k=${small.k} ${formatDifference(small)}; k=${large.k} ` +
    `${formatDifference(large)}; ${crossoverText}`;
  return {
    id,
    claim,
    verdict,
    evidence,
    crossoverK: crossover?.k ?? null,
    crossoverSignificant: crossover !== undefined && crossover.upper < 0,
    firstSignificantK: firstSignificant?.k ?? null,
  };
}

/**
 * The claim "one of `methods` has the best mean Pass@k over k", from a joint bootstrap. The mean
 * over the chosen ks (equal weights: with k = 1, 2, 4, … that is the area under the curve on a
 * log2 k axis) is computed per draw; D = (best of `methods`) − (best of the others), judged
 * "greater" with `margin` (default 0). Also reports how often a claimed method is best over the
 * draws. With `ks: [1]` this tests "Pass@1 peaks among `methods`".
 *
 * @param boot A joint bootstrap from `bootstrapPassAtK` holding every method compared.
 * @param options Labels, the claimed `methods`, the `ks` averaged (default all) and `margin`.
 * @returns The record, with the estimated winner and the probability that a claimed one is best.
 * @throws {RangeError} If a method or k is not in the bootstrap, or no method is left to beat.
 * @example
 * ```ts
 * import { bootstrapPassAtK } from "../eval/compare.ts";
 * import assert from "node:assert/strict";
 * const counts = (c: number) => [Array.from({ length: 20 }, () => ({ n: 8, c }))];
 * const boot = bootstrapPassAtK({ nsr: counts(2), w: counts(4), base: counts(1) }, [1, 8]);
 * const record = claimBest(boot, { id: "5", claim: "W best", methods: ["w"] });
 * assert.equal(record.verdict, "reproduced");
 * ```
 */
export function claimBest(
  boot: PassAtKBootstrap,
  options: ClaimLabels & {
    readonly methods: readonly string[];
    readonly ks?: readonly number[];
    readonly margin?: number;
  },
): ClaimRecord & { readonly winner: string; readonly probabilityBest: number } {
  const { id, claim, methods, ks = boot.ks, margin = 0 } = options;
  for (const method of methods) checkMethod(boot, method, id);
  const others = boot.methods.filter((method) => !methods.includes(method));
  if (methods.length === 0 || others.length === 0) {
    throw new RangeError(
      `Cannot judge claim ${id}: needs claimed methods and others to beat, got ` +
        `${methods.length} claimed of ${boot.methods.length}`,
    );
  }
  const kIndices = ks.map((k) => {
    const j = boot.ks.indexOf(k);
    if (j < 0) {
      throw new RangeError(`Cannot judge claim ${id}: k=${k} is not in the bootstrap's ks`);
    }
    return j;
  });
  const meanOverK = (values: (j: number) => number): number =>
    kIndices.reduce((total, j) => total + values(j), 0) / kIndices.length;
  const estimate = new Map(
    boot.methods.map((m) => [m, meanOverK((j) => boot.estimates[m][j])]),
  );
  const bestOf = (group: readonly string[], value: (m: string) => number): number =>
    Math.max(...group.map(value));
  const draws = new Float64Array(boot.resamples);
  let claimedBest = 0;
  for (let b = 0; b < boot.resamples; b++) {
    const value = (m: string): number => meanOverK((j) => boot.draws[m][j][b]);
    draws[b] = bestOf(methods, value) - bestOf(others, value);
    if (draws[b] >= 0) claimedBest++;
  }
  const difference = bestOf(methods, (m) => estimate.get(m)!) -
    bestOf(others, (m) => estimate.get(m)!);
  const interval = {
    estimate: difference,
    ...percentileInterval(draws, difference, boot.confidence),
  };
  const verdict = judgeInterval(interval, { relation: "greater", margin });
  const ranked = [...estimate].sort((a, b) => b[1] - a[1]);
  const probabilityBest = boot.resamples === 0
    ? Number(difference >= 0)
    : claimedBest / boot.resamples;
  const evidence = `mean Pass@k over k=${ks.join(",")}: ` +
    ranked.map(([m, v]) => `${m} ${(100 * v).toFixed(1)}%`).join(", ") +
    `; best claimed − best other: ${formatInterval(interval, "percent")}; ` +
    `claimed best in ${(100 * probabilityBest).toFixed(0)}% of draws`;
  return { id, claim, verdict, evidence, winner: ranked[0][0], probabilityBest };
}

/**
 * The claim "Pass@k falls (or rises) as a parameter grows", e.g. Pass@256 over λ, from a joint
 * bootstrap. Two statistics are computed per draw: the end-to-end difference P(last) − P(first)
 * (the default verdict: it is the claim's plain reading, "from λ = 0.1 to 1", with the most
 * power), and Spearman's rank correlation between the parameter and P (ties get average ranks;
 * 0 when P is constant), which also asks that the middle points follow. The chosen one is judged
 * "less" (decreasing) or "greater" (increasing) with `margin` (default 0).
 *
 * @param boot A joint bootstrap holding the methods.
 * @param options Labels, `methods` and their parameter `values` (same length, ≥ 2), the `k`,
 *   the `direction` and the `statistic` that decides ("end-to-end" or "spearman").
 * @returns The record, with both intervals.
 * @throws {RangeError} If lengths differ, fewer than two methods, or a method or k is unknown.
 * @example
 * ```ts
 * import { bootstrapPassAtK } from "../eval/compare.ts";
 * import assert from "node:assert/strict";
 * const counts = (c: number) => [Array.from({ length: 20 }, () => ({ n: 8, c }))];
 * const boot = bootstrapPassAtK({ a: counts(6), b: counts(4), c: counts(2) }, [1]);
 * const options = { id: "6", claim: "falls", methods: ["a", "b", "c"], values: [0.1, 0.5, 1] };
 * assert.equal(claimTrend(boot, { ...options, k: 1, direction: "decreasing" }).verdict, "reproduced");
 * ```
 */
export function claimTrend(
  boot: PassAtKBootstrap,
  options: ClaimLabels & {
    readonly methods: readonly string[];
    readonly values: readonly number[];
    readonly k: number;
    readonly direction: "decreasing" | "increasing";
    readonly statistic?: "end-to-end" | "spearman";
    readonly margin?: number;
  },
): ClaimRecord & { readonly endToEnd: Interval; readonly spearman: Interval } {
  const { id, claim, methods, values, k, direction, statistic = "end-to-end", margin = 0 } =
    options;
  if (methods.length < 2 || methods.length !== values.length) {
    throw new RangeError(
      `Cannot judge claim ${id}: needs >= 2 methods with one value each, got ` +
        `${methods.length} methods and ${values.length} values`,
    );
  }
  for (const method of methods) checkMethod(boot, method, id);
  const j = boot.ks.indexOf(k);
  if (j < 0) throw new RangeError(`Cannot judge claim ${id}: k=${k} is not in the bootstrap's ks`);
  const valueRanks = ranks(values);
  const statistics = (curve: readonly number[]): [number, number] => [
    curve[curve.length - 1] - curve[0],
    pearson(valueRanks, ranks(curve)),
  ];
  const [endEstimate, rhoEstimate] = statistics(methods.map((m) => boot.estimates[m][j]));
  const endDraws = new Float64Array(boot.resamples);
  const rhoDraws = new Float64Array(boot.resamples);
  for (let b = 0; b < boot.resamples; b++) {
    [endDraws[b], rhoDraws[b]] = statistics(methods.map((m) => boot.draws[m][j][b]));
  }
  const endToEnd = {
    estimate: endEstimate,
    ...percentileInterval(endDraws, endEstimate, boot.confidence),
  };
  const spearman = {
    estimate: rhoEstimate,
    ...percentileInterval(rhoDraws, rhoEstimate, boot.confidence),
  };
  const relation = direction === "decreasing" ? "less" : "greater";
  const verdict = judgeInterval(statistic === "end-to-end" ? endToEnd : spearman, {
    relation,
    margin,
  });
  const curveText = methods.map((m, i) =>
    `${values[i]}: ${(100 * boot.estimates[m][j]).toFixed(1)}%`
  );
  const evidence = `Pass@${k} by value ${curveText.join(", ")}; last − first ` +
    `${formatInterval(endToEnd, "percent")}; Spearman ${formatInterval(spearman, "number")}` +
    ` (verdict from ${statistic})`;
  return { id, claim, verdict, evidence, endToEnd, spearman };
}

/**
 * Combines the records of one claim's parts (per tier, or per sub-claim) into one: rule "all"
 * (every part must hold: not reproduced if any part is, reproduced if all are) or "most" (more
 * than half must hold: reproduced if more than half are, not reproduced if even counting every
 * inconclusive part as reproduced would not make a majority).
 *
 * @param records The parts.
 * @param options Labels and the `rule`.
 * @returns The combined record, with its parts; the evidence lists each part's verdict and
 *   evidence.
 * @throws {RangeError} If there are no parts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const part = (id: string, verdict: "reproduced" | "inconclusive") =>
 *   ({ id, claim: "", verdict, evidence: "…" });
 * const parts = [part("MATH", "reproduced"), part("AIME", "reproduced"), part("AMC", "inconclusive")];
 * assert.equal(combineClaims(parts, { id: "5", claim: "", rule: "most" }).verdict, "reproduced");
 * assert.equal(combineClaims(parts, { id: "5", claim: "", rule: "all" }).verdict, "inconclusive");
 * ```
 */
export function combineClaims(
  records: readonly ClaimRecord[],
  options: ClaimLabels & { readonly rule: "all" | "most" },
): ClaimRecord & { readonly parts: readonly ClaimRecord[] } {
  const { id, claim, rule } = options;
  if (records.length === 0) throw new RangeError(`Cannot combine claim ${id}: got 0 parts`);
  const verdict = combine(records.map((r) => r.verdict), rule);
  const evidence = records.map((r) => `[${r.id}] ${r.verdict}: ${r.evidence}`).join("; ");
  return { id, claim, verdict, evidence, parts: [...records] };
}

function combine(verdicts: readonly ClaimVerdict[], rule: "all" | "most"): ClaimVerdict {
  const reproduced = verdicts.filter((v) => v === "reproduced").length;
  const failed = verdicts.filter((v) => v === "not reproduced").length;
  if (rule === "all") {
    if (failed > 0) return "not reproduced";
    return reproduced === verdicts.length ? "reproduced" : "inconclusive";
  }
  if (reproduced > verdicts.length / 2) return "reproduced";
  return verdicts.length - failed > verdicts.length / 2 ? "inconclusive" : "not reproduced";
}

function checkMethod(boot: PassAtKBootstrap, method: string, id: string): void {
  if (!boot.methods.includes(method)) {
    throw new RangeError(
      `Cannot judge claim ${id}: unknown method "${method}", got methods ${
        boot.methods.join(", ")
      }`,
    );
  }
}

function signed(text: string, value: number): string {
  return value >= 0 ? `+${text}` : `-${text.replace(/^-/, "")}`;
}

function formatNumber(value: number, unit: EvidenceUnit): string {
  if (unit === "percent") return signed((100 * value).toFixed(1), value);
  return String(Number(value.toPrecision(3)));
}

function formatInterval(interval: Interval, unit: EvidenceUnit): string {
  const { estimate, lower, upper } = interval;
  const suffix = unit === "percent" ? " pp" : "";
  return `${formatNumber(estimate, unit)}${suffix} [${formatNumber(lower, unit)}, ` +
    `${formatNumber(upper, unit)}]`;
}

function formatDifference(d: PassAtKDifference): string {
  return formatInterval({ estimate: d.difference, lower: d.lower, upper: d.upper }, "percent");
}

// Ranks 1..n, ties sharing their average rank.
function ranks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    for (let i = start; i <= end; i++) result[order[i]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return result;
}
