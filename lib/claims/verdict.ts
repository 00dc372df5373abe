/**
 * Claims: turn estimates with intervals into verdicts by rules stated here, so every claims table
 * is computed from its numbers and never typed in. Plain numbers only (no tf).
 *
 * **Verdicts.** "reproduced", "not reproduced", "inconclusive" (the interval allows both), "not
 * tested" (a precondition failed: the policies did not move enough to put the claim to the
 * test, see movement_gate.ts) and "not testable" (the data cannot show it:
 * both sides at a ceiling or floor, e.g. Pass@k of 100% for every method).
 *
 * **The rule** ({@link judgeInterval}), for a quantity D (usually A − B) with a 95% interval
 * [lo, hi] and a margin μ ≥ 0 stated with each claim:
 * - "greater" (D > 0): reproduced when lo > 0; not reproduced when hi < 0, or when the whole
 *   interval lies within [−μ, μ] (no difference worth the name; with μ = 0, exactly [0, 0]);
 *   else inconclusive. (A [0, 0] that comes from both sides sitting at a ceiling is "not
 *   testable" instead: pass_at_k_rules.ts checks for ceilings before it judges.)
 * - "less" (D < 0): the mirror image.
 * - "at-least" (D ≥ −μ, non-inferiority): reproduced when lo ≥ −μ; not reproduced only when
 *   hi < −μ (below the margin, not merely below 0); else inconclusive.
 * - "at-most" (D ≤ μ): the mirror image.
 * - "close" (|D| ≤ μ, equivalence by two one-sided tests): reproduced when [lo, hi] lies within
 *   [−μ, μ]; not reproduced when it lies entirely outside; else inconclusive.
 *
 * **Combining parts** ({@link combineClaims}): "not tested" anywhere makes the whole "not tested";
 * "not testable" parts are set aside (all of them: "not testable"). Under "all" the claim is
 * reproduced when every testable part is, not reproduced when any part is not, else
 * inconclusive; under "most" (a claim the paper makes on several benchmarks, judged per tier)
 * it is reproduced when more than half of the testable parts are, not reproduced when at least
 * half are not, else inconclusive.
 *
 * @module
 */

import type { Interval } from "../eval/passk.ts";

/** The outcomes of testing a claim (see the module doc). */
export type ClaimVerdict =
  | "reproduced"
  | "not reproduced"
  | "inconclusive"
  | "not tested"
  | "not testable";

/** Every verdict, in the order tables list them. */
export const CLAIM_VERDICTS: readonly ClaimVerdict[] = [
  "reproduced",
  "not reproduced",
  "inconclusive",
  "not tested",
  "not testable",
];

/** How a quantity D (usually A − B) must compare with 0; see the module doc for each rule. */
export type ClaimRelation = "greater" | "less" | "at-least" | "at-most" | "close";

/** A tested claim: what was claimed, the verdict, and the numbers behind it. */
export type ClaimRecord = {
  /** Short identifier, e.g. "3" or "3/tierA". */
  readonly id: string;
  /** The claim in words. */
  readonly claim: string;
  /** The verdict, computed from the intervals. */
  readonly verdict: ClaimVerdict;
  /** The numbers with their intervals, in words. */
  readonly evidence: string;
  /**
   * How firm the verdict is, for a claim on Pass@k-like quantities (percent unit): the distance
   * in percentage points from the nearest interval end to the nearest boundary that would change
   * its verdict ({@link firmnessOf}; for combined claims the least of the parts'). Absent for
   * other units and for claims not judged.
   */
  readonly firmnessPp?: number;
};

/**
 * The run-to-run shift between two machines of this kind (pp): how far an interval's end moves
 * when the same commit runs from an empty cache on another CPU (float-level differences in the
 * products change each training trajectory a little). Measured on the main job at bfce27e, an AMD
 * EPYC against an Intel Xeon: over the 96 ends of the methods' Pass@k − base intervals, median
 * 0.49 pp, 90th percentile 2.4 pp, largest 5.7 pp (an earlier pair of machines: NSR's tier-A Pass@1
 * gain +15.1 against +15.5 pp). The 90th percentile: a verdict whose
 * {@link ClaimRecord.firmnessPp} is below it could flip on another machine.
 */
export const MACHINE_SHIFT_PP = 2.4;

/**
 * How far an interval lies from the boundaries of its rule (module doc): the least distance
 * between an end of the interval and a threshold the rule compares it with (0 and ±μ for
 * "greater" / "less", −μ for "at-least", +μ for "at-most", ±μ for "close").
 *
 * @param interval The interval.
 * @param options The `relation` and `margin` μ (default 0).
 * @returns The distance, in the interval's units.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(firmnessOf({ lower: 0.01, upper: 0.05 }, { relation: "greater" }), 0.01);
 * assert.equal(firmnessOf({ lower: -0.01, upper: 0.03 }, { relation: "at-least", margin: 0.02 }), 0.01);
 * ```
 */
export function firmnessOf(
  interval: { readonly lower: number; readonly upper: number },
  options: { readonly relation: ClaimRelation; readonly margin?: number },
): number {
  const { relation, margin = 0 } = options;
  const thresholds = relation === "at-least"
    ? [-margin]
    : relation === "at-most"
    ? [margin]
    : relation === "close"
    ? [-margin, margin]
    : margin > 0
    ? [0, -margin, margin]
    : [0];
  return Math.min(
    ...thresholds.flatMap((t) => [Math.abs(interval.lower - t), Math.abs(interval.upper - t)]),
  );
}

/** Identifies a claim: its `id` and its text. */
export type ClaimLabels = {
  /** Short identifier. */
  readonly id: string;
  /** The claim in words. */
  readonly claim: string;
};

