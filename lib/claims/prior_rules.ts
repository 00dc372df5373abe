/**
 * The rules of the prior-strength study's claims (notebook 05): Pass@k with a base's three tiers
 * pooled, at k = n, 95% intervals (protocol/prior_study.ts's {@link pooledDifference}). A claim is
 * "not tested" when the movement gate fails on a base it reads.
 *
 * @module
 */
import { percentileInterval } from "../eval/compare.ts";
import {
  claimFromInterval,
  type ClaimLabels,
  claimNotJudged,
  type ClaimRecord,
  combineClaims,
  PASS_AT_K_MARGIN,
} from "./verdict.ts";
import { paperContext } from "./pass_at_k_rules.ts";
import { passAtKBootstrap } from "../protocol/protocol_stats.ts";
import { BASE_METHOD, PRIMARY_SETTING } from "../protocol/protocol_results.ts";
import {
  POOLED_TIER,
  pooledDifference,
  poolTiers,
  type PriorStudyResults,
  type StudyBase,
} from "../protocol/prior_study.ts";

/**
 * The largest k of the study: n, the weakest base's evaluation samples.
 *
 * @param study The study's results.
 * @returns n.
 */
export function studyK(study: PriorStudyResults): number {
  return study.bases[0].results.protocol.evaluation.samples;
}

/** The weakest and strongest bases (the study lists them weakest first). */
function ends(study: PriorStudyResults): { weakest: StudyBase; strongest: StudyBase } {
  return { weakest: study.bases[0], strongest: study.bases[study.bases.length - 1] };
}

/** The rule, or "not tested" with each failed base's gate when a base it reads did not move. */
function gatedOn(
  used: readonly StudyBase[],
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

/**
 * Claim (a): (NSR − PSR at k = n) on the strongest base minus on the weakest, greater than 0.
 * The bases' bootstraps are independent, so the difference's draws are differences of their
 * draws.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record, with each base's NSR − PSR in the evidence.
 */
export function priorGrowsRule(study: PriorStudyResults, labels: ClaimLabels): ClaimRecord {
  const { weakest, strongest } = ends(study);
  const k = studyK(study);
  return gatedOn([weakest, strongest], labels, () => {
    const boots = [weakest, strongest].map((b) =>
      passAtKBootstrap(poolTiers(b.results), {
        setting: PRIMARY_SETTING,
        tier: POOLED_TIER,
        methods: ["NSR", "PSR"],
      })
    );
    const j = boots[0].ks.indexOf(k);
    const gap = (boot: typeof boots[0], b: number | null) =>
      b === null
        ? boot.estimates.NSR[j] - boot.estimates.PSR[j]
        : boot.draws.NSR[j][b] - boot.draws.PSR[j][b];
    const estimate = gap(boots[1], null) - gap(boots[0], null);
    const draws = Array.from(
      { length: boots[0].resamples },
      (_, b) => gap(boots[1], b) - gap(boots[0], b),
    );
    const interval = { estimate, ...percentileInterval(draws, estimate, boots[0].confidence) };
    const per = [weakest, strongest].map((b, i) =>
      `${b.name} ${(100 * gap(boots[i], null)).toFixed(1)} pp`
    ).join(", ");
    const record = claimFromInterval(interval, {
      ...labels,
      relation: "greater",
      label: `(NSR − PSR at k=${k}) on ${strongest.name} − on ${weakest.name}`,
      unit: "percent",
    });
    return { ...record, evidence: `${record.evidence}; NSR − PSR: ${per}` };
  });
}

/**
 * Claim (b): on the strongest base, NSR − Base at k = n, at-least with the 2 pp margin.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record.
 */
export function strongPriorRule(study: PriorStudyResults, labels: ClaimLabels): ClaimRecord {
  const { strongest } = ends(study);
  const k = studyK(study);
  return gatedOn(
    [strongest],
    labels,
    () =>
      claimFromInterval(pooledDifference(strongest.results, { x: "NSR", y: BASE_METHOD, k }), {
        ...labels,
        relation: "at-least",
        margin: PASS_AT_K_MARGIN,
        label: `${strongest.name}: NSR − Base at k=${k}`,
        unit: "percent",
      }),
  );
}

/**
 * Claim (c): on the weakest base, each method − Base at k = n less, and NSR − each other method
 * at k = n at-least with the margin.
 *
 * @param study The study's results.
 * @param labels The claim's labels.
 * @returns The record; its text names the weakest base when judged.
 */
export function weakPriorRule(study: PriorStudyResults, labels: ClaimLabels): ClaimRecord {
  const { weakest } = ends(study);
  const k = studyK(study);
  const methods = study.study.methods;
  return gatedOn([weakest], labels, () =>
    combineClaims([
      ...methods.map((m) =>
        claimFromInterval(pooledDifference(weakest.results, { x: m, y: BASE_METHOD, k }), {
          id: `${labels.id}/${m}<Base`,
          claim: "",
          relation: "less",
          label: `${m} − Base at k=${k}`,
          unit: "percent",
        })
      ),
      ...methods.filter((m) => m !== "NSR").map((m) =>
        claimFromInterval(pooledDifference(weakest.results, { x: "NSR", y: m, k }), {
          id: `${labels.id}/NSR≥${m}`,
          claim: "",
          relation: "at-least",
          margin: PASS_AT_K_MARGIN,
          label: `NSR − ${m} at k=${k}`,
          unit: "percent",
        })
      ),
    ], {
      id: labels.id,
      claim:
        `On the weakest base (${weakest.name}) every method loses Pass@${k} and NSR loses least`,
      rule: "all",
    }));
}
