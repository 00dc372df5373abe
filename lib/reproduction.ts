/**
 * The reproduction protocol (Zhu et al. 2025, scaled down): train every method × seed from the
 * same base model with {@link runTraining}, evaluate the final checkpoint of each run (and the
 * base, once per seed) on the held-out tiers under one or more sampling settings, and return
 * plain per-seed, per-problem counts and training metrics, ready for `bootstrapPassAtK`,
 * `coverageAgainstBase` and the claims of lib/claims.ts.
 *
 * Training runs are cached by runTraining (hash of config, base and problems); evaluations are
 * cached by {@link cached} under the hash of the run, the problems and the sampling settings, so
 * re-running a notebook redoes only what changed.
 *
 * @module
 */
import { basename } from "node:path";
import { cached } from "./cache.ts";
import { type ExperimentConfig, parseExperimentConfig } from "./config.ts";
import {
  bootstrapCurve,
  bootstrapDifference,
  bootstrapPassAtK,
  type Interval,
  type PassAtKBootstrap,
} from "./eval/compare.ts";
import type { SeedProblemCounts } from "./eval/compare.ts";
import { type Coverage, coverageAgainstBase } from "./eval/coverage.ts";
import { runTraining } from "./experiment.ts";
import type { EvalMetrics, StepMetrics } from "./metrics.ts";
import { Policy } from "./model/policy.ts";
import type { Tokenizer } from "./model/tokenizer.ts";
import type { PassAtKRow } from "./passk.ts";
import type { Progress } from "./progress.ts";
import { deriveSeed, type Prng } from "./random.ts";
import type { CountdownProblem } from "./tasks/countdown.ts";
import { countdownRolloutReward } from "./tasks/countdown_rl.ts";
import { evaluateCountdown } from "./tasks/evaluate_countdown.ts";
import { loadTrainCheckpoint } from "./train_checkpoint.ts";

/** How a checkpoint is sampled for evaluation. */
export type SamplingSetting = {
  /** Samples per problem n. */
  readonly samples: number;
  /** Sampling temperature. */
  readonly temperature: number;
  /** Nucleus threshold (1 disables it). */
  readonly topP: number;
};

/** One problem's outcome in one evaluation. */
export type ProblemOutcome = {
  /** The problem's id (from the split). */
  readonly problemId: string;
  /** Samples drawn. */
  readonly n: number;
  /** Samples graded correct. */
  readonly c: number;
  /** Distinct correct responses. */
  readonly distinctCorrect: number;
};

/** One evaluation of one seed of a method on one tier under one setting. */
export type SeedEvaluation = {
  /** The training seed (for the base: the seed of the sampling only). */
  readonly seed: number;
  /** Mean token entropy (nats, at temperature 1) of the sampled responses. */
  readonly entropy: number;
  /** Mean distinct correct responses over the problems solved at least once. */
  readonly distinctCorrect: number;
  /** Per-problem outcomes, in tier order. */
  readonly problems: readonly ProblemOutcome[];
};

/** One training run of a method (plain data; the checkpoints stay in `dir`). */
export type MethodRun = {
  /** The training seed. */
  readonly seed: number;
  /** The run directory (`<cacheDir>/<method>-s<seed>-<hash>`). */
  readonly dir: string;
  /** Metrics of every RL step. */
  readonly steps: readonly StepMetrics[];
  /** Greedy held-out evaluations during training (step 0 included). */
  readonly evals: readonly EvalMetrics[];
};

/** What {@link runReproduction} returns. */
export type Reproduction = {
  /** Method names, the base first. */
  readonly methods: readonly string[];
  /** Name of the base method. */
  readonly base: string;
  /** Training seeds. */
  readonly seeds: readonly number[];
  /** Runs of each trained method, one per seed. */
  readonly runs: Readonly<Record<string, readonly MethodRun[]>>;
  /** `evaluations[setting][tier][method]`: one evaluation per seed. */
  readonly evaluations: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, readonly SeedEvaluation[]>>>>>
  >;
  /** Work done by this call (0 and 0 when everything came from the cache). */
  readonly computed: { readonly trainingSteps: number; readonly evaluations: number };
};

