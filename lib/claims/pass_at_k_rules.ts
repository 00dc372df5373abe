/**
 * The statistics of the paper claims' rules, on a protocol run: Pass@k differences x − y at one k
 * or summarised over k (95% intervals, bootstrap over problems paired across methods, and seeds:
 * protocol_stats.ts), per tier and combined over tiers, with the ceiling and the movement gate
 * that decide when a comparison is a test at all.
 *
 * - **Ceilings.** A Pass@k comparison where both sides are at ≥ 99% or ≤ 1% on a tier is "not
 *   testable" there (e.g. Pass@64 on an easy tier), and ks where they are are left out of a
 *   curve summary.
 * - **Judged sets.** With a primary held-out set (protocol v3: drawn from the training
 *   distribution), claims are judged on it alone and the tiers are secondary, reported in the
 *   tables; without one (v2 results) every tier is judged and tiers combine by the "most" rule.
 *   Sub-claims of one claim combine by "all".
 * - **The largest judged k** is the largest power of two up to n / 4 (n = 64: k = 16), not n:
 *   Pass@n rests on one draw of n samples per problem, the noisiest point of the curve.
 * - **Margins scale with the quantity.** A non-inferiority part ("at least", "not below") of
 *   x − y at k uses the margin {@link RELATIVE_MARGIN} × y's Pass@k (at least 0.5 pp), so it
 *   means the same on an easy and a hard set and at k = 1 and at large k.
 *
 * @module
 */
