/**
 * The reproduction protocol (Zhu et al. 2025, scaled down), from one {@link ProtocolConfig}:
 *
 * 1. **Training pool.** The base samples `pool.samples` responses (T = 1) to each of the first
 *    `pool.candidates` train-split problems; problems it solves with a rate of at least
 *    `pool.minPassRate` form the pool, so the first training batches are about half correct, as
 *    the paper's were (its step-1 correct ratio was 0.48–0.51). Problems a group gets all wrong
 *    still occur (NSR learns from them).
 * 2. **One learning rate, from standard RL.** The calibration method (GRPO) trains
 *    `calibration.steps` steps at each candidate rate. Rule, fixed before any result: the
 *    smallest rate at which its training-batch correct ratio rises by at least
 *    `calibration.minRise` (mean of the last 10 steps minus mean of the first 5), with finite
 *    losses; if none does, the largest rate. It reads only training-batch numbers of the
 *    calibration method: never held-out Pass@k, never a method under test. Every method then
 *    trains at that rate, as the paper used one rate for all.
 * 3. **Main grid and ablations.** Every method × seed trains from the base on the pool; the
 *    base and each final policy are evaluated on every tier at the primary setting (T = 1.0,
 *    n samples, plus one greedy response per problem), and the main grid on the table seeds at
 *    the paper's setting (T = 0.6, top-p 0.95). Ablations: W-REINFORCE at other λ, long runs
 *    (factor × the steps), and methods with another number of mini-batches (evaluated on the
 *    first tier). Evaluation seeds depend on (seed, tier, setting) only, so every policy is
 *    compared on the same random streams.
 *
 * Jobs run on a {@link JobPool} (one per core, longest first); every run and evaluation is
 * cached, so a re-run redoes only what changed. The result is plain data ({@link ProtocolResults});
 * protocol_stats.ts and claims.ts read it.
 *
 * @module
 */
import type { ExperimentConfig, MethodChanges, ProtocolConfig } from "../config.ts";
import { parseExperimentConfig } from "../config.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import {
  type EvaluationRequest,
  evaluationSeed,
  type Job,
  type JobProgress,
  type JobResult,
  type PolicyEvaluation,
  type RunRecord,
} from "./jobs.ts";
import { JobPool } from "./job_pool.ts";
import type { Progress } from "../progress.ts";
import { lastKlToInitial } from "../train/metrics.ts";
import type { ProtocolProblem, ProtocolTask, SamplingSetting } from "./task.ts";

/** Name of the base model among the methods. */
export const BASE_METHOD = "Base";
/** Name of the primary evaluation setting. */
export const PRIMARY_SETTING = "T=1.0";
/** Name of the paper's evaluation setting (the Table-1-style table). */
export const TABLE_SETTING = "T=0.6, top-p 0.95";

/** One calibration run and whether its rate qualifies. */
export type CalibrationRun = {
  /** The learning rate. */
  readonly learningRate: number;
  /** Mean training-batch correct ratio of the first 5 steps (an eighth of a shorter run). */
  readonly correctRatioFirst: number;
  /** Mean training-batch correct ratio of the last 10 steps (a quarter of a shorter run). */
  readonly correctRatioLast: number;
  /** `correctRatioLast − correctRatioFirst`. */
  readonly rise: number;
  /** KL to the base (nats per token) at the last step. */
  readonly klToBase: number;
  /** Rollout entropy (nats per token) at the last step. */
  readonly rolloutEntropy: number;
  /** Whether it meets the rule (rise ≥ minRise, finite losses). */
  readonly qualifies: boolean;
};

/** The learning-rate calibration and its choice. */
export type Calibration = {
  /** The calibration method (GRPO). */
  readonly method: string;
  /** One entry per candidate rate, ascending. */
  readonly runs: readonly CalibrationRun[];
  /** The chosen rate. */
  readonly chosen: number;
  /** The rule, in words, with its threshold. */
  readonly rule: string;
  /** Per-step correct ratios of each calibration run, for the figure. */
  readonly curves: readonly {
    readonly learningRate: number;
    readonly correctRatio: readonly number[];
  }[];
};