/** A Countdown problem with its id and prompt, as training and the tiers need. */
export type ProtocolProblem = CountdownProblem & { readonly id: string; readonly prompt: string };

/** Options of {@link runReproduction}. */
export type ReproductionOptions = {
  /** The base model: its policy (not modified), tokenizer and a stable id (part of cache keys). */
  readonly base: { readonly policy: Policy; readonly tokenizer: Tokenizer; readonly id: string };
  /** Name of the base among the methods. Default "Base". */
  readonly baseName?: string;
  /** Trained methods: name → config (the config's seed is replaced by each of `seeds`). */
  readonly methods: Readonly<Record<string, ExperimentConfig>>;
  /** Training seeds. */
  readonly seeds: readonly number[];
  /** Training problems. */
  readonly problems: readonly ProtocolProblem[];
  /** Held-out problems for greedy accuracy and entropy during training. Default none. */
  readonly evalProblems?: readonly ProtocolProblem[];
  /** Held-out tiers: name → problems. */
  readonly tiers: Readonly<Record<string, readonly ProtocolProblem[]>>;
  /** Sampling settings: name → setting, e.g. `{ "T=1.0": { samples: 64, temperature: 1, topP: 1 } }`. */
  readonly settings: Readonly<Record<string, SamplingSetting>>;
  /** Root of the training and evaluation caches. */
  readonly cacheDir: string;
  /** Progress: one unit per training step and per evaluation. */
  readonly onProgress?: (progress: Progress) => void;
};

const COMMON_OBJECTIVE_FIELDS = ["clipRatio", "entropyCoef", "aggregation", "surrogate"] as const;

/** Per-method changes to a shared config (each section merged over the shared one). */
export type MethodOverrides = {
  /** The objective: `kind` and its own fields; the shared config's common fields are kept. */
  readonly objective: Readonly<Record<string, unknown>>;
  /** Changes to the training loop (e.g. `miniBatches`, `steps`). */
  readonly train?: Readonly<Record<string, unknown>>;
  /** Changes to the model (e.g. `valueHead: "shared"` for PPO). */
  readonly model?: Readonly<Record<string, unknown>>;
  /** Changes to the rollouts. */
  readonly rollout?: Readonly<Record<string, unknown>>;
};

/**
 * Derives each method's config from one shared config: the objective keeps the shared common
 * settings (clip ratio, entropy bonus, aggregation, surrogate) and takes the method's kind and
 * fields; other sections are merged field by field. Each result goes through
 * {@link parseExperimentConfig}.
 *
 * @param shared The shared config (e.g. the notebook's config literal, parsed).
 * @param overrides Method name → its changes.
 * @returns Method name → its full config.
 * @throws {TypeError} If a merged config is invalid (the method is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "./config.ts";
 * const shared = parseExperimentConfig({ objective: { kind: "w-reinforce", entropyCoef: 0 } });
 * const { NSR } = methodConfigs(shared, { NSR: { objective: { kind: "nsr" } } });
 * assert.deepEqual([NSR.objective.kind, NSR.objective.entropyCoef], ["nsr", 0]);
 * ```
 */
export function methodConfigs(
  shared: ExperimentConfig,
  overrides: Readonly<Record<string, MethodOverrides>>,
): Record<string, ExperimentConfig> {
  const common = Object.fromEntries(
    COMMON_OBJECTIVE_FIELDS.map((field) => [field, shared.objective[field]]),
  );
  return Object.fromEntries(
    Object.entries(overrides).map(([name, o]) => {
      try {
        return [
          name,
          parseExperimentConfig({
            seed: shared.seed,
            model: { ...shared.model, ...o.model },
            rollout: { ...shared.rollout, ...o.rollout },
            objective: { ...common, ...o.objective },
            train: { ...shared.train, ...o.train },
          }),
        ];
      } catch (error) {
        throw new TypeError(`Cannot derive the config of method ${name}: ${error}`);
      }
    }),
  );
}

