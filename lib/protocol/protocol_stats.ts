/**
 * Statistics of a protocol run (run_protocol.ts), as estimates with 95% intervals: Pass@k curves
 * per tier, per-problem metrics pooled over tiers, training-batch ratios and greedy accuracy
 * during training. Every interval is a bootstrap over problems (the same problems for every
 * method: paired) and seeds, never over a handful of seed means.
 *
 * @module
 */
import { type Interval, powersOfTwoUpTo } from "../eval/passk.ts";
import {
  bootstrapPassAtK,
  bootstrapProblemMeans,
  type PassAtKBootstrap,
  percentileInterval,
  type ProblemMeansBootstrap,
} from "../eval/compare.ts";
import { type Prng, randomInt, seededPrng } from "../random.ts";
import { stepProblemIndices } from "../train/train.ts";
import type { ProtocolResults } from "./protocol_results.ts";
import type { ProblemOutcome } from "../eval/task.ts";

function evaluationsOf(
  results: ProtocolResults,
  setting: string,
  tier: string,
  method: string,
): readonly (readonly ProblemOutcome[])[] {
  const perSeed = results.evaluations[setting]?.[tier]?.[method];
  if (perSeed === undefined || perSeed.length === 0) {
    throw new RangeError(
      `Cannot read the protocol's results: no evaluation of ${method} on ${tier} at ${setting}`,
    );
  }
  return perSeed.map((e) => e.outcomes);
}

/**
 * The joint Pass@k bootstrap of methods on one tier and setting (problems resampled once for all
 * methods, seeds per method), at k = 1, 2, 4, … up to n.
 *
 * @param results The protocol's results.
 * @param options `setting`, `tier`, `methods`, and `resamples` (default the protocol's).
 * @returns The bootstrap.
 * @throws {RangeError} If a method has no evaluation there.
 */
export function passAtKBootstrap(
  results: ProtocolResults,
  options: { setting: string; tier: string; methods: readonly string[]; resamples?: number },
): PassAtKBootstrap {
  const { setting, tier, methods, resamples = results.protocol.resamples } = options;
  const groups = Object.fromEntries(
    methods.map((method) => [
      method,
      evaluationsOf(results, setting, tier, method).map((outcomes) =>
        outcomes.map(({ problemId, n, c }) => ({ problemId, n, c }))
      ),
    ]),
  );
  const n = Math.min(...Object.values(groups).flat(2).map((p) => p.n));
  return bootstrapPassAtK(groups, powersOfTwoUpTo(n), { resamples, prng: seededPrng(0) });
}

/**
 * A statistic of a joint Pass@k bootstrap with its interval: `value` maps a reader of Pass@k
 * (method, k) to a number; it is applied to the estimates and to every draw.
 *
 * @param boot The bootstrap.
 * @param value The statistic.
 * @returns Its estimate and 95% percentile interval.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapPassAtK } from "../eval/compare.ts";
 * const boot = bootstrapPassAtK({ a: [[{ n: 2, c: 2 }]], b: [[{ n: 2, c: 0 }]] }, [1], { resamples: 5 });
 * assert.deepEqual(passAtKStatistic(boot, (p) => p("a", 1) - p("b", 1)), { estimate: 1, lower: 1, upper: 1 });
 * ```
 */
export function passAtKStatistic(
  boot: PassAtKBootstrap,
  value: (passAt: (method: string, k: number) => number) => number,
): Interval {
  const index = (k: number) => {
    const j = boot.ks.indexOf(k);
    if (j < 0) {
      throw new RangeError(`Cannot read Pass@${k}: the bootstrap has ks ${boot.ks.join(",")}`);
    }
    return j;
  };
  const read = (method: string) => {
    if (!(method in boot.estimates)) {
      throw new RangeError(
        `Cannot read Pass@k of "${method}": the bootstrap has ${boot.methods.join(", ")}`,
      );
    }
    return method;
  };
  const estimate = value((m, k) => boot.estimates[read(m)][index(k)]);
  const draws = new Float64Array(boot.resamples);
  for (let b = 0; b < boot.resamples; b++) {
    draws[b] = value((m, k) => boot.draws[read(m)][index(k)][b]);
  }
  return { estimate, ...percentileInterval(draws, estimate, boot.confidence) };
}

/** Per-problem quantities of an evaluation, by name. */
export type ProblemMetric = "sampleEntropy" | "greedyEntropy" | "greedyCorrect" | "distinctCorrect";

/**
 * The joint bootstrap of per-problem metrics of methods, pooling the problems of several tiers
 * (each problem is one unit; every method has the same problems).
 *
 * @param results The protocol's results.
 * @param options `setting`, `tiers`, `methods`, `metrics`, `resamples`.
 * @returns The bootstrap (quantities are the metrics).
 * @throws {RangeError} If a method has no evaluation on a tier.
 */
