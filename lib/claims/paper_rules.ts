/**
 * The rules of the paper's claims 1–9, 12 and 13 on a protocol run (the registry, claims.ts,
 * states each claim; this file computes it). Each rule takes the run's context
 * (pass_at_k_rules.ts) and the claim's labels and returns its record; the registry wraps each in
 * the movement gate.
 *
 * @module
 */
import { bootstrapProblemMeans } from "../eval/compare.ts";
import { seededPrng } from "../random.ts";
import {
  claimFromInterval,
  type ClaimLabels,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
  formatInterval,
  PASS_AT_K_MARGIN,
} from "./verdict.ts";
import {
  boot,
  curveClaim,
  gainShareClaim,
  type PaperContext,
  passAtKClaim,
  perTier,
  seedContext,
} from "./pass_at_k_rules.ts";
import { COOLED_BASE, cooledBaseView } from "../protocol/baseline_views.ts";
import {
  correctRatioDifference,
  metricBootstrap,
  metricStatistic,
  passAtKStatistic,
} from "../protocol/protocol_stats.ts";
import { BASE_METHOD, PRIMARY_SETTING } from "../protocol/protocol_results.ts";

/** "NSR stays near the base": within this fraction of the base's entropy. */
export const ENTROPY_NEAR = 0.1;
/** "In between": another method may exceed NSR's entropy by at most this fraction of the base's. */
export const ENTROPY_BETWEEN_MARGIN = 0.05;
/**
 * "Comparable to PPO and GRPO" (claim 2): NSR keeps at least this share of their Pass@1 gain
 * (the paper's NSR keeps 93–96%; fixed before any v3 run).
 */
export const GAIN_SHARE = 0.75;
/** Claim 13 is "not testable" when no 4-mini-batch run clipped more than this share of tokens. */
export const MIN_CLIP_FRACTION = 0.001;

/**
 * Claim 1: per tier, PSR − Base greater at k = 1 and less at k = n.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function psrSharpensRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  return perTier(ctx, labels, (tier) =>
    combineClaims([
      passAtKClaim(ctx, tier, { x: "PSR", y: BASE_METHOD, k: 1 }, {
        relation: "greater",
        id: `1a/${tier}`,
      }),
      passAtKClaim(ctx, tier, { x: "PSR", y: BASE_METHOD, k: ctx.kMax }, {
        relation: "less",
        id: `1b/${tier}`,
      }),
    ], { id: `1/${tier}`, claim: "", rule: "all" }));
}

/**
 * Claim 2: per judged set, NSR − Base greater at k = 1, and NSR keeps at least
 * {@link GAIN_SHARE} of PPO's and of GRPO's Pass@1 gain.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function nsrPassAt1Rule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  return perTier(ctx, labels, (tier) =>
    combineClaims([
      passAtKClaim(ctx, tier, { x: "NSR", y: BASE_METHOD, k: 1 }, {
        relation: "greater",
        id: `2a/${tier}`,
      }),
      gainShareClaim(ctx, tier, { x: "NSR", y: "PPO", share: GAIN_SHARE }, `2b/${tier}`),
      gainShareClaim(ctx, tier, { x: "NSR", y: "GRPO", share: GAIN_SHARE }, `2c/${tier}`),
    ], { id: `2/${tier}`, claim: "", rule: "all" }));
}

/**
 * Claim 3: per judged set, NSR not below the base at any judged k (relative margins).
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function nsrEveryKRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  return perTier(
    ctx,
    labels,
    (tier) => curveClaim(ctx, tier, { x: "NSR", y: BASE_METHOD }, { id: `3/${tier}` }),
  );
}

/**
 * Claim 4: per tier, NSR − PPO and NSR − GRPO at k = n, at-least with the margin.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function nsrPassAtNRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  return perTier(ctx, labels, (tier) =>
    combineClaims(
      ["PPO", "GRPO"].map((other) =>
        passAtKClaim(ctx, tier, { x: "NSR", y: other, k: ctx.kMax }, {
          relation: "at-least",
          id: `4/${tier}/${other}`,
        })
      ),
      { id: `4/${tier}`, claim: "", rule: "all" },
    ));
}

/**
 * Claim 5, both ends of the curve (not an average, where Pass@1 gains would cancel large-k
 * losses): per judged set, W-REINFORCE at least PPO and GRPO at k = 1, and at least NSR at the
 * largest judged k (relative margins).
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function weightedBestRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const w = "W-REINFORCE";
  return perTier(ctx, labels, (tier) =>
    combineClaims(
      [
        ...["PPO", "GRPO"].map((other) =>
          passAtKClaim(ctx, tier, { x: w, y: other, k: 1 }, {
            relation: "at-least",
            id: `5a/${tier}/${other}`,
          })
        ),
        passAtKClaim(ctx, tier, { x: w, y: "NSR", k: ctx.kMax }, {
          relation: "at-least",
          id: `5b/${tier}/NSR`,
        }),
      ],
      { id: `5/${tier}`, claim: "", rule: "all" },
    ));
}

/**
 * Claims 14 and 15, more than sharpening: per judged set, `method` is not below its cooled base
 * (the base at the temperature that matches its Pass@1; relative margins) at any judged k, and
 * above it at the largest judged k. "Not testable" when the run evaluated no cooled base.
 *
 * @param method The method.
 * @returns The rule.
 */