/**
 * Runs the protocol: trains every method × seed from the base (or reuses cached runs), then
 * evaluates the base and each run's final checkpoint on every tier under every setting (or
 * reuses cached evaluations). A method whose config asks for a value head the base lacks (PPO)
 * starts from the base's weights plus a freshly initialised head (seeded by the run's seed).
 * Evaluation seed of (seed s, tier t, setting x): `deriveSeed(s, "eval/t/x")`, the same for every
 * method, so methods are compared on the same sampling streams. BOUNDARY: plain data out.
 *
 * @param options See {@link ReproductionOptions}.
 * @returns Runs, per-seed evaluations, and the work done.
 * @throws {RangeError} If there are no seeds, tiers or settings, or a method is named like the base.
 * @example
 * ```ts ignore
 * const repro = await runReproduction({ base: { policy, tokenizer, id: "base-v0" }, methods,
 *   seeds: [0, 1, 2], problems, tiers, settings: { "T=1.0": { samples: 64, temperature: 1, topP: 1 } },
 *   cacheDir: "../out/cache" });
 * ```
 */
export async function runReproduction(options: ReproductionOptions): Promise<Reproduction> {
  const { base, baseName = "Base", methods, seeds, problems, evalProblems = [], tiers } = options;
  const { settings, cacheDir, onProgress } = options;
  const trained = Object.keys(methods);
  const tierNames = Object.keys(tiers);
  const settingNames = Object.keys(settings);
  if (seeds.length === 0 || tierNames.length === 0 || settingNames.length === 0) {
    throw new RangeError(
      `Cannot run a reproduction: needs seeds, tiers and settings, got ${seeds.length} seeds, ` +
        `${tierNames.length} tiers and ${settingNames.length} settings`,
    );
  }
  if (trained.includes(baseName)) {
    throw new RangeError(
      `Cannot run a reproduction: a method is named like the base, got "${baseName}"`,
    );
  }
  const stepsTotal = trained.reduce((n, m) => n + methods[m].train.steps * seeds.length, 0);
  const evaluationsTotal = (trained.length + 1) * seeds.length * tierNames.length *
    settingNames.length;
  const total = stepsTotal + evaluationsTotal;
  let done = 0;
  const computed = { trainingSteps: 0, evaluations: 0 };
  const report = (detail: string): void => onProgress?.({ done, total, detail });

  const runs: Record<string, MethodRun[]> = {};
  for (const method of trained) {
    runs[method] = [];
    for (const seed of seeds) {
      const config = { ...methods[method], seed };
      const start = startingPolicy(base.policy, config);
      try {
        const before = done;
        const run = await runTraining(config, {
          policy: start,
          policyId: base.id,
          tokenizer: base.tokenizer,
          problems,
          evalProblems,
          reward: countdownRolloutReward,
          cacheDir,
          label: `${slug(method)}-s${seed}`,
          onStep: (m) => {
            computed.trainingSteps++;
            done = before + m.step;
            report(`${method} seed ${seed}: step ${m.step}/${config.train.steps}`);
          },
        });
        done = before + config.train.steps;
        runs[method].push({ seed, dir: run.dir, steps: run.steps, evals: run.evals });
      } finally {
        if (start !== base.policy) start.dispose();
      }
    }
  }

  const evaluations: Record<string, Record<string, Record<string, SeedEvaluation[]>>> = {};
  for (const setting of settingNames) {
    evaluations[setting] = Object.fromEntries(tierNames.map((tier) => [tier, {}]));
  }
  for (const method of [baseName, ...trained]) {
    for (const [s, seed] of seeds.entries()) {
      const run = method === baseName ? null : runs[method][s];
      const policyKey = run === null ? base.id : basename(run.dir);
      let policy: Policy | null = null;
      try {
        for (const setting of settingNames) {
          for (const tier of tierNames) {
            const { samples, temperature, topP } = settings[setting];
            const evalSeed = deriveSeed(seed, `eval/${tier}/${setting}`);
            const key = {
              policy: policyKey,
              problems: tiers[tier].map((p) => p.id),
              samples,
              temperature,
              topP,
              seed: evalSeed,
            };
            const { value } = await cached(key, async () => {
              if (policy === null) {
                policy = run === null ? base.policy : (await finalPolicy(run.dir));
              }
              computed.evaluations++;
              const summary = await evaluateCountdown(policy, tiers[tier], {
                samples,
                temperature,
                topP,
                seed: evalSeed,
                tokenizer: base.tokenizer,
              });
              return {
                seed,
                entropy: summary.entropy,
                distinctCorrect: summary.distinctCorrect,
                problems: summary.problems.map((p, i) => ({ problemId: tiers[tier][i].id, ...p })),
              };
            }, {
              dir: `${cacheDir.replace(/\/$/, "")}/evaluations`,
              label: `${slug(method)}-${tier}`,
            });
            (evaluations[setting][tier][method] ??= []).push({ ...value, seed });
            done++;
            report(`evaluated ${method} seed ${seed} on ${tier} at ${setting}`);
          }
        }
      } finally {
        const loaded = policy as Policy | null;
        if (loaded !== null && loaded !== base.policy) loaded.dispose();
      }
    }
  }
  return {
    methods: [baseName, ...trained],
    base: baseName,
    seeds: [...seeds],
    runs,
    evaluations,
    computed,
  };
}