import type { PassAtKBootstrap } from "../eval/compare.ts";
import { claimFromInterval, claimNotJudged, type ClaimRecord, combineClaims } from "./verdict.ts";
import { type MovementGate, movementGate } from "./movement_gate.ts";
import { matchedView } from "../protocol/baseline_views.ts";
import { passAtKBootstrap, passAtKStatistic } from "../protocol/protocol_stats.ts";
import {
  BASE_METHOD,
  judgedKMax,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";

/** Both sides of a Pass@k comparison within this of 0 or 1 make it "not testable". */
const CEILING = 0.01;

/**
 * Margin of a non-inferiority part, as a share of the comparator's value (5%, so "NSR not below
 * the base" at a base Pass@16 of 0.70 allows 3.5 pp, at a base Pass@1 of 0.30 1.5 pp). Fixed
 * before any v3 run; the rules' simulations (simulate.ts) check it against this protocol's noise.
 */
export const RELATIVE_MARGIN = 0.05;
/** The smallest margin of a non-inferiority part: 0.5 pp. */
export const MIN_MARGIN = 0.005;

/**
 * The margin of "x at least y" at a comparator value (module doc).
 *
 * @param comparator y's estimate.
 * @returns The margin.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(relativeMargin(0.7).toFixed(3), "0.035");
 * assert.equal(relativeMargin(0.02), 0.005);
 * ```
 */
export function relativeMargin(comparator: number): number {
  return Math.max(RELATIVE_MARGIN * comparator, MIN_MARGIN);
}

/**
 * The sets a run's claims are judged on (module doc): the primary set when the run has one,
 * else every tier.
 *
 * @param results The run.
 * @returns The judged sets.
 */
export function judgedSets(results: ProtocolResults): string[] {
  const sets = Object.keys(results.evaluations[PRIMARY_SETTING] ?? {});
  return sets.includes(PRIMARY_SET) ? [PRIMARY_SET] : sets;
}

/** A protocol run as the paper claims' rules read it: its tiers, largest k, gate and bootstraps. */
export type PaperContext = {
  /** The run (or a seed-restricted view of it). */
  readonly results: ProtocolResults;
  /** Bootstraps already drawn, by tier and methods (each is seeded, so sharing saves time only). */
  readonly boots: Map<string, PassAtKBootstrap>;
  /** The judged sets (module doc). */
  readonly tiers: readonly string[];
  /** The largest judged k (judgedKMax). */
  readonly kMax: number;
  /** The run's movement gate. */
  readonly gate: MovementGate;
};

const CONTEXTS = new WeakMap<ProtocolResults, PaperContext>();

/**
 * The context of a run, computed once per results object (every claim of a notebook reads the
 * same gate and bootstraps).
 *
 * @param results The protocol's results.
 * @returns Its context.
 */
export function paperContext(results: ProtocolResults): PaperContext {
  let ctx = CONTEXTS.get(results);
  if (ctx === undefined) {
    const tiers = judgedSets(results);
    const kMax = judgedKMax(results.protocol.evaluation.samples);
    ctx = { results, boots: new Map(), tiers, kMax, gate: movementGate(results) };
    CONTEXTS.set(results, ctx);
  }
  return ctx;
}

/**
 * A context on a seed-restricted view of a run (one-seed ablations compare on those seeds),
 * with the same tiers, largest k and gate.
 *
 * @param ctx The run's context.
 * @param seeds The seeds kept.
 * @param methods The methods kept.
 * @returns The sub-context.
 */
export function seedContext(
  ctx: PaperContext,
  seeds: readonly number[],
  methods: readonly string[],
): PaperContext {
  return { ...ctx, results: seedsOnly(ctx.results, seeds, methods), boots: new Map() };
}

/**
 * The bootstrap of some methods on a tier (primary setting), drawn once per context.
 *
 * @param ctx The context.
 * @param tier The tier.
 * @param methods The methods.
 * @returns The bootstrap.
 */
export function boot(
  ctx: PaperContext,
  tier: string,
  methods: readonly string[],
): PassAtKBootstrap {
  const key = `${tier}|${methods.join("|")}`;
  let b = ctx.boots.get(key);
  if (b === undefined) {
    b = passAtKBootstrap(ctx.results, { setting: PRIMARY_SETTING, tier, methods });
    ctx.boots.set(key, b);
  }
  return b;
}

function atCeiling(b: PassAtKBootstrap, x: string, y: string, k: number): boolean {
  const j = b.ks.indexOf(k);
  const values = [b.estimates[x][j], b.estimates[y][j]];
  return values.every((v) => v >= 1 - CEILING) || values.every((v) => v <= CEILING);
}

/**
 * A Pass@k comparison x − y at k on a tier, or "not testable" at a ceiling. "at-least" uses the
 * margin {@link relativeMargin} of y's Pass@k; "greater" and "less" none.
 *
 * @param ctx The context.
 * @param tier The tier.
 * @param pair The methods x and y, and k.
 * @param options The `relation` and the part's `id`.
 * @returns The part's record.
 */
export function passAtKClaim(
  ctx: PaperContext,
  tier: string,
  pair: { readonly x: string; readonly y: string; readonly k: number },
  options: { readonly relation: "greater" | "less" | "at-least"; readonly id: string },
): ClaimRecord {
  const { x, y, k } = pair;
  const b = boot(ctx, tier, [x, y]);
  const label = `${tier}: ${x} − ${y} at k=${k}`;
  if (atCeiling(b, x, y, k)) {
    const j = b.ks.indexOf(k);
    return claimNotJudged("not testable", {
      id: options.id,
      claim: "",
      reason: `${label}: both at ${(100 * b.estimates[x][j]).toFixed(1)}% and ${
        (100 * b.estimates[y][j]).toFixed(1)
      }%`,
    });
  }
  const interval = passAtKStatistic(b, (p) => p(x, k) - p(y, k));
  const margin = options.relation === "at-least"
    ? relativeMargin(b.estimates[y][b.ks.indexOf(k)])
    : 0;
  return claimFromInterval(interval, {
    id: options.id,
    claim: "",
    relation: options.relation,
    margin,
    label: margin > 0 ? `${label} (margin ${(100 * margin).toFixed(1)} pp)` : label,
    unit: "percent",
  });
}

/**
 * The minimum over the judged ks off the ceiling (1, 2, 4, … up to the largest judged k) of x − y
 * plus that k's margin ({@link relativeMargin} of y), at-least 0: "x is not below y at any k".
 *
 * @param ctx The context.
 * @param tier The tier.
 * @param pair The methods x and y.
 * @param options The `summary` and the part's `id`.
 * @returns The part's record.
 */
export function curveClaim(
  ctx: PaperContext,
  tier: string,
  pair: { readonly x: string; readonly y: string },
  options: { readonly id: string },
): ClaimRecord {
  const { x, y } = pair;
  const b = boot(ctx, tier, [x, y]);
  const ks = b.ks.filter((k) => k <= ctx.kMax && !atCeiling(b, x, y, k));
  const label = `${tier}: min over k=${ks.join(",")} of ${x} − ${y} + margin (5% of ${y})`;
  if (ks.length === 0) {
    return claimNotJudged("not testable", {
      id: options.id,
      claim: "",
      reason: `${tier}: every k at a ceiling`,
    });
  }
  const margins = ks.map((k) => relativeMargin(b.estimates[y][b.ks.indexOf(k)]));
  const interval = passAtKStatistic(
    b,
    (p) => Math.min(...ks.map((k, j) => p(x, k) - p(y, k) + margins[j])),
  );
  return claimFromInterval(interval, {
    id: options.id,
    claim: "",
    relation: "at-least",
    label,
    unit: "percent",
  });
}

/**
 * "x keeps at least a share ρ of y's Pass@1 gain over the base": (x − Base) − ρ (y − Base) at
 * k = 1, at-least 0.
 *
 * @param ctx The context.
 * @param tier The set.
 * @param pair The methods x and y and the share ρ.
 * @param id The part's id.
 * @returns The part's record, its evidence led by both gains.
 */
export function gainShareClaim(
  ctx: PaperContext,
  tier: string,
  pair: { readonly x: string; readonly y: string; readonly share: number },
  id: string,
): ClaimRecord {
  const { x, y, share } = pair;
  const b = boot(ctx, tier, [x, y, BASE_METHOD]);
  const gain = (m: string) => passAtKStatistic(b, (p) => p(m, 1) - p(BASE_METHOD, 1));
  const interval = passAtKStatistic(
    b,
    (p) => p(x, 1) - p(BASE_METHOD, 1) - share * (p(y, 1) - p(BASE_METHOD, 1)),
  );
  const ratio = gain(x).estimate / gain(y).estimate;
  const record = claimFromInterval(interval, {
    id,
    claim: "",
    relation: "at-least",
    label: `${tier}: (${x} − Base) − ${share} × (${y} − Base) at k=1`,
    unit: "percent",
  });
  return {
    ...record,
    evidence: `${tier}: Pass@1 gain ${x} ${formatPp(gain(x).estimate)}, ${y} ${
      formatPp(gain(y).estimate)
    } (${x}/${y} ${Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a"}); ${record.evidence}`,
  };
}

const formatPp = (v: number) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(1)} pp`;

/**
 * A claim judged per tier and combined over tiers by the "most" rule.
 *
 * @param ctx The context.
 * @param labels The claim's `id` and text.
 * @param part The judge of one tier.
 * @returns The combined record.
 */
export function perTier(
  ctx: PaperContext,
  labels: { readonly id: string; readonly claim: string },
  part: (tier: string) => ClaimRecord,
): ClaimRecord {
  return combineClaims(ctx.tiers.map(part), { ...labels, rule: "most" });
}

/**
 * Wraps a paper claim's rule in the movement gate: when the gate fails the claim is "not tested",
 * with the gate's numbers as the reason.
 *
 * @param rule The rule, given the run's context and the claim's labels.
 * @returns The gated rule.
 */
export function gated(
  rule: (ctx: PaperContext, labels: { id: string; claim: string }) => ClaimRecord,
): (results: ProtocolResults, labels: { id: string; claim: string }) => ClaimRecord {
  return (results, labels) => {
    const ctx = paperContext(results);
    if (ctx.gate.passed) return rule(ctx, labels);
    return claimNotJudged("not tested", {
      ...labels,
      reason: `the policies did not move enough: ${ctx.gate.evidence}`,
    });
  };
}

/**
 * Wraps a rule to judge it at matched movement (baseline_views.ts's matchedView), under the
 * run's own movement gate: "not testable" when the run has no matched movement.
 *
 * @param rule The rule, given a context and the claim's labels.
 * @returns The rule at matched movement.
 */
export function atMatchedMovement(
  rule: (ctx: PaperContext, labels: { id: string; claim: string }) => ClaimRecord,
): (results: ProtocolResults, labels: { id: string; claim: string }) => ClaimRecord {
  return gated((ctx, labels) => {
    const view = matchedView(ctx.results);
    if (view === null) {
      return claimNotJudged("not testable", {
        ...labels,
        reason: "the run evaluated no checkpoints, so it has no matched movement",
      });
    }
    const matched = ctx.results.matchedMovement;
    const steps = Object.entries(matched?.methods ?? {}).map(([m, c]) =>
      `${m} ${c.steps.join("/")}`
    ).join(", ");
    const record = rule({ ...ctx, results: view, boots: new Map() }, labels);
    return {
      ...record,
      evidence: `at matched Pass@1 gain ${
        formatPp(matched?.target ?? NaN)
      } (steps ${steps}); ${record.evidence}`,
    };
  });
}

/** The results of some methods restricted to some seeds. */
function seedsOnly(
  results: ProtocolResults,
  seeds: readonly number[],
  methods: readonly string[],
): ProtocolResults {
  const runSeed = (m: string, i: number) => results.runs[m]?.[i]?.seed ?? results.protocol.seeds[i];
  const evaluations = Object.fromEntries(
    Object.entries(results.evaluations).map(([setting, byTier]) => [
      setting,
      Object.fromEntries(
        Object.entries(byTier).map(([tier, byMethod]) => [
          tier,
          Object.fromEntries(
            methods.filter((m) => m in byMethod).map((m) => [
              m,
              byMethod[m].filter((_, i) => seeds.includes(runSeed(m, i))),
            ]),
          ),
        ]),
      ),
    ]),
  );
  return { ...results, evaluations };
}
