/**
 * The rules of the salvage study's hypotheses (notebook 05), fixed before its RL runs. Every
 * Pass@k quantity is read on a base's primary set at the largest judged k (n / 4), with the v3
 * rules' bootstrap (over problems, paired across methods, and seeds); a base whose movement gate
 * fails cannot be part of a test:
 * - (a) and (d), trends across bases: the least-squares slope of a per-base quantity on the
 *   bases' salvage shares, its interval from the bases' bootstrap draws (the same problems in
 *   every base, resampled alike), "greater" than 0. Judged over the bases whose gate passed;
 *   "not tested" when a control's gate failed or fewer than three bases remain.
 * - (b) the positive control shows the paper's strong-prior picture: NSR not below the base at
 *   any judged k (claim 3's rule), above its cooled base at the largest (claim 14's part b), and
 *   PSR below the base there (claim 1's part b).
 * - (c) the negative control shows the weak-prior picture: every method below the base at the
 *   largest judged k.
 *
 * @module
 */
import { percentileInterval } from "../eval/compare.ts";
import type { Interval } from "../eval/passk.ts";
import { COOLED_BASE, cooledBaseView, matchedView } from "../protocol/baseline_views.ts";
import { passAtKBootstrap } from "../protocol/protocol_stats.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";
import {
  baseOfRole,
  type SalvageBaseResults,
  type SalvageStudyResults,
} from "../tasks/salvage_study.ts";
import { curveClaim, type PaperContext, paperContext, passAtKClaim } from "./pass_at_k_rules.ts";
import {
  claimFromInterval,
  type ClaimLabels,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
  formatInterval,
} from "./verdict.ts";

/** One base of a trend: its salvage share and its results (or a view of them). */
export type TrendPoint = { readonly share: number; readonly results: ProtocolResults };

/**
 * The least-squares slope of (x − y at k, primary set) on the salvage share across bases, with a
 * 95% percentile interval from the bases' bootstrap draws (draw b of every base together: the
 * bases share their problems, so the resampling is paired across bases).
 *
 * @param points The bases (at least two distinct shares).
 * @param pair x, y and k.
 * @returns The slope (Pass@k per unit of share) and its interval, and each base's difference.
 * @throws {RangeError} If the shares do not vary.
 */
export function trendInterval(
  points: readonly TrendPoint[],
  pair: { readonly x: string; readonly y: string; readonly k: number },
): { slope: Interval; differences: number[] } {
  const { x, y, k } = pair;
  const shares = points.map((p) => p.share);
  const mean = shares.reduce((a, s) => a + s, 0) / shares.length;
  const sxx = shares.reduce((a, s) => a + (s - mean) ** 2, 0);
  if (!(sxx > 0)) {
    throw new RangeError(
      `Cannot fit a trend over bases: their salvage shares must vary, got ${shares.join(", ")}`,
    );
  }
  const boots = points.map((p) =>
    passAtKBootstrap(p.results, { setting: PRIMARY_SETTING, tier: PRIMARY_SET, methods: [x, y] })
  );
  const slope = (ys: readonly number[]) =>
    ys.reduce((a, v, i) => a + (shares[i] - mean) * v, 0) / sxx;
  const differences = boots.map((b) => {
    const j = b.ks.indexOf(k);
    if (j < 0) throw new RangeError(`Cannot fit a trend: no Pass@${k} (ks ${b.ks.join(",")})`);
    return b.estimates[x][j] - b.estimates[y][j];
  });
  const resamples = Math.min(...boots.map((b) => b.resamples));
  const draws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    draws[r] = slope(boots.map((b) => {
      const j = b.ks.indexOf(k);
      return b.draws[x][j][r] - b.draws[y][j][r];
    }));
  }
  const estimate = slope(differences);
  return {
    slope: { estimate, ...percentileInterval(draws, estimate, boots[0].confidence) },
    differences,
  };
}

/** The largest judged k of the study (n / 4 of its protocol's samples). */
export function salvageK(study: SalvageStudyResults): number {
  return paperContext(study.bases[0].results).kMax;
}

/** "Not tested" naming each base whose movement gate failed, else the rule. */
function gatedOn(
  used: readonly SalvageBaseResults[],
  labels: ClaimLabels,
  judge: () => ClaimRecord,
): ClaimRecord {
  const failed = used.filter((b) => !paperContext(b.results).gate.passed);
  if (failed.length === 0) return judge();
  return claimNotJudged("not tested", {
    ...labels,
    reason: failed.map((b) =>
      `${b.name}: the policies did not move enough (${paperContext(b.results).gate.evidence})`
    ).join("; "),
  });
}

/** A trend hypothesis over the bases whose gate passed (module doc). */
function trendRule(
  study: SalvageStudyResults,
  labels: ClaimLabels,
  pair: { readonly x: string; readonly y: string },
  options: { readonly matched: boolean },
): ClaimRecord {
  const k = salvageK(study);
  const controls = [baseOfRole(study, "positive"), baseOfRole(study, "negative")];
  return gatedOn(controls, labels, () => {
    const moved = study.bases.filter((b) => paperContext(b.results).gate.passed);
    if (moved.length < 3) {
      return claimNotJudged("not tested", {
        ...labels,
        reason: `only ${moved.length} bases passed the movement gate (${
          moved.map((b) => b.name).join(", ")
        }); a trend needs three`,
      });
    }
    const points = moved.map((b) => {
      const view = options.matched ? matchedView(b.results) : b.results;
      return view === null ? null : { share: b.screen[study.study.share].estimate, results: view };
    });
    if (points.some((p) => p === null)) {
      return claimNotJudged("not testable", {
        ...labels,
        reason: "a base evaluated no checkpoints, so it has no matched movement",
      });
    }
    const { slope, differences } = trendInterval(points as TrendPoint[], { ...pair, k });
    const record = claimFromInterval(slope, {
      ...labels,
      relation: "greater",
      label: `slope of ${pair.x} − ${pair.y} at k=${k} per unit of salvage share`,
      unit: "number",
    });
    const per = moved.map((b, i) =>
      `${b.name} (share ${b.screen[study.study.share].estimate.toFixed(2)}) ${
        (100 * differences[i]).toFixed(1)
      } pp`
    ).join(", ");
    return { ...record, evidence: `${record.evidence}; ${pair.x} − ${pair.y}: ${per}` };
  });
}