/**
 * Bootstraps the Pass@k curves of the methods on every tier under one setting (problems and
 * seeds resampled, see `bootstrapPassAtK`), jointly per tier so differences are paired.
 *
 * @param reproduction The reproduction.
 * @param options `setting`, `ks`, optionally `methods` (default all) and bootstrap settings.
 * @returns Tier → bootstrap.
 * @throws {RangeError} If the setting is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problems = [{ problemId: "a", n: 4, c: 1, distinctCorrect: 1 }];
 * const evaluation = { seed: 0, entropy: 0.3, distinctCorrect: 1, problems };
 * const repro = { methods: ["Base"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { "T=1": { tierA: { Base: [evaluation] } } } };
 * const boots = bootstrapReproduction(repro, { setting: "T=1", ks: [1, 4], resamples: 10 });
 * assert.deepEqual(boots.tierA.estimates.Base, [0.25, 1]);
 * ```
 */
export function bootstrapReproduction(
  reproduction: Reproduction,
  options: {
    readonly setting: string;
    readonly ks: readonly number[];
    readonly methods?: readonly string[];
    readonly resamples?: number;
    readonly prng?: Prng;
  },
): Record<string, PassAtKBootstrap> {
  const { setting, ks, methods = reproduction.methods, resamples, prng } = options;
  const byTier = settingOf(reproduction, setting);
  return Object.fromEntries(
    Object.entries(byTier).map(([tier, byMethod]) => {
      const groups: Record<string, SeedProblemCounts> = {};
      for (const method of methods) {
        groups[method] = (byMethod[method] ?? []).map((e) => e.problems);
      }
      return [tier, bootstrapPassAtK(groups, ks, { resamples, prng })];
    }),
  );
}

/**
 * Pass@k rows with bootstrap intervals of every method on every tier, for `passAtKFigure` and
 * `passAtKTable` (dataset = tier).
 *
 * @param bootstraps Tier → bootstrap (from {@link bootstrapReproduction}).
 * @returns Rows `{ dataset, method, k, passAtK, lower, upper }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapPassAtK } from "./eval/compare.ts";
 * const boot = bootstrapPassAtK({ NSR: [[{ n: 2, c: 1 }]] }, [1, 2], { resamples: 5 });
 * assert.deepEqual(bootstrapRows({ tierA: boot })[1], { dataset: "tierA", method: "NSR", k: 2, passAtK: 1, lower: 1, upper: 1 });
 * ```
 */
