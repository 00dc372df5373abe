/**
 * Supervised pretraining of the base policy: next-token cross-entropy on the teacher's corpus,
 * with AdamW and global-norm clipping. This is how the miniature's "base model" gets a strong but
 * imperfect, diverse prior before any RL.
 *
 * Loss of a batch: L = −Σ_{b,t} m_{b,t} · log π(x_{b,t+1} | x_{b,≤t}) / Σ_{b,t} m_{b,t}, where m
 * is 1 on response tokens and their EOS (the prompt is given, not generated).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { AdamW, type AdamWState, clipByGlobalNorm } from "./adamw.ts";
import { decodeSafetensors, encodeSafetensors } from "../model/checkpoint.ts";
import type { GradientPool } from "../model/gradient_pool.ts";
import { type NextTokenNllInput, sequenceLogProbs } from "../model/log_probs.ts";
import type { Policy } from "../model/policy.ts";
import type { TfScalar } from "../objective/objective_loss.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { randomInt, seededPrng } from "../random.ts";
import { parseJsonText } from "../_io/read_json_file.ts";
import { encodeBatch, type TextPair, type TokenBatch } from "./encode_batch.ts";

/** Settings of {@link pretrain}. */
export type PretrainOptions = {
  /** Seed of the batch order. */
  seed: number;
  /** Optimizer steps. */
  steps: number;
  /** Sequences per step. */
  batchSize: number;
  /** Peak AdamW learning rate (linear warm-up, then cosine decay to a tenth of it). */
  learningRate: number;
  /** Warm-up steps. */
  warmupSteps: number;
  /** AdamW decoupled weight decay. */
  weightDecay: number;
  /** Global gradient-norm clip. */
  gradClip: number;
  /** Character tokenizer of the corpus. */
  tokenizer: Tokenizer;
  /**
   * Optional gradient workers whose loss is `meanNextTokenNll` (log_probs.ts): each step's batch
   * is cut into `pool.size` shares whose gradients the workers compute in parallel. Without it
   * the gradient is computed in this thread. The result is deterministic for a given seed and
   * worker count (the two paths differ by float rounding only).
   */
  pool?: GradientPool;
  /** Called after every step. */
  onStep?: (record: PretrainRecord) => void;
  /** Stops training between two steps; the steps done so far are returned. */
  signal?: AbortSignal;
  /**
   * Continue a stopped run exactly: the steps it did and its optimizer state (from `onEnd`).
   * With the same policy weights, corpus and options, the result equals an uninterrupted run's.
   */
  resume?: PretrainState;
  /** Called once at the end (finished or stopped) with the state a resume needs. */
  onEnd?: (state: PretrainState) => void;
  /**
   * Steps between two calls of `onCheckpoint` (0: never). Default 0. The last step and a stop
   * are not checkpoints: `onEnd` reports them.
   */
  checkpointEvery?: number;
  /** Called (and awaited) every `checkpointEvery` steps with the state a resume needs. */
  onCheckpoint?: (state: PretrainState) => Promise<void>;
};

/** Where a pretraining run stands: the steps done and the optimizer's state. */
export type PretrainState = {
  /** Steps completed (the schedule's position). */
  readonly step: number;
  /** AdamW's step count and moments. */
  readonly optimizer: AdamWState;
};

const STATE_FILE = "pretrain_state.safetensors";

/**
 * Writes a {@link PretrainState} into `dir` (`pretrain_state.safetensors`: the moments as
 * tensors `m.<i>` and `v.<i>`, the step counts in its metadata), atomically.
 *
 * @param dir A checkpoint directory (must exist).
 * @param state The state from `onEnd`.
 * @returns A promise that resolves once the file is in place.
 */
export async function savePretrainState(dir: string, state: PretrainState): Promise<void> {
  const { firstMoments, secondMoments, step } = state.optimizer;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  firstMoments.forEach((m, i) => (tensors[`m.${i}`] = { shape: [m.length], data: m }));
  secondMoments.forEach((v, i) => (tensors[`v.${i}`] = { shape: [v.length], data: v }));
  const bytes = encodeSafetensors(tensors, {
    step: String(state.step),
    optimizerStep: String(step),
  });
  const tmp = `${dir}/${STATE_FILE}.tmp-${crypto.randomUUID()}`;
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, `${dir}/${STATE_FILE}`);
}

/**
 * Reads the {@link PretrainState} {@link savePretrainState} wrote into `dir`.
 *
 * @param dir A checkpoint directory.
 * @returns The state, or null when `dir` holds none.
 * @throws {TypeError} If the file is malformed, naming it.
 */
