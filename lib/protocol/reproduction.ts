/**
 * The reproduction protocol (Zhu et al. 2025, scaled down): train every method × seed from the
 * same base model with {@link runTraining}, evaluate the final checkpoint of each run (and the
 * base, once per seed) on the held-out tiers under one or more sampling settings, and return
 * plain per-seed, per-problem counts and training metrics; reproduction_results.ts reads them
 * (bootstrapped curves, coverage, metrics) for figures, tables and the claims of lib/claims.ts.
 *
 * Training runs are cached by runTraining (hash of config, base and problems); evaluations are
 * cached by {@link cached} under the hash of the run, the problems and the sampling settings, so
 * re-running a notebook redoes only what changed.
 *
 * @module
 */
import { basename } from "node:path";
import { kernelCacheKey } from "../engine/backend.ts";
import { cached } from "../_io/cache.ts";
import { type ExperimentConfig, parseExperimentConfig } from "../config.ts";
import { runTraining } from "../train/run_training.ts";
import type { EvalMetrics, StepMetrics } from "../train/metrics.ts";
import { Policy } from "../model/policy.ts";
import type { SamplingPool } from "../model/sampling_pool.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { Progress } from "../progress.ts";
import { deriveSeed } from "../random.ts";
import type { CountdownProblem } from "../tasks/countdown.ts";
import { COUNTDOWN_REWARD } from "../tasks/countdown_rl.ts";
import { codeFingerprint } from "../_io/code_fingerprint.ts";
import { evaluateCountdown } from "../tasks/evaluate_countdown.ts";
import { loadTrainCheckpoint } from "../train/train_checkpoint.ts";

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
  /**
   * Workers to sample the evaluations in (not part of any cache key: a pool gives the same
   * tokens and counts, and log-probs and entropies to float rounding). Default: this thread.
   */
  readonly pool?: SamplingPool;
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
 * import { parseExperimentConfig } from "../config.ts";
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
  const { settings, cacheDir, onProgress, pool } = options;
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
          tokenizer: base.tokenizer,
          problems,
          evalProblems,
          reward: COUNTDOWN_REWARD,
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
              problems: tiers[tier],
              code: await codeFingerprint([
                new URL("../tasks/evaluate_countdown.ts", import.meta.url),
              ]),
              samples,
              temperature,
              topP,
              seed: evalSeed,
              ...kernelCacheKey(),
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
                pool,
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