export function bootstrapRows(
  bootstraps: Readonly<Record<string, PassAtKBootstrap>>,
): PassAtKRow[] {
  return Object.entries(bootstraps).flatMap(([dataset, boot]) =>
    boot.methods.flatMap((method) =>
      bootstrapCurve(boot, method).map((point) => ({ dataset, method, ...point }))
    )
  );
}

/**
 * The paired bootstrap difference of Pass@k between two methods at one k, as an interval for
 * `claimFromInterval`.
 *
 * @param bootstrap A joint bootstrap holding both methods.
 * @param options `method`, `base` (the difference is method − base) and `k`.
 * @returns The difference and its percentile interval (fractions).
 * @throws {RangeError} If k is not among the bootstrap's ks or a method is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapPassAtK } from "./eval/compare.ts";
 * const boot = bootstrapPassAtK({ A: [[{ n: 2, c: 2 }]], B: [[{ n: 2, c: 1 }]] }, [1, 2], { resamples: 5 });
 * assert.deepEqual(differenceInterval(boot, { method: "A", base: "B", k: 1 }), { estimate: 0.5, lower: 0.5, upper: 0.5 });
 * ```
 */
export function differenceInterval(
  bootstrap: PassAtKBootstrap,
  options: { readonly method: string; readonly base: string; readonly k: number },
): Interval {
  const { method, base, k } = options;
  const d = bootstrapDifference(bootstrap, { method, base }).find((point) => point.k === k);
  if (d === undefined) {
    throw new RangeError(
      `Cannot take a difference at k=${k}: not among the bootstrap's ks, got ${
        bootstrap.ks.join(",")
      }`,
    );
  }
  return { estimate: d.difference, lower: d.lower, upper: d.upper };
}

/** One row of {@link coverageRows}. */
export type CoverageRow = {
  /** The tier. */
  readonly tier: string;
  /** The method (for the base: its other sampling seeds against its first). */
  readonly method: string;
  /** Problems the base solved (first seed's evaluation). */
  readonly baseSolved: number;
  /** Problems the method solved, mean over seeds. */
  readonly solved: number;
  /** Problems the base solved that the method lost, mean over seeds. */
  readonly lost: number;
  /** Problems the base missed that the method solved, mean over seeds. */
  readonly gained: number;
  /** Lost in every seed. */
  readonly lostInEverySeed: number;
  /** Gained in every seed. */
  readonly gainedInEverySeed: number;
};

/**
 * Coverage against the base per tier and method under one setting: problems the base solved at
 * least once (its first seed's evaluation) that a method lost, and those it newly solved. The
 * base's other sampling seeds are compared the same way, which measures how much of that churn
 * re-sampling alone produces (the noise floor); that row is absent with a single seed.
 *
 * @param reproduction The reproduction.
 * @param options `setting`.
 * @returns One row per tier and method.
 * @throws {RangeError} If the setting is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = (seed: number, cs: number[]) => ({ seed, entropy: 0, distinctCorrect: 0,
 *   problems: cs.map((c, i) => ({ problemId: `p${i}`, n: 4, c, distinctCorrect: c })) });
 * const repro = { methods: ["Base", "NSR"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { x: { tierA: { Base: [e(0, [1, 0, 2])], NSR: [e(0, [0, 1, 3])] } } } };
 * const [row] = coverageRows(repro, { setting: "x" });
 * assert.deepEqual([row.method, row.baseSolved, row.lost, row.gained], ["NSR", 2, 1, 1]);
 * ```
 */