export async function loadPretrainState(dir: string): Promise<PretrainState | null> {
  const path = `${dir}/${STATE_FILE}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const headerLength = bytes.length < 8
    ? Infinity
    : Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + headerLength > bytes.length) {
    throw new TypeError(
      `Cannot load ${path}: it is ${bytes.length} bytes, too short for its header of ${headerLength}`,
    );
  }
  const header = parseJsonText(
    new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
    `${path} (its header)`,
  ) as { __metadata__?: Record<string, unknown> };
  const meta = header.__metadata__ ?? {};
  const step = Number(meta.step), optimizerStep = Number(meta.optimizerStep);
  if (!Number.isInteger(step) || !Number.isInteger(optimizerStep)) {
    throw new TypeError(
      `Cannot load ${path}: its metadata must hold integer step and optimizerStep, got ${
        JSON.stringify(meta)
      }`,
    );
  }
  let entries: ReturnType<typeof decodeSafetensors>;
  try {
    entries = decodeSafetensors(bytes);
  } catch (error) {
    throw new TypeError(`Cannot load ${path}: ${(error as Error).message}`);
  }
  const count = Object.keys(entries).filter((name) => name.startsWith("m.")).length;
  const take = (prefix: string) =>
    Array.from({ length: count }, (_, i) => {
      const entry = entries[`${prefix}.${i}`];
      if (entry === undefined) {
        throw new TypeError(`Cannot load ${path}: ${prefix}.${i} is missing`);
      }
      return entry.data;
    });
  return {
    step,
    optimizer: { step: optimizerStep, firstMoments: take("m"), secondMoments: take("v") },
  };
}

/** One step's log. */
export type PretrainRecord = {
  /** 1-based step. */
  step: number;
  /** Masked mean cross-entropy of the step's batch (nats per response token), before the update. */
  loss: number;
  /** Learning rate used. */
  learningRate: number;
  /** Seconds since the start of {@link pretrain}. */
  seconds: number;
};

/**
 * The learning rate at a step: linear warm-up to `peak`, then cosine decay to `peak / 10`.
 *
 * @param step 1-based step.
 * @param options `peak`, `warmupSteps`, `steps` (the total).
 * @returns The learning rate.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(learningRateAt(10, { peak: 1e-3, warmupSteps: 10, steps: 100 }), 1e-3);
 * assert.ok(Math.abs(learningRateAt(100, { peak: 1e-3, warmupSteps: 10, steps: 100 }) - 1e-4) < 1e-12);
 * ```
 */
export function learningRateAt(
  step: number,
  options: { peak: number; warmupSteps: number; steps: number },
): number {
  const { peak, warmupSteps, steps } = options;
  if (step <= warmupSteps) return (peak * step) / warmupSteps;
  const progress = (step - warmupSteps) / Math.max(1, steps - warmupSteps);
  return peak * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * Masked mean next-token cross-entropy of a batch. KERNEL: returns a scalar the caller owns;
 * differentiable w.r.t. the policy's variables.
 *
 * @param policy The model.
 * @param batch Encoded rows (see `encodeBatch`).
 * @returns L (see the module doc).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import { Policy } from "../model/policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const batch = { batch: 1, length: 3, tokens: new Int32Array([1, 4, 2]), mask: new Float32Array([0, 1]) };
 * const loss = nextTokenLoss(policy, batch);
 * assert.ok(Math.abs(loss.dataSync()[0] - Math.log(8)) < 0.1); // near uniform at init
 * loss.dispose();
 * ```
 */
export function nextTokenLoss(policy: Policy, batch: TokenBatch): TfScalar {
  const { batch: B, length: T } = batch;
  const tokens = tf.tensor2d(batch.tokens, [B, T], "int32"); // [B, T]
  const mask = tf.tensor2d(batch.mask, [B, T - 1]); // [B, T−1]
  const { logProbs, entropies } = sequenceLogProbs(policy, tokens); // [B, T−1] each
  const total = tf.sum(tf.mul(logProbs, mask)); // []
  const loss = tf.neg(tf.div(total, tf.maximum(tf.sum(mask), 1))) as TfScalar; // []
  tf.dispose([tokens, mask, logProbs, entropies, total]);
  return loss;
}

/**
 * Pretrains a policy in place on a corpus: each step draws `batchSize` rows uniformly (seeded),
 * computes {@link nextTokenLoss}, clips the gradient's global norm and applies AdamW.
 * BOUNDARY: no tensor leaves it.
 *
 * @param policy The model to train (its actor variables are updated).
 * @param corpus The examples.
 * @param options See {@link PretrainOptions}.
 * @returns Every step's record.
 * @throws {RangeError} If the corpus is empty.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * const tokenizer = charTokenizer("ab");
 * const config = { vocabSize: 5, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const corpus = [{ prompt: "a", response: "bb", correct: true }];
 * const history = await pretrain(policy, corpus, { seed: 0, steps: 30, batchSize: 4, learningRate: 1e-2, warmupSteps: 1, weightDecay: 0, gradClip: 1, tokenizer });
 * assert.ok(history[29].loss < history[0].loss / 2);
 * ```
 */
export async function pretrain(
  policy: Policy,
  corpus: readonly TextPair[],
  options: PretrainOptions,
): Promise<PretrainRecord[]> {
  const {
    seed,
    steps,
    batchSize,
    learningRate,
    warmupSteps,
    weightDecay,
    gradClip,
    tokenizer,
    pool,
    onStep,
    signal,
    resume,
    onEnd,
    checkpointEvery = 0,
    onCheckpoint,
  } = options;
  if (corpus.length === 0) throw new RangeError(`Cannot pretrain: the corpus is empty, got 0 rows`);
  const first = (resume?.step ?? 0) + 1;
  if (!Number.isInteger(first) || first < 1 || first > steps + 1) {
    throw new RangeError(
      `Cannot pretrain: resume.step must be an integer in [0, ${steps}], got ${resume?.step}`,
    );
  }
  const prng = seededPrng(seed);
  // The batch order of the steps already done is drawn and dropped, so a resumed run sees the
  // batches the uninterrupted run would.
  for (let i = 0; i < (first - 1) * batchSize; i++) randomInt(prng, corpus.length);
  const variables = policy.actorVariables;
  const adamOptions = { learningRate, beta1: 0.9, beta2: 0.99, weightDecay };
  using optimizer = new AdamW(variables, adamOptions);
  if (resume !== undefined) optimizer.load(resume.optimizer);
  const history: PretrainRecord[] = [];
  const start = performance.now();
  let done = first - 1;
  for (let step = first; step <= steps && !signal?.aborted; step++) {
    const rows = Array.from({ length: batchSize }, () => corpus[randomInt(prng, corpus.length)]);
    const batch = encodeBatch(rows, { tokenizer });
    // AdamW reads its learning rate from its options at each apply: this is the schedule.
    adamOptions.learningRate = learningRateAt(step, { peak: learningRate, warmupSteps, steps });
    let lossValue: number;
    if (pool) {
      const pooled = await pool.gradients(policy, shareInputs(batch, pool.size));
      lossValue = pooled.loss;
      tf.tidy(() => {
        const clipped = clipByGlobalNorm(pooled.grads, { maxNorm: gradClip });
        optimizer.apply(clipped.grads);
      });
      tf.dispose(pooled.grads);
      pool.markUpdated();
    } else {
      lossValue = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => nextTokenLoss(policy, batch), variables);
        const clipped = clipByGlobalNorm(variables.map((v) => grads[v.name]), {
          maxNorm: gradClip,
        });
        optimizer.apply(clipped.grads);
        return value.dataSync()[0];
      });
    }
    const record = {
      step,
      loss: lossValue,
      learningRate: adamOptions.learningRate,
      seconds: (performance.now() - start) / 1000,
    };
    history.push(record);
    done = step;
    onStep?.(record);
    if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < steps && !signal?.aborted) {
      await onCheckpoint?.({ step, optimizer: optimizer.state() });
    }
    // Yield to the event loop so a caller's timers, signals and I/O keep running.
    if (step % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  onEnd?.({ step: done, optimizer: optimizer.state() });
  return history;
}

