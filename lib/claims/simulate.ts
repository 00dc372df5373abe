/**
 * The Pass@k rules checked by simulation: each rule is run on synthetic per-problem outcomes of
 * the protocol's size (its judged set's problems, n samples, its seeds) drawn from worlds of
 * known truth, and the share of draws it calls "reproduced" is counted.
 *
 * Each simulated claim states two worlds, built from the base's per-problem success rates b:
 * - **holds**: the claim is true, with an effect of the paper's size and shape (for claim 3:
 *   NSR gains at small k and ties at the largest, as the paper's curves). A rule that works
 *   says "reproduced" here at least 80% of the time (its power).
 * - **fails**: the claim is false, at its boundary, where a rule is hardest to keep honest: no
 *   effect for an improvement claim (claim 1: PSR raises Pass@1 but ties the base at the largest
 *   k), a loss of exactly the margin for a "not below" claim, NSR keeping exactly 75% of GRPO's
 *   gain for claim 2, a method that is its cooled base for claims 14 and 15. A rule that works
 *   says "reproduced" here at most 5% of the time; a rule with a narrowed interval, a flipped
 *   sign or a dropped margin does not.
 *
 * The worlds move rates by plain maps: `lift` (b + g (1 − b): every k rises), `sharpen` (problems
 * the base solves ≥ 25% of the time rise, the rest fall: Pass@1 up, large k down, what PSR and a
 * cooled base do), `raiseSolved` (the first half of `sharpen` only), `scale` and
 * `scaleToPassAtK` (every k falls; the latter to a given true Pass@k). Counts are binomial draws, per seed; the base has one seed as in the protocol.
 *
 * @module
 */
import { type Prng, seededPrng } from "../random.ts";
import type { ClaimLabels, ClaimRecord } from "./verdict.ts";
import { type PaperContext, RELATIVE_MARGIN } from "./pass_at_k_rules.ts";
import {
  beyondSharpeningRule,
  nsrEveryKRule,
  nsrPassAt1Rule,
  nsrPassAtNRule,
  psrSharpensRule,
  weightedBestRule,
} from "./paper_rules.ts";
import { cooledSetting } from "../protocol/grid.ts";
import {
  BASE_METHOD,
  judgedKMax,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";
import type { PolicyEvaluation } from "../schedule/work.ts";

/** A world of known truth: each problem's probability of a correct sample, per method. */
export type World = {
  /** Method (the base included) → per-problem success probability at the primary setting. */
  readonly methods: Readonly<Record<string, readonly number[]>>;
  /** The cooled-base grid: temperature → the base's per-problem success probability there. */
  readonly cooled?: ReadonlyMap<number, readonly number[]>;
};

const clamp = (p: number) => Math.min(1, Math.max(0, p));

/**
 * Raises every problem's rate: b + g (1 − b), so Pass@1 rises by g (1 − mean b).
 *
 * @param b Rates.
 * @param g The lift, in [0, 1].
 * @returns The lifted rates.
 */
export function lift(b: readonly number[], g: number): number[] {
  return b.map((p) => clamp(p + g * (1 - p)));
}

/**
 * Sharpens: problems with rate ≥ 0.25 are lifted by s, the rest scaled by 1 − s.
 *
 * @param b Rates.
 * @param s The strength, in [0, 1].
 * @returns The sharpened rates.
 */
export function sharpen(b: readonly number[], s: number): number[] {
  return b.map((p) => clamp(p >= 0.25 ? p + s * (1 - p) : p * (1 - s)));
}

/**
 * Raises only the problems the base solves ≥ 25% of the time, by s: Pass@1 up, the largest k
 * nearly unchanged (those problems are solved there already): the paper's NSR curve.
 *
 * @param b Rates.
 * @param s The strength, in [0, 1].
 * @returns The rates.
 */
export function raiseSolved(b: readonly number[], s: number): number[] {
  return b.map((p) => clamp(p >= 0.25 ? p + s * (1 - p) : p));
}

/**
 * Scales every rate by f: every Pass@k falls, Pass@1 by exactly 1 − f of itself.
 *
 * @param b Rates.
 * @param f The factor, in [0, 1].
 * @returns The rates.
 */
export function scale(b: readonly number[], f: number): number[] {
  return b.map((p) => clamp(f * p));
}

/**
 * Scales rates by the factor f that puts their Pass@k (the truth, 1 − (1 − p)^k) at `target`
 * (bisection; f ≤ 1).
 *
 * @param b Rates.
 * @param k k.
 * @param target The Pass@k wanted, at most b's.
 * @returns The rates.
 */
export function scaleToPassAtK(b: readonly number[], k: number, target: number): number[] {
  const passAt = (f: number) => b.reduce((a, p) => a + 1 - (1 - f * p) ** k, 0) / b.length;
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (passAt(mid) < target) lo = mid;
    else hi = mid;
  }
  return scale(b, (lo + hi) / 2);
}

