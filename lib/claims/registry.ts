/**
 * The claims registry: every claim the reproduction tests, one declaration each — its id, what the
 * paper says and where, the notebook that judges it, the claim as this reproduction states it,
 * its rule in words, and the rule itself (a function from the notebook's results to the claim's
 * record). The rules' statistics sit beside this file (pass_at_k_rules.ts, paper_rules.ts,
 * gradient_rules.ts, salvage_rules.ts) and the verdict rules in verdict.ts; every rule was fixed
 * before any run. A notebook asks for its claims with {@link judgeClaims}.
 *
 * Pass@k intervals are 95%, bootstrap over problems (paired across methods) and seeds. Claims
 * are judged on the primary held-out set when the run has one (else on every tier, combined by
 * the "most" rule); "at least" / "not below" use margins of 5% of the comparator's value; the
 * largest judged k is at most n / 4 (pass_at_k_rules.ts). The paper claims of notebooks 02 and
 * 04 are "not tested" when the movement gate fails (movement_gate.ts). Claims about coverage and
 * entropy are judged twice: at equal steps (the paper's comparison) and at matched movement
 * (ids ending in "m": each method at its checkpoint of the common Pass@1 gain). Claims 14 and 15
 * set NSR and W-REINFORCE against the base cooled to their Pass@1 (baseline_views.ts). The
 * Pass@k rules' error rates are simulated in simulate.ts.
 *
 * @module
 */
import type { ClaimLabels, ClaimRecord } from "./verdict.ts";
import { MACHINE_SHIFT_PP, PASS_AT_K_MARGIN } from "./verdict.ts";
import { atMatchedMovement, gated, type PaperContext, paperContext } from "./pass_at_k_rules.ts";
import {
  beyondSharpeningRule,
  correctRatioRule,
  ENTROPY_BETWEEN_MARGIN,
  ENTROPY_NEAR,
  entropyRule,
  GAIN_SHARE,
  greedyRule,
  lambdaRule,
  longRunRule,
  miniBatchRule,
  nsrEveryKRule,
  nsrPassAt1Rule,
  nsrPassAtNRule,
  psrSharpensRule,
  weightedBestRule,
} from "./paper_rules.ts";
import {
  alternativesLoweredRule,
  CONFIDENT_ABOVE,
  confidentStillRule,
  type GradientAnalysisResults,
  implicitStoppingRule,
  orderKeptRule,
  priorProportionalRule,
  tokenMechanismRule,
} from "./gradient_rules.ts";
import {
  edgeRisesWithShareRule,
  negativeControlRule,
  nsrRisesWithShareRule,
  positiveControlRule,
  salvageK,
} from "./salvage_rules.ts";
import type { ProtocolResults } from "../protocol/protocol_results.ts";
import type { SalvageStudyResults } from "../tasks/salvage_study.ts";

/** What each claims-judging notebook hands the registry. */
export type NotebookResults = {
  /** The protocol run (runProtocol). */
  readonly "02_psr_vs_nsr": ProtocolResults;
  /** Probed updates and an NSR run's samples trained per step. */
  readonly "03_gradient_analysis": GradientAnalysisResults;
  /** The protocol run (runProtocol). */
  readonly "04_weighted_objective": ProtocolResults;
  /** The salvage study (runSalvageStudy). */
  readonly "05_salvage_study": SalvageStudyResults;
};

/** A notebook that judges claims. */
export type ClaimNotebook = keyof NotebookResults;

/** One claim: what it says, where the paper says it, who judges it, and how. */
export type ClaimDeclaration<N extends ClaimNotebook = ClaimNotebook> = {
  /** Short identifier, e.g. "3", "10a" or "a" (notebook 05's study claims). */
  readonly id: string;
  /** What the paper says (Zhu et al. 2025, arXiv:2506.01347), close to its words. */
  readonly paper: string;
  /** Where the paper says it. */
  readonly where: string;
  /** The notebook that judges it. */
  readonly notebook: N;
  /** The claim as tested here, in words (it may name the largest k or a base). */
  readonly claim: (results: NotebookResults[N]) => string;
  /** The rule in words: the statistic, its relation to 0 and its margin. */
  readonly rule: string;
  /** The rule: the claim's record (verdict and evidence) from the notebook's results. */
  readonly judge: (results: NotebookResults[N], labels: ClaimLabels) => ClaimRecord;
};