/** The training pool. */
export type TrainingPool = {
  /** Problems screened. */
  readonly candidates: number;
  /** Samples per screened problem. */
  readonly samples: number;
  /** The threshold. */
  readonly minPassRate: number;
  /** Ids of the pool's problems, in split order. */
  readonly problemIds: readonly string[];
  /** The base's estimated pass rate of every screened problem, in split order. */
  readonly passRates: readonly number[];
  /** Mean estimated pass rate of the pool. */
  readonly meanPassRate: number;
};

/** Method names by the part of the protocol they belong to. */
export type MethodGroups = {
  /** The main grid (the base first). */
  readonly main: readonly string[];
  /** W-REINFORCE at other λ: name → λ (the main run's λ included). */
  readonly lambda: Readonly<Record<string, number>>;
  /** Long runs: long name → the main method it extends. */
  readonly long: Readonly<Record<string, string>>;
  /** Other mini-batch counts: variant name → the main method it varies. */
  readonly miniBatches: Readonly<Record<string, string>>;
};

/** Everything the protocol measured, as plain data. */
export type ProtocolResults = {
  /** The protocol it ran. */
  readonly protocol: ProtocolConfig;
  /** The base model's fingerprint. */
  readonly baseId: string;
  /** The training pool. */
  readonly pool: TrainingPool;
  /** The learning-rate calibration. */
  readonly calibration: Calibration;
  /** Method names by group. */
  readonly groups: MethodGroups;
  /** Training runs: method → one per seed, in seed order. */
  readonly runs: Readonly<Record<string, readonly RunRecord[]>>;
  /** `evaluations[setting][tier][method]`: one per seed, in seed order. */
  readonly evaluations: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, readonly PolicyEvaluation[]>>>>>
  >;
  /** Core-seconds of each kind of work (as first computed, cached results included). */
  readonly seconds: {
    readonly screening: number;
    readonly training: number;
    readonly evaluation: number;
  };
};

/** What {@link runProtocol} reports as it goes (the `detail` of its {@link Progress}). */
export type ProtocolProgress = {
  /** `pool`, `calibration` or `main`. */
  readonly phase: "pool" | "calibration" | "main";
  /** Seconds since the protocol started. */
  readonly elapsedSeconds: number;
  /** Jobs finished and in all (this phase and the ones after it, as far as known). */
  readonly jobsDone: number;
  readonly jobsTotal: number;
  /** What each running job is doing. */
  readonly running: readonly JobProgress[];
  /** Estimated seconds left (null until a job has finished). */
  readonly remainingSeconds: number | null;
};

/** Options of {@link runProtocol}. */
export type RunProtocolOptions<P extends ProtocolProblem> = {
  /** The task world. */
  readonly task: ProtocolTask<P>;
  /** The base model's checkpoint directory. */
  readonly baseDir: string;
  /** Root of the caches. */
  readonly cacheDir: string;
  /** Job workers (0: this thread). Default 2. */
  readonly workers?: number;
  /** Called whenever a job advances. */
  readonly onProgress?: (progress: Progress) => void;
};

/**
 * Derives a method's config from the shared one: the objective keeps the shared common settings
 * (clip ratio, entropy bonus, aggregation, surrogate) and takes the method's kind and fields;
 * other sections are merged field by field; the result is parsed.
 *
 * @param shared The shared config.
 * @param changes The method's changes.
 * @param options `name` of the method, for errors.
 * @returns The method's config.
 * @throws {TypeError} If the merged config is invalid (the method is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * const shared = parseExperimentConfig({ objective: { kind: "grpo", entropyCoef: 0 } });
 * const nsr = methodConfig(shared, { objective: { kind: "nsr" } }, { name: "NSR" });
 * assert.deepEqual([nsr.objective.kind, nsr.objective.entropyCoef], ["nsr", 0]);
 * ```
 */
