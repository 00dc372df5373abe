/**
 * {@link startTrainPools}: the worker pools that give a lone training run every core (`train`'s
 * `pools`): sampling workers that share each batch of rollouts, and gradient workers that share
 * each mini-batch's micro-batches.
 *
 * @module
 */
import { GradientPool } from "../model/gradient_pool.ts";
import { SamplingPool } from "../model/sampling_pool.ts";
import type { TrainPools } from "./train.ts";
import { MICRO_BATCH_LOSS } from "./train_step.ts";

/** {@link TrainPools} that dispose both pools together (`await using`). */
export type OwnedTrainPools = TrainPools & {
  /** Terminates both pools' workers. Safe twice. */
  dispose(): void;
  /** Same as `dispose`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
};

/**
 * Starts `workers` sampling workers and `workers` gradient workers (with the micro-batch loss of
 * `trainStepOnPool`), on this thread's engines. Start them once per run or notebook, not per
 * step: each worker's start costs about a second.
 *
 * @param options `workers`: workers per pool (default: the machine's cores).
 * @returns The pools; the caller owns them.
 * @throws {RangeError} If workers is not an integer >= 1; {Error} if a worker cannot start.
 * @example
 * ```ts ignore
 * await using pools = await startTrainPools();
 * const run = await train(config, { policy, tokenizer, problems, reward, pools });
 * ```
 */
export async function startTrainPools(
  options: { workers?: number } = {},
): Promise<OwnedTrainPools> {
  const { workers = navigator.hardwareConcurrency } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(
      `Cannot start training pools: workers must be an integer >= 1, got ${workers}`,
    );
  }
  const sampling = await SamplingPool.create({ workers });
  let gradients: GradientPool;
  try {
    gradients = await GradientPool.create({ loss: MICRO_BATCH_LOSS, workers });
  } catch (error) {
    sampling.dispose();
    throw error;
  }
  const dispose = () => {
    sampling.dispose();
    gradients.dispose();
  };
  return {
    sampling,
    gradients,
    dispose,
    [Symbol.asyncDispose]: () => Promise.resolve(dispose()),
  };
}