export function metricBootstrap(
  results: ProtocolResults,
  options: {
    setting: string;
    tiers: readonly string[];
    methods: readonly string[];
    metrics: readonly ProblemMetric[];
    resamples?: number;
  },
): ProblemMeansBootstrap {
  const { setting, tiers, methods, metrics, resamples = results.protocol.resamples } = options;
  const groups = Object.fromEntries(methods.map((method) => {
    const perTier = tiers.map((tier) => evaluationsOf(results, setting, tier, method));
    const seeds = perTier[0].length;
    return [
      method,
      Object.fromEntries(metrics.map((metric) => [
        metric,
        Array.from(
          { length: seeds },
          (_, s) => perTier.flatMap((evals) => evals[s].map((o) => o[metric])),
        ),
      ])),
    ];
  }));
  return bootstrapProblemMeans(groups, { resamples, prng: seededPrng(0) });
}

/**
 * A statistic of a per-problem metric bootstrap with its interval.
 *
 * @param boot The bootstrap.
 * @param value The statistic, from a reader of (method, metric).
 * @returns Its estimate and 95% percentile interval.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapProblemMeans } from "../eval/compare.ts";
 * const boot = bootstrapProblemMeans({ a: { h: [[1, 1]] }, b: { h: [[0.5, 0.5]] } }, { resamples: 5 });
 * assert.equal(metricStatistic(boot, (v) => v("a", "h") - v("b", "h")).estimate, 0.5);
 * ```
 */
export function metricStatistic(
  boot: ProblemMeansBootstrap,
  value: (read: (method: string, metric: string) => number) => number,
): Interval {
  const estimate = value((m, q) => boot.estimates[m][q]);
  const draws = new Float64Array(boot.resamples);
  for (let b = 0; b < boot.resamples; b++) draws[b] = value((m, q) => boot.draws[m][q][b]);
  return { estimate, ...percentileInterval(draws, estimate, boot.confidence) };
}

/**
 * The difference A − B of the training-batch correct ratio, paired by (seed, step, prompt): the
 * two methods saw the same prompts in the same order (same seed, same pool). Its interval comes
 * from a cluster bootstrap: the pool's problems resampled with all their occurrences (the unit
 * of replication), and seeds resampled.
 *
 * @param results The protocol's results.
 * @param options `a`, `b` (method names) and `resamples`, `prng`.
 * @returns The mean over seeds and steps of the paired difference, with its interval.
 * @throws {RangeError} If the runs of the two methods differ in seeds or steps.
 */
export function correctRatioDifference(
  results: ProtocolResults,
  options: { a: string; b: string; resamples?: number; prng?: Prng },
): Interval {
  const { a, b, resamples = results.protocol.resamples, prng = seededPrng(0) } = options;
  const runsA = results.runs[a] ?? [];
  const runsB = results.runs[b] ?? [];
  if (runsA.length === 0 || runsA.length !== runsB.length) {
    throw new RangeError(
      `Cannot compare training correct ratios: ${a} has ${runsA.length} runs and ${b} ${runsB.length}`,
    );
  }
  const problemCount = results.pool.problemIds.length;
  const group = results.protocol.experiment.rollout.samplesPerPrompt;
  // sums[s][p], counts[s][p]: Σ over p's occurrences in seed s of (c_A − c_B)/G, and how many.
  const sums = runsA.map(() => new Float64Array(problemCount));
  const counts = runsA.map(() => new Float64Array(problemCount));
  runsA.forEach((runA, s) => {
    const runB = runsB[s];
    const steps = Math.min(runA.steps.length, runB.steps.length);
    for (let t = 0; t < steps; t++) {
      const stepA = runA.steps[t];
      const stepB = runB.steps[t];
      const prompts = stepA.groupCorrect.length;
      const indices = stepProblemIndices(stepA.step, {
        seed: runA.seed,
        promptsPerStep: prompts,
        problemCount,
      });
      indices.forEach((p, g) => {
        sums[s][p] += (stepA.groupCorrect[g] - stepB.groupCorrect[g]) / group;
        counts[s][p]++;
      });
    }
  });
  const statistic = (problemWeights: ArrayLike<number>, seedWeights: ArrayLike<number>) => {
    let total = 0;
    let weight = 0;
    for (let s = 0; s < sums.length; s++) {
      if (seedWeights[s] === 0) continue;
      let sum = 0;
      let count = 0;
      for (let p = 0; p < problemCount; p++) {
        sum += problemWeights[p] * sums[s][p];
        count += problemWeights[p] * counts[s][p];
      }
      if (count > 0) (total += seedWeights[s] * (sum / count), weight += seedWeights[s]);
    }
    return weight > 0 ? total / weight : 0;
  };
  const estimate = statistic(
    new Float64Array(problemCount).fill(1),
    new Float64Array(sums.length).fill(1),
  );
  const draws = new Float64Array(resamples);
  const pw = new Float64Array(problemCount);
  const sw = new Float64Array(sums.length);
  for (let d = 0; d < resamples; d++) {
    pw.fill(0);
    sw.fill(0);
    for (let i = 0; i < problemCount; i++) pw[randomInt(prng, problemCount)]++;
    if (sums.length === 1) sw[0] = 1;
    else for (let i = 0; i < sums.length; i++) sw[randomInt(prng, sums.length)]++;
    draws[d] = statistic(pw, sw);
  }
  return { estimate, ...percentileInterval(draws, estimate, 0.95) };
}