export function methodConfig(
  shared: ExperimentConfig,
  changes: MethodChanges,
  options: { name: string },
): ExperimentConfig {
  const { clipRatio, entropyCoef, aggregation, surrogate } = shared.objective;
  try {
    return parseExperimentConfig({
      seed: shared.seed,
      model: { ...shared.model, ...changes.model },
      rollout: { ...shared.rollout, ...changes.rollout },
      objective: { clipRatio, entropyCoef, aggregation, surrogate, ...changes.objective },
      train: { ...shared.train, ...changes.train },
    });
  } catch (error) {
    throw new TypeError(
      `Cannot derive the config of method ${options.name}: ${(error as Error).message}`,
    );
  }
}

const mean = (xs: readonly number[]): number =>
  xs.length === 0 ? NaN : xs.reduce((a, x) => a + x, 0) / xs.length;

/**
 * Applies the calibration rule (module doc, step 2) to calibration runs' step metrics.
 *
 * @param runs Per candidate rate, its steps' correct ratios, last KL and entropy, finiteness.
 * @param options `minRise`.
 * @returns The runs with their summary and whether each qualifies, and the chosen rate.
 * @throws {RangeError} If there is no run, or a run has fewer than 2 steps.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const run = (learningRate: number, last: number) => ({ learningRate, finite: true, klToBase: 0.01, rolloutEntropy: 0.2,
 *   correctRatios: [...Array(5).fill(0.4), ...Array(10).fill(last)] });
 * const { chosen } = chooseLearningRate([run(1e-5, 0.42), run(1e-4, 0.55), run(1e-3, 0.8)], { minRise: 0.1 });
 * assert.equal(chosen, 1e-4);
 * ```
 */
export function chooseLearningRate(
  runs: readonly {
    learningRate: number;
    correctRatios: readonly number[];
    klToBase: number;
    rolloutEntropy: number;
    finite: boolean;
  }[],
  options: { minRise: number },
): { runs: CalibrationRun[]; chosen: number } {
  const { minRise } = options;
  if (runs.length === 0) throw new RangeError("Cannot choose a learning rate: no calibration runs");
  const summarised = [...runs].sort((a, b) => a.learningRate - b.learningRate).map((run) => {
    const n = run.correctRatios.length;
    if (n < 2) {
      throw new RangeError(
        `Cannot choose a learning rate: a calibration run needs >= 2 steps, got ${n} at ${run.learningRate}`,
      );
    }
    // The first 5 and last 10 steps of a 40-step run; shorter runs use an eighth and a quarter.
    const correctRatioFirst = mean(run.correctRatios.slice(0, Math.min(5, Math.ceil(n / 8))));
    const correctRatioLast = mean(run.correctRatios.slice(-Math.min(10, Math.ceil(n / 4))));
    const rise = correctRatioLast - correctRatioFirst;
    return {
      learningRate: run.learningRate,
      correctRatioFirst,
      correctRatioLast,
      rise,
      klToBase: run.klToBase,
      rolloutEntropy: run.rolloutEntropy,
      // A rise equal to the threshold qualifies (up to float rounding of the means).
      qualifies: run.finite && rise >= minRise - RISE_TOLERANCE,
    };
  });
  const chosen = summarised.find((r) => r.qualifies)?.learningRate ??
    (summarised.at(-1) as CalibrationRun).learningRate;
  return { runs: summarised, chosen };
}

/** Rounding slack of the calibration rule's comparison (a rise of exactly minRise qualifies). */
const RISE_TOLERANCE = 1e-9;

/** Problems per screening job (fixed, so screening does not depend on the number of workers). */
const SCREEN_CHUNK = 200;

/**
 * Estimated core-seconds of one RL step of 32 × 8 rollouts, by objective (for scheduling and
 * the time left; measured with two jobs on two cores).
 */
const STEP_SECONDS: Readonly<Record<string, number>> = {
  psr: 1.0,
  nsr: 0.7,
  "w-reinforce": 1.1,
  reinforce: 1.1,
  grpo: 1.2,
  ppo: 2.4,
};
/** Estimated sequences sampled per core-second in an evaluation. */
const SEQUENCES_PER_SECOND = 330;

