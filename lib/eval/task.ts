/**
 * What the reproduction protocol needs of a task world, so the protocol never names one: its
 * problems by split, its training reward, and how one policy is evaluated on a set of problems.
 * Countdown provides one (`COUNTDOWN_TASK` in tasks/countdown_task.ts); another task plugs in by
 * exporting an object of this type from its own module.
 *
 * @module
 */
import type { Policy } from "../model/policy.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import type { Reward, TrainProblem } from "../train/train.ts";

/** A problem of a protocol: a training problem with a stable id. */
export type ProtocolProblem = TrainProblem & {
  /** Identifies the problem across splits and evaluations. */
  readonly id: string;
};

/** How responses are sampled for an evaluation. */
export type SamplingSetting = {
  /** Samples per problem n. */
  readonly samples: number;
  /** Sampling temperature. */
  readonly temperature: number;
  /** Nucleus threshold (1 disables it). */
  readonly topP: number;
};

/** One problem's outcome in one evaluation of one policy. */
export type ProblemOutcome = {
  /** The problem's id. */
  readonly problemId: string;
  /** Samples drawn. */
  readonly n: number;
  /** Samples graded correct. */
  readonly c: number;
  /** Distinct correct responses among the samples. */
  readonly distinctCorrect: number;
  /** Mean token entropy (nats, at temperature 1) over the samples' tokens. */
  readonly sampleEntropy: number;
  /** 1 if the greedy response is correct, else 0. */
  readonly greedyCorrect: number;
  /** Mean token entropy (nats, at temperature 1) along the greedy response. */
  readonly greedyEntropy: number;
};

/** Options of {@link ProtocolTask.evaluate}. */
export type TaskEvaluationOptions = {
  /** How to sample. */
  readonly setting: SamplingSetting;
  /** Seed of the sampling (the same for every policy compared). */
  readonly seed: number;
  /** The policy's tokenizer. */
  readonly tokenizer: Tokenizer;
};

/** A task world as the protocol uses it. */
export type ProtocolTask<P extends ProtocolProblem> = {
  /** A short name, e.g. `"countdown"`. */
  readonly name: string;
  /**
   * The module that exports this object (`import.meta.url` there) under {@link exportName}:
   * protocol workers import it from there, and its code (with what it imports) keys cached
   * evaluations.
   */
  readonly module: string;
  /** The name of the export in {@link module}. */
  readonly exportName: string;
  /** The held-out tiers, in order. */
  readonly tiers: readonly string[];
  /** The problems of a split (`"train"` or a tier), in a fixed order. */
  readonly loadProblems: (split: string) => Promise<P[]>;
  /** The training reward. */
  readonly reward: Reward<P>;
  /** Samples and grades a policy on problems: one outcome per problem, in order. */
  readonly evaluate: (
    policy: Policy,
    problems: readonly P[],
    options: TaskEvaluationOptions,
  ) => Promise<ProblemOutcome[]>;
};