export function coverageRows(
  reproduction: Reproduction,
  options: { readonly setting: string },
): CoverageRow[] {
  const { setting } = options;
  const byTier = settingOf(reproduction, setting);
  return Object.entries(byTier).flatMap(([tier, byMethod]) => {
    const [first, ...resampled] = byMethod[reproduction.base].map((e) => e.problems);
    const row = (method: string, coverage: Coverage): CoverageRow => ({
      tier,
      method,
      baseSolved: coverage.baseSolved,
      solved: coverage.methodSolved,
      lost: coverage.lost.mean,
      gained: coverage.gained.mean,
      lostInEverySeed: coverage.lost.inEverySeed.length,
      gainedInEverySeed: coverage.gained.inEverySeed.length,
    });
    const rows = resampled.length === 0
      ? []
      : [row(`${reproduction.base} (re-sampled)`, coverageAgainstBase(first, resampled))];
    for (const method of reproduction.methods) {
      if (method === reproduction.base || byMethod[method] === undefined) continue;
      rows.push(row(method, coverageAgainstBase(first, byMethod[method].map((e) => e.problems))));
    }
    return rows;
  });
}

/** A numeric field of a training step's metrics. */
export type StepMetricName = Exclude<keyof StepMetrics, "seconds">;
/** A numeric field of a held-out greedy evaluation. */
export type EvalMetricName = Exclude<keyof EvalMetrics, "step">;

/**
 * One number per seed: the mean of a training metric over the steps (or greedy evaluations) of
 * each run whose step lies in [from, to].
 *
 * @param runs The runs of one method.
 * @param options `source` ("steps" or "evals"), `metric`, and the step window (default all).
 * @returns Per seed, the mean (NaN for a seed with no record in the window).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = { seed: 0, dir: "", steps: [], evals: [
 *   { step: 0, greedyAccuracy: 0.1, entropy: 0.5, meanResponseLength: 9 },
 *   { step: 4, greedyAccuracy: 0.3, entropy: 0.4, meanResponseLength: 9 }] };
 * assert.deepEqual(runMetric([run], { source: "evals", metric: "greedyAccuracy", from: 1 }), [0.3]);
 * ```
 */
export function runMetric(
  runs: readonly MethodRun[],
  options:
    & { readonly from?: number; readonly to?: number }
    & (
      | { readonly source: "steps"; readonly metric: StepMetricName }
      | { readonly source: "evals"; readonly metric: EvalMetricName }
    ),
): number[] {
  const { from = -Infinity, to = Infinity } = options;
  return runs.map((run) => {
    const records: readonly { step: number }[] = options.source === "steps" ? run.steps : run.evals;
    const values = records
      .filter((r) => r.step >= from && r.step <= to)
      .map((r) => (r as unknown as Record<string, number>)[options.metric]);
    return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
  });
}

/**
 * Training curves for figures: per method and step, a metric's mean over seeds.
 *
 * @param reproduction The reproduction.
 * @param options `source` and `metric` as in {@link runMetric}, optionally `methods`.
 * @returns Rows `{ method, step, value }`, methods in order, steps ascending.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = (seed: number, acc: number) => ({ seed, dir: "", steps: [],
 *   evals: [{ step: 5, greedyAccuracy: acc, entropy: 0, meanResponseLength: 0 }] });
 * const repro = { methods: ["Base", "NSR"], base: "Base", seeds: [0, 1], evaluations: {},
 *   computed: { trainingSteps: 0, evaluations: 0 }, runs: { NSR: [run(0, 0.2), run(1, 0.4)] } };
 * const rows = trainingRows(repro, { source: "evals", metric: "greedyAccuracy" });
 * assert.equal(rows[0].method, "NSR");
 * assert.ok(Math.abs(rows[0].value - 0.3) < 1e-12);
 * ```
 */