/** Any notebook's claim. */
export type AnyClaimDeclaration = { [N in ClaimNotebook]: ClaimDeclaration<N> }[ClaimNotebook];

const kMax = (results: ProtocolResults): number => paperContext(results).kMax;
const PP = `${100 * PASS_AT_K_MARGIN} pp`;
const REL = "margin 5% of the comparator";
type PaperRule = (ctx: PaperContext, labels: ClaimLabels) => ClaimRecord;

/** What {@link bothWays} declares: a paper claim of notebook 02 or 04 with its paper rule. */
type ProtocolClaim = {
  readonly id: string;
  readonly paper: string;
  readonly where: string;
  readonly notebook: "02_psr_vs_nsr" | "04_weighted_objective";
  readonly claim: (results: ProtocolResults) => string;
  readonly rule: string;
  readonly paperRule: PaperRule;
};

/**
 * A claim of notebook 02 or 04 judged twice: at equal steps (its id) and at matched movement
 * (id + "m"). (Both notebooks hand the registry a ProtocolResults.)
 */
function bothWays(declaration: ProtocolClaim): AnyClaimDeclaration[] {
  const { paperRule, claim, rule, id, ...rest } = declaration;
  const matched = {
    ...rest,
    id: `${id}m`,
    claim: (r: ProtocolResults) => `${claim(r)} (at matched movement)`,
    rule: `${rule}; each method at its checkpoint of the common Pass@1 gain`,
    judge: atMatchedMovement(paperRule),
  };
  return [
    { ...rest, id, claim, rule, judge: gated(paperRule) } as AnyClaimDeclaration,
    matched as AnyClaimDeclaration,
  ];
}

