// Synthetic protocol results of known truth for the claims' tests.
import { parseProtocolConfig } from "../../lib/config.ts";
import type { StepMetrics } from "../../lib/train/metrics.ts";
import type { PolicyEvaluation, RunRecord } from "../../lib/schedule/work.ts";
import type { ProtocolResults } from "../../lib/protocol/protocol_results.ts";
import { loadProtocol } from "../../lib/protocol/protocol_file.ts";
import { seededPrng } from "../../lib/random.ts";

// Synthetic protocol results: per method, a probability of a correct sample on problem i and a
// greedy entropy; counts are drawn (seeded) so intervals behave like real ones.
export type Shape = {
  p: (i: number) => number;
  entropy: number;
  correctRatio: number;
  kl: number;
  /** The rate greedy decoding follows (default `p`): a method that only sharpens keeps the base's. */
  greedy?: (i: number) => number;
};

const TIERS = ["tierA", "tierB", "tierC"];
const PROBLEMS = 120;
const N = 64;
const SEEDS = [0, 1, 2];
const POOL = 40;

export async function fakeResults(shapes: Record<string, Shape>): Promise<ProtocolResults> {
  const smoke = await loadProtocol("smoke");
  const protocol = parseProtocolConfig({
    ...smoke,
    seeds: SEEDS,
    // v2-shaped results (tiers only, no primary set or baselines): claims judged on every tier.
    evaluation: {
      ...smoke.evaluation,
      samples: N,
      problemsPerTier: PROBLEMS,
      primary: undefined,
      cooledBase: undefined,
      checkpoints: undefined,
    },
    gate: { ...smoke.gate, tiers: ["tierA", "tierB"] },
    experiment: {
      ...smoke.experiment,
      train: { ...smoke.experiment.train, steps: 4, promptsPerStep: 4, evalEvery: 2 },
    },
    ablations: {
      lambda: { method: "W-REINFORCE", values: [1], seeds: [0] },
      long: { methods: ["NSR"], factor: 2, seeds: [0] },
      miniBatches: { methods: ["PSR", "NSR"], value: 1, seeds: [0, 1, 2] },
    },
  });
  const prng = seededPrng(7);
  const binomial = (n: number, p: number) => {
    let c = 0;
    for (let j = 0; j < n; j++) if (prng() < p) c++;
    return c;
  };
  const evaluations: Record<string, Record<string, PolicyEvaluation[]>> = {};
  const runs: Record<string, RunRecord[]> = {};
  for (const [method, shape] of Object.entries(shapes)) {
    for (const tier of TIERS) {
      (evaluations[tier] ??= {})[method] = SEEDS.map((seed) => ({
        tier,
        settingName: "T=1.0",
        seed,
        seconds: 0,
        outcomes: Array.from({ length: PROBLEMS }, (_, i) => ({
          problemId: `${tier}-${i}`,
          n: N,
          c: binomial(N, shape.p(i)),
          distinctCorrect: 1,
          sampleEntropy: shape.entropy,
          // Greedy decoding solves problem i when a fixed per-problem threshold lies below its
          // rate (so a method's greedy accuracy tracks its rates, paired across methods); the
          // draw keeps the stream the other quantities were drawn from.
          greedyCorrect: prng() >= 0 && (i * 0.618) % 1 < (shape.greedy ?? shape.p)(i) ? 1 : 0,
          greedyEntropy: shape.entropy * (0.9 + 0.2 * prng()),
        })),
      }));
    }
    if (method === "Base") continue;
    runs[method] = SEEDS.map((seed) => ({
      method,
      seed,
      dir: "",
      learningRate: 1e-4,
      steps: Array.from({ length: 4 }, (_, t): StepMetrics => {
        const groupCorrect = Array.from({ length: 4 }, () => binomial(8, shape.correctRatio));
        return {
          step: t + 1,
          correctRatio: groupCorrect.reduce((a, c) => a + c, 0) / 32,
          fullySolvedRatio: 0,
          allWrongRatio: 0,
          groupCorrect,
          meanReward: 0,
          samplesTrained: 32,
          optimizerSteps: 4,
          meanResponseLength: 20,
          truncationRate: 0,
          rolloutEntropy: shape.entropy,
          klToInitial: shape.kl,
          clipFraction: 0.01,
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
        };
      }),
      evals: [2, 4].map((step) => {
        const greedyCorrect = Array.from({ length: 10 }, (_, i) => (prng() < shape.p(i) ? 1 : 0));
        return {
          step,
          greedyAccuracy: 0,
          entropy: 0,
          meanResponseLength: 0,
          greedyCorrect,
          greedyEntropies: greedyCorrect.map(() => 0),
        };
      }),
    }));
  }
  return {
    protocol,
    baseId: "fake",
    pool: {
      candidates: POOL,
      filter: "minPassRate",
      samples: 4,
      minPassRate: 0.25,
      problemIds: Array.from({ length: POOL }, (_, i) => `p${i}`),
      passRates: [],
      meanPassRate: 0.5,
    },
    calibration: { method: "GRPO", runs: [], chosen: 1e-4, rule: "", curves: [] },
    groups: {
      main: ["Base", "PSR", "NSR", "W-REINFORCE", "GRPO", "PPO"],
      lambda: { "W-REINFORCE": 0.1, "W-REINFORCE λ=1": 1 },
      long: { "NSR ×2": "NSR" },
      miniBatches: { "PSR 1 mini-batch": "PSR", "NSR 1 mini-batch": "NSR" },
    },
    runs,
    evaluations: { "T=1.0": evaluations },
    checkpoints: {},
    seconds: { screening: 0, training: 0, evaluation: 0 },
  };
}

