/**
 * The paper's claims (Zhu et al. 2025), each tested on a protocol run by a rule fixed here,
 * before any result (claims.ts gives the verdict rules; protocol_stats.ts the intervals: 95%,
 * bootstrap over problems, paired across methods, and seeds). Numbers as in the project's
 * claims table:
 *
 * - **Movement gate.** A comparison is only a test when the policies moved as the paper's did:
 *   the calibration method (GRPO) must beat the base at Pass@1 significantly on the gate's
 *   tiers, and its KL to the base at the last step (mean over seeds) must be at least
 *   `gate.minKl`. Otherwise every claim below is "not tested", with the reason.
 * - **Ceilings.** A Pass@k comparison where both sides are at ≥ 99% or ≤ 1% on a tier is "not
 *   testable" there (e.g. Pass@64 on an easy tier), and ks where they are are left out of a
 *   curve summary.
 * - Claims over tiers combine by the "most" rule; sub-claims of one claim by "all". Pass@k
 *   margins are {@link PASS_AT_K_MARGIN} (2 pp); the largest k is n (the paper: 256).
 *
 * 1. PSR raises Pass@1 over the base (greater at k = 1) and falls below it at large k (less at
 *    k = n), per tier.
 * 2. NSR raises Pass@1 over the base (greater at k = 1) and is not below PPO's or GRPO's Pass@1
 *    (at-least, margin), per tier.
 * 3. NSR is not below the base at any k: the minimum over k of NSR − Base, at-least with the
 *    margin, per tier.
 * 4. NSR's Pass@n is not below PPO's or GRPO's (at-least, margin), per tier.
 * 5. W-REINFORCE has the best curve: for every other RL method m, the mean over k of
 *    W-REINFORCE − m is at-least with the margin (non-inferior to the best), per tier.
 * 6. λ (one seed): Pass@n falls as λ grows from the main λ to 1 (greater: λ_main − λ=1 at k = n),
 *    and Pass@1 peaks at small λ (the best Pass@1 at λ ≤ λ_main at-least the best at λ > λ_main),
 *    per tier.
 * 7. Entropy of greedy responses to held-out problems (all tiers pooled, the paper's "test
 *    entropy"): PSR below the base (less); NSR within 10% of the base (close, relative); GRPO and
 *    PPO above PSR (greater) and not above NSR by more than 5% of the base (at-most, relative).
 * 8. Training-batch correct ratio (mean over steps, paired by prompt): PSR above every other
 *    method (greater) and NSR below every other (less).
 * 9. Greedy accuracy on held-out problems during training: PSR above NSR in the first half of
 *    training (greater, mean over its evaluations), and NSR at least PSR at the end (at-least,
 *    margin).
 * 12. Long runs (one seed, factor × the steps): NSR's Pass@n falls (less: long − main at k = n)
 *    and W-REINFORCE's does not (at-least, margin), per tier.
 * 13. NSR keeps more test entropy than PSR with 4 mini-batches per rollout batch and with 1
 *    (greater, first tier, per setting); the clip fraction of each run is reported.
 *
 * @module
 */
import { type Interval, powersOfTwoUpTo } from "../eval/passk.ts";
import {
  claimFromInterval,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
  formatInterval,
  PASS_AT_K_MARGIN,
} from "./claims.ts";
import {
  correctRatioDifference,
  metricBootstrap,
  metricStatistic,
  passAtKBootstrap,
  passAtKStatistic,
} from "./protocol_stats.ts";
import { BASE_METHOD, PRIMARY_SETTING, type ProtocolResults } from "./protocol_results.ts";
import type { PassAtKBootstrap } from "../eval/compare.ts";
import { bootstrapProblemMeans } from "../eval/compare.ts";
import { seededPrng } from "../random.ts";
import { lastKlToInitial } from "../train/metrics.ts";

/** Both sides of a Pass@k comparison within this of 0 or 1 make it "not testable". */
const CEILING = 0.01;
/** "NSR stays near the base": within this fraction of the base's entropy. */
const ENTROPY_NEAR = 0.1;
/** "In between": another method may exceed NSR's entropy by at most this fraction of the base's. */
const ENTROPY_BETWEEN_MARGIN = 0.05;

/** The outcome of the movement gate. */
export type MovementGate = {
  /** Whether the comparisons are tests. */
  readonly passed: boolean;
  /** The numbers, in words. */
  readonly evidence: string;
  /** Calibration method − Base at k = 1, per gate tier. */
  readonly passAt1: Readonly<Record<string, Interval>>;
  /** Its mean KL to the base at the last step. */
  readonly kl: number;
};

