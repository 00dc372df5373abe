// Synthetic protocol results of known truth, for the tests of the verdict code (#25 item 7):
// every per-problem outcome and every training batch is drawn (seeded) from probabilities the
// test states, so the true value of each difference is known and an interval can be checked
// against it (its sign, its level, its window, its units).
import { parseProtocolConfig, type ProtocolConfig } from "../../lib/config.ts";
import { loadProtocol } from "../../lib/protocol/protocol_file.ts";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import { type Prng, seededPrng } from "../../lib/random.ts";
import type { PolicyEvaluation, RunRecord } from "../../lib/schedule/work.ts";
import type { StepMetrics } from "../../lib/train/metrics.ts";
import { stepProblemIndices } from "../../lib/train/train.ts";

/** What a method truly is: per-problem success probabilities and what its runs log. */
export type Truth = {
  /** Probability that one sample of held-out problem i is correct (every tier alike). */
  readonly p: (i: number) => number;
  /** Greedy-response entropy of held-out problem i (nats); drawn ± 10% around it. Default 0.5. */
  readonly greedyEntropy?: (i: number) => number;
  /** Probability that one training sample of pool problem i is correct. Default `p`. */
  readonly trainP?: (i: number) => number;
  /** Overrides of a step's metrics (e.g. a known correct ratio per step). */
  readonly step?: (step: number) => Partial<StepMetrics>;
};

/** Sizes of a synthetic run. */
export type SyntheticOptions = {
  /** The seed of every draw. */
  readonly seed: number;
  /** Held-out problems per tier. Default 40. */
  readonly problems?: number;
  /** The tiers. Default ["tierA"]. */
  readonly tiers?: readonly string[];
  /** RL steps of each run. Default 8. */
  readonly steps?: number;
  /** Problems in the training pool. Default 16. */
  readonly poolSize?: number;
  /** Core-seconds of each kind of work. Default 0 each. */
  readonly seconds?: ProtocolResults["seconds"];
};

/**
 * The smoke protocol with the sizes a test needs: `seeds`, `samples` per held-out problem,
 * `resamples`, steps, prompts per step and group size.
 */
export async function syntheticProtocol(options: {
  seeds?: readonly number[];
  samples?: number;
  resamples?: number;
  steps?: number;
  promptsPerStep?: number;
  groupSize?: number;
} = {}): Promise<ProtocolConfig> {
  const {
    seeds = [0, 1, 2],
    samples = 16,
    resamples = 200,
    steps = 8,
    promptsPerStep = 4,
    groupSize = 8,
  } = options;
  const smoke = await loadProtocol("smoke");
  return parseProtocolConfig({
    ...smoke,
    seeds: [...seeds],
    resamples,
    evaluation: { ...smoke.evaluation, samples },
    experiment: {
      ...smoke.experiment,
      rollout: { ...smoke.experiment.rollout, samplesPerPrompt: groupSize },
      train: { ...smoke.experiment.train, steps, promptsPerStep, evalEvery: 2 },
    },
  });
}

function binomial(prng: Prng, n: number, p: number): number {
  let c = 0;
  for (let j = 0; j < n; j++) if (prng() < p) c++;
  return c;
}

function evaluation(
  truth: Truth,
  prng: Prng,
  options: { tier: string; seed: number; problems: number; samples: number },
): PolicyEvaluation {
  const { tier, seed, problems, samples } = options;
  const entropy = truth.greedyEntropy ?? (() => 0.5);
  return {
    tier,
    settingName: "T=1.0",
    seed,
    seconds: 1,
    outcomes: Array.from({ length: problems }, (_, i) => ({
      problemId: `${tier}-${i}`,
      n: samples,
      c: binomial(prng, samples, truth.p(i)),
      distinctCorrect: 1,
      sampleEntropy: entropy(i),
      greedyCorrect: prng() < truth.p(i) ? 1 : 0,
      greedyEntropy: entropy(i) * (0.9 + 0.2 * prng()),
    })),
  };
}