// Pass@1 ≈ p, Pass@64 depends on how many problems have p > 0: the base solves 80% of problems
// sometimes; PSR is sharper (higher p where it solves, but solves fewer); NSR is like the base,
// a bit better.
export const base: Shape = {
  p: (i) => (i % 5 === 0 ? 0 : 0.2),
  entropy: 0.2,
  correctRatio: 0.45,
  kl: 0,
};
export const SHAPES: Record<string, Shape> = {
  Base: base,
  PSR: { p: (i) => (i % 5 < 2 ? 0 : 0.45), entropy: 0.1, correctRatio: 0.8, kl: 0.05 },
  NSR: { p: (i) => (i % 5 === 0 ? 0 : 0.27), entropy: 0.2, correctRatio: 0.5, kl: 0.03 },
  "W-REINFORCE": { p: (i) => (i % 5 === 0 ? 0 : 0.3), entropy: 0.18, correctRatio: 0.6, kl: 0.03 },
  GRPO: { p: (i) => (i % 5 === 0 ? 0 : 0.28), entropy: 0.15, correctRatio: 0.65, kl: 0.04 },
  PPO: { p: (i) => (i % 5 === 0 ? 0 : 0.27), entropy: 0.15, correctRatio: 0.62, kl: 0.04 },
  "W-REINFORCE λ=1": {
    p: (i) => (i % 5 < 2 ? 0 : 0.3),
    entropy: 0.12,
    correctRatio: 0.7,
    kl: 0.05,
  },
  "NSR ×2": { p: (i) => (i % 5 < 2 ? 0 : 0.3), entropy: 0.15, correctRatio: 0.5, kl: 0.06 },
  "PSR 1 mini-batch": {
    p: (i) => (i % 5 < 2 ? 0 : 0.4),
    entropy: 0.11,
    correctRatio: 0.7,
    kl: 0.04,
  },
  "NSR 1 mini-batch": {
    p: (i) => (i % 5 === 0 ? 0 : 0.25),
    entropy: 0.19,
    correctRatio: 0.5,
    kl: 0.02,
  },
};
