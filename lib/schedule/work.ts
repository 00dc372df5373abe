/**
 * The units of work of the protocol, as plain data that can cross a Web Worker boundary, and
 * {@link runWork}, which does one of them in the current thread: screen problems for the training
 * pool, train a run (then evaluate its final policy), or evaluate the base. Every result is
 * cached: training runs by `runTraining`, evaluations under a key holding the policy's
 * fingerprint, the problems, the sampling setting and seed, the engines and the code
 * fingerprint of the task and of this module.
 *
 * @module
 */
import { cached } from "../_io/cache.ts";
import { codeFingerprint } from "../_io/code_fingerprint.ts";
import type { ExperimentConfig } from "../config.ts";
import { kernelCacheKey } from "../engine/backend.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { Policy } from "../model/policy.ts";
import { policyFingerprint } from "../model/policy_fingerprint.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { deriveSeed } from "../random.ts";
import type { EvalMetrics, StepMetrics } from "../train/metrics.ts";
import { loadRunPolicy, runTraining } from "../train/run_training.ts";
import type {
  ProblemOutcome,
  ProtocolProblem,
  ProtocolTask,
  SamplingSetting,
} from "../eval/task.ts";

/** One evaluation an item performs: a policy on a tier's problems under a setting. */
export type EvaluationRequest<P extends ProtocolProblem = ProtocolProblem> = {
  /** The tier's name. */
  readonly tier: string;
  /** The setting's name (e.g. `"T=1.0"`). */
  readonly settingName: string;
  /** How to sample. */
  readonly setting: SamplingSetting;
  /** The seed of the sampling (the same for every policy compared on this tier and setting). */
  readonly seed: number;
  /** The problems. */
  readonly problems: readonly P[];
};

/** What an evaluation gives: per-problem outcomes and what it cost when it was computed. */
export type PolicyEvaluation = {
  /** Tier, setting name and sampling seed, as requested. */
  readonly tier: string;
  readonly settingName: string;
  readonly seed: number;
  /** One outcome per problem, in order. */
  readonly outcomes: readonly ProblemOutcome[];
  /** Seconds it took when computed (a cached result keeps its original time). */
  readonly seconds: number;
};

/** A item of the protocol. */
export type WorkItem<P extends ProtocolProblem = ProtocolProblem> =
  | {
    /** Estimate the base's pass rate on problems (the training pool's screening). */
    readonly kind: "screen";
    readonly label: string;
    readonly problems: readonly P[];
    readonly setting: SamplingSetting;
    readonly seed: number;
  }
  | {
    /** Train a run from the base, then evaluate its final policy. */
    readonly kind: "train";
    readonly label: string;
    readonly method: string;
    readonly seed: number;
    readonly config: ExperimentConfig;
    readonly problems: readonly P[];
    readonly evalProblems: readonly P[];
    readonly evaluations: readonly EvaluationRequest<P>[];
    /**
     * The label of an item whose run this one continues (the same config with fewer steps): it
     * runs after that item, from its last checkpoint.
     */
    readonly after?: string;
    /** The steps the `after` item's run ends at (what this one need not redo). */
    readonly afterSteps?: number;
    /** The run directory to continue (set from the `after` item's result when it is run). */
    readonly continueFrom?: string;
    /** Checkpoints to evaluate, by step, each with the same request (none if left out). */
    readonly checkpointEvaluations?: {
      readonly steps: readonly number[];
      readonly request: EvaluationRequest<P>;
    };
  }
  | {
    /** Evaluate the base itself, or a run's checkpoint. */
    readonly kind: "evaluate";
    readonly label: string;
    readonly method: string;
    readonly seed: number;
    readonly evaluations: readonly EvaluationRequest<P>[];
    /** The checkpoint to evaluate (a run directory and a step); the base when left out. */
    readonly checkpoint?: { readonly dir: string; readonly step: number };
  };

/** A training run as the protocol keeps it. */
export type RunRecord = {
  /** The method's name. */
  readonly method: string;
  /** The training seed. */
  readonly seed: number;
  /** The run directory. */
  readonly dir: string;
  /** The learning rate it trained at. */
  readonly learningRate: number;
  /** Metrics of every RL step. */
  readonly steps: readonly StepMetrics[];
  /** Greedy held-out evaluations during training. */
  readonly evals: readonly EvalMetrics[];
};

/** An evaluation of a run's checkpoint. */
export type CheckpointEvaluation = PolicyEvaluation & {
  /** The step the checkpoint was saved at. */
  readonly step: number;
};

