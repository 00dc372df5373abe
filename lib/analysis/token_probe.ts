/**
 * Token-level probe of one PSR or NSR update on a real policy (the paper's §4 on a whole model):
 * the next-token distribution at every response position before and after one plain gradient
 * step on a single sample, so a notebook can plot how each unsampled token's probability moved
 * against its prior probability.
 *
 * The step is plain gradient descent (no Adam, no clipping) on one sample's loss, so what it
 * measures is the gradient's direction, as in the paper's analysis:
 * - `probability` surrogate (the paper's): L = −R·(1/T)·Σ_t π(y_t | y_<t);
 * - `log` surrogate (REINFORCE):          L = −R·(1/T)·Σ_t log π(y_t | y_<t);
 * with R = +1 for a PSR step on a correct sample and R = −1 for an NSR step on a wrong one, and
 * T the response length.
 *
 * A BOUNDARY: tensors stay inside, plain numbers come out; the probed policy is untouched (the
 * step is taken on a copy).
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import * as tf from "@tensorflow/tfjs";
import { sequenceLogProbs } from "../model/log_probs.ts";
import { Policy } from "../model/policy.ts";
import { forwardLogits } from "../model/transformer.ts";
import { claimFromInterval, type ClaimRecord, combineClaims } from "../protocol/claims.ts";
import {
  type BootstrapOptions,
  meanDifferenceInterval,
  meanInterval,
  pearson,
} from "../eval/compare.ts";

/** Options of {@link probeUpdate}. */
export type ProbeUpdateOptions = {
  /** Index in `tokens` of the first response token (the prompt is tokens before it). */
  responseStart: number;
  /** R: +1 (PSR on a correct sample) or −1 (NSR on a wrong one). */
  reward: number;
  /** Step size of the single gradient-descent step. */
  learningRate: number;
  /** `probability` (the paper's §4) or `log` (REINFORCE). Default `probability`. */
  surrogate?: "probability" | "log";
};

/** The next-token distribution at one response position, before and after the step. */
export type ProbePosition = {
  /** Index in `tokens` of the token this distribution predicts. */
  position: number;
  /** The token that was sampled there. */
  sampled: number;
  /** π(· | prefix) before the step, one entry per vocabulary id. */
  probsBefore: number[];
  /** π(· | prefix) after the step. */
  probsAfter: number[];
};

/**
 * Takes one gradient step of a PSR (R = +1) or NSR (R = −1) loss on a single sequence, on a copy
 * of the policy, and returns the next-token distributions at every response position before and
 * after it.
 *
 * @param policy The policy to probe (left unchanged).
 * @param tokens The whole sequence: BOS, prompt, response (EOS included if it was sampled).
 * @param options Where the response starts, the reward, the step size and the surrogate.
 * @returns One {@link ProbePosition} per response token.
 * @throws {RangeError} If `responseStart` does not leave at least one prompt and one response token.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const [first] = probeUpdate(policy, [1, 3, 4, 5], { responseStart: 2, reward: -1, learningRate: 1 });
 * assert.ok(first.probsAfter[4] < first.probsBefore[4]); // NSR lowers the sampled token
 * ```
 */
export function probeUpdate(
  policy: Policy,
  tokens: readonly number[],
  options: ProbeUpdateOptions,
): ProbePosition[] {
  const { responseStart, reward, learningRate, surrogate = "probability" } = options;
  if (!Number.isInteger(responseStart) || responseStart < 1 || responseStart >= tokens.length) {
    throw new RangeError(
      `Cannot probe an update: responseStart must be in [1, ${
        tokens.length - 1
      }], got ${responseStart}`,
    );
  }
  const config = policy.config;
  const T = tokens.length;
  const responseLength = T - responseStart;
  using copy = Policy.fromWeights(config, policy.params);
  const distributions = (p: Policy): number[][] =>
    tf.tidy(() => {
      const ids = tf.tensor2d([tokens.slice(0, T - 1) as number[]], undefined, "int32"); // [1, T−1]
      const logits = forwardLogits(p.params, ids, { config }); // [1, T−1, V]
      const probs = tf.softmax(
        tf.slice(logits, [0, responseStart - 1, 0], [1, responseLength, -1]),
      );
      return (probs.arraySync() as number[][][])[0]; // [responseLength][V]
    });
  const before = distributions(copy);
  tf.tidy(() => {
    const ids = tf.tensor2d([tokens as number[]], undefined, "int32"); // [1, T]
    const { value, grads } = tf.variableGrads(() => {
      const { logProbs, entropies } = sequenceLogProbs(copy, ids); // [1, T−1]
      entropies.dispose();
      const response = tf.slice(logProbs, [0, responseStart - 1], [1, responseLength]); // [1, Tr]
      const perToken = surrogate === "probability" ? tf.exp(response) : response; // [1, Tr]
      return tf.mul(-reward, tf.mean(perToken)) as tf.Scalar;
    }, copy.actorVariables);
    for (const variable of copy.actorVariables) {
      variable.assign(tf.sub(variable, tf.mul(learningRate, grads[variable.name])));
    }
    value.dispose();
  });
  const after = distributions(copy);
  return before.map((probsBefore, i) => ({
    position: responseStart + i,
    sampled: tokens[responseStart + i],
    probsBefore,
    probsAfter: after[i],
  }));
}