/**
 * The movement gate of the module doc.
 *
 * @param results The protocol's results.
 * @returns Whether it passed, and why.
 */
export function movementGate(results: ProtocolResults): MovementGate {
  const method = results.calibration.method;
  const { tiers, minKl } = results.protocol.gate;
  const passAt1: Record<string, Interval> = {};
  for (const tier of tiers) {
    const boot = passAtKBootstrap(results, {
      setting: PRIMARY_SETTING,
      tier,
      methods: [method, BASE_METHOD],
    });
    passAt1[tier] = passAtKStatistic(boot, (p) => p(method, 1) - p(BASE_METHOD, 1));
  }
  const runs = results.runs[method] ?? [];
  const kl = runs.reduce((s, r) => s + (lastKlToInitial(r.steps)), 0) /
    Math.max(runs.length, 1);
  const significant = Object.values(passAt1).every((i) => i.lower > 0);
  const evidence = `${method} − Base Pass@1: ` +
    Object.entries(passAt1).map(([tier, i]) => `${tier} ${formatInterval(i, "percent")}`).join(
      ", ",
    ) +
    `; ${method} KL to the base ${
      kl.toPrecision(3)
    } nats/token (gate: Pass@1 gain significant, KL >= ${minKl})`;
  return { passed: significant && kl >= minKl, evidence, passAt1, kl };
}

type Context = {
  results: ProtocolResults;
  boots: Map<string, PassAtKBootstrap>;
  tiers: readonly string[];
  kMax: number;
};

