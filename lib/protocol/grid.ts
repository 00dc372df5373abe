/**
 * Phase 3 of the protocol, the grid as work: every method × seed trains from the base on the
 * pool, and the base and each final policy are evaluated on every tier at the primary setting
 * (T = 1.0, n samples, plus one greedy response per problem), the main grid also on the table
 * seeds at the paper's setting (T = 0.6, top-p 0.95). Ablations: W-REINFORCE at other λ, long
 * runs (factor × the steps, continuing the main run of the same seed), and methods with another
 * number of mini-batches; an ablation is evaluated on the judged set only (the primary set when
 * the protocol draws one, else every tier; the first tier for the mini-batch variants), since no
 * claim reads it elsewhere. Evaluation seeds depend on (seed, tier, setting) only, so every policy
 * is compared on the same random streams.
 *
 * @module
 */
import type { ExperimentConfig, MethodChanges, ProtocolConfig } from "../config.ts";
import { parseExperimentConfig } from "../config.ts";
import type { ProtocolProblem, ProtocolTask, SamplingSetting } from "../eval/task.ts";
import { type EvaluationRequest, evaluationSeed, type WorkItem } from "../schedule/work.ts";
import { BASE_METHOD, PRIMARY_SET, PRIMARY_SETTING, TABLE_SETTING } from "./protocol_results.ts";

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

/** The problems the grid trains and evaluates on. */
export type GridProblems<P extends ProtocolProblem> = {
  /** The training pool. */
  readonly pool: readonly P[];
  /** Each evaluated set's problems (the primary set first, when drawn; then the tiers). */
  readonly tiers: Readonly<Record<string, readonly P[]>>;
  /** Problems of the runs' greedy held-out evaluations during training. */
  readonly validation: readonly P[];
};

/** The grid as work items, and the ablations' method names. */
export type Grid<P extends ProtocolProblem> = {
  /** The base's evaluations, then every training run (main grid, then ablations). */
  readonly items: readonly WorkItem<P>[];
  /** W-REINFORCE at other λ: name → λ (the main run's λ included). */
  readonly lambdaGroup: Readonly<Record<string, number>>;
  /** Long runs: long name → the main method it extends. */
  readonly longGroup: Readonly<Record<string, string>>;
  /** Other mini-batch counts: variant name → the main method it varies. */
  readonly miniGroup: Readonly<Record<string, string>>;
};

/**
 * The grid (module doc) for a tuned config, as work items.
 *
 * @param protocol The protocol.
 * @param tuned The shared config at the chosen learning rate.
 * @param task The task world (its tiers).
 * @param problems Pool, tiers, validation problems.
 * @param options `sets`: evaluate the base and the main runs on these sets only, and not at the
 *   table's setting (a study that reads the primary set alone); every set and the table when
 *   left out.
 * @returns The items and the ablations' groups.
 * @throws {TypeError} If a method's config is invalid.
 * @throws {RangeError} If the λ ablation names a method that is not W-REINFORCE.
 */