/** A tidy row per (response position, vocabulary token) of a probe, for plots. */
export type ProbeRow = {
  /** Which probe the row belongs to, e.g. `"NSR"`. */
  label: string;
  /** Index in the sequence of the predicted token. */
  position: number;
  /** The vocabulary id. */
  token: number;
  /** Whether this token was the sampled one at that position. */
  sampled: boolean;
  /** π before the step. */
  prior: number;
  /** π after minus π before. */
  change: number;
};

/**
 * Turns probe positions into tidy rows, one per (position, token).
 *
 * @param positions From {@link probeUpdate}.
 * @param options `label` of the probe (default `"probe"`).
 * @returns Rows for plots and summaries.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = probeRows([{ position: 3, sampled: 0, probsBefore: [0.5, 0.5], probsAfter: [0.4, 0.6] }]);
 * assert.equal(rows.length, 2);
 * assert.ok(Math.abs(rows[1].change - 0.1) < 1e-12);
 * ```
 */
export function probeRows(
  positions: readonly ProbePosition[],
  options: { label?: string } = {},
): ProbeRow[] {
  const { label = "probe" } = options;
  return positions.flatMap(({ position, sampled, probsBefore, probsAfter }) =>
    probsBefore.map((prior, token) => ({
      label,
      position,
      token,
      sampled: token === sampled,
      prior,
      change: probsAfter[token] - prior,
    }))
  );
}

/** What one probed step did to the unsampled tokens, in numbers. */
export type ProbeSummary = {
  /** Pearson correlation, over unsampled tokens, of the change in π with the prior π. */
  priorChangeCorrelation: number;
  /** Fraction of unsampled tokens whose probability rose. */
  alternativesRaised: number;
  /** Fraction of pairs of unsampled tokens (same position) whose order is unchanged. */
  orderPreserved: number;
  /** Mean change of log π of the sampled token. */
  sampledLogProbChange: number;
};

/**
 * Summarises probe positions the way the paper states its token-level claims: NSR raises the
 * unsampled tokens in proportion to their prior (positive correlation, all raised) and keeps
 * their order; PSR lowers them.
 *
 * @param positions From {@link probeUpdate} (one or several probes pooled).
 * @returns The summary.
 * @throws {RangeError} If there are no positions.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = summarizeProbe([{ position: 1, sampled: 0, probsBefore: [0.5, 0.3, 0.2], probsAfter: [0.25, 0.45, 0.3] }]);
 * assert.equal(s.alternativesRaised, 1);
 * assert.equal(s.orderPreserved, 1);
 * ```
 */
export function summarizeProbe(positions: readonly ProbePosition[]): ProbeSummary {
  if (positions.length === 0) {
    throw new RangeError("Cannot summarise a probe: no positions, got 0");
  }
  const priors: number[] = [], changes: number[] = [];
  let raised = 0, alternatives = 0, pairs = 0, kept = 0, sampledChange = 0;
  for (const { sampled, probsBefore, probsAfter } of positions) {
    sampledChange += Math.log(probsAfter[sampled]) - Math.log(probsBefore[sampled]);
    const others = probsBefore.map((_, v) => v).filter((v) => v !== sampled);
    for (const v of others) {
      priors.push(probsBefore[v]);
      changes.push(probsAfter[v] - probsBefore[v]);
      alternatives++;
      if (probsAfter[v] > probsBefore[v]) raised++;
    }
    for (let i = 0; i < others.length; i++) {
      for (let j = i + 1; j < others.length; j++) {
        const [a, b] = [others[i], others[j]];
        pairs++;
        if (
          Math.sign(probsBefore[a] - probsBefore[b]) === Math.sign(probsAfter[a] - probsAfter[b])
        ) {
          kept++;
        }
      }
    }
  }
  return {
    priorChangeCorrelation: pearson(priors, changes),
    alternativesRaised: raised / alternatives,
    orderPreserved: pairs === 0 ? 1 : kept / pairs,
    sampledLogProbChange: sampledChange / positions.length,
  };
}