const truePassAtK = (b: readonly number[], k: number) =>
  b.reduce((a, p) => a + 1 - (1 - p) ** k, 0) / b.length;

/** A rule of the paper's Pass@k claims. */
export type PaperRule = (ctx: PaperContext, labels: ClaimLabels) => ClaimRecord;

/** A simulated claim: its rule and its two worlds, from the base's rates. */
export type ClaimSimulation = {
  readonly rule: PaperRule;
  readonly holds: (b: readonly number[]) => World;
  readonly fails: (b: readonly number[]) => World;
};

const GAIN = 0.15;
const all = (methods: readonly string[], rates: readonly number[]) =>
  Object.fromEntries(methods.map((m) => [m, rates]));

/** The simulated claims, by id (the matched-movement variants "…m" share their claim's). */
export const CLAIM_SIMULATIONS: Readonly<Record<string, ClaimSimulation>> = {
  "1": {
    rule: psrSharpensRule,
    holds: (b) => ({ methods: { Base: b, PSR: sharpen(b, 0.3) } }),
    fails: (b) => ({ methods: { Base: b, PSR: raiseSolved(b, 0.3) } }),
  },
  "2": {
    rule: nsrPassAt1Rule,
    holds: (b) => ({
      methods: { Base: b, ...all(["PPO", "GRPO"], lift(b, GAIN)), NSR: lift(b, 0.95 * GAIN) },
    }),
    fails: (b) => ({
      methods: { Base: b, ...all(["PPO", "GRPO"], lift(b, GAIN)), NSR: lift(b, 0.75 * GAIN) },
    }),
  },
  "3": {
    rule: nsrEveryKRule,
    holds: (b) => ({ methods: { Base: b, NSR: raiseSolved(b, 0.3) } }),
    fails: (b) => ({ methods: { Base: b, NSR: scale(b, 1 - RELATIVE_MARGIN) } }),
  },
  "4": {
    rule: nsrPassAtNRule,
    holds: (b) => ({ methods: { Base: b, ...all(["NSR", "PPO", "GRPO"], lift(b, 0.1)) } }),
    // Only the GRPO part at its boundary: NSR's true Pass@16 is exactly the margin below GRPO's.
    fails: (b) => {
      const grpo = lift(b, 0.1);
      const k = 16;
      return {
        methods: {
          Base: b,
          PPO: lift(b, 0.05),
          GRPO: grpo,
          NSR: scaleToPassAtK(grpo, k, (1 - RELATIVE_MARGIN) * truePassAtK(grpo, k)),
        },
      };
    },
  },
  "5": {
    rule: weightedBestRule,
    holds: (b) => ({
      methods: { Base: b, ...all(["W-REINFORCE", "NSR", "PPO", "GRPO"], lift(b, 0.1)) },
    }),
    // Only the GRPO part at its boundary: W-REINFORCE's Pass@1 exactly the margin below GRPO's.
    fails: (b) => ({
      methods: {
        Base: b,
        NSR: b,
        PPO: lift(b, 0.05),
        GRPO: lift(b, 0.1),
        "W-REINFORCE": scale(lift(b, 0.1), 1 - RELATIVE_MARGIN),
      },
    }),
  },
  "14": beyondSharpening("NSR"),
  "15": beyondSharpening("W-REINFORCE"),
};

