/**
 * The statistics of the paper claims' rules, on a protocol run: Pass@k differences x − y at one k
 * or summarised over k (95% intervals, bootstrap over problems paired across methods, and seeds:
 * protocol_stats.ts), per tier and combined over tiers, with the ceiling and the movement gate
 * that decide when a comparison is a test at all.
 *
 * - **Ceilings.** A Pass@k comparison where both sides are at ≥ 99% or ≤ 1% on a tier is "not
 *   testable" there (e.g. Pass@64 on an easy tier), and ks where they are are left out of a
 *   curve summary.
 * - Claims over tiers combine by the "most" rule; sub-claims of one claim by "all". Pass@k
 *   margins are {@link PASS_AT_K_MARGIN} (2 pp); the largest k is n (the paper: 256).
 *
 * @module
 */
import { powersOfTwoUpTo } from "../eval/passk.ts";
import type { PassAtKBootstrap } from "../eval/compare.ts";
import {
  claimFromInterval,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
  PASS_AT_K_MARGIN,
} from "./verdict.ts";
import { type MovementGate, movementGate } from "./movement_gate.ts";
import { passAtKBootstrap, passAtKStatistic } from "../protocol/protocol_stats.ts";
import { PRIMARY_SETTING, type ProtocolResults } from "../protocol/protocol_results.ts";

/** Both sides of a Pass@k comparison within this of 0 or 1 make it "not testable". */
const CEILING = 0.01;

/** A protocol run as the paper claims' rules read it: its tiers, largest k, gate and bootstraps. */
export type PaperContext = {
  /** The run (or a seed-restricted view of it). */
  readonly results: ProtocolResults;
  /** Bootstraps already drawn, by tier and methods (each is seeded, so sharing saves time only). */
  readonly boots: Map<string, PassAtKBootstrap>;
  /** The primary setting's tiers. */
  readonly tiers: readonly string[];
  /** The largest k: the largest power of two up to n. */
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
    const tiers = Object.keys(results.evaluations[PRIMARY_SETTING] ?? {});
    const kMax = Math.max(...powersOfTwoUpTo(results.protocol.evaluation.samples));
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
 * margin {@link PASS_AT_K_MARGIN}; "greater" and "less" none.
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
  return claimFromInterval(interval, {
    id: options.id,
    claim: "",
    relation: options.relation,
    margin: options.relation === "at-least" ? PASS_AT_K_MARGIN : 0,
    label,
    unit: "percent",
  });
}

/**
 * A summary over k (the mean or the minimum of x − y over the ks off the ceiling), at-least with
 * the margin {@link PASS_AT_K_MARGIN}.
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
  options: { readonly summary: "mean" | "min"; readonly id: string },
): ClaimRecord {
  const { x, y } = pair;
  const b = boot(ctx, tier, [x, y]);
  const ks = b.ks.filter((k) => !atCeiling(b, x, y, k));
  const label = `${tier}: ${options.summary} over k=${ks.join(",")} of ${x} − ${y}`;
  if (ks.length === 0) {
    return claimNotJudged("not testable", {
      id: options.id,
      claim: "",
      reason: `${tier}: every k at a ceiling`,
    });
  }
  const interval = passAtKStatistic(b, (p) => {
    const d = ks.map((k) => p(x, k) - p(y, k));
    return options.summary === "mean" ? d.reduce((a, v) => a + v, 0) / d.length : Math.min(...d);
  });
  return claimFromInterval(interval, {
    id: options.id,
    claim: "",
    relation: "at-least",
    margin: PASS_AT_K_MARGIN,
    label,
    unit: "percent",
  });
}

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