/** Options of {@link tokenMechanismClaims}. */
export type TokenMechanismOptions = BootstrapOptions & {
  /** Share of unsampled-token pairs that must keep their order for "preserves order". Default 0.9. */
  orderThreshold?: number;
  /** A sampled token with π above this counts as confident. Default 0.9. */
  confidentAbove?: number;
};

function shifted(interval: Interval, by: number): Interval {
  return {
    estimate: interval.estimate - by,
    lower: interval.lower - by,
    upper: interval.upper - by,
  };
}

/**
 * Judges the paper's token-level claim (claim 10 of the reproduction) from probed updates on a
 * real policy, with bootstrap intervals over probed samples:
 * - 10a: an NSR step raises unsampled tokens in proportion to their prior (mean per-sample
 *   correlation of Δπ with π over unsampled tokens > 0);
 * - 10b: it keeps their order (mean share of ordered pairs kept ≥ `orderThreshold`);
 * - 10c: it moves a confident sampled token (π_y > `confidentAbove`) less than an unsure one
 *   (mean |Δ log π_y|, confident minus the rest, < 0);
 * - 10d: a PSR step lowers the alternatives (mean share of unsampled tokens raised < 0.5);
 * and 10, all four together.
 *
 * @param probes NSR probes (one array of positions per wrong sample) and PSR probes (per correct one).
 * @param options Bootstrap settings and thresholds.
 * @returns Five claim records (10a–10d and the combined 10).
 * @throws {RangeError} If either list of probes is empty.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const nsr = [[{ position: 1, sampled: 0, probsBefore: [0.5, 0.3, 0.2], probsAfter: [0.3, 0.42, 0.28] }]];
 * const psr = [[{ position: 1, sampled: 0, probsBefore: [0.5, 0.3, 0.2], probsAfter: [0.7, 0.18, 0.12] }]];
 * assert.equal(tokenMechanismClaims({ nsr, psr }, { resamples: 50 }).length, 5);
 * ```
 */
export function tokenMechanismClaims(
  probes: { nsr: readonly ProbePosition[][]; psr: readonly ProbePosition[][] },
  options: TokenMechanismOptions = {},
): ClaimRecord[] {
  const { orderThreshold = 0.9, confidentAbove = 0.9, ...bootstrap } = options;
  if (probes.nsr.length === 0 || probes.psr.length === 0) {
    throw new RangeError(
      `Cannot judge the token mechanism: needs NSR and PSR probes, got ${probes.nsr.length} and ${probes.psr.length}`,
    );
  }
  const nsr = probes.nsr.map(summarizeProbe);
  const psr = probes.psr.map(summarizeProbe);
  const positions = probes.nsr.flat();
  const moves = (confident: boolean): number[] =>
    positions
      .filter((p) => (p.probsBefore[p.sampled] > confidentAbove) === confident)
      .map((p) => Math.abs(Math.log(p.probsAfter[p.sampled]) - Math.log(p.probsBefore[p.sampled])));
  const records: ClaimRecord[] = [
    claimFromInterval(meanInterval(nsr.map((s) => s.priorChangeCorrelation), bootstrap), {
      id: "10a",
      claim: "NSR raises unsampled tokens in proportion to their prior",
      relation: "greater",
      label: "mean corr(Δπ, π) over unsampled tokens",
    }),
    claimFromInterval(
      shifted(meanInterval(nsr.map((s) => s.orderPreserved), bootstrap), orderThreshold),
      {
        id: "10b",
        claim: `NSR keeps the order of unsampled tokens (≥ ${orderThreshold} of pairs)`,
        relation: "at-least",
        label: `share of pairs kept − ${orderThreshold}`,
      },
    ),
  ];
  const confident = moves(true), unsure = moves(false);
  records.push(
    confident.length > 0 && unsure.length > 0
      ? claimFromInterval(meanDifferenceInterval(confident, unsure, bootstrap), {
        id: "10c",
        claim: `NSR barely moves a confident sampled token (π > ${confidentAbove})`,
        relation: "less",
        label: "|Δ log π_y|, confident − unsure",
      })
      : {
        id: "10c",
        claim: `NSR barely moves a confident sampled token (π > ${confidentAbove})`,
        verdict: "inconclusive",
        evidence: `${confident.length} confident and ${unsure.length} unsure positions`,
      },
    claimFromInterval(shifted(meanInterval(psr.map((s) => s.alternativesRaised), bootstrap), 0.5), {
      id: "10d",
      claim: "PSR lowers the alternatives",
      relation: "less",
      label: "share of unsampled tokens raised − 0.5",
    }),
  );
  records.push(combineClaims(records, {
    id: "10",
    claim:
      "Token mechanism: NSR raises alternatives ∝ prior, keeps order, small when confident; PSR lowers them",
    rule: "all",
  }));
  return records;
}