export function grid<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  tuned: ExperimentConfig,
  task: ProtocolTask<P>,
  problems: GridProblems<P>,
  options: { readonly sets?: readonly string[] } = {},
): Grid<P> {
  const requests = evaluationRequests(protocol, problems.tiers);
  const { sets } = options;
  const unknown = sets?.filter((name) => !(name in problems.tiers)) ?? [];
  if (unknown.length > 0) {
    throw new RangeError(
      `Cannot build the grid: sets must name evaluated sets (${
        Object.keys(problems.tiers).join(", ")
      }), got ${unknown.join(", ")}`,
    );
  }
  const finals = (seed: number) =>
    requests(seed, sets === undefined ? { table: true } : { table: false, tiers: sets });
  const items: WorkItem<P>[] = protocol.seeds.map((seed, i) => ({
    kind: "evaluate",
    label: `base-s${seed}`,
    method: BASE_METHOD,
    seed,
    evaluations: [
      ...finals(seed),
      ...(i === 0 ? cooledBaseRequests(protocol, problems.tiers, seed) : []),
    ],
  }));
  const checkpointEvaluations = (seed: number) =>
    checkpointRequests(protocol, tuned, problems.tiers, seed);
  const trainItem = (
    method: string,
    config: ExperimentConfig,
    seed: number,
    evaluations: EvaluationRequest<P>[],
    after?: string,
    checkpoints?: ReturnType<typeof checkpointEvaluations>,
  ) =>
    items.push({
      kind: "train",
      label: labelOf(method, seed),
      method,
      seed,
      config: { ...config, seed },
      problems: problems.pool,
      evalProblems: problems.validation,
      evaluations,
      after,
      afterSteps: after === undefined ? undefined : tuned.train.steps,
      checkpointEvaluations: checkpoints,
    });
  const configs: Record<string, ExperimentConfig> = {};
  for (const [method, changes] of Object.entries(protocol.methods)) {
    configs[method] = methodConfig(tuned, changes, { name: method });
    for (const seed of protocol.seeds) {
      trainItem(
        method,
        configs[method],
        seed,
        finals(seed),
        undefined,
        checkpointEvaluations(seed),
      );
    }
  }
  const { ablations } = protocol;
  const judged = PRIMARY_SET in problems.tiers ? [PRIMARY_SET] : undefined;
  const ablationRequests = (seed: number) => requests(seed, { table: false, tiers: judged });
  const lambdaGroup: Record<string, number> = {};
  const lambdaBase = ablations.lambda && configs[ablations.lambda.method];
  if (lambdaBase !== undefined && lambdaBase.objective.kind !== "w-reinforce") {
    throw new RangeError(
      `Cannot build the grid: ablations.lambda.method must be a W-REINFORCE method, got ${
        JSON.stringify(ablations.lambda?.method)
      } (${lambdaBase.objective.kind})`,
    );
  }
  if (ablations.lambda !== undefined && lambdaBase?.objective.kind === "w-reinforce") {
    const { method, values, seeds } = ablations.lambda;
    lambdaGroup[method] = lambdaBase.objective.lambda;
    for (const lambda of values.filter((value) => value !== lambdaGroup[method])) {
      const name = `${method} λ=${lambda}`;
      lambdaGroup[name] = lambda;
      const objective = { ...lambdaBase.objective, lambda };
      for (const seed of seeds) {
        trainItem(name, { ...lambdaBase, objective }, seed, ablationRequests(seed));
      }
    }
  }
  const longGroup: Record<string, string> = {};
  for (const method of ablations.long?.methods ?? []) {
    const { factor, seeds } = ablations.long!;
    const name = `${method} ×${factor}`;
    longGroup[name] = method;
    const train = { ...configs[method].train, steps: tuned.train.steps * factor };
    // A long run continues its main run of the same seed (same config, more steps).
    for (const seed of seeds) {
      const main = protocol.seeds.includes(seed) ? labelOf(method, seed) : undefined;
      trainItem(name, { ...configs[method], train }, seed, ablationRequests(seed), main);
    }
  }
  const miniGroup: Record<string, string> = {};
  for (const method of ablations.miniBatches?.methods ?? []) {
    const { value, seeds } = ablations.miniBatches!;
    const name = `${method} ${value} mini-batch${value === 1 ? "" : "es"}`;
    miniGroup[name] = method;
    const train = { ...configs[method].train, miniBatches: value };
    const tiers = judged ?? [task.tiers[0]];
    for (const seed of seeds) {
      trainItem(name, { ...configs[method], train }, seed, requests(seed, { table: false, tiers }));
    }
  }
  return { items, lambdaGroup, longGroup, miniGroup };
}

/**
 * The cooled base's evaluations (seed `seed`): the primary set at each of `cooledBase`'s
 * temperatures, top-p 1, n as the primary setting's; none when the protocol has no cooled base.
 */
