/**
 * Countdown problems and reward in the shapes the RL trainer takes (`train()`'s `problems` and
 * `reward`). Use these rather than the trainer's default reward: `mathReward(response, target)`
 * reads only the box, so a policy that boxes the target after a fudged working would be paid.
 *
 * @module
 */
import type { Rollout } from "../rollout/sample_rollouts.ts";
import type { Reward } from "../train/train.ts";
import { type CountdownProblem, countdownPrompt } from "./countdown.ts";
import { countdownReward } from "./countdown_grade.ts";

/**
 * Adds the prompt text to each problem. No `gold` is set, on purpose: the trainer's default
 * reward then refuses to run instead of grading only the box.
 *
 * @param problems Problems (e.g. a split from `loadCountdownSplit`).
 * @returns The same problems with `prompt`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [p] = countdownTrainProblems([{ digits: [3, 9, 2, 5], target: 42 }]);
 * assert.equal(p.prompt, "3925>42:");
 * ```
 */
export function countdownTrainProblems<P extends CountdownProblem>(
  problems: readonly P[],
): (P & { readonly prompt: string })[] {
  return problems.map((p) => ({ ...p, prompt: countdownPrompt(p) }));
}

/**
 * The RL reward of one rollout: 0 if it was cut off before EOS, else `countdownReward` (working
 * and boxed answer both checked through the verifier).
 *
 * @param rollout A sampled response (`response` text, `truncated` flag).
 * @param problem Its problem.
 * @returns 0 or 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * assert.equal(countdownRolloutReward({ response: "9*5=45,45-3=42\\boxed{42}", truncated: false }, problem), 1);
 * assert.equal(countdownRolloutReward({ response: "9*5=45,45-3=42\\boxed{42}", truncated: true }, problem), 0);
 * ```
 */
export function countdownRolloutReward(
  rollout: Pick<Rollout, "response" | "truncated">,
  problem: CountdownProblem,
): 0 | 1 {
  return rollout.truncated ? 0 : countdownReward(problem, rollout.response);
}

/**
 * The Countdown reward as the trainer takes it: {@link countdownRolloutReward}, named, with this
 * module as its code (the grader and the verifier it imports key cached runs).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rollout = { response: "9*5=45,45-3=42\\boxed{42}", truncated: false };
 * assert.equal(COUNTDOWN_REWARD.grade(rollout as never, { digits: [3, 9, 2, 5], target: 42, prompt: "" }), 1);
 * ```
 */
export const COUNTDOWN_REWARD: Reward<CountdownProblem & { readonly prompt: string }> = {
  name: "countdown",
  module: import.meta.url,
  grade: countdownRolloutReward,
};
