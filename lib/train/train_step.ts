/**
 * One RL update on a graded batch of rollouts: advantages, the samples the objective keeps,
 * teacher-forced old (and reference) log-probs, then one optimizer step per mini-batch with
 * gradient accumulation over micro-batches — the update loop of verl's `dp_actor.update_policy`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW, clipByGlobalNorm } from "./adamw.ts";
import { computeAdvantages, type TokenAdvantages } from "../objective/advantage.ts";
import type { ObjectiveConfig, TrainConfig } from "../config.ts";
import type { StepMetrics } from "./metrics.ts";
import { sequenceLogProbs, sequenceValues } from "../model/log_probs.ts";
import type { GradientPool } from "../model/gradient_pool.ts";
import type { Policy } from "../model/policy.ts";
import { objectiveNeeds } from "../objective/objective_needs.ts";
import { type MicroBatch, microBatchLoss } from "./micro_batch_loss.ts";

/** What {@link trainStep} reads of a rollout: its prompt and response ids and sampled log-probs. */
export type TrainSample = {
  /** Prompt ids, BOS first. */
  readonly promptTokens: readonly number[];
  /** Response ids (ending with EOS unless truncated). */
  readonly responseTokens: readonly number[];
  /** log π(y_t) at temperature 1 when sampled, one per response token. */
  readonly logProbs: readonly number[];
};

/** A graded batch; samples of a prompt are contiguous, `groupSize` each. */
export type TrainBatch = {
  /** The rollouts. */
  readonly rollouts: readonly TrainSample[];
  /** One reward per rollout. */
  readonly rewards: readonly number[];
};

/** What one {@link trainStep} reports (the update part of {@link StepMetrics}). */
export type UpdateMetrics =
  & Pick<
    StepMetrics,
    | "samplesTrained"
    | "optimizerSteps"
    | "clipFraction"
    | "gradNorm"
    | "loss"
    | "policyLoss"
    | "entropy"
    | "kl"
    | "valueLoss"
  >
  & {
    /** Token-mean log π − log π_ref over all rollouts; null without a reference policy. */
    klToInitial: number | null;
    /** Global L2 norm of the actor's weights after the update (finite unless it blew up). */
    weightNorm: number;
    /** Seconds in the teacher-forced passes and in the updates. */
    seconds: { logProbs: number; update: number };
  };

/**
 * The optimizers of a policy: AdamW on the actor and, where the objective trains a critic (PPO),
 * AdamW on the critic at `criticLearningRateScale` × the learning rate. Owns their moments (`dispose()` / `using`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * import { Policy } from "../model/policy.ts";
 * const config = parseExperimentConfig({ model: { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 } });
 * using policy = Policy.create(config.model, { seed: 0 });
 * using optimizer = new PolicyOptimizer(policy, config);
 * assert.equal(optimizer.critic, null);
 * ```
 */
export class PolicyOptimizer {
  /** AdamW over `policy.actorVariables`. */
  readonly actor: AdamW;
  /** PPO: AdamW over `policy.criticVariables`; null for the other objectives. */
  readonly critic: AdamW | null;

  /**
   * Creates AdamW for the actor (and, for PPO, the critic) with zero moments.
   *
   * @param policy The policy whose variables it updates.
   * @param config The objective and the training settings.
   * @throws {RangeError} For PPO on a policy without a value head.
   */
  constructor(
    policy: Policy,
    config: { objective: ObjectiveConfig; train: TrainConfig },
  ) {
    const { objective, train } = config;
    const options = {
      learningRate: train.learningRate,
      beta1: train.beta1,
      beta2: train.beta2,
      weightDecay: train.weightDecay,
    };
    const { critic } = objectiveNeeds(objective);
    this.actor = new AdamW(policy.actorVariables, options);
    this.critic = null;
    if (critic !== null) {
      if (policy.criticVariables.length === 0) {
        this.actor.dispose();
        throw new RangeError(
          `Cannot train with ${objective.kind.toUpperCase()}: the policy needs a value head, got model.valueHead "none"`,
        );
      }
      this.critic = new AdamW(policy.criticVariables, {
        ...options,
        learningRate: train.learningRate * critic.learningRateScale,
      });
    }
  }