function beyondSharpening(method: string): ClaimSimulation {
  const cooled = (b: readonly number[]) => new Map([[0.7, sharpen(b, 0.3)]]);
  return {
    rule: beyondSharpeningRule(method),
    holds: (b) => ({
      methods: { Base: b, [method]: lift(sharpen(b, 0.3), 0.05) },
      cooled: cooled(b),
    }),
    fails: (b) => ({ methods: { Base: b, [method]: sharpen(b, 0.3) }, cooled: cooled(b) }),
  };
}

function binomial(prng: Prng, n: number, p: number): number {
  let c = 0;
  for (let j = 0; j < n; j++) if (prng() < p) c++;
  return c;
}

function draw(
  prng: Prng,
  rates: readonly number[],
  where: { settingName: string; seed: number; samples: number },
): PolicyEvaluation {
  const { settingName, seed, samples } = where;
  return {
    tier: PRIMARY_SET,
    settingName,
    seed,
    seconds: 0,
    outcomes: rates.map((p, i) => {
      const c = binomial(prng, samples, p);
      return {
        problemId: `p${i}`,
        n: samples,
        c,
        distinctCorrect: Math.min(c, 1),
        sampleEntropy: 0,
        greedyCorrect: p >= 0.5 ? 1 : 0,
        greedyEntropy: 0,
      };
    }),
  };
}

/**
 * One draw of a world at the protocol's size: results whose only set is the primary set, with
 * every method on the protocol's seeds (the base on the first) and the cooled grid if any.
 *
 * @param protocol The protocol (seeds, samples, resamples).
 * @param world The world.
 * @param prng The random source.
 * @returns The synthetic results.
 */
export function simulatedResults(
  protocol: ProtocolResults["protocol"],
  world: World,
  prng: Prng,
): ProtocolResults {
  const { seeds, evaluation } = protocol;
  const samples = evaluation.samples;
  const primary: Record<string, PolicyEvaluation[]> = {};
  for (const [method, rates] of Object.entries(world.methods)) {
    const methodSeeds = method === BASE_METHOD ? seeds.slice(0, 1) : seeds;
    primary[method] = methodSeeds.map((seed) =>
      draw(prng, rates, { settingName: PRIMARY_SETTING, seed, samples })
    );
  }
  const evaluations: Record<string, Record<string, Record<string, PolicyEvaluation[]>>> = {
    [PRIMARY_SETTING]: { [PRIMARY_SET]: primary },
  };
  for (const [t, rates] of world.cooled ?? []) {
    const settingName = cooledSetting(t);
    evaluations[settingName] = {
      [PRIMARY_SET]: {
        [BASE_METHOD]: [draw(prng, rates, { settingName, seed: seeds[0], samples })],
      },
    };
  }
  const temperatures = [...(world.cooled?.keys() ?? [])];
  return {
    protocol: {
      ...protocol,
      evaluation: {
        ...evaluation,
        cooledBase: temperatures.length > 0 ? { temperatures } : undefined,
      },
    },
    baseId: "simulated",
    pool: {
      candidates: 0,
      filter: "none",
      samples: 0,
      minPassRate: 0,
      problemIds: [],
      passRates: [],
      meanPassRate: null,
    },
    calibration: { method: "GRPO", runs: [], chosen: 0, rule: "", curves: [] },
    groups: { main: Object.keys(world.methods), lambda: {}, long: {}, miniBatches: {} },
    runs: {},
    evaluations,
    checkpoints: {},
    seconds: { screening: 0, training: 0, evaluation: 0 },
  };
}

/** How often a rule says "reproduced" in a world. */
export type SimulationRates = {
  /** In the world where the claim fails: the rule's false-positive rate (≤ 0.05 wanted). */
  readonly nullReproducedRate: number;
  /** In the world where it holds with the paper's effect: the rule's power (≥ 0.8 wanted). */
  readonly powerReproducedRate: number;
  /** Draws per world. */
  readonly trials: number;
};