/** What an item returns. */
export type WorkResult =
  | {
    readonly kind: "screen";
    readonly label: string;
    readonly outcomes: readonly ProblemOutcome[];
    readonly seconds: number;
  }
  | {
    readonly kind: "train" | "evaluate";
    readonly label: string;
    readonly method: string;
    readonly seed: number;
    /** The run (null for the base). */
    readonly run: RunRecord | null;
    readonly evaluations: readonly PolicyEvaluation[];
    /** Evaluations of the run's checkpoints, in step order (empty for the base). */
    readonly checkpoints: readonly CheckpointEvaluation[];
  };

/** Progress of an item: what it is doing now. */
export type WorkProgress = {
  /** The item's label. */
  readonly label: string;
  /** `train` (with step and steps) or `evaluate` (with the tier). */
  readonly phase: "screen" | "train" | "evaluate";
  /** Training: the step just finished. */
  readonly step?: number;
  /** Training: the run's steps. */
  readonly steps?: number;
  /** Evaluation: the tier being evaluated. */
  readonly tier?: string;
};

/** What {@link runWork} needs besides the item: the task, the base and the cache. */
export type WorkContext<P extends ProtocolProblem> = {
  /** The task. */
  readonly task: ProtocolTask<P>;
  /** The base model (not modified). */
  readonly base: { readonly policy: Policy; readonly tokenizer: Tokenizer };
  /** Root of the caches. */
  readonly cacheDir: string;
  /** Called as the item advances. */
  readonly onProgress?: (progress: WorkProgress) => void;
};

/**
 * The seed an evaluation of tier `tier` under setting `settingName` samples with, for training
 * seed `seed`: the same for every method, so methods are compared on the same random streams.
 *
 * @param seed The training seed.
 * @param tier The tier.
 * @param settingName The setting's name.
 * @returns The sampling seed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.notEqual(evaluationSeed(0, "tierA", "T=1.0"), evaluationSeed(1, "tierA", "T=1.0"));
 * ```
 */
export function evaluationSeed(seed: number, tier: string, settingName: string): number {
  return deriveSeed(seed, `eval/${tier}/${settingName}`);
}

/**
 * The starting policy of a run: the base itself, or (for a config with a value head the base
 * lacks, PPO) the base's weights plus a critic. A separate critic's trunk starts as a copy of the
 * base's trunk, as the paper's critic is initialised from the base model; the value head is
 * fresh (seeded by the run's seed). The caller disposes a returned policy that is not the base.
 *
 * @param base The base policy.
 * @param config The run's config.
 * @returns The starting policy.
 * @throws {RangeError} If the configs differ in more than the value head.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * import { Policy } from "../model/policy.ts";
 * const model = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 };
 * using base = Policy.create(parseExperimentConfig({ model }).model, { seed: 0 });
 * const config = parseExperimentConfig({ model: { ...model, valueHead: "separate" } });
 * using start = startingPolicy(base, config);
 * assert.deepEqual(start.params["critic.wte"].dataSync(), base.params["wte"].dataSync());
 * ```
 */
export function startingPolicy(base: Policy, config: ExperimentConfig): Policy {
  const same = JSON.stringify(base.config) === JSON.stringify(config.model);
  if (same) return base;
  const onlyHead = JSON.stringify({ ...base.config, valueHead: config.model.valueHead }) ===
    JSON.stringify(config.model);
  if (!onlyHead || base.config.valueHead !== "none") {
    throw new RangeError(
      `Cannot start a run from the base: its model config may differ only in valueHead, got ${
        JSON.stringify(config.model)
      } for a base of ${JSON.stringify(base.config)}`,
    );
  }
  using fresh = Policy.create(config.model, { seed: deriveSeed(config.seed, "value-head") });
  const values = { ...fresh.params, ...base.params };
  if (config.model.valueHead === "separate") {
    for (const [name, value] of Object.entries(base.params)) {
      if (`critic.${name}` in fresh.params) values[`critic.${name}`] = value;
    }
  }
  return Policy.fromWeights(config.model, values);
}

async function evaluate<P extends ProtocolProblem>(
  policy: Policy,
  requests: readonly EvaluationRequest<P>[],
  context: WorkContext<P>,
  label: string,
): Promise<PolicyEvaluation[]> {
  const { task, base, cacheDir, onProgress } = context;
  const identity = await policyFingerprint(policy);
  const code = await codeFingerprint([task.module, import.meta.url]);
  const results: PolicyEvaluation[] = [];
  for (const request of requests) {
    onProgress?.({ label, phase: "evaluate", tier: request.tier });
    const { tier, settingName, setting, seed, problems } = request;
    const key = {
      policy: identity,
      task: task.name,
      problems,
      setting,
      seed,
      code,
      ...kernelCacheKey(),
    };
    const { value } = await cached(key, async () => {
      const started = performance.now();
      const outcomes = await task.evaluate(policy, problems, {
        setting,
        seed,
        tokenizer: base.tokenizer,
      });
      return { outcomes, seconds: (performance.now() - started) / 1000 };
    }, { dir: `${cacheDir}/evaluations`, label: `${label}-${tier}` });
    results.push({ tier, settingName, seed, ...value });
  }
  return results;
}