export function trainingRows(
  reproduction: Reproduction,
  options:
    & { readonly methods?: readonly string[] }
    & (
      | { readonly source: "steps"; readonly metric: StepMetricName }
      | { readonly source: "evals"; readonly metric: EvalMetricName }
    ),
): { method: string; step: number; value: number }[] {
  const { methods = reproduction.methods } = options;
  return methods.flatMap((method) => {
    const sums = new Map<number, { total: number; count: number }>();
    for (const run of reproduction.runs[method] ?? []) {
      const records: readonly { step: number }[] = options.source === "steps"
        ? run.steps
        : run.evals;
      for (const r of records) {
        const entry = sums.get(r.step) ?? { total: 0, count: 0 };
        entry.total += (r as unknown as Record<string, number>)[options.metric];
        entry.count++;
        sums.set(r.step, entry);
      }
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([step, { total, count }]) => ({
      method,
      step,
      value: total / count,
    }));
  });
}

/**
 * One number per seed from the held-out evaluations of a method: its sampled-token entropy or
 * distinct correct responses, averaged over tiers.
 *
 * @param reproduction The reproduction.
 * @param options `setting`, `method`, `metric`.
 * @returns Per seed, the mean over tiers.
 * @throws {RangeError} If the setting or method is unknown.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = (entropy: number) => [{ seed: 0, entropy, distinctCorrect: 0, problems: [] }];
 * const repro = { methods: ["Base"], base: "Base", seeds: [0], runs: {}, computed: { trainingSteps: 0, evaluations: 0 },
 *   evaluations: { x: { tierA: { Base: e(0.2) }, tierB: { Base: e(0.4) } } } };
 * assert.deepEqual(evaluationMetric(repro, { setting: "x", method: "Base", metric: "entropy" }).map((v) => v.toFixed(2)), ["0.30"]);
 * ```
 */
export function evaluationMetric(
  reproduction: Reproduction,
  options: {
    readonly setting: string;
    readonly method: string;
    readonly metric: "entropy" | "distinctCorrect";
  },
): number[] {
  const { setting, method, metric } = options;
  const tiers = Object.values(settingOf(reproduction, setting));
  const perTier = tiers.map((byMethod) => {
    const seeds = byMethod[method];
    if (seeds === undefined) {
      throw new RangeError(
        `Cannot read evaluations: unknown method "${method}", got ${
          Object.keys(byMethod).join(", ")
        }`,
      );
    }
    return seeds.map((e) => e[metric]);
  });
  return perTier[0].map((_, s) =>
    perTier.reduce((total, values) => total + values[s], 0) / tiers.length
  );
}

function settingOf(
  reproduction: Reproduction,
  setting: string,
): Readonly<Record<string, Readonly<Record<string, readonly SeedEvaluation[]>>>> {
  const byTier = reproduction.evaluations[setting];
  if (byTier === undefined) {
    throw new RangeError(
      `Cannot read evaluations: unknown setting "${setting}", got ${
        Object.keys(reproduction.evaluations).join(", ")
      }`,
    );
  }
  return byTier;
}

// The starting policy of a run: the base itself, or the base plus a fresh value head.
function startingPolicy(base: Policy, config: ExperimentConfig): Policy {
  const same = JSON.stringify(base.config) === JSON.stringify(config.model);
  const onlyHead = JSON.stringify({ ...base.config, valueHead: config.model.valueHead }) ===
    JSON.stringify(config.model);
  if (same || !onlyHead || base.config.valueHead !== "none") return base; // train() names a mismatch
  using fresh = Policy.create(config.model, { seed: deriveSeed(config.seed, "value-head") });
  const values = { ...fresh.params, ...base.params };
  return Policy.fromWeights(config.model, values);
}

async function finalPolicy(dir: string): Promise<Policy> {
  const loaded = await loadTrainCheckpoint(dir);
  if (loaded === null) {
    throw new RangeError(`Cannot evaluate a run: ${dir} holds no checkpoint`);
  }
  return loaded.policy;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.]+/g, "-").replace(/^-|-$/g, "") || "method";
}