function boot(ctx: Context, tier: string, methods: readonly string[]): PassAtKBootstrap {
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

/** A Pass@k comparison x − y at k on a tier, or "not testable" at a ceiling. */
function passAtKClaim(
  ctx: Context,
  tier: string,
  x: string,
  y: string,
  k: number,
  options: { relation: "greater" | "less" | "at-least"; id: string },
): ClaimRecord {
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

/** A summary over k (mean or minimum of x − y over the ks off the ceiling). */
function curveClaim(
  ctx: Context,
  tier: string,
  x: string,
  y: string,
  options: { summary: "mean" | "min"; id: string },
): ClaimRecord {
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

function perTier(
  ctx: Context,
  id: string,
  claim: string,
  part: (tier: string) => ClaimRecord,
): ClaimRecord {
  return combineClaims(ctx.tiers.map(part), { id, claim, rule: "most" });
}

/**
 * Tests claims 1–9, 12 and 13 of the module doc on a protocol run (claims 10 and 11, the
 * gradient analysis, are notebook 03's).
 *
 * @param results The protocol's results.
 * @returns One record per claim, in order, each with its evidence; all "not tested" when the
 *   movement gate fails (the gate's numbers are the evidence).
 */
export function paperClaims(results: ProtocolResults): ClaimRecord[] {
  const tiers = Object.keys(results.evaluations[PRIMARY_SETTING] ?? {});
  const n = results.protocol.evaluation.samples;
  const kMax = Math.max(...powersOfTwoUpTo(n));
  const ctx: Context = { results, boots: new Map(), tiers, kMax };
  const texts = CLAIM_TEXTS(kMax);
  const gate = movementGate(results);
  if (!gate.passed) {
    return Object.entries(texts).map(([id, claim]) =>
      claimNotJudged("not tested", {
        id,
        claim,
        reason: `the policies did not move enough: ${gate.evidence}`,
      })
    );
  }
  const { groups } = results;
  const claims: ClaimRecord[] = [];

  claims.push(perTier(ctx, "1", texts["1"], (tier) =>
    combineClaims([
      passAtKClaim(ctx, tier, "PSR", BASE_METHOD, 1, { relation: "greater", id: `1a/${tier}` }),
      passAtKClaim(ctx, tier, "PSR", BASE_METHOD, kMax, { relation: "less", id: `1b/${tier}` }),
    ], { id: `1/${tier}`, claim: "", rule: "all" })));

  claims.push(perTier(ctx, "2", texts["2"], (tier) =>
    combineClaims([
      passAtKClaim(ctx, tier, "NSR", BASE_METHOD, 1, { relation: "greater", id: `2a/${tier}` }),
      passAtKClaim(ctx, tier, "NSR", "PPO", 1, { relation: "at-least", id: `2b/${tier}` }),
      passAtKClaim(ctx, tier, "NSR", "GRPO", 1, { relation: "at-least", id: `2c/${tier}` }),
    ], { id: `2/${tier}`, claim: "", rule: "all" })));

  claims.push(
    perTier(
      ctx,
      "3",
      texts["3"],
      (tier) => curveClaim(ctx, tier, "NSR", BASE_METHOD, { summary: "min", id: `3/${tier}` }),
    ),
  );

  claims.push(perTier(ctx, "4", texts["4"], (tier) =>
    combineClaims(
      ["PPO", "GRPO"].map((other) =>
        passAtKClaim(ctx, tier, "NSR", other, kMax, {
          relation: "at-least",
          id: `4/${tier}/${other}`,
        })
      ),
      { id: `4/${tier}`, claim: "", rule: "all" },
    )));

  const rl = groups.main.filter((m) => m !== BASE_METHOD && m !== "W-REINFORCE");
  claims.push(perTier(ctx, "5", texts["5"], (tier) =>
    combineClaims(
      rl.map((other) =>
        curveClaim(ctx, tier, "W-REINFORCE", other, { summary: "mean", id: `5/${tier}/${other}` })
      ),
      { id: `5/${tier}`, claim: "", rule: "all" },
    )));

  claims.push(lambdaClaim(ctx, texts["6"]));
  claims.push(entropyClaim(results, texts["7"]));
  claims.push(correctRatioClaim(results, texts["8"]));
  claims.push(greedyClaim(results, texts["9"]));

  const longSeeds = results.protocol.ablations.long?.seeds ?? [];
  const longClaims = Object.entries(groups.long).map(([long, main]) => {
    const sub: Context = {
      ...ctx,
      results: seedsOnly(results, longSeeds, [long, main]),
      boots: new Map(),
    };
    const relation = main === "NSR" ? "less" : "at-least";
    return perTier(
      sub,
      `12/${main}`,
      "",
      (tier) => passAtKClaim(sub, tier, long, main, kMax, { relation, id: `12/${main}/${tier}` }),
    );
  });
  claims.push(
    longClaims.length === 0
      ? claimNotJudged("not testable", {
        id: "12",
        claim: texts["12"],
        reason: "the protocol ran no long runs",
      })
      : combineClaims(longClaims, { id: "12", claim: texts["12"], rule: "all" }),
  );
  claims.push(miniBatchClaim(results, texts["13"]));
  return claims;
}

/** The claims in words, by id. */
export const CLAIM_TEXTS = (kMax: number): Record<string, string> => ({
  "1": `PSR raises Pass@1 over the base but falls below it at large k (k=${kMax})`,
  "2": "NSR alone raises Pass@1 over the base, not below PPO's and GRPO's",
  "3": "NSR's Pass@k is not below the base's at any k",
  "4": `NSR's Pass@${kMax} (the paper: Pass@256) is not below PPO's and GRPO's`,
  "5": "W-REINFORCE has the best curve: not below any other RL method over k",
  "6": `Pass@${kMax} falls as λ grows to 1; Pass@1 peaks at a small λ`,
  "7": "Test entropy: NSR stays near the base, PSR collapses, PPO and GRPO in between",
  "8": "Training-batch correct ratio: PSR highest, NSR lowest",
  "9": "Greedy accuracy: PSR rises faster, NSR catches up by the end",
  "12": "Long training: NSR's Pass@k degrades, W-REINFORCE's stays",
  "13": "NSR keeps more entropy than PSR with 4 mini-batches per batch and with 1",
});

function lambdaClaim(ctx: Context, claim: string): ClaimRecord {
  const { lambda } = ctx.results.groups;
  const ablation = ctx.results.protocol.ablations.lambda;
  if (ablation === undefined) {
    return claimNotJudged("not testable", {
      id: "6",
      claim,
      reason: "the protocol ran no λ ablation",
    });
  }
  const entries = Object.entries(lambda).sort((a, b) => a[1] - b[1]);
  const main = ablation.method;
  const mainLambda = lambda[main];
  const small = entries.filter(([, l]) => l <= mainLambda).map(([m]) => m);
  const large = entries.filter(([, l]) => l > mainLambda).map(([m]) => m);
  const one = entries.find(([, l]) => l === 1)?.[0] ?? entries.at(-1)?.[0];
  if (large.length === 0 || one === undefined || one === main) {
    return claimNotJudged("not testable", { id: "6", claim, reason: "no λ above the main run's" });
  }
  // λ runs have one seed: compare on the main run's matching seed only.
  const seed = ablation.seeds[0];
  const single = seedsOnly(ctx.results, [seed], [...small, ...large]);
  const sub: Context = { ...ctx, results: single, boots: new Map() };
  return perTier(sub, "6", claim, (tier) => {
    const b = boot(sub, tier, [...small, ...large]);
    const bestOf = (group: string[], p: (m: string, k: number) => number) =>
      Math.max(...group.map((m) => p(m, 1)));
    const peak = passAtKStatistic(b, (p) => bestOf(small, p) - bestOf(large, p));
    return combineClaims([
      passAtKClaim(sub, tier, main, one, sub.kMax, { relation: "greater", id: `6a/${tier}` }),
      claimFromInterval(peak, {
        id: `6b/${tier}`,
        claim: "",
        relation: "at-least",
        margin: PASS_AT_K_MARGIN,
        label: `${tier}: best Pass@1 at λ ≤ ${mainLambda} − best at λ > ${mainLambda}`,
        unit: "percent",
      }),
    ], { id: `6/${tier}`, claim: "", rule: "all" });
  });
}

function entropyClaim(results: ProtocolResults, claim: string): ClaimRecord {
  const tiers = Object.keys(results.evaluations[PRIMARY_SETTING]);
  const methods = [BASE_METHOD, "PSR", "NSR", "GRPO", "PPO"];
  const b = metricBootstrap(results, {
    setting: PRIMARY_SETTING,
    tiers,
    methods,
    metrics: ["greedyEntropy"],
  });
  const h = (m: string) => (read: (m: string, q: string) => number) => read(m, "greedyEntropy");
  const diff = (x: string, y: string) => metricStatistic(b, (read) => h(x)(read) - h(y)(read));
  const relative = (x: string, y: string) =>
    metricStatistic(b, (read) => (h(x)(read) - h(y)(read)) / h(BASE_METHOD)(read));
  const parts: ClaimRecord[] = [
    claimFromInterval(diff("PSR", BASE_METHOD), {
      id: "7a",
      claim: "",
      relation: "less",
      label: "PSR − Base (nats)",
    }),
    claimFromInterval(relative("NSR", BASE_METHOD), {
      id: "7b",
      claim: "",
      relation: "close",
      margin: ENTROPY_NEAR,
      label: `(NSR − Base) / Base, within ±${ENTROPY_NEAR}`,
    }),
  ];
  for (const other of ["GRPO", "PPO"]) {
    parts.push(
      claimFromInterval(diff(other, "PSR"), {
        id: `7c/${other}`,
        claim: "",
        relation: "greater",
        label: `${other} − PSR (nats)`,
      }),
      claimFromInterval(relative(other, "NSR"), {
        id: `7d/${other}`,
        claim: "",
        relation: "at-most",
        margin: ENTROPY_BETWEEN_MARGIN,
        label: `(${other} − NSR) / Base, at most +${ENTROPY_BETWEEN_MARGIN}`,
      }),
    );
  }
  const levels = methods.map((m) => `${m} ${b.estimates[m].greedyEntropy.toPrecision(3)}`).join(
    ", ",
  );
  const combined = combineClaims(parts, { id: "7", claim, rule: "all" });
  return {
    ...combined,
    evidence: `greedy-response entropy (nats): ${levels}; ${combined.evidence}`,
  };
}

function correctRatioClaim(results: ProtocolResults, claim: string): ClaimRecord {
  const methods = results.groups.main.filter((m) => m !== BASE_METHOD);
  const parts: ClaimRecord[] = [];
  for (const other of methods.filter((m) => m !== "PSR")) {
    parts.push(claimFromInterval(correctRatioDifference(results, { a: "PSR", b: other }), {
      id: `8/PSR>${other}`,
      claim: "",
      relation: "greater",
      label: `PSR − ${other}`,
      unit: "percent",
    }));
  }
  for (const other of methods.filter((m) => m !== "NSR")) {
    parts.push(claimFromInterval(correctRatioDifference(results, { a: "NSR", b: other }), {
      id: `8/NSR<${other}`,
      claim: "",
      relation: "less",
      label: `NSR − ${other}`,
      unit: "percent",
    }));
  }
  return combineClaims(parts, { id: "8", claim, rule: "all" });
}

function greedyClaim(results: ProtocolResults, claim: string): ClaimRecord {
  const steps = results.protocol.experiment.train.steps;
  const values = (method: string, window: (step: number) => boolean) =>
    (results.runs[method] ?? []).map((run) => {
      const evals = run.evals.filter((e) => e.step > 0 && window(e.step));
      const problems = evals[0]?.greedyCorrect.length ?? 0;
      return Array.from(
        { length: problems },
        (_, i) => evals.reduce((s, e) => s + e.greedyCorrect[i], 0) / evals.length,
      );
    });
  const firstHalf = (step: number) => step <= steps / 2;
  const end = (step: number) => step === steps;
  const b = bootstrapProblemMeans({
    PSR: { firstHalf: values("PSR", firstHalf), end: values("PSR", end) },
    NSR: { firstHalf: values("NSR", firstHalf), end: values("NSR", end) },
  }, { resamples: results.protocol.resamples, prng: seededPrng(0) });
  return combineClaims([
    claimFromInterval(metricStatistic(b, (v) => v("PSR", "firstHalf") - v("NSR", "firstHalf")), {
      id: "9a",
      claim: "",
      relation: "greater",
      label: `PSR − NSR, mean over evaluations in steps 1–${Math.floor(steps / 2)}`,
      unit: "percent",
    }),
    claimFromInterval(metricStatistic(b, (v) => v("NSR", "end") - v("PSR", "end")), {
      id: "9b",
      claim: "",
      relation: "at-least",
      margin: PASS_AT_K_MARGIN,
      label: `NSR − PSR at step ${steps}`,
      unit: "percent",
    }),
  ], { id: "9", claim, rule: "all" });
}

function miniBatchClaim(results: ProtocolResults, claim: string): ClaimRecord {
  const variants = Object.entries(results.groups.miniBatches);
  const ablation = results.protocol.ablations.miniBatches;
  if (ablation === undefined) {
    return claimNotJudged("not testable", {
      id: "13",
      claim,
      reason: "the protocol ran no mini-batch ablation",
    });
  }
  const value = ablation.value;
  const variantOf = (method: string) => variants.find(([, m]) => m === method)?.[0];
  const psr = variantOf("PSR");
  const nsr = variantOf("NSR");
  if (psr === undefined || nsr === undefined) {
    return claimNotJudged("not testable", {
      id: "13",
      claim,
      reason: "the protocol varies the mini-batches of PSR and NSR only together",
    });
  }
  const tier = Object.keys(results.evaluations[PRIMARY_SETTING])[0];
  const seeds = ablation.seeds;
  const restricted = seedsOnly(results, seeds, ["PSR", "NSR", psr, nsr]);
  const b = metricBootstrap(restricted, {
    setting: PRIMARY_SETTING,
    tiers: [tier],
    methods: ["PSR", "NSR", psr, nsr],
    metrics: ["greedyEntropy"],
  });
  const clip = (method: string) => {
    const runs = (results.runs[method] ?? []).filter((r) => seeds.includes(r.seed));
    const all = runs.flatMap((r) => r.steps.map((s) => s.clipFraction));
    return all.reduce((a, x) => a + x, 0) / Math.max(all.length, 1);
  };
  const main = results.protocol.experiment.train.miniBatches;
  const combined = combineClaims([
    claimFromInterval(
      metricStatistic(b, (v) => v("NSR", "greedyEntropy") - v("PSR", "greedyEntropy")),
      {
        id: `13/${main}`,
        claim: "",
        relation: "greater",
        label: `${main} mini-batches: NSR − PSR (nats)`,
      },
    ),
    claimFromInterval(
      metricStatistic(b, (v) => v(nsr, "greedyEntropy") - v(psr, "greedyEntropy")),
      {
        id: `13/${value}`,
        claim: "",
        relation: "greater",
        label: `${value} mini-batch${value === 1 ? "" : "es"}: NSR − PSR (nats)`,
      },
    ),
  ], { id: "13", claim, rule: "all" });
  const clips = ["PSR", "NSR", psr, nsr].map((m) => `${m} ${(100 * clip(m)).toFixed(2)}%`).join(
    ", ",
  );
  return {
    ...combined,
    evidence: `${combined.evidence}; clip fraction: ${clips} (${tier}, seeds ${seeds.join(", ")})`,
  };
}

/** The results of some methods restricted to some seeds (one-seed ablations compare on them). */
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
