/**
 * What the trainer logs: per-step metrics (the paper's Fig. 4 needs them), held-out evaluations,
 * and the JSONL log beside the checkpoints. Plain data, no tf.
 *
 * @module
 */

/** Seconds spent in each phase of one RL step. */
export type PhaseSeconds = {
  /** Sampling the rollouts. */
  rollout: number;
  /** Grading them with the reward function. */
  grading: number;
  /** Teacher-forced log-probs (old policy, reference, values) before the updates. */
  logProbs: number;
  /** Forward/backward passes and optimizer steps. */
  update: number;
  /** Held-out evaluation (0 on steps without one). */
  eval: number;
  /** Writing the checkpoint (0 on steps without one). */
  checkpoint: number;
  /** The whole step. */
  total: number;
};

/** Greedy accuracy and entropy on the held-out prompts. */
export type EvalMetrics = {
  /** The RL step after which it ran (0 = before training). */
  step: number;
  /** Fraction of held-out prompts whose greedy response earns reward 1. */
  greedyAccuracy: number;
  /** Mean over prompts of the per-token policy entropy (nats) along the greedy response. */
  entropy: number;
  /** Mean greedy response length in tokens. */
  meanResponseLength: number;
  /** Per held-out prompt, in order: 1 if its greedy response earns reward 1, else 0. */
  greedyCorrect: number[];
  /** Per held-out prompt, in order: mean token entropy (nats) along its greedy response. */
  greedyEntropies: number[];
};

/** Everything logged for one RL step. */
export type StepMetrics = {
  /** 1-based RL step. */
  step: number;
  /** Fraction of sampled responses that are correct (reward 1). */
  correctRatio: number;
  /** Fraction of prompts whose samples are all correct. */
  fullySolvedRatio: number;
  /** Fraction of prompts whose samples are all wrong. */
  allWrongRatio: number;
  /** Per prompt of the step, in order: how many of its samples are correct. */
  groupCorrect: number[];
  /** Mean reward over the samples. */
  meanReward: number;
  /** Samples the objective trained on (PSR: correct ones, NSR: wrong ones, others: all). */
  samplesTrained: number;
  /** Optimizer steps taken (mini-batches). */
  optimizerSteps: number;
  /** Mean response length in tokens. */
  meanResponseLength: number;
  /** Fraction of responses cut at the length limit. */
  truncationRate: number;
  /** Token-mean policy entropy (nats) of the rollouts. */
  rolloutEntropy: number;
  /**
   * Token-mean of log π − log π_initial over the rollouts' tokens (k1 estimate of the KL). Measured
   * at the first step and every `evalEvery` steps (null in between) unless the objective needs
   * the reference every step anyway (GRPO's KL loss, PPO's KL reward).
   */
  klToInitial: number | null;
  /** Token-mean fraction of trained tokens whose ratio was clipped. */
  clipFraction: number;
  /** Mean over optimizer steps of the actor's gradient norm before clipping. */
  gradNorm: number;
  /** Mean over optimizer steps of the total loss. */
  loss: number;
  /** Mean over optimizer steps of the policy-gradient term. */
  policyLoss: number;
  /** Mean over optimizer steps of the aggregated entropy (the bonus's target). */
  entropy: number;
  /** GRPO: mean k3 KL loss; 0 otherwise. */
  kl: number;
  /** PPO: mean value loss; 0 otherwise. */
  valueLoss: number;
  /** Time per phase. */
  seconds: PhaseSeconds;
};

/** One line of the training log. */
export type TrainRecord =
  | { kind: "step"; metrics: StepMetrics }
  | { kind: "eval"; metrics: EvalMetrics };

/** Batch statistics of graded rollouts (the rollout part of {@link StepMetrics}). */
export type RolloutStats = Pick<
  StepMetrics,
  | "correctRatio"
  | "fullySolvedRatio"
  | "allWrongRatio"
  | "groupCorrect"
  | "meanReward"
  | "meanResponseLength"
  | "truncationRate"
  | "rolloutEntropy"
>;

/** What {@link rolloutStats} reads of each rollout. */
export type GradedSample = {
  /** Response token ids. */
  readonly responseTokens: readonly number[];
  /** Per-token entropies of the policy along the response. */
  readonly entropies: readonly number[];
  /** Whether the response was cut at the length limit. */
  readonly truncated: boolean;
};

/**
 * Batch statistics of one step's graded rollouts; samples of a prompt are contiguous.
 *
 * @param samples The rollouts.
 * @param rewards One reward per rollout (correct means reward 1).
 * @param options `groupSize`, the samples per prompt.
 * @returns Correct / fully-solved / all-wrong ratios, correct counts per prompt, length,
 *   truncation and entropy.
 * @throws {RangeError} If the counts disagree or `groupSize` does not divide them.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = { responseTokens: [5, 2], entropies: [1, 0.5], truncated: false };
 * const stats = rolloutStats([s, s, s, s], [1, 1, 0, 1], { groupSize: 2 });
 * assert.equal(stats.correctRatio, 0.75);
 * assert.equal(stats.fullySolvedRatio, 0.5);
 * assert.equal(stats.allWrongRatio, 0);
 * ```
 */
