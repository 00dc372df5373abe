/**
 * The trained policy of a finished (or interrupted) training run, from its run directory, so a
 * notebook can evaluate what `runTraining` trained without holding tensors across the call.
 *
 * @module
 */
import { loadTrainCheckpoint } from "./train_checkpoint.ts";
import type { Policy } from "../model/policy.ts";

/**
 * Loads the policy of a run's latest checkpoint (`<dir>/checkpoints/latest.json`).
 *
 * @param run The run (anything with its `dir`, e.g. `runTraining`'s result).
 * @returns The policy and the step it was saved at; the caller owns the policy (dispose it, or
 *   declare it with `using`).
 * @throws {Error} If the run directory holds no checkpoint.
 * @example
 * ```ts ignore
 * const run = await runTraining(config, options);
 * using policy = (await loadRunPolicy(run)).policy;
 * ```
 */
export async function loadRunPolicy(
  run: { readonly dir: string },
): Promise<{ policy: Policy; step: number }> {
  const loaded = await loadTrainCheckpoint(run.dir);
  if (loaded === null) {
    throw new Error(`Cannot load a run's policy: no checkpoint in ${run.dir}, got none`);
  }
  return { policy: loaded.policy, step: loaded.checkpoint.step };
}