  /** Frees both optimizers' moments. */
  dispose(): void {
    this.actor.dispose();
    this.critic?.dispose();
  }

  /** Same as {@link PolicyOptimizer.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Options of {@link trainStep}. */
export type TrainStepOptions = {
  /** The objective. */
  objective: ObjectiveConfig;
  /** Mini-batches, micro-batch size and gradient clip. */
  train: Pick<TrainConfig, "miniBatches" | "microBatchSize" | "gradClip">;
  /** The optimizers of `policy`. */
  optimizer: PolicyOptimizer;
  /** The reference (initial) policy: GRPO's KL loss, PPO's KL reward and the KL metric (null without it). */
  reference?: Policy;
  /** Samples per prompt (GRPO's group). */
  groupSize: number;
  /**
   * The rollouts were just sampled from `policy` as it is now, so their `logProbs` (log π at
   * temperature 1) are the old log-probs and no teacher-forced pass recomputes them (a PPO step
   * still runs its critic for the old values). They equal the recomputed ones to float
   * tolerance, not bit for bit: the sampler decodes with a key-value cache. Default false.
   */
  oldFromSampler?: boolean;
};

/** Token ids of a set of samples, right-padded, and where each response sits. */
type Packed = {
  tokens: Int32Array; // [b, L]
  width: number; // L − 1, the teacher-forced positions
  starts: number[]; // position (in L − 1) of each sample's first response token
  lengths: number[]; // response lengths
};

function pack(samples: readonly TrainSample[], pad: number): Packed {
  const L = Math.max(...samples.map((s) => s.promptTokens.length + s.responseTokens.length), 2);
  const tokens = new Int32Array(samples.length * L).fill(pad);
  samples.forEach((s, b) => {
    tokens.set(s.promptTokens, b * L);
    tokens.set(s.responseTokens, b * L + s.promptTokens.length);
  });
  return {
    tokens,
    width: L - 1,
    // log-prob position t predicts token t + 1, so response token 0 is read at P − 1.
    starts: samples.map((s) => s.promptTokens.length - 1),
    lengths: samples.map((s) => s.responseTokens.length),
  };
}

/** Lays out per-sample token values into a `[b, L − 1]` buffer (zeros elsewhere). */
function layout(packed: Packed, rows: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(packed.starts.length * packed.width);
  rows.forEach((row, b) => {
    for (let t = 0; t < packed.lengths[b]; t++) {
      out[b * packed.width + packed.starts[b] + t] = row[t];
    }
  });
  return out;
}

/** Reads each sample's response positions back out of a `[b, L − 1]` buffer. */
function unlayout(packed: Packed, data: Float32Array): number[][] {
  return packed.starts.map((start, b) =>
    Array.from(
      data.subarray(b * packed.width + start, b * packed.width + start + packed.lengths[b]),
    )
  );
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Teacher-forced log-probs and/or values of each sample's response tokens, micro-batch by
 * micro-batch; a part not asked for stays empty.
 */
function responseLogProbs(
  policy: Policy,
  samples: readonly TrainSample[],
  micro: readonly number[][],
  parts: { logProbs: boolean; values: boolean },
): { logProbs: number[][]; values: number[][] } {
  const logProbs: number[][] = new Array(samples.length);
  const values: number[][] = new Array(samples.length);
  for (const indices of micro) {
    const packed = pack(indices.map((i) => samples[i]), 0);
    let lp: Float32Array | null = null;
    let v: Float32Array | null = null;
    tf.tidy(() => {
      const tokens = tf.tensor2d(packed.tokens, [indices.length, packed.width + 1], "int32");
      if (!parts.logProbs) {
        v = sequenceValues(policy, tokens).dataSync() as Float32Array;
        return;
      }
      const out = sequenceLogProbs(policy, tokens, { withValues: parts.values });
      lp = out.logProbs.dataSync() as Float32Array;
      v = (out.values?.dataSync() ?? null) as Float32Array | null;
    });
    const lpRows = lp === null ? [] : unlayout(packed, lp);
    const vRows = v === null ? [] : unlayout(packed, v);
    indices.forEach((i, k) => {
      if (parts.logProbs) logProbs[i] = lpRows[k];
      if (parts.values) values[i] = vRows[k];
    });
  }
  return { logProbs, values };
}

/**
 * The old log-probs and values of a step: the sampler's log-probs when it sampled from the
 * policy as it is now (then only a critic runs), else a teacher-forced pass.
 */
function oldLogProbs(
  policy: Policy,
  rollouts: readonly TrainSample[],
  micro: readonly number[][],
  options: { withValues: boolean; fromSampler: boolean },
): { logProbs: number[][]; values: number[][] } {
  const { withValues, fromSampler } = options;
  if (!fromSampler) {
    return responseLogProbs(policy, rollouts, micro, { logProbs: true, values: withValues });
  }
  const bad = rollouts.findIndex((r) => r.logProbs.length !== r.responseTokens.length);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot train from the sampler's log-probs: rollout ${bad} has ${
        rollouts[bad].logProbs.length
      } ` +
        `log-probs for ${rollouts[bad].responseTokens.length} response tokens`,
    );
  }
  const values = withValues
    ? responseLogProbs(policy, rollouts, micro, { logProbs: false, values: true }).values
    : [];
  return { logProbs: rollouts.map((r) => [...r.logProbs]), values };
}

/**
 * One RL update on a graded batch (verl's actor update, single process):
 *
 * 1. advantages and the kept samples (`computeAdvantages`; PSR keeps the correct ones, NSR the
 *    wrong ones); PPO first computes old values and the KL reward, then GAE;
 * 2. old log-probs recomputed teacher-forced under `policy`, in the same micro-batches as the
 *    updates, so ρ = 1 exactly on the first mini-batch; or, with `oldFromSampler`, the
 *    sampler's own log-probs (ρ = 1 to float tolerance);
 * 3. the kept samples, in batch order, split into mini-batches of ⌈N / miniBatches⌉ samples (N the
 *    whole batch: PSR/NSR take ⌈kept / that size⌉ steps), each one optimizer step; each
 *    mini-batch's loss is the `aggregation` over the whole mini-batch, accumulated exactly over
 *    micro-batches of ≤ `microBatchSize` sequences; actor (and critic) gradients are clipped to
 *    global norm `gradClip` separately, then AdamW.
 *
 * BOUNDARY: every tensor it makes is freed; it returns plain numbers.
 *
 * @param policy The policy to update in place.
 * @param batch Rollouts and their rewards.
 * @param options Objective, mini/micro-batching, optimizers, reference policy, group size.
 * @returns Samples trained on, optimizer steps, mean loss terms, clip fraction, grad norm, KL.
 * @throws {RangeError} If GRPO or PPO get no reference policy, or the batch is malformed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * import { Policy } from "../model/policy.ts";
 * const config = parseExperimentConfig({ objective: { kind: "nsr" }, model: { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 } });
 * using policy = Policy.create(config.model, { seed: 0 });
 * using optimizer = new PolicyOptimizer(policy, config);
 * const sample = (y: number) => ({ promptTokens: [1, 4], responseTokens: [y, 2], logProbs: [-2, -2] });
 * const out = trainStep(policy, { rollouts: [sample(5), sample(6)], rewards: [1, 0] }, { ...config, optimizer, groupSize: 2 });
 * assert.equal(out.samplesTrained, 1);
 * ```
 */
export function trainStep(
  policy: Policy,
  batch: TrainBatch,
  options: TrainStepOptions,
): UpdateMetrics {
  const prepared = prepareUpdate(policy, batch, options);
  const { update, minis } = prepared;
  const norms: tf.Tensor[] = [];
  for (const micros of minis) {
    const grads = miniBatchGradients(micros, update);
    norms.push(applyClipped(options.optimizer, grads, options.train.gradClip));
    tf.dispose(grads);
  }
  return finishUpdate(prepared, norms, options.optimizer);
}

/**
 * {@link trainStep} with each mini-batch's micro-batches dealt to the workers of a
 * {@link GradientPool} (created with {@link MICRO_BATCH_LOSS}), so a lone run's update uses
 * every core; a mini-batch of fewer micro-batches than workers is split into one share per
 * worker (no share larger than a micro-batch). The same update to float tolerance, not bit for
 * bit: each worker sums its shares' gradients and this thread adds the workers' sums. The advantages, the old and
 * reference log-probs and the optimizer stay in this thread.
 *
 * BOUNDARY: every tensor it makes is freed; it returns plain numbers.
 *
 * @param policy The policy to update in place.
 * @param batch Rollouts and their rewards.
 * @param options As {@link trainStep}, and the gradient pool.
 * @returns As {@link trainStep}.
 * @throws {RangeError} As {@link trainStep}; {Error} if a worker fails.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * import { GradientPool } from "../model/gradient_pool.ts";
 * import { Policy } from "../model/policy.ts";
 * const config = parseExperimentConfig({ objective: { kind: "nsr" }, model: { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8 } });
 * using policy = Policy.create(config.model, { seed: 0 });
 * using optimizer = new PolicyOptimizer(policy, config);
 * await using pool = await GradientPool.create({ loss: MICRO_BATCH_LOSS, workers: 1, backend: "cpu" });
 * const sample = (y: number) => ({ promptTokens: [1, 4], responseTokens: [y, 2], logProbs: [-2, -2] });
 * const out = await trainStepOnPool(policy, { rollouts: [sample(5), sample(6)], rewards: [1, 0] }, { ...config, optimizer, groupSize: 2, pool });
 * assert.equal(out.samplesTrained, 1);
 * ```
 */
export async function trainStepOnPool(
  policy: Policy,
  batch: TrainBatch,
  options: TrainStepOptions & { pool: GradientPool },
): Promise<UpdateMetrics> {
  const { pool, optimizer, train } = options;
  const prepared = prepareUpdate(policy, batch, options);
  const { update, minis } = prepared;
  const norms: tf.Tensor[] = [];
  for (const micros of minis) {
    // At least one share per worker: a mini-batch that is one micro-batch would leave the other
    // workers idle. Any split sums to the mini-batch's aggregate (each share weighted by its part).
    const mini = micros.flat();
    const parts = micros.length >= pool.size
      ? micros
      : chunk(mini, Math.ceil(mini.length / Math.min(pool.size, mini.length)));
    const inputs = parts.map((indices) => microBatchOf(indices, update, parts));
    const out = await pool.gradients(policy, inputs, {
      variables: update.withValues ? "all" : "actor",
    });
    if (out.stats === null) {
      tf.dispose(out.grads);
      throw new Error("Cannot train on the gradient pool: its loss reports no statistics");
    }
    update.stats.push(tf.tensor1d(out.stats));
    norms.push(applyClipped(optimizer, out.grads, train.gradClip));
    tf.dispose(out.grads);
    pool.markUpdated();
  }
  return finishUpdate(prepared, norms, optimizer);
}

/** Where a gradient pool finds the micro-batch loss ({@link trainStepOnPool}'s pool). */
export const MICRO_BATCH_LOSS: { readonly module: string; readonly name: string } = {
  module: new URL("./micro_batch_loss.ts", import.meta.url).href,
  name: "microBatchLoss",
};

/** What {@link prepareUpdate} hands to the updates and to {@link finishUpdate}. */
type PreparedUpdate = {
  update: UpdateContext;
  /** Per mini-batch, its micro-batches of sample indices. */
  minis: number[][][];
  kept: number;
  started: number;
  afterLogProbs: number;
};

/**
 * Steps 1 and 2 of {@link trainStep}: the samples the objective keeps, their mini- and
 * micro-batches, the old (and reference) log-probs and the advantages.
 */
function prepareUpdate(
  policy: Policy,
  batch: TrainBatch,
  options: TrainStepOptions,
): PreparedUpdate {
  const { objective, train, optimizer, reference, groupSize } = options;
  const { rollouts, rewards } = batch;
  const n = rollouts.length;
  if (rewards.length !== n || n === 0) {
    throw new RangeError(
      `Cannot train: need a non-empty batch with one reward per rollout, got ${n} rollouts and ${rewards.length} rewards`,
    );
  }
  const needs = objectiveNeeds(objective);
  if (needs.reference && reference === undefined) {
    throw new RangeError(`Cannot train with ${objective.kind}: a reference policy is required`);
  }
  const withValues = needs.critic !== null;
  const responseLengths = rollouts.map((r) => r.responseTokens.length);
  const started = performance.now();

  // 1. Which samples the objective keeps (a critic's advantages need its values first; it keeps all).
  const outcome = withValues ? null : computeAdvantages({ rewards, responseLengths }, objective, {
    groupSize,
  });
  const kept = rollouts.map((_, i) => i).filter((i) => outcome === null || outcome.keep[i]);
  const miniSize = Math.ceil(n / train.miniBatches);
  const minis = chunk(kept, miniSize).map((mini) => chunk(mini, train.microBatchSize));

  // 2. Old log-probs (and values) in the update's micro-batches; reference log-probs for all.
  const old = oldLogProbs(policy, rollouts, minis.flat(), {
    withValues,
    fromSampler: options.oldFromSampler ?? false,
  });
  const all = chunk(rollouts.map((_, i) => i), train.microBatchSize);
  const ref = reference === undefined
    ? null
    : responseLogProbs(reference, rollouts, all, { logProbs: true, values: false });
  const advantages = outcome ?? computeAdvantages(
    {
      rewards,
      responseLengths,
      values: old.values,
      klPenalties: old.logProbs.map((row, i) =>
        row.map((lp, t) => lp - (ref?.logProbs[i][t] ?? 0))
      ),
    },
    objective,
    { groupSize },
  );
  const afterLogProbs = performance.now();
  const update: UpdateContext = {
    policy,
    rollouts,
    responseLengths,
    old,
    advantages,
    ref,
    objective,
    withValues,
    variables: [...optimizer.actor.variables, ...(optimizer.critic?.variables ?? [])],
    stats: [],
  };
  return { update, minis, kept: kept.length, started, afterLogProbs };
}

/** Step 3's metrics, after the updates (frees the statistics and the norms). */
function finishUpdate(
  prepared: PreparedUpdate,
  norms: tf.Tensor[],
  optimizer: PolicyOptimizer,
): UpdateMetrics {
  const { update, minis, kept, started, afterLogProbs } = prepared;
  const { rollouts, responseLengths, ref } = update;
  const trainedTokens = minis.flat(2).reduce((s, i) => s + responseLengths[i], 0);
  const steps = minis.length;
  const { totals, normSum, weightNorm } = readUpdate(optimizer.actor, update.stats, norms);
  tf.dispose([...update.stats, ...norms]);
  const perStep = (x: number) => (steps === 0 ? 0 : x / steps);
  return {
    samplesTrained: kept,
    optimizerSteps: steps,
    loss: perStep(totals[0]),
    policyLoss: perStep(totals[1]),
    entropy: perStep(totals[2]),
    kl: perStep(totals[3]),
    valueLoss: perStep(totals[4]),
    clipFraction: trainedTokens > 0 ? totals[5] / trainedTokens : 0,
    gradNorm: perStep(normSum),
    weightNorm,
    klToInitial: ref === null ? null : meanLogRatio(rollouts, ref.logProbs),
    seconds: {
      logProbs: (afterLogProbs - started) / 1000,
      update: (performance.now() - afterLogProbs) / 1000,
    },
  };
}

/** Token-mean log π − log π_ref over all rollouts (the KL-to-initial metric). */
function meanLogRatio(
  rollouts: readonly TrainSample[],
  refLogProbs: readonly (readonly number[])[],
): number {
  let sum = 0;
  let count = 0;
  rollouts.forEach((r, i) => {
    r.logProbs.forEach((lp, t) => (sum += lp - refLogProbs[i][t], count++));
  });
  return count > 0 ? sum / count : 0;
}

/** What the update of every mini-batch of one step reads; `stats` collects its statistics. */
type UpdateContext = {
  policy: Policy;
  rollouts: readonly TrainSample[];
  responseLengths: readonly number[];
  old: { logProbs: number[][]; values: number[][] };
  advantages: TokenAdvantages;
  ref: { logProbs: number[][] } | null;
  objective: ObjectiveConfig;
  withValues: boolean;
  /** Actor variables, then critic variables. */
  variables: tf.Variable[];
  /** Per micro-batch: [loss, pg, entropy, kl, value]·w, clip·tokens (kept tensors, `[6]`). */
  stats: tf.Tensor[];
};

/**
 * One micro-batch as plain data (what {@link microBatchLoss} reads), weighted by its share of
 * its mini-batch (so the micro-batches' sum is the mini-batch's aggregate exactly).
 */
function microBatchOf(
  indices: readonly number[],
  context: UpdateContext,
  micros: readonly (readonly number[])[],
): MicroBatch {
  const { rollouts, responseLengths, old, advantages, ref, objective, withValues } = context;
  const miniTokens = micros.flat().reduce((s, i) => s + responseLengths[i], 0);
  const miniSeqs = micros.flat().length;
  const packed = pack(indices.map((i) => rollouts[i]), 0);
  const tokenCount = indices.reduce((s, i) => s + responseLengths[i], 0);
  const weight = objective.aggregation === "token-mean"
    ? tokenCount / Math.max(miniTokens, 1)
    : indices.length / miniSeqs;
  const rows = (source: readonly (readonly number[])[]) =>
    layout(packed, indices.map((i) => source[i]));
  const ones = packed.lengths.map((length) => new Array<number>(length).fill(1));
  return {
    tokens: packed.tokens,
    rows: indices.length,
    width: packed.width,
    mask: layout(packed, ones),
    oldLogProbs: rows(old.logProbs),
    advantages: rows(advantages.advantages),
    refLogProbs: ref === null ? null : rows(ref.logProbs),
    oldValues: withValues ? rows(old.values) : null,
    returns: withValues ? rows(advantages.returns) : null,
    objective,
    withValues,
    weight,
    tokenCount,
  };
}

/**
 * The gradients of one mini-batch's loss, accumulated exactly over its micro-batches (each
 * micro-batch's aggregate weighted by its share of the mini-batch). The caller owns them.
 */
function miniBatchGradients(micros: readonly number[][], context: UpdateContext): tf.Tensor[] {
  const { policy, variables, stats } = context;
  let accumulated: tf.Tensor[] | null = null;
  for (const indices of micros) {
    const input = microBatchOf(indices, context, micros);
    const previous: tf.Tensor[] | null = accumulated;
    accumulated = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = microBatchLoss(policy, input);
        // variableGrads returns only the loss, so the statistics leave through tf.keep.
        stats.push(tf.keep(out.stats));
        return out.loss;
      }, variables);
      const list = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      return previous === null ? list : list.map((g, k) => tf.add(g, previous[k]));
    });
    if (previous !== null) tf.dispose(previous);
  }
  return accumulated as tf.Tensor[];
}

