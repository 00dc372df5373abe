/**
 * The Countdown miniature as a protocol task: its splits, its reward (working and boxed answer
 * both checked) and its evaluation (n samples per problem plus one greedy response).
 *
 * @module
 */
import type { ProblemOutcome, ProtocolProblem, ProtocolTask } from "../eval/task.ts";
import type { CountdownProblem } from "./countdown.ts";
import { COUNTDOWN_REWARD, countdownTrainProblems } from "./countdown_rl.ts";
import { evaluateCountdown, greedyCountdown } from "./evaluate_countdown.ts";
import { loadCountdownSplit, SPLIT_NAMES, type SplitName, TIER_NAMES } from "./splits.ts";

/** A Countdown problem as the protocol trains and evaluates on it. */
export type CountdownProtocolProblem = CountdownProblem & ProtocolProblem;

/**
 * Countdown for the protocol. `evaluate` samples n responses per problem at the setting's
 * temperature (a response cut off at the length limit counts as wrong) and decodes one greedy
 * response; problems come from `data/tasks/` (`loadCountdownSplit`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const tierA = await COUNTDOWN_TASK.loadProblems("tierA");
 * assert.equal(tierA[0].prompt, "2341>24:");
 * assert.deepEqual(COUNTDOWN_TASK.tiers, ["tierA", "tierB", "tierC"]);
 * ```
 */
export const COUNTDOWN_TASK: ProtocolTask<CountdownProtocolProblem> = {
  name: "countdown",
  module: import.meta.url,
  exportName: "COUNTDOWN_TASK",
  tiers: TIER_NAMES,
  loadProblems: async (split) => {
    if (!(SPLIT_NAMES as readonly string[]).includes(split)) {
      throw new RangeError(
        `Cannot load Countdown problems: split must be one of ${SPLIT_NAMES.join(", ")}, got ${
          JSON.stringify(split)
        }`,
      );
    }
    return countdownTrainProblems(await loadCountdownSplit(split as SplitName));
  },
  reward: COUNTDOWN_REWARD,
  evaluate: async (policy, problems, options) => {
    const { setting, seed, tokenizer } = options;
    const sampled = await evaluateCountdown(policy, problems, {
      samples: setting.samples,
      temperature: setting.temperature,
      topP: setting.topP,
      seed,
      tokenizer,
    });
    const greedy = await greedyCountdown(policy, problems, { tokenizer, seed });
    return problems.map((problem, i): ProblemOutcome => ({
      problemId: problem.id,
      n: sampled.problems[i].n,
      c: sampled.problems[i].c,
      distinctCorrect: sampled.problems[i].distinctCorrect,
      sampleEntropy: sampled.problems[i].sampleEntropy,
      greedyCorrect: greedy[i].correct,
      greedyEntropy: greedy[i].entropy,
    }));
  },
};