function cooledBaseRequests<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  tiers: Readonly<Record<string, readonly P[]>>,
  seed: number,
): EvaluationRequest<P>[] {
  const { cooledBase, samples } = protocol.evaluation;
  return (cooledBase?.temperatures ?? []).map((temperature) => {
    const settingName = cooledSetting(temperature);
    return {
      tier: PRIMARY_SET,
      settingName,
      setting: { samples, temperature, topP: 1 },
      seed: evaluationSeed(seed, PRIMARY_SET, settingName),
      problems: tiers[PRIMARY_SET],
    };
  });
}

/**
 * The name of the cooled base's setting at a temperature.
 *
 * @param temperature The temperature.
 * @returns E.g. `T=0.7` (one decimal more when needed: `T=0.65`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([cooledSetting(0.7), cooledSetting(0.65)], ["T=0.7", "T=0.65"]);
 * ```
 */
export function cooledSetting(temperature: number): string {
  return `T=${temperature}`;
}

/** The setting name of checkpoint evaluations with n samples. */
export function checkpointSetting(samples: number): string {
  return `${PRIMARY_SETTING}, n=${samples}`;
}

/**
 * A main run's checkpoint evaluations: the primary set at the primary setting with
 * `checkpoints.samples`, at every multiple of `checkpoints.every` before the last step.
 */
function checkpointRequests<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  tuned: ExperimentConfig,
  tiers: Readonly<Record<string, readonly P[]>>,
  seed: number,
): { steps: number[]; request: EvaluationRequest<P> } | undefined {
  const wanted = protocol.evaluation.checkpoints;
  if (wanted === undefined) return undefined;
  const { steps, checkpointEvery } = tuned.train;
  if (wanted.every % checkpointEvery !== 0) {
    throw new RangeError(
      `Cannot build the grid: evaluation.checkpoints.every must be a multiple of the runs' checkpointEvery ${checkpointEvery}, got ${wanted.every}`,
    );
  }
  const settingName = checkpointSetting(wanted.samples);
  const { temperature, topP } = protocol.evaluation;
  return {
    steps: Array.from(
      { length: Math.ceil(steps / wanted.every) - 1 },
      (_, i) => (i + 1) * wanted.every,
    ),
    request: {
      tier: PRIMARY_SET,
      settingName,
      setting: { samples: wanted.samples, temperature, topP },
      seed: evaluationSeed(seed, PRIMARY_SET, settingName),
      problems: tiers[PRIMARY_SET],
    },
  };
}

/** The evaluations of one seed: every evaluated set at the primary setting, and at the table's if asked. */
function evaluationRequests<P extends ProtocolProblem>(
  protocol: ProtocolConfig,
  tiers: Readonly<Record<string, readonly P[]>>,
): (
  seed: number,
  options: { table: boolean; tiers?: readonly string[] },
) => EvaluationRequest<P>[] {
  const { evaluation } = protocol;
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
  const request = (
    seed: number,
    tier: string,
    settingName: string,
    setting: SamplingSetting,
  ): EvaluationRequest<P> => ({
    tier,
    settingName,
    setting,
    seed: evaluationSeed(seed, tier, settingName),
    problems: tiers[tier],
  });
  return (seed: number, options: { table: boolean; tiers?: readonly string[] }) => {
    const names = options.tiers ?? Object.keys(tiers);
    const out: EvaluationRequest<P>[] = names.map((tier) =>
      request(seed, tier, PRIMARY_SETTING, primary)
    );
    if (options.table && evaluation.table.seeds.includes(seed)) {
      out.push(...names.map((tier) => request(seed, tier, TABLE_SETTING, table)));
    }
    return out;
  };
}

/** A work item's label for a method and seed. */
export function labelOf(method: string, seed: number): string {
  return `${slug(method)}-s${seed}`;
}

/** A method's name as a label part (`W-REINFORCE λ=0.5` → `w-reinforce-lambda0.5`). */
export function slug(name: string): string {
  return name.toLowerCase().replace(/λ=/g, "lambda").replace(/×/g, "x").replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-|-$/g, "") || "method";
}