/**
 * Clips the actor's (and the critic's) gradients to global norm `gradClip`, each separately, and
 * applies AdamW. Returns the actor's pre-clip norm (a kept scalar the caller owns).
 */
function applyClipped(
  optimizer: PolicyOptimizer,
  grads: readonly tf.Tensor[],
  gradClip: number,
): tf.Tensor {
  const { actor, critic } = optimizer;
  return tf.tidy(() => {
    const nActor = actor.variables.length;
    const clippedActor = clipByGlobalNorm(grads.slice(0, nActor), { maxNorm: gradClip });
    actor.apply(clippedActor.grads);
    const norm = tf.keep(clippedActor.norm);
    if (critic !== null) {
      const clippedCritic = clipByGlobalNorm(grads.slice(nActor), { maxNorm: gradClip });
      critic.apply(clippedCritic.grads);
    }
    return norm;
  });
}

/**
 * One host read for the step's update statistics (and the weights' norm, which catches an update
 * that left them non-finite).
 */
function readUpdate(
  actor: AdamW,
  stats: readonly tf.Tensor[],
  norms: readonly tf.Tensor[],
): { totals: Float32Array; normSum: number; weightNorm: number } {
  const steps = norms.length;
  const [totals, normSum, weightNorm] = tf.tidy(() => {
    const weightSquares = tf.addN(actor.variables.map((v) => tf.sum(tf.square(v)))); // []
    const read = tf.concat([
      steps === 0 ? tf.zeros([6]) : tf.addN(stats as tf.Tensor[]), // [6]
      tf.reshape(steps === 0 ? tf.scalar(0) : tf.sum(tf.stack(norms as tf.Tensor[])), [1]),
      tf.reshape(tf.sqrt(weightSquares), [1]),
    ]).dataSync() as Float32Array; // [8]
    return [read.subarray(0, 6), read[6], read[7]];
  }) as [Float32Array, number, number];
  return { totals, normSum, weightNorm };
}