/** Every claim, in the order tables list them. */
export const CLAIMS: readonly AnyClaimDeclaration[] = [
  ...bothWays({
    id: "1",
    paper: "PSR alone improves Pass@1 but degrades Pass@k at large k, below the base model",
    where: "§3, Pass@k curves of PSR and NSR (MATH, AIME 2025, AMC23)",
    notebook: "02_psr_vs_nsr",
    claim: (r) => `PSR raises Pass@1 over the base but falls below it at large k (k=${kMax(r)})`,
    rule: "PSR − Base at k = 1 greater, PSR − Base at the largest judged k less (all)",
    paperRule: psrSharpensRule,
  }),
  {
    id: "2",
    paper: "NSR alone improves Pass@1 over the base, to a level comparable to PPO and GRPO",
    where: "§3, Pass@k curves of PSR and NSR",
    notebook: "02_psr_vs_nsr",
    claim: () =>
      `NSR alone raises Pass@1 over the base, keeping ≥ ${
        100 * GAIN_SHARE
      }% of PPO's and GRPO's gain`,
    rule: `NSR − Base at k = 1 greater; (NSR − Base) − ${GAIN_SHARE} × (m − Base) at k = 1 ` +
      `at-least 0 for m = PPO, GRPO (the paper's NSR keeps 93–96%)`,
    judge: gated(nsrPassAt1Rule),
  },
  ...bothWays({
    id: "3",
    paper: "NSR preserves or improves Pass@k over the base across the whole spectrum of k",
    where: "§3, Pass@k curves of PSR and NSR",
    notebook: "02_psr_vs_nsr",
    claim: () => "NSR's Pass@k is not below the base's at any k",
    rule: `the minimum over judged k (off the ceiling) of NSR − Base + margin at-least 0 (${REL})`,
    paperRule: nsrEveryKRule,
  }),
  ...bothWays({
    id: "4",
    paper: "At large k (Pass@256) NSR matches or beats PPO and GRPO",
    where: "§3, Pass@k curves of PSR and NSR",
    notebook: "02_psr_vs_nsr",
    claim: (r) => `NSR's Pass@${kMax(r)} (the paper: Pass@256) is not below PPO's and GRPO's`,
    rule: `NSR − PPO and NSR − GRPO at the largest judged k at-least (${REL})`,
    paperRule: nsrPassAtNRule,
  }),
  ...bothWays({
    id: "14",
    paper: "NSR refines the model's knowledge rather than sharpening it: Pass@k holds at large k " +
      "while Pass@1 rises (no claim about a cooled base; this is the baseline that could " +
      "explain it)",
    where: "§3–4, Pass@k curves and the gradient analysis",
    notebook: "02_psr_vs_nsr",
    claim: (r) =>
      `NSR does more than sharpen: not below the base cooled to its Pass@1 at any k, above it at k=${
        kMax(r)
      }`,
    rule: `the cooled base: the base at the grid temperature closest to NSR's Pass@1; minimum ` +
      `over judged k of NSR − cooled + margin at-least 0 (${REL}); NSR − cooled at the largest ` +
      `judged k greater (all)`,
    paperRule: beyondSharpeningRule("NSR"),
  }),
  {
    id: "5",
    paper: "W-REINFORCE (positive rewards down-weighted by λ) gives the best Pass@k across k",
    where: "§5, Table 1 and the W-REINFORCE Pass@k curves",
    notebook: "04_weighted_objective",
    claim: (r) =>
      `W-REINFORCE has the best curve: Pass@1 not below PPO's and GRPO's, Pass@${
        kMax(r)
      } not below NSR's`,
    rule: `W-REINFORCE − PPO and − GRPO at k = 1 at-least, W-REINFORCE − NSR at the largest ` +
      `judged k at-least (${REL}; all)`,
    judge: gated(weightedBestRule),
  },
  ...bothWays({
    id: "15",
    paper: "W-REINFORCE keeps Pass@k at large k while raising Pass@1 (no claim about a cooled " +
      "base; this is the baseline that could explain it)",
    where: "§5, the W-REINFORCE Pass@k curves",
    notebook: "04_weighted_objective",
    claim: (r) =>
      `W-REINFORCE does more than sharpen: not below its cooled base at any k, above it at k=${
        kMax(r)
      }`,
    rule: `as claim 14, for W-REINFORCE`,
    paperRule: beyondSharpeningRule("W-REINFORCE"),
  }),
  {
    id: "6",
    paper: "As λ grows to 1 (plain REINFORCE) Pass@k at large k falls; a small λ is best",
    where: "§5, the λ ablation",
    notebook: "04_weighted_objective",
    claim: (r) => `Pass@${kMax(r)} falls as λ grows to 1; Pass@1 peaks at a small λ`,
    rule: `the λ ablation's seeds, per judged set: λ_main − λ=1 at the largest judged k ` +
      `greater; best Pass@1 at λ ≤ λ_main − best at λ > λ_main at-least (margin ${PP}); sets by ` +
      `most`,
    judge: gated(lambdaRule),
  },
  ...bothWays({
    id: "7",
    paper: "NSR keeps test entropy near the base's, PSR collapses it, PPO and GRPO lie between",
    where: "§3, training dynamics (entropy on the test set)",
    notebook: "02_psr_vs_nsr",
    claim: () => "Test entropy: NSR stays near the base, PSR collapses, PPO and GRPO in between",
    rule:
      `greedy-response entropy on the judged sets: PSR − Base less; (NSR − Base) / Base close ` +
      `within ±${ENTROPY_NEAR}; GRPO, PPO − PSR greater; (GRPO, PPO − NSR) / Base at-most ` +
      `${ENTROPY_BETWEEN_MARGIN}`,
    paperRule: entropyRule,
  }),
  {
    id: "8",
    paper: "The correct ratio of training batches rises fastest under PSR and slowest under NSR",
    where: "§3, training dynamics (correct ratio on the training set)",
    notebook: "02_psr_vs_nsr",
    claim: () => "Training-batch correct ratio: PSR above NSR",
    rule: "mean over seeds and steps, paired by prompt (cluster bootstrap over problems and " +
      "seeds): PSR − NSR greater; PSR against the other methods reported, not judged (a figure " +
      "of curves that lie together cannot order them)",
    judge: gated(correctRatioRule),
  },
  {
    id: "9",
    paper: "Greedy accuracy rises fastest under PSR; NSR catches up by the end of training",
    where: "§3, training dynamics (greedy accuracy on held-out problems)",
    notebook: "02_psr_vs_nsr",
    claim: () => "Greedy accuracy: PSR rises faster, NSR catches up by the end",
    rule: `PSR − NSR over the first half's evaluations greater; NSR − PSR at the last step ` +
      `at-least (margin ${PP})`,
    judge: gated(greedyRule),
  },
  {
    id: "10a",
    paper: "An NSR step redistributes the wrong token's mass to the others in proportion to " +
      "their current probability",
    where: "§4, token-level gradient analysis",
    notebook: "03_gradient_analysis",
    claim: () => "NSR raises unsampled tokens in proportion to their prior",
    rule: "mean per-sample corr(Δπ, π) over unsampled tokens greater than 0",
    judge: priorProportionalRule,
  },
  {
    id: "10b",
    paper: "NSR refines the model's existing knowledge: the unsampled tokens keep their order",
    where: "§4, token-level gradient analysis",
    notebook: "03_gradient_analysis",
    claim: () => "NSR keeps the order of unsampled tokens better than a step of random sign",
    rule: "share of unsampled-token pairs kept in order, NSR step − control step of the same " +
      "size and a random sign (paired by sample), greater than 0",
    judge: orderKeptRule,
  },
  {
    id: "10c",
    paper: "The NSR gradient is small where the model is already confident in the sampled token",
    where: "§4, token-level gradient analysis",
    notebook: "03_gradient_analysis",
    claim: () => `NSR barely moves a confident sampled token (π > ${CONFIDENT_ABOVE})`,
    rule: `mean |Δ log π_y|, confident (π_y > ${CONFIDENT_ABOVE}) − the rest, less than 0`,
    judge: confidentStillRule,
  },
  {
    id: "10d",
    paper: "A PSR step sharpens: it raises the sampled token and lowers the alternatives",
    where: "§4, token-level gradient analysis",
    notebook: "03_gradient_analysis",
    claim: () => "PSR lowers the alternatives in a shared-parameter step",
    rule: "shared-parameter step: mean share of unsampled tokens raised − 0.5 less than 0; the " +
      "exact softmax gradient's share at the same positions is reported beside it",
    judge: alternativesLoweredRule,
  },
  {
    id: "10",
    paper: "NSR suppresses wrong tokens and moves their mass to the alternatives by the prior; " +
      "PSR sharpens",
    where: "§4, token-level gradient analysis",
    notebook: "03_gradient_analysis",
    claim: () =>
      "Token mechanism: NSR raises alternatives ∝ prior, keeps order, small when confident; PSR lowers them",
    rule: "10a, 10b, 10c and 10d together (all)",
    judge: tokenMechanismRule,
  },
  {
    id: "11",
    paper: "NSR stops itself: as prompts get solved, fewer wrong samples remain to train on",
    where: "§4, implicit regularisation of NSR",
    notebook: "03_gradient_analysis",
    claim: () => "NSR trains on fewer samples as training goes on",
    rule: "per NSR run, mean samples trained per step over the last quarter of the steps − " +
      "the first quarter; mean over seeds with a Student-t interval, less than 0",
    judge: implicitStoppingRule,
  },
  {
    id: "12",
    paper: "Trained much longer, NSR's Pass@k degrades while W-REINFORCE's holds",
    where: "§5, long training",
    notebook: "04_weighted_objective",
    claim: () => "Long training: NSR's Pass@k degrades, W-REINFORCE's stays",
    rule: `the long runs' seeds, per judged set: long − main at the largest judged k less for ` +
      `NSR, at-least (margin ${PP}) for any other method; sets by most, methods by all`,
    judge: gated(longRunRule),
  },
  {
    id: "13",
    paper: "NSR keeps more entropy than PSR whether updates are on-policy (1 mini-batch) or not",
    where: "§5, the mini-batch ablation",
    notebook: "04_weighted_objective",
    claim: () => "NSR keeps more entropy than PSR with 4 mini-batches per batch and with 1",
    rule: "first tier, the ablation's seeds: NSR − PSR greedy entropy greater with the main and " +
      "the ablation's mini-batches; clip fractions reported",
    judge: gated(miniBatchRule),
  },
  {
    id: "a",
    paper: "NSR helps where the model's other candidates are good: an NSR step moves the wrong " +
      "token's mass to the alternatives in proportion to their probability",
    where:
      "§4, the gradient analysis and the explanation by the model's prior (Qwen against Llama)",
    notebook: "05_salvage_study",
    claim: (s) => `NSR − Base at k=${salvageK(s)} rises with the base's salvage share`,
    rule: "primary set, bases whose gate passed: slope of NSR − Base at the largest judged k on " +
      "the salvage share, greater (interval from the bases' paired bootstraps); not tested when " +
      "a control's gate fails or fewer than three bases pass",
    judge: nsrRisesWithShareRule,
  },
  {
    id: "b",
    paper: "On a strong-prior model (Qwen) NSR keeps Pass@k at every k, while PSR loses it at " +
      "large k",
    where: "§3, Pass@k curves on Qwen2.5-Math-7B and Qwen3-4B",
    notebook: "05_salvage_study",
    claim: (s) =>
      `On the positive control NSR is not below the base at any k, beats its cooled base at ` +
      `k=${salvageK(s)}, and PSR falls below the base there`,
    rule: "primary set, positive control: NSR − Base at-least at every judged k (margin 5% of " +
      "the base), NSR − cooled base greater and PSR − Base less at the largest judged k; all",
    judge: positiveControlRule,
  },
  {
    id: "c",
    paper: "On a weak-prior model (Llama-3.1-8B-Instruct) every method loses Pass@256",
    where: "§3, Pass@k curves on Llama-3.1-8B-Instruct",
    notebook: "05_salvage_study",
    claim: (s) => `On the negative control every method loses Pass@${salvageK(s)}`,
    rule: "primary set, negative control: each method − Base at the largest judged k, less; all",
    judge: negativeControlRule,
  },
  {
    id: "d",
    paper: "NSR's advantage over PSR at large k comes from the prior it builds on",
    where: "§3-§4 (Qwen against Llama)",
    notebook: "05_salvage_study",
    claim: (s) => `NSR − PSR at k=${salvageK(s)}, at matched movement, rises with salvage share`,
    rule: "primary set, bases whose gate passed, each method at its checkpoint of the common " +
      "Pass@1 gain: slope of NSR − PSR at the largest judged k on the salvage share, greater",
    judge: edgeRisesWithShareRule,
  },
];