function run(
  method: string,
  truth: Truth,
  prng: Prng,
  options: { seed: number; protocol: ProtocolConfig; steps: number; poolSize: number },
): RunRecord {
  const { seed, protocol, steps, poolSize } = options;
  const { promptsPerStep } = protocol.experiment.train;
  const group = protocol.experiment.rollout.samplesPerPrompt;
  const trainP = truth.trainP ?? truth.p;
  return {
    method,
    seed,
    dir: "",
    learningRate: 1e-4,
    steps: Array.from({ length: steps }, (_, t): StepMetrics => {
      const step = t + 1;
      const indices = stepProblemIndices(step, { seed, promptsPerStep, problemCount: poolSize });
      const groupCorrect = indices.map((i) => binomial(prng, group, trainP(i)));
      return {
        step,
        correctRatio: groupCorrect.reduce((a, c) => a + c, 0) / (group * promptsPerStep),
        fullySolvedRatio: 0,
        allWrongRatio: 0,
        groupCorrect,
        meanReward: 0,
        samplesTrained: group * promptsPerStep,
        optimizerSteps: 4,
        meanResponseLength: 20,
        truncationRate: 0,
        rolloutEntropy: 0.5,
        klToInitial: 0.02,
        clipFraction: 0,
        gradNorm: 1,
        loss: 0,
        policyLoss: 0,
        entropy: 0,
        kl: 0,
        valueLoss: 0,
        seconds: {
          rollout: 0,
          grading: 0,
          logProbs: 0,
          update: 0,
          eval: 0,
          checkpoint: 0,
          total: 1,
        },
        ...truth.step?.(step),
      };
    }),
    evals: [],
  };
}

/**
 * Protocol results drawn from the truths (the base is `Base`; it has no runs): every method is
 * evaluated on every tier with each of the protocol's seeds, and every other method trains one
 * run per seed on a pool whose prompts follow the trainer's own order (so pairing by prompt is
 * real).
 *
 * @param protocol From {@link syntheticProtocol}.
 * @param truths Method → truth (the main grid, in this order).
 * @param options Seed and sizes.
 * @returns The results.
 */
export function syntheticResults(
  protocol: ProtocolConfig,
  truths: Readonly<Record<string, Truth>>,
  options: SyntheticOptions,
): ProtocolResults {
  const {
    seed,
    problems = 40,
    tiers = ["tierA"],
    steps = protocol.experiment.train.steps,
    poolSize = 16,
    seconds = { screening: 0, training: 0, evaluation: 0 },
  } = options;
  const prng = seededPrng(seed);
  const samples = protocol.evaluation.samples;
  const byTier: Record<string, Record<string, PolicyEvaluation[]>> = {};
  const runs: Record<string, RunRecord[]> = {};
  for (const [method, truth] of Object.entries(truths)) {
    for (const tier of tiers) {
      (byTier[tier] ??= {})[method] = protocol.seeds.map((s) =>
        evaluation(truth, prng, { tier, seed: s, problems, samples })
      );
    }
    if (method === "Base") continue;
    runs[method] = protocol.seeds.map((s) =>
      run(method, truth, prng, { seed: s, protocol, steps, poolSize })
    );
  }
  return {
    protocol,
    baseId: "synthetic",
    pool: {
      candidates: poolSize,
      samples: 4,
      filter: "minPassRate",
      minPassRate: 0,
      problemIds: Array.from({ length: poolSize }, (_, i) => `p${i}`),
      passRates: Array.from({ length: poolSize }, () => 0.5),
      meanPassRate: 0.5,
    },
    calibration: { method: "GRPO", runs: [], chosen: 1e-4, rule: "", curves: [] },
    groups: { main: Object.keys(truths), lambda: {}, long: {}, miniBatches: {} },
    runs,
    evaluations: { "T=1.0": byTier },
    checkpoints: {},
    seconds,
  };
}

/** The true Pass@k of a problem whose samples are correct with probability p: 1 − (1 − p)^k. */
export function truePassAtK(p: number, k: number): number {
  return 1 - (1 - p) ** k;
}

/** The mean over problems 0 … problems−1 of f(i). */
export function meanOver(problems: number, f: (i: number) => number): number {
  let total = 0;
  for (let i = 0; i < problems; i++) total += f(i);
  return total / problems;
}

/**
 * How often, over `replicates` seeded draws, an interval covers the truth: the coverage of a
 * 95% interval is near 0.95 and of a 50% one near 0.5, whatever the data.
 */
export function coverage(
  replicates: number,
  interval: (seed: number) => { lower: number; upper: number },
  truth: number,
): number {
  let covered = 0;
  for (let seed = 1; seed <= replicates; seed++) {
    const { lower, upper } = interval(seed);
    if (lower <= truth && truth <= upper) covered++;
  }
  return covered / replicates;
}