/**
 * The share of a world's draws in which a rule says "reproduced" (the gate assumed passed).
 *
 * @param simulation The rule.
 * @param world The world.
 * @param options The protocol, `trials` and the `seed` of the draws.
 * @returns The share.
 */
export function reproducedRate(
  simulation: { readonly rule: PaperRule },
  world: World,
  options: {
    readonly protocol: ProtocolResults["protocol"];
    readonly trials: number;
    readonly seed: number;
  },
): number {
  const { protocol, trials, seed } = options;
  const prng = seededPrng(seed);
  const kMax = judgedKMax(protocol.evaluation.samples);
  const gate = { passed: true, evidence: "", passAt1: {}, greedyAccuracy: NaN_INTERVAL, kl: 0 };
  let reproduced = 0;
  for (let t = 0; t < trials; t++) {
    const results = simulatedResults(protocol, world, prng);
    const ctx: PaperContext = { results, boots: new Map(), tiers: [PRIMARY_SET], kMax, gate };
    const record = simulation.rule(ctx, { id: "sim", claim: "" });
    if (record.verdict === "reproduced") reproduced++;
  }
  return reproduced / trials;
}

const NaN_INTERVAL = { estimate: NaN, lower: NaN, upper: NaN };

/**
 * Both rates of a simulated claim, at the protocol's size, from the base's rates.
 *
 * @param id The claim's id (a matched variant "…m" reads its claim's simulation).
 * @param base The base's per-problem success rates on the judged set.
 * @param options The protocol, `trials` per world and the `seed`.
 * @returns The rates, or null for a claim without a simulation.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProtocol } from "../protocol/protocol_file.ts";
 * const protocol = { ...(await loadProtocol("smoke")), resamples: 50 };
 * const base = Array.from({ length: 40 }, (_, i) => (i + 0.5) / 40);
 * const rates = simulateClaim("1", base, { protocol, trials: 4, seed: 1 });
 * assert.ok(rates !== null && rates.nullReproducedRate <= rates.powerReproducedRate);
 * assert.equal(simulateClaim("10a", base, { protocol, trials: 4, seed: 1 }), null);
 * ```
 */
export function simulateClaim(
  id: string,
  base: readonly number[],
  options: {
    readonly protocol: ProtocolResults["protocol"];
    readonly trials: number;
    readonly seed: number;
  },
): SimulationRates | null {
  const simulation = CLAIM_SIMULATIONS[id.replace(/m$/, "")];
  if (simulation === undefined) return null;
  return {
    nullReproducedRate: reproducedRate(simulation, simulation.fails(base), options),
    powerReproducedRate: reproducedRate(simulation, simulation.holds(base), options),
    trials: options.trials,
  };
}

/**
 * Claims' records with their rules' simulated error rates at this run's size (`simulation`,
 * null for a claim without a simulation), from the base's per-problem rates on the judged set.
 * A matched-movement variant shares its claim's rates (computed once).
 *
 * @param records The claims' records.
 * @param results The run.
 * @param options `trials` per world (default 100) and the `seed` (default 0).
 * @returns The records with `simulation`.
 */
export function withSimulations<R extends { readonly id: string }>(
  records: readonly R[],
  results: ProtocolResults,
  options: { readonly trials?: number; readonly seed?: number } = {},
): (R & { simulation: SimulationRates | null })[] {
  const { trials = 100, seed = 0 } = options;
  const sets = results.evaluations[PRIMARY_SETTING] ?? {};
  const set = PRIMARY_SET in sets ? PRIMARY_SET : Object.keys(sets)[0];
  const base = sets[set]?.[BASE_METHOD]?.[0]?.outcomes.map((o) => o.c / o.n) ?? [];
  const memo = new Map<string, SimulationRates | null>();
  return records.map((record) => {
    const id = record.id.replace(/m$/, "");
    if (!memo.has(id)) {
      memo.set(
        id,
        base.length === 0
          ? null
          : simulateClaim(id, base, { protocol: results.protocol, trials, seed }),
      );
    }
    return { ...record, simulation: memo.get(id) ?? null };
  });
}