const RELATIVE = "5% of the comparator's Pass@k (at least 0.5 pp)";
/** Each claim's margin, in words (a matched variant "…m" has its claim's). */
const MARGINS: Readonly<Record<string, string>> = {
  "2": `NSR's gain at least ${GAIN_SHARE} of the comparator's`,
  "3": RELATIVE,
  "4": RELATIVE,
  "5": RELATIVE,
  "6": `${PP} (6b)`,
  "7": `±${ENTROPY_NEAR} and ${ENTROPY_BETWEEN_MARGIN} of the base's entropy`,
  "9": `${PP} (9b)`,
  "12": RELATIVE,
  "14": RELATIVE,
  "15": RELATIVE,
  "b": RELATIVE,
};

/**
 * The declarations of one notebook's claims, in registry order.
 *
 * @param notebook The notebook.
 * @returns Its claims.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(claimsOf("04_weighted_objective").map((c) => c.id), ["5", "15", "15m", "6", "12", "13"]);
 * ```
 */
export function claimsOf<N extends ClaimNotebook>(notebook: N): ClaimDeclaration<N>[] {
  return CLAIMS.filter((c): c is ClaimDeclaration<N> & AnyClaimDeclaration =>
    c.notebook === notebook
  );
}

/**
 * Judges one notebook's claims on its results: one record per claim, in registry order, with its
 * rule and margin in words and whether it is `fragile` (judged, with its interval within the
 * run-to-run shift between machines, {@link MACHINE_SHIFT_PP}, of a boundary that would change
 * the verdict).
 *
 * @param notebook The notebook.
 * @param results What it measured.
 * @returns The records (id, claim, verdict, evidence).
 * @throws {RangeError} As the claims' rules (e.g. notebook 03 without probes).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const positions = [{ position: 1, sampled: 0, probsBefore: [0.5, 0.3, 0.2], probsAfter: [0.3, 0.42, 0.28] }];
 * const records = judgeClaims("03_gradient_analysis", {
 *   probes: { nsr: [positions], psr: [positions], control: [positions] },
 *   samplesTrained: [[8, 6, 4, 2], [8, 7, 4, 3]], resamples: 50,
 * });
 * assert.deepEqual(records.map((r) => r.id), ["10a", "10b", "10c", "10d", "10", "11"]);
 * ```
 */
export function judgeClaims<N extends ClaimNotebook>(
  notebook: N,
  results: NotebookResults[N],
): (ClaimRecord & { readonly rule: string; readonly margin: string; readonly fragile: boolean })[] {
  return claimsOf(notebook).map((c) => {
    const labels = { id: c.id, claim: c.claim(results) };
    const record = c.judge(results, labels);
    const judged = record.verdict !== "not tested" && record.verdict !== "not testable";
    return {
      ...record,
      rule: c.rule,
      margin: MARGINS[c.id.replace(/m$/, "")] ?? "none",
      fragile: judged && record.firmnessPp !== undefined && record.firmnessPp < MACHINE_SHIFT_PP,
    };
  });
}