export function rolloutStats(
  samples: readonly GradedSample[],
  rewards: readonly number[],
  options: { groupSize: number },
): RolloutStats {
  const { groupSize } = options;
  const n = samples.length;
  if (rewards.length !== n || n === 0 || n % groupSize !== 0) {
    throw new RangeError(
      `Cannot compute rollout statistics: need a non-empty multiple of groupSize=${groupSize} samples with one reward each, got ${n} samples and ${rewards.length} rewards`,
    );
  }
  const groups = n / groupSize;
  let fullySolved = 0;
  let allWrong = 0;
  const groupCorrect: number[] = [];
  for (let g = 0; g < groups; g++) {
    const correct = rewards.slice(g * groupSize, (g + 1) * groupSize).filter((r) => r === 1).length;
    groupCorrect.push(correct);
    if (correct === groupSize) fullySolved++;
    if (correct === 0) allWrong++;
  }
  let tokens = 0;
  let entropySum = 0;
  for (const s of samples) {
    tokens += s.responseTokens.length;
    for (const h of s.entropies) entropySum += h;
  }
  return {
    correctRatio: rewards.filter((r) => r === 1).length / n,
    fullySolvedRatio: fullySolved / groups,
    allWrongRatio: allWrong / groups,
    groupCorrect,
    meanReward: rewards.reduce((a, r) => a + r, 0) / n,
    meanResponseLength: tokens / n,
    truncationRate: samples.filter((s) => s.truncated).length / n,
    rolloutEntropy: tokens > 0 ? entropySum / tokens : 0,
  };
}

/**
 * Appends one record to a JSONL log with a single append-mode write of one whole line, so a
 * crash can at worst leave a partial last line and never touches earlier lines.
 *
 * @param path The log file (created if missing).
 * @param record The record.
 * @returns A promise that resolves once written.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await appendTrainRecord(`${dir}/metrics.jsonl`, { kind: "eval", metrics: { step: 0, greedyAccuracy: 0.5, entropy: 1, meanResponseLength: 3, greedyCorrect: [1, 0], greedyEntropies: [1, 1] } });
 * assert.equal((await readTrainLog(`${dir}/metrics.jsonl`)).evals.length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appendTrainRecord(path: string, record: TrainRecord): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true });
}

/**
 * Parses a training log's text. A partial last line (a crash mid-write) is dropped; any other
 * malformed line is an error.
 *
 * @param text The JSONL text.
 * @param options `source` names the input in error messages (default `"the training log"`).
 * @returns The step records and the eval records, in file order.
 * @throws {SyntaxError} Naming the first malformed line that is not the last.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const log = parseTrainLog('{"kind":"eval","metrics":{"step":0,"greedyAccuracy":1,"entropy":0,"meanResponseLength":2,"greedyCorrect":[1],"greedyEntropies":[0]}}\n{"kind":"st');
 * assert.equal(log.evals[0].greedyAccuracy, 1);
 * assert.equal(log.steps.length, 0);
 * ```
 */
export function parseTrainLog(
  text: string,
  options: { readonly source?: string } = {},
): { steps: StepMetrics[]; evals: EvalMetrics[] } {
  const { source = "the training log" } = options;
  const steps: StepMetrics[] = [];
  const evals: EvalMetrics[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let record: TrainRecord;
    try {
      record = JSON.parse(line);
    } catch (error) {
      const isLast = lines.slice(i + 1).every((rest) => rest.trim() === "");
      if (isLast && !text.endsWith("\n")) return;
      throw new SyntaxError(
        `Cannot parse ${source}: line ${i + 1} is not JSON, got ${line.slice(0, 200)}`,
        {
          cause: error,
        },
      );
    }
    if (record.kind === "step") steps.push(record.metrics);
    else if (record.kind === "eval") evals.push(record.metrics);
  });
  return { steps, evals };
}

/**
 * Reads a training log written by {@link appendTrainRecord}; a missing file is an empty log.
 *
 * @param path The JSONL file.
 * @returns The step records and the eval records.
 * @throws {SyntaxError} On a malformed line other than a partial last one.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(await readTrainLog("/nonexistent/metrics.jsonl"), { steps: [], evals: [] });
 * ```
 */
export async function readTrainLog(
  path: string,
): Promise<{ steps: StepMetrics[]; evals: EvalMetrics[] }> {
  try {
    return parseTrainLog(await Deno.readTextFile(path), { source: path });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { steps: [], evals: [] };
    throw error;
  }
}

/**
 * Serialises records as JSONL (one line each, newline-terminated).
 *
 * @param log Step and eval records.
 * @returns The JSONL text, evals and steps interleaved in step order (an eval after its step).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatTrainLog({ steps: [], evals: [] }), "");
 * ```
 */
export function formatTrainLog(log: { steps: StepMetrics[]; evals: EvalMetrics[] }): string {
  const records: TrainRecord[] = [];
  const evals = [...log.evals];
  while (evals.length > 0 && evals[0].step === 0) {
    records.push({ kind: "eval", metrics: evals.shift() as EvalMetrics });
  }
  for (const metrics of log.steps) {
    records.push({ kind: "step", metrics });
    while (evals.length > 0 && evals[0].step <= metrics.step) {
      records.push({ kind: "eval", metrics: evals.shift() as EvalMetrics });
    }
  }
  for (const metrics of evals) records.push({ kind: "eval", metrics });
  return records.map((r) => JSON.stringify(r) + "\n").join("");
}

/**
 * The KL to the initial policy at the last step where it was measured (see
 * {@link StepMetrics.klToInitial}); 0 for a run without steps.
 *
 * @param steps A run's step metrics, in order.
 * @returns The last measured KL (nats per token).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(lastKlToInitial([{ klToInitial: 0.01 }, { klToInitial: 0.02 }, { klToInitial: null }]), 0.02);
 * ```
 */
export function lastKlToInitial(steps: readonly Pick<StepMetrics, "klToInitial">[]): number {
  for (let i = steps.length - 1; i >= 0; i--) {
    const kl = steps[i].klToInitial;
    if (kl !== null) return kl;
  }
  return 0;
}