/**
 * Margin of the Pass@k non-inferiority claims ("at least", "not below"): 2 percentage points.
 * Chosen before any run: about the 95% half-width of a Pass@k difference over 128 problems and 3
 * seeds at mid k, and twice the precision of the paper's Table 1.
 */
export const PASS_AT_K_MARGIN = 0.02;

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
 * assert.equal(judgeInterval({ lower: -0.015, upper: -0.001 }, { relation: "at-least", margin: 0.02 }), "reproduced");
 * assert.equal(judgeInterval({ lower: -0.05, upper: -0.03 }, { relation: "at-least", margin: 0.02 }), "not reproduced");
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
      if (lower >= -margin) return "reproduced";
      return upper < -margin ? "not reproduced" : "inconclusive";
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
 * Writes an estimate and its interval: `+5.0 pp [+2.0, +8.0]` (percent) or `0.123 [0.1, 0.15]`.
 *
 * @param interval The estimate and interval.
 * @param unit `percent` (values are fractions, written ×100 with a sign) or `number`.
 * @returns The text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatInterval({ estimate: 0.05, lower: 0.02, upper: 0.08 }, "percent"), "+5.0 pp [+2.0, +8.0]");
 * ```
 */
export function formatInterval(interval: Interval, unit: EvidenceUnit): string {
  const { estimate, lower, upper } = interval;
  const suffix = unit === "percent" ? " pp" : "";
  return `${formatNumber(estimate, unit)}${suffix} [${formatNumber(lower, unit)}, ` +
    `${formatNumber(upper, unit)}]`;
}

/**
 * A claim about one quantity with an interval.
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
  const evidence = `${label}: ${formatInterval(interval, unit)}`;
  const firmness = unit === "percent"
    ? { firmnessPp: 100 * firmnessOf(interval, { relation, margin }) }
    : {};
  return { id, claim, verdict, evidence, interval, ...firmness };
}

/**
 * A claim that was not judged, with the reason (a failed precondition, or data that cannot show
 * it).
 *
 * @param verdict "not tested" or "not testable".
 * @param options Labels and the `reason`.
 * @returns The record.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const record = claimNotJudged("not testable", { id: "4/tierA", claim: "", reason: "every method at 100%" });
 * assert.equal(record.evidence, "not testable: every method at 100%");
 * ```
 */
export function claimNotJudged(
  verdict: "not tested" | "not testable",
  options: ClaimLabels & { readonly reason: string },
): ClaimRecord {
  const { id, claim, reason } = options;
  return { id, claim, verdict, evidence: `${verdict}: ${reason}` };
}

/**
 * Combines parts (tiers, sub-claims) into one claim by the rules of the module doc; the evidence
 * lists each part's id, verdict and evidence.
 *
 * @param parts The parts.
 * @param options Labels and the `rule`, "all" or "most".
 * @returns The combined record.
 * @throws {RangeError} If there are no parts.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const part = (verdict: "reproduced" | "inconclusive") => ({ id: "p", claim: "", verdict, evidence: "" });
 * assert.equal(combineClaims([part("reproduced"), part("inconclusive")], { id: "1", claim: "", rule: "all" }).verdict, "inconclusive");
 * assert.equal(combineClaims([part("reproduced"), part("reproduced"), part("inconclusive")], { id: "1", claim: "", rule: "most" }).verdict, "reproduced");
 * ```
 */
export function combineClaims(
  parts: readonly ClaimRecord[],
  options: ClaimLabels & { readonly rule: "all" | "most" },
): ClaimRecord {
  const { id, claim, rule } = options;
  if (parts.length === 0) throw new RangeError(`Cannot combine claim ${id}: no parts, got []`);
  const evidence = parts.map((p) => `${p.id} ${p.verdict}: ${p.evidence}`).join("; ");
  const verdict = combineVerdicts(parts.map((p) => p.verdict), rule);
  const firm = parts.flatMap((p) => (p.firmnessPp === undefined ? [] : [p.firmnessPp]));
  return {
    id,
    claim,
    verdict,
    evidence,
    ...(firm.length > 0 ? { firmnessPp: Math.min(...firm) } : {}),
  };
}

/**
 * The verdict of several parts by the "all" or "most" rule (module doc).
 *
 * @param verdicts The parts' verdicts.
 * @param rule "all" or "most".
 * @returns The combined verdict.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(combineVerdicts(["reproduced", "not testable"], "all"), "reproduced");
 * assert.equal(combineVerdicts(["reproduced", "not tested"], "most"), "not tested");
 * ```
 */
export function combineVerdicts(
  verdicts: readonly ClaimVerdict[],
  rule: "all" | "most",
): ClaimVerdict {
  if (verdicts.includes("not tested")) return "not tested";
  const testable = verdicts.filter((v) => v !== "not testable");
  if (testable.length === 0) return "not testable";
  const reproduced = testable.filter((v) => v === "reproduced").length;
  const failed = testable.filter((v) => v === "not reproduced").length;
  if (rule === "all") {
    if (failed > 0) return "not reproduced";
    return reproduced === testable.length ? "reproduced" : "inconclusive";
  }
  if (reproduced > testable.length / 2) return "reproduced";
  return failed >= testable.length / 2 ? "not reproduced" : "inconclusive";
}

function signed(text: string, value: number): string {
  return value >= 0 ? `+${text}` : `-${text.replace(/^-/, "")}`;
}

function formatNumber(value: number, unit: EvidenceUnit): string {
  if (unit === "percent") return signed((100 * value).toFixed(1), value);
  return String(Number(value.toPrecision(3)));
}