function estimatedSeconds(job: Job): number {
  const evaluations = job.kind === "screen"
    ? [{ problems: job.problems, setting: job.setting }]
    : job.evaluations;
  const evaluation = evaluations.reduce(
    (s, e) => s + e.problems.length * (e.setting.samples + 1) / SEQUENCES_PER_SECOND,
    0,
  );
  if (job.kind !== "train") return evaluation;
  const { train, rollout, objective } = job.config;
  const scale = (train.promptsPerStep * rollout.samplesPerPrompt) / 256;
  const steps = train.steps - (job.afterSteps ?? 0);
  return evaluation + steps * scale * (STEP_SECONDS[objective.kind] ?? 1);
}

/** Runs jobs on the pool, longest first, reporting progress; results in input order. */
async function runAll(
  pool: JobPool<ProtocolProblem>,
  jobs: readonly Job[],
  report: (
    done: number,
    running: JobProgress[],
    finishedEstimate: number,
    finishedActual: number,
    remainingEstimate: number,
  ) => void,
): Promise<JobResult[]> {
  // Longest first, counting the jobs that wait for a job as part of it (its critical path).
  const byLabel = new Map(jobs.map((job, i) => [job.label, i]));
  const waitingOn = (i: number) =>
    jobs.filter((j) => j.kind === "train" && j.after === jobs[i].label);
  const priority = (i: number): number =>
    estimatedSeconds(jobs[i]) + waitingOn(i).reduce((s, j) => s + estimatedSeconds(j), 0);
  const pending = jobs.map((_, i) => i).sort((a, b) => priority(b) - priority(a));
  const results: JobResult[] = new Array(jobs.length);
  const finished = new Set<string>();
  let wake: (() => void)[] = [];
  const running = new Map<string, JobProgress>();
  let done = 0;
  let finishedEstimate = 0;
  let finishedActual = 0;
  let remaining = jobs.reduce((s, j) => s + estimatedSeconds(j), 0);
  const update = () =>
    report(done, [...running.values()], finishedEstimate, finishedActual, remaining);
  const ready = (i: number) => {
    const job = jobs[i];
    return job.kind !== "train" || job.after === undefined || finished.has(job.after);
  };
  const lane = async (): Promise<void> => {
    while (pending.length > 0) {
      const at = pending.findIndex(ready);
      if (at < 0) {
        await new Promise<void>((resolve) => wake.push(resolve));
        continue;
      }
      const index = pending.splice(at, 1)[0];
      let job = jobs[index];
      if (job.kind === "train" && job.after !== undefined) {
        const before = results[byLabel.get(job.after) as number];
        const dir = before.kind === "screen" ? undefined : before.run?.dir;
        job = { ...job, continueFrom: dir };
      }
      const started = performance.now();
      running.set(job.label, {
        label: job.label,
        phase: job.kind === "train" ? "train" : job.kind,
      });
      update();
      results[index] = await pool.run(job, (progress) => {
        running.set(job.label, progress);
        update();
      });
      running.delete(job.label);
      finished.add(job.label);
      const woken = wake;
      wake = [];
      woken.forEach((resolve) => resolve());
      done++;
      finishedEstimate += estimatedSeconds(job);
      finishedActual += (performance.now() - started) / 1000;
      remaining -= estimatedSeconds(job);
      update();
    }
  };
  await Promise.all(Array.from({ length: pool.size }, lane));
  return results;
}

/**
 * Runs the protocol of the module doc (or reads it back from the cache).
 *
 * @param protocol The protocol (e.g. `loadProtocol(profile)`).
 * @param options Task, base directory, cache, workers, progress.
 * @returns Everything measured, as plain data.
 * @throws {RangeError} If the protocol asks for more problems than a split has, names a method
 *   it does not define, or a job fails (its error is kept).
 * @example
 * ```ts ignore
 * const results = await runProtocol(await loadProtocol("full"), { task: COUNTDOWN_TASK,
 *   baseDir: BASE_MODEL_DIR, cacheDir: "../out/cache", workers: 2 });
 * ```
 */