export function beyondSharpeningRule(
  method: string,
): (ctx: PaperContext, labels: ClaimLabels) => ClaimRecord {
  return (ctx, labels) =>
    perTier(ctx, labels, (tier) => {
      const view = cooledBaseView(ctx.results, method, { set: tier, kMax: ctx.kMax });
      if (view === null) {
        return claimNotJudged("not testable", {
          id: `${labels.id}/${tier}`,
          claim: "",
          reason: "the run evaluated no cooled base",
        });
      }
      const sub: PaperContext = { ...ctx, results: view.results, boots: new Map() };
      const { temperature, passAt1 } = view.cooled;
      const combined = combineClaims([
        curveClaim(sub, tier, { x: method, y: COOLED_BASE }, { id: `${labels.id}a/${tier}` }),
        passAtKClaim(sub, tier, { x: method, y: COOLED_BASE, k: ctx.kMax }, {
          relation: "greater",
          id: `${labels.id}b/${tier}`,
        }),
      ], { id: `${labels.id}/${tier}`, claim: "", rule: "all" });
      return {
        ...combined,
        evidence: `cooled base T=${temperature} (Pass@1 ${(100 * passAt1).toFixed(1)}%); ` +
          combined.evidence,
      };
    });
}

/**
 * Claim 6 (on the λ ablation's seeds, each paired with the main run of that seed): per judged
 * set, λ_main − λ=1 greater at the largest judged k, and the best Pass@1 at λ ≤ λ_main minus the
 * best at λ > λ_main at-least with the margin.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record; "not testable" without a λ ablation above the main λ.
 */