/**
 * Hypothesis (a): NSR − Base at the largest judged k rises with the salvage share.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function nsrRisesWithShareRule(
  study: SalvageStudyResults,
  labels: ClaimLabels,
): ClaimRecord {
  return trendRule(study, labels, { x: "NSR", y: BASE_METHOD }, { matched: false });
}

/**
 * Hypothesis (d): NSR − PSR at the largest judged k, at matched movement, rises with the
 * salvage share.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function edgeRisesWithShareRule(
  study: SalvageStudyResults,
  labels: ClaimLabels,
): ClaimRecord {
  return trendRule(study, labels, { x: "NSR", y: "PSR" }, { matched: true });
}

/**
 * Hypothesis (b)'s parts on a context (its movement gate not read): NSR not below the base at any
 * judged k, NSR above its cooled base at the largest judged k, PSR below the base there; all.
 *
 * @param ctx The positive control's context.
 * @param labels The claim's labels.
 * @returns The combined record, led by the cooled base's temperature.
 */
export function positiveControlParts(ctx: PaperContext, labels: ClaimLabels): ClaimRecord {
  const cooled = cooledBaseView(ctx.results, "NSR", { set: PRIMARY_SET, kMax: ctx.kMax });
  const parts = [
    curveClaim(ctx, PRIMARY_SET, { x: "NSR", y: BASE_METHOD }, { id: `${labels.id}1` }),
    cooled === null
      ? claimNotJudged("not testable", {
        id: `${labels.id}2`,
        claim: "",
        reason: "no cooled base was evaluated",
      })
      : passAtKClaim(
        { ...ctx, results: cooled.results, boots: new Map() },
        PRIMARY_SET,
        { x: "NSR", y: COOLED_BASE, k: ctx.kMax },
        { relation: "greater", id: `${labels.id}2` },
      ),
    passAtKClaim(ctx, PRIMARY_SET, { x: "PSR", y: BASE_METHOD, k: ctx.kMax }, {
      relation: "less",
      id: `${labels.id}3`,
    }),
  ];
  const combined = combineClaims(parts, { ...labels, rule: "all" });
  return cooled === null ? combined : {
    ...combined,
    evidence: `cooled base T=${cooled.cooled.temperature}: ${combined.evidence}`,
  };
}

/**
 * Hypothesis (b): {@link positiveControlParts} on the positive control, under its gate.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function positiveControlRule(
  study: SalvageStudyResults,
  labels: ClaimLabels,
): ClaimRecord {
  const base = baseOfRole(study, "positive");
  return gatedOn([base], labels, () => {
    const record = positiveControlParts(paperContext(base.results), labels);
    return { ...record, evidence: `${base.name}, ${record.evidence}` };
  });
}

/**
 * Hypothesis (c)'s parts on a context (its gate not read): each method − Base at the largest
 * judged k, less; all.
 *
 * @param ctx The negative control's context.
 * @param methods The methods.
 * @param labels The claim's labels.
 * @returns The combined record.
 */
export function negativeControlParts(
  ctx: PaperContext,
  methods: readonly string[],
  labels: ClaimLabels,
): ClaimRecord {
  return combineClaims(
    methods.map((m) =>
      passAtKClaim(ctx, PRIMARY_SET, { x: m, y: BASE_METHOD, k: ctx.kMax }, {
        relation: "less",
        id: `${labels.id}/${m}`,
      })
    ),
    { ...labels, rule: "all" },
  );
}

/**
 * Hypothesis (c): {@link negativeControlParts} on the negative control, under its gate.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function negativeControlRule(
  study: SalvageStudyResults,
  labels: ClaimLabels,
): ClaimRecord {
  const base = baseOfRole(study, "negative");
  return gatedOn([base], labels, () => {
    const record = negativeControlParts(paperContext(base.results), study.study.methods, labels);
    return { ...record, evidence: `${base.name}: ${record.evidence}` };
  });
}

/**
 * The control screen in words, for the study's table: each base's Pass@1 against the
 * reference's, and the gap between the controls' shares.
 *
 * @param study The study's results.
 * @returns One sentence.
 */
export function controlScreenEvidence(study: SalvageStudyResults): string {
  const { controls } = study;
  const matched = Object.entries(controls.matched).map(([name, m]) =>
    `${name} ${m.difference >= 0 ? "+" : ""}${(100 * m.difference).toFixed(1)} pp${
      m.within ? "" : " (outside)"
    }`
  ).join(", ");
  const positive = baseOfRole(study, "positive").screen[study.study.share];
  const negative = baseOfRole(study, "negative").screen[study.study.share];
  return `Pass@1 − the reference's: ${matched}; share gap ${controls.shareGap.toFixed(3)} ` +
    `(positive ${formatInterval(positive, "number")}, negative ${
      formatInterval(negative, "number")
    })`;
}