export async function runProtocol<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  options: RunProtocolOptions<P>,
): Promise<ProtocolResults> {
  const { task, baseDir, cacheDir, workers = 2, onProgress } = options;
  const started = performance.now();
  const { pool: poolConfig, calibration, evaluation, ablations, seeds } = protocol;
  const base = await loadCheckpoint(baseDir);
  const baseId = base.fingerprint;
  const model = base.policy.config;
  base.policy.dispose();
  const shared = parseExperimentConfig({ ...protocol.experiment, model });

  // Problems: the screened train problems, the tiers, the validation problems.
  const train = await task.loadProblems("train");
  if (poolConfig.candidates > train.length) {
    throw new RangeError(
      `Cannot run the protocol: pool.candidates must be <= the ${train.length} train problems, got ${poolConfig.candidates}`,
    );
  }
  const candidates = train.slice(0, poolConfig.candidates);
  const tiers: Record<string, P[]> = {};
  for (const tier of task.tiers) {
    const problems = await task.loadProblems(tier);
    if (evaluation.problemsPerTier > problems.length) {
      throw new RangeError(
        `Cannot run the protocol: evaluation.problemsPerTier must be <= the ${problems.length} problems of ${tier}, got ${evaluation.problemsPerTier}`,
      );
    }
    tiers[tier] = problems.slice(0, evaluation.problemsPerTier);
  }
  const firstTier = await task.loadProblems(task.tiers[0]);
  const validation = firstTier.slice(-evaluation.validationProblems);
  for (
    const method of [
      ...(ablations.long?.methods ?? []),
      ...(ablations.miniBatches?.methods ?? []),
      ...(ablations.lambda === undefined ? [] : [ablations.lambda.method]),
      calibration.method,
    ]
  ) {
    if (!(method in protocol.methods)) {
      throw new RangeError(
        `Cannot run the protocol: it names method ${
          JSON.stringify(method)
        }, which protocol.methods does not define (${Object.keys(protocol.methods).join(", ")})`,
      );
    }
  }

  await using pool = await JobPool.create<P>({ workers, task, baseDir, cacheDir });
  const anyPool = pool as unknown as JobPool<ProtocolProblem>;
  let phase: ProtocolProgress["phase"] = "pool";
  let doneBefore = 0;
  // Time estimates: core-seconds of jobs by the cost model, scaled by how fast finished jobs
  // actually ran; `later` holds the estimate of phases still to come.
  let later = 0;
  let laterJobs = 0;
  const measured = { estimate: 0, actual: 0 };
  const report = (total: number) =>
  (
    done: number,
    running: JobProgress[],
    finishedEstimate: number,
    finishedActual: number,
    remainingEstimate: number,
  ) => {
    const estimate = measured.estimate + finishedEstimate;
    const speed = estimate > 0 ? (measured.actual + finishedActual) / estimate : null;
    const progress: ProtocolProgress = {
      phase,
      elapsedSeconds: (performance.now() - started) / 1000,
      jobsDone: doneBefore + done,
      jobsTotal: doneBefore + total + laterJobs,
      running,
      remainingSeconds: speed === null ? null : ((remainingEstimate + later) * speed) / pool.size,
    };
    onProgress?.({
      done: progress.jobsDone,
      total: progress.jobsTotal,
      remainingSeconds: progress.remainingSeconds,
      detail: formatProtocolProgress(progress),
    });
  };
  const phaseDone = (jobs: readonly Job[], results: readonly JobResult[], seconds: number) => {
    doneBefore += results.length;
    measured.estimate += jobs.reduce((t, j) => t + estimatedSeconds(j), 0);
    measured.actual += seconds;
  };

  // 1. The training pool.
  const screenSetting: SamplingSetting = { samples: poolConfig.samples, temperature: 1, topP: 1 };
  // Fixed chunks, whatever the number of workers: a problem's samples depend on its chunk.
  const chunks = Array.from(
    { length: Math.ceil(candidates.length / SCREEN_CHUNK) },
    (_, c) => candidates.slice(c * SCREEN_CHUNK, (c + 1) * SCREEN_CHUNK),
  );
  const screenJobs: Job[] = chunks.map((problems, w) => ({
    kind: "screen",
    label: `screen-${w}`,
    problems,
    setting: screenSetting,
    seed: poolConfig.seed,
  }));
  later = calibration.rates.length * calibration.steps * (STEP_SECONDS.grpo ?? 1) * 2;
  laterJobs = calibration.rates.length;
  const screenStart = performance.now();
  const screened = await runAll(anyPool, screenJobs, report(screenJobs.length));
  phaseDone(screenJobs, screened, (performance.now() - screenStart) / 1000 * pool.size);
  const rateById = new Map<string, number>();
  let screeningSeconds = 0;
  for (const result of screened) {
    if (result.kind !== "screen") continue;
    screeningSeconds += result.seconds;
    for (const o of result.outcomes) rateById.set(o.problemId, o.c / o.n);
  }
  const passRates = candidates.map((p) => rateById.get(p.id) as number);
  const poolProblems = candidates.filter((_, i) => passRates[i] >= poolConfig.minPassRate);
  if (poolProblems.length === 0) {
    throw new RangeError(
      `Cannot run the protocol: no screened problem reaches pool.minPassRate ${poolConfig.minPassRate}`,
    );
  }
  const trainingPool: TrainingPool = {
    candidates: candidates.length,
    samples: poolConfig.samples,
    minPassRate: poolConfig.minPassRate,
    problemIds: poolProblems.map((p) => p.id),
    passRates,
    meanPassRate: mean(poolProblems.map((p) => rateById.get(p.id) as number)),
  };

  // 3. Main grid, base evaluations and ablations (built once early, for the time estimate).
  const buildMainJobs = (tuned: ExperimentConfig) => {
    const primary: SamplingSetting = {
      samples: evaluation.samples,
      temperature: evaluation.temperature,
      topP: evaluation.topP,
    };
    const table: SamplingSetting = {
      samples: evaluation.table.samples,
      temperature: evaluation.table.temperature,
      topP: evaluation.table.topP,
    };
    const requests = (seed: number, options: { table: boolean; tiers?: readonly string[] }) => {
      const names = options.tiers ?? task.tiers;
      const out: EvaluationRequest<P>[] = names.map((tier) => ({
        tier,
        settingName: PRIMARY_SETTING,
        setting: primary,
        seed: evaluationSeed(seed, tier, PRIMARY_SETTING),
        problems: tiers[tier],
      }));
      if (options.table && evaluation.table.seeds.includes(seed)) {
        for (const tier of names) {
          out.push({
            tier,
            settingName: TABLE_SETTING,
            setting: table,
            seed: evaluationSeed(seed, tier, TABLE_SETTING),
            problems: tiers[tier],
          });
        }
      }
      return out;
    };
    const jobs: Job[] = [];
    const methodSeeds: Record<string, number[]> = {};
    const trainJob = (
      method: string,
      config: ExperimentConfig,
      seed: number,
      evaluations: EvaluationRequest<P>[],
      after?: string,
    ) => {
      (methodSeeds[method] ??= []).push(seed);
      jobs.push({
        kind: "train",
        label: labelOf(method, seed),
        method,
        seed,
        config: { ...config, seed },
        problems: poolProblems,
        evalProblems: validation,
        evaluations,
        after,
        afterSteps: after === undefined ? undefined : tuned.train.steps,
      });
    };
    for (const seed of seeds) {
      (methodSeeds[BASE_METHOD] ??= []).push(seed);
      jobs.push({
        kind: "evaluate",
        label: `base-s${seed}`,
        method: BASE_METHOD,
        seed,
        evaluations: requests(seed, { table: true }),
      });
    }
    const configs: Record<string, ExperimentConfig> = {};
    for (const [method, changes] of Object.entries(protocol.methods)) {
      configs[method] = methodConfig(tuned, changes, { name: method });
      for (const seed of seeds) {
        trainJob(method, configs[method], seed, requests(seed, { table: true }));
      }
    }
    const lambdaGroup: Record<string, number> = {};
    const lambdaAblation = ablations.lambda;
    const lambdaBase = lambdaAblation === undefined ? undefined : configs[lambdaAblation.method];
    if (lambdaAblation !== undefined && lambdaBase?.objective.kind === "w-reinforce") {
      lambdaGroup[lambdaAblation.method] = lambdaBase.objective.lambda;
    }
    for (const lambda of lambdaAblation?.values ?? []) {
      if (lambdaAblation === undefined || lambdaBase === undefined) break;
      if (lambdaGroup[lambdaAblation.method] === lambda) continue;
      const name = `${lambdaAblation.method} λ=${lambda}`;
      lambdaGroup[name] = lambda;
      const config = {
        ...lambdaBase,
        objective: { ...lambdaBase.objective, lambda },
      } as ExperimentConfig;
      for (const seed of lambdaAblation.seeds) {
        trainJob(name, config, seed, requests(seed, { table: false }));
      }
    }
    const longGroup: Record<string, string> = {};
    const long = ablations.long;
    for (const method of long?.methods ?? []) {
      if (long === undefined) break;
      const name = `${method} ×${long.factor}`;
      longGroup[name] = method;
      const steps = tuned.train.steps * long.factor;
      const config = { ...configs[method], train: { ...configs[method].train, steps } };
      // A long run continues its main run of the same seed (same config, more steps).
      for (const seed of long.seeds) {
        const main = seeds.includes(seed) ? labelOf(method, seed) : undefined;
        trainJob(name, config, seed, requests(seed, { table: false }), main);
      }
    }
    const miniGroup: Record<string, string> = {};
    const mini = ablations.miniBatches;
    for (const method of mini?.methods ?? []) {
      if (mini === undefined) break;
      const value = mini.value;
      const name = `${method} ${value} mini-batch${value === 1 ? "" : "es"}`;
      miniGroup[name] = method;
      const config = {
        ...configs[method],
        train: { ...configs[method].train, miniBatches: value },
      };
      for (const seed of mini.seeds) {
        trainJob(name, config, seed, requests(seed, { table: false, tiers: [task.tiers[0]] }));
      }
    }
    return { jobs, lambdaGroup, longGroup, miniGroup };
  };
  const provisional = buildMainJobs(shared).jobs;

  // 2. The learning rate.
  phase = "calibration";
  const calibrationBase = methodConfig(shared, protocol.methods[calibration.method], {
    name: calibration.method,
  });
  const calibrationJobs: Job[] = calibration.rates.map((rate) => ({
    kind: "train",
    label: `calibrate-${slug(calibration.method)}-lr${rate}`,
    method: calibration.method,
    seed: calibration.seed,
    config: {
      ...calibrationBase,
      seed: calibration.seed,
      train: {
        ...calibrationBase.train,
        learningRate: rate,
        steps: calibration.steps,
        checkpointEvery: calibration.steps,
        evalEvery: calibration.steps,
      },
    },
    problems: poolProblems,
    evalProblems: [],
    evaluations: [],
  }));
  // The base's evaluations do not depend on the learning rate: they run beside the calibration,
  // so no core waits for its last run.
  const baseJobs = provisional.filter((job) => job.kind === "evaluate");
  const laterMain = provisional.filter((job) => job.kind !== "evaluate");
  later = laterMain.reduce((t, j) => t + estimatedSeconds(j), 0);
  laterJobs = laterMain.length;
  const calibrationStart = performance.now();
  const beside = [...calibrationJobs, ...baseJobs];
  const calibratedAndBase = await runAll(anyPool, beside, report(beside.length));
  phaseDone(beside, calibratedAndBase, (performance.now() - calibrationStart) / 1000 * pool.size);
  const calibrated = calibratedAndBase.slice(0, calibrationJobs.length);
  const baseResults = calibratedAndBase.slice(calibrationJobs.length);
  later = 0;
  laterJobs = 0;
  let trainingSeconds = 0;
  const calibrationRuns = calibrated.map((result) => {
    const run = (result as Exclude<JobResult, { kind: "screen" }>).run as RunRecord;
    trainingSeconds += run.steps.reduce((s, m) => s + m.seconds.total, 0);
    const last = run.steps.at(-1);
    return {
      learningRate: run.learningRate,
      correctRatios: run.steps.map((m) => m.correctRatio),
      klToBase: lastKlToInitial(run.steps),
      rolloutEntropy: last?.rolloutEntropy ?? 0,
      finite: run.steps.every((m) => Number.isFinite(m.loss)),
    };
  });
  const choice = chooseLearningRate(calibrationRuns, { minRise: calibration.minRise });
  const calibrationResult: Calibration = {
    method: calibration.method,
    runs: choice.runs,
    chosen: choice.chosen,
    rule: `the smallest rate at which ${calibration.method}'s training correct ratio rises by ` +
      `>= ${calibration.minRise} in ${calibration.steps} steps (mean of the last 10 steps minus ` +
      `mean of the first 5), finite losses; else the largest rate`,
    curves: calibrationRuns.map((r) => ({
      learningRate: r.learningRate,
      correctRatio: r.correctRatios,
    })),
  };
  const tuned: ExperimentConfig = {
    ...shared,
    train: { ...shared.train, learningRate: choice.chosen },
  };

  phase = "main";
  const main = buildMainJobs(tuned);
  const { lambdaGroup, longGroup, miniGroup } = main;
  const jobs = main.jobs.filter((job) => job.kind !== "evaluate");
  const finished = [...baseResults, ...await runAll(anyPool, jobs, report(jobs.length))];

  // Collect, in seed order per method.
  const runs: Record<string, RunRecord[]> = {};
  const evaluations: Record<string, Record<string, Record<string, PolicyEvaluation[]>>> = {};
  let evaluationSeconds = 0;
  const ordered = [...finished].sort((a, b) =>
    a.kind === "screen" || b.kind === "screen" ? 0 : a.seed - b.seed
  );
  for (const result of ordered) {
    if (result.kind === "screen") continue;
    if (result.run !== null) {
      (runs[result.method] ??= []).push(result.run);
      trainingSeconds += result.run.steps.reduce((s, m) => s + m.seconds.total, 0);
    }
    for (const e of result.evaluations) {
      evaluationSeconds += e.seconds;
      ((evaluations[e.settingName] ??= {})[e.tier] ??= {})[result.method] ??= [];
      evaluations[e.settingName][e.tier][result.method].push(e);
    }
  }
  return {
    protocol: { ...protocol },
    baseId,
    pool: trainingPool,
    calibration: calibrationResult,
    groups: {
      main: [BASE_METHOD, ...Object.keys(protocol.methods)],
      lambda: lambdaGroup,
      long: longGroup,
      miniBatches: miniGroup,
    },
    runs,
    evaluations,
    seconds: {
      screening: screeningSeconds,
      training: trainingSeconds,
      evaluation: evaluationSeconds,
    },
  };
}