export function lambdaRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const { lambda } = ctx.results.groups;
  const ablation = ctx.results.protocol.ablations.lambda;
  if (ablation === undefined) {
    return claimNotJudged("not testable", { ...labels, reason: "the protocol ran no λ ablation" });
  }
  const entries = Object.entries(lambda).sort((a, b) => a[1] - b[1]);
  const main = ablation.method;
  const mainLambda = lambda[main];
  const small = entries.filter(([, l]) => l <= mainLambda).map(([m]) => m);
  const large = entries.filter(([, l]) => l > mainLambda).map(([m]) => m);
  const one = entries.find(([, l]) => l === 1)?.[0] ?? entries.at(-1)?.[0];
  if (large.length === 0 || one === undefined || one === main) {
    return claimNotJudged("not testable", { ...labels, reason: "no λ above the main run's" });
  }
  const sub = seedContext(ctx, ablation.seeds, [...small, ...large]);
  return perTier(sub, labels, (tier) => {
    const b = boot(sub, tier, [...small, ...large]);
    const bestOf = (group: string[], p: (m: string, k: number) => number) =>
      Math.max(...group.map((m) => p(m, 1)));
    const peak = passAtKStatistic(b, (p) => bestOf(small, p) - bestOf(large, p));
    return combineClaims([
      passAtKClaim(sub, tier, { x: main, y: one, k: sub.kMax }, {
        relation: "greater",
        id: `6a/${tier}`,
      }),
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

/**
 * Claim 7, greedy-response entropy on every tier pooled: PSR − Base less; (NSR − Base) / Base
 * close within ±{@link ENTROPY_NEAR}; GRPO − PSR and PPO − PSR greater; (GRPO − NSR) / Base and
 * (PPO − NSR) / Base at-most {@link ENTROPY_BETWEEN_MARGIN}.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record, its evidence led by each method's entropy.
 */
export function entropyRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const { results, tiers } = ctx;
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
  const combined = combineClaims(parts, { ...labels, rule: "all" });
  return {
    ...combined,
    evidence: `greedy-response entropy (nats): ${levels}; ${combined.evidence}`,
  };
}

/**
 * Claim 8, training-batch correct ratio (mean over seeds and steps, paired by prompt, cluster
 * bootstrap): PSR − NSR greater. What a figure of training curves can support is the order of
 * the two curves the claim names at its ends; PSR's order against GRPO and PPO (curves that lie
 * together) is reported in the evidence, not judged.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function correctRatioRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const { results } = ctx;
  const record = claimFromInterval(correctRatioDifference(results, { a: "PSR", b: "NSR" }), {
    ...labels,
    relation: "greater",
    label: "PSR − NSR",
    unit: "percent",
  });
  const others = results.groups.main.filter((m) => !["PSR", "NSR", BASE_METHOD].includes(m));
  const reported = others.map((other) => {
    const d = correctRatioDifference(results, { a: "PSR", b: other });
    return `PSR − ${other} ${formatInterval(d, "percent")}`;
  });
  return reported.length === 0
    ? record
    : { ...record, evidence: `${record.evidence}; not judged: ${reported.join(", ")}` };
}

/**
 * Claim 9, greedy accuracy on held-out problems during training: PSR − NSR greater over the
 * evaluations of the first half of training (steps ≤ steps / 2), and NSR − PSR at-least (margin)
 * at the last step.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function greedyRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const { results } = ctx;
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
  ], { ...labels, rule: "all" });
}

/**
 * Claim 12, long runs (the long ablation's seeds): per tier, long − main at k = n, less for NSR
 * and at-least (margin) for any other method.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record; "not testable" without long runs.
 */
export function longRunRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const longSeeds = ctx.results.protocol.ablations.long?.seeds ?? [];
  const longClaims = Object.entries(ctx.results.groups.long).map(([long, main]) => {
    const sub = seedContext(ctx, longSeeds, [long, main]);
    const relation = main === "NSR" ? "less" : "at-least";
    return perTier(
      sub,
      { id: `${labels.id}/${main}`, claim: "" },
      (tier) =>
        passAtKClaim(sub, tier, { x: long, y: main, k: sub.kMax }, {
          relation,
          id: `${labels.id}/${main}/${tier}`,
        }),
    );
  });
  return longClaims.length === 0
    ? claimNotJudged("not testable", { ...labels, reason: "the protocol ran no long runs" })
    : combineClaims(longClaims, { ...labels, rule: "all" });
}

/**
 * Claim 13, on the first tier and the mini-batch ablation's seeds: NSR − PSR greedy entropy
 * greater with the main number of mini-batches and with the ablation's; the clip fraction of
 * each run is reported.
 *
 * @param ctx The run's context.
 * @param labels The claim's labels.
 * @returns The record; "not testable" without a mini-batch ablation of PSR and NSR each.
 */
export function miniBatchRule(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const { results } = ctx;
  const variants = Object.entries(results.groups.miniBatches);
  const ablation = results.protocol.ablations.miniBatches;
  if (ablation === undefined) {
    return claimNotJudged("not testable", {
      ...labels,
      reason: "the protocol ran no mini-batch ablation",
    });
  }
  const value = ablation.value;
  const variantOf = (method: string) => variants.find(([, m]) => m === method)?.[0];
  const psr = variantOf("PSR");
  const nsr = variantOf("NSR");
  if (psr === undefined || nsr === undefined) {
    return claimNotJudged("not testable", {
      ...labels,
      reason: "the protocol varies the mini-batches of PSR and NSR only together",
    });
  }
  const tier = Object.keys(results.evaluations[PRIMARY_SETTING])[0];
  const seeds = ablation.seeds;
  const restricted = seedContext(ctx, seeds, ["PSR", "NSR", psr, nsr]).results;
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
  const clips = ["PSR", "NSR", psr, nsr].map((m) => `${m} ${(100 * clip(m)).toFixed(2)}%`).join(
    ", ",
  );
  if (main > 1 && Math.max(clip("PSR"), clip("NSR")) <= MIN_CLIP_FRACTION) {
    return claimNotJudged("not testable", {
      ...labels,
      reason: `the clip never bound with ${main} mini-batches (clip fraction ${clips}; needs > ` +
        `${100 * MIN_CLIP_FRACTION}%), so the updates were on-policy in effect either way`,
    });
  }
  const combined = combineClaims([
    claimFromInterval(
      metricStatistic(b, (v) => v("NSR", "greedyEntropy") - v("PSR", "greedyEntropy")),
      {
        id: `${labels.id}/${main}`,
        claim: "",
        relation: "greater",
        label: `${main} mini-batches: NSR − PSR (nats)`,
      },
    ),
    claimFromInterval(
      metricStatistic(b, (v) => v(nsr, "greedyEntropy") - v(psr, "greedyEntropy")),
      {
        id: `${labels.id}/${value}`,
        claim: "",
        relation: "greater",
        label: `${value} mini-batch${value === 1 ? "" : "es"}: NSR − PSR (nats)`,
      },
    ),
  ], { ...labels, rule: "all" });
  return {
    ...combined,
    evidence: `${combined.evidence}; clip fraction: ${clips} (${tier}, seeds ${seeds.join(", ")})`,
  };
}