/**
 * Does one item in this thread. BOUNDARY: plain data out; a trained policy stays on disk.
 *
 * @param item The item.
 * @param context Task, base model, cache and progress.
 * @returns Its result.
 * @throws {RangeError} As `runTraining` and the task's evaluation.
 * @example
 * ```ts ignore
 * const result = await runWork({ kind: "evaluate", label: "base-s0", method: "Base", seed: 0, evaluations }, context);
 * ```
 */
export async function runWork<P extends ProtocolProblem>(
  item: WorkItem<P>,
  context: WorkContext<P>,
): Promise<WorkResult> {
  const { task, base, cacheDir, onProgress } = context;
  switch (item.kind) {
    case "screen": {
      onProgress?.({ label: item.label, phase: "screen" });
      const request = { tier: "screen", settingName: "screen", ...item };
      const [result] = await evaluate(base.policy, [request], context, item.label);
      return {
        kind: "screen",
        label: item.label,
        outcomes: result.outcomes,
        seconds: result.seconds,
      };
    }
    case "evaluate": {
      if (item.checkpoint === undefined) {
        const evaluations = await evaluate(base.policy, item.evaluations, context, item.label);
        return { ...pick(item), run: null, evaluations, checkpoints: [] };
      }
      const { dir, step } = item.checkpoint;
      using policy = await loadCheckpointPolicy(dir, step);
      const evaluations = await evaluate(policy, item.evaluations, context, item.label);
      return {
        ...pick(item),
        run: null,
        evaluations: [],
        checkpoints: evaluations.map((e) => ({ ...e, step })),
      };
    }
    case "train": {
      const { config, problems, evalProblems } = item;
      const start = startingPolicy(base.policy, config);
      let dir: string;
      let steps: StepMetrics[];
      let evals: EvalMetrics[];
      try {
        ({ dir, steps, evals } = await runTraining(config, {
          policy: start,
          tokenizer: base.tokenizer,
          problems,
          evalProblems,
          reward: task.reward,
          cacheDir,
          label: item.label,
          continueFrom: item.continueFrom,
          onStep: (m) =>
            onProgress?.({
              label: item.label,
              phase: "train",
              step: m.step,
              steps: config.train.steps,
            }),
        }));
      } finally {
        if (start !== base.policy) start.dispose();
      }
      let evaluations: PolicyEvaluation[] = [];
      if (item.evaluations.length > 0) {
        using trained = (await loadRunPolicy({ dir })).policy;
        evaluations = await evaluate(trained, item.evaluations, context, item.label);
      }
      const run: RunRecord = {
        method: item.method,
        seed: item.seed,
        dir,
        learningRate: config.train.learningRate,
        steps,
        evals,
      };
      const checkpoints = await evaluateCheckpoints(dir, item, context);
      return { ...pick(item), run, evaluations, checkpoints };
    }
    default: {
      const unknown: never = item;
      throw new RangeError(`Cannot run a work item: unknown kind, got ${JSON.stringify(unknown)}`);
    }
  }
}

/** Evaluates the checkpoints a train item asks for, from its run directory. */
async function evaluateCheckpoints<P extends ProtocolProblem>(
  dir: string,
  item: Extract<WorkItem<P>, { kind: "train" }>,
  context: WorkContext<P>,
): Promise<CheckpointEvaluation[]> {
  const out: CheckpointEvaluation[] = [];
  const wanted = item.checkpointEvaluations;
  for (const step of wanted?.steps ?? []) {
    using policy = await loadCheckpointPolicy(dir, step);
    const label = `${item.label}@${step}`;
    const [evaluation] = await evaluate(policy, [wanted!.request], context, label);
    out.push({ ...evaluation, step });
  }
  return out;
}

/** The policy of a run's checkpoint at a step (the caller disposes it). */
async function loadCheckpointPolicy(dir: string, step: number): Promise<Policy> {
  const name = `step-${String(step).padStart(6, "0")}`;
  return (await loadCheckpoint(`${dir}/checkpoints/${name}/policy`)).policy;
}

type WorkIdentity = { kind: "train" | "evaluate"; label: string; method: string; seed: number };

function pick(item: WorkIdentity): WorkIdentity {
  return { kind: item.kind, label: item.label, method: item.method, seed: item.seed };
}