/**
 * One line for a protocol's progress: phase, elapsed time and what each running job is doing.
 *
 * @param progress The protocol's progress.
 * @returns The text, e.g. `main, 12m3s: nsr-s1 step 80/150; w-reinforce-s0 evaluating tierB`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const line = formatProtocolProgress({ phase: "main", elapsedSeconds: 723, jobsDone: 3, jobsTotal: 9, remainingSeconds: null,
 *   running: [{ label: "nsr-s1", phase: "train", step: 80, steps: 150 }, { label: "base-s0", phase: "evaluate", tier: "tierB" }] });
 * assert.equal(line, "main: nsr-s1 step 80/150; base-s0 evaluating tierB");
 * ```
 */
export function formatProtocolProgress(progress: ProtocolProgress): string {
  const doing = progress.running.map((job) => {
    switch (job.phase) {
      case "train":
        return `${job.label} step ${job.step ?? 0}/${job.steps ?? "?"}`;
      case "evaluate":
        return `${job.label} evaluating ${job.tier ?? ""}`;
      case "screen":
        return `${job.label} screening`;
    }
  });
  return `${progress.phase}${doing.length > 0 ? `: ${doing.join("; ")}` : ""}`;
}

function labelOf(method: string, seed: number): string {
  return `${slug(method)}-s${seed}`;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/λ=/g, "lambda").replace(/×/g, "x").replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-|-$/g, "") || "method";
}