/**
 * Cuts a batch into `shares` contiguous parts as `meanNextTokenNll` inputs, each padded to its
 * own longest row and weighted by its share of the batch's masked tokens, so that the parts'
 * losses (and gradients) sum to the whole batch's masked mean.
 *
 * @param batch Encoded rows (see `encodeBatch`).
 * @param shares Number of parts (at most one per row).
 * @returns One input per non-empty part.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const batch = { batch: 2, length: 3, tokens: new Int32Array([1, 4, 2, 1, 2, 0]), mask: new Float32Array([1, 1, 1, 0]) };
 * const inputs = shareInputs(batch, 2);
 * assert.deepEqual(inputs.map((x) => x.weight), [2 / 3, 1 / 3]);
 * assert.deepEqual(inputs[1].tokens, [[1, 2]]);
 * ```
 */
export function shareInputs(batch: TokenBatch, shares: number): NextTokenNllInput[] {
  const { batch: B, length: T } = batch;
  let total = 0;
  for (const m of batch.mask) total += m;
  const inputs: NextTokenNllInput[] = [];
  const parts = Math.max(1, Math.min(shares, B));
  for (let k = 0; k < parts; k++) {
    const from = Math.floor((k * B) / parts), to = Math.floor(((k + 1) * B) / parts);
    const rows: number[][] = [], masks: number[][] = [];
    let count = 0, longest = 1;
    for (let b = from; b < to; b++) {
      const mask = Array.from(batch.mask.subarray(b * (T - 1), (b + 1) * (T - 1)));
      const last = mask.lastIndexOf(1);
      longest = Math.max(longest, last + 2);
      count += mask.reduce((s, m) => s + m, 0);
      rows.push(Array.from(batch.tokens.subarray(b * T, (b + 1) * T)));
      masks.push(mask);
    }
    inputs.push({
      tokens: rows.map((r) => r.slice(0, longest)),
      mask: masks.map((m) => m.slice(0, longest - 1)),
      weight: count / Math.max(total, 1),
    });
  }
  return inputs;
}
