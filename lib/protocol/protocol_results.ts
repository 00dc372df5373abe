/**
 * What the reproduction protocol measured ({@link ProtocolResults}), as plain data: the training
 * pool, the learning-rate calibration, every run and every evaluation. The protocol's phases
 * (run_protocol.ts) write it; the statistics, rows and claims read it.
 *
 * @module
 */
import type { ProtocolConfig } from "../config.ts";
import type { CheckpointEvaluation, PolicyEvaluation, RunRecord } from "../schedule/work.ts";
import type { MatchedMovement } from "./baselines.ts";
import { powersOfTwoUpTo } from "../eval/passk.ts";

/** Name of the base model among the methods. */
export const BASE_METHOD = "Base";
/** Name of the primary held-out set among the evaluated sets (when the protocol draws one). */
export const PRIMARY_SET = "primary";
/** Name of the primary evaluation setting. */
export const PRIMARY_SETTING = "T=1.0";
/** Name of the paper's evaluation setting (the Table-1-style table). */
export const TABLE_SETTING = "T=0.6, top-p 0.95";

/**
 * The largest judged k: the largest power of two up to n / 4, not n (Pass@n rests on one draw of
 * n samples per problem, the noisiest point of the curve).
 *
 * @param samples n, the samples per problem.
 * @returns k.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([judgedKMax(64), judgedKMax(256), judgedKMax(8), judgedKMax(2)], [16, 64, 2, 1]);
 * ```
 */
export function judgedKMax(samples: number): number {
  return Math.max(1, ...powersOfTwoUpTo(Math.floor(samples / 4)));
}

/** One calibration run and whether its rate qualifies. */
export type CalibrationRun = {
  /** The learning rate. */
  readonly learningRate: number;
  /** Mean training-batch correct ratio of the first 5 steps (an eighth of a shorter run). */
  readonly correctRatioFirst: number;
  /** Mean training-batch correct ratio of the last 10 steps (a quarter of a shorter run). */
  readonly correctRatioLast: number;
  /** `correctRatioLast − correctRatioFirst`. */
  readonly rise: number;
  /** KL to the base (nats per token) at the last step. */
  readonly klToBase: number;
  /** Rollout entropy (nats per token) at the last step. */
  readonly rolloutEntropy: number;
  /** Whether it meets the rule (rise ≥ minRise, finite losses). */
  readonly qualifies: boolean;
};

/** The learning-rate calibration and its choice. */
export type Calibration = {
  /** The calibration method (GRPO). */
  readonly method: string;
  /** One entry per candidate rate, ascending. */
  readonly runs: readonly CalibrationRun[];
  /** The chosen rate. */
  readonly chosen: number;
  /** The rule, in words, with its threshold. */
  readonly rule: string;
  /** Per-step correct ratios of each calibration run, for the figure. */
  readonly curves: readonly {
    readonly learningRate: number;
    readonly correctRatio: readonly number[];
  }[];
};

/** The training pool. */
export type TrainingPool = {
  /** Candidate problems. */
  readonly candidates: number;
  /** `minPassRate`: screened by the base's pass rate; `none`: every candidate (no screening). */
  readonly filter: "minPassRate" | "none";
  /** Samples per screened problem (0 when not screened). */
  readonly samples: number;
  /** The threshold (0 when not screened). */
  readonly minPassRate: number;
  /** Ids of the pool's problems, in split order. */
  readonly problemIds: readonly string[];
  /** The base's estimated pass rate of every screened problem, in split order (none if unscreened). */
  readonly passRates: readonly number[];
  /** Mean estimated pass rate of the pool (null when not screened). */
  readonly meanPassRate: number | null;
};

/** Method names by the part of the protocol they belong to. */
export type MethodGroups = {
  /** The main grid (the base first). */
  readonly main: readonly string[];
  /** W-REINFORCE at other λ: name → λ (the main run's λ included). */
  readonly lambda: Readonly<Record<string, number>>;
  /** Long runs: long name → the main method it extends. */
  readonly long: Readonly<Record<string, string>>;
  /** Other mini-batch counts: variant name → the main method it varies. */
  readonly miniBatches: Readonly<Record<string, string>>;
};

/** Everything the protocol measured, as plain data. */
export type ProtocolResults = {
  /** The protocol it ran. */
  readonly protocol: ProtocolConfig;
  /** The base model's fingerprint. */
  readonly baseId: string;
  /** The training pool. */
  readonly pool: TrainingPool;
  /** The learning-rate calibration. */
  readonly calibration: Calibration;
  /** Method names by group. */
  readonly groups: MethodGroups;
  /** Training runs: method → one per seed, in seed order. */
  readonly runs: Readonly<Record<string, readonly RunRecord[]>>;
  /** `evaluations[setting][tier][method]`: one per seed, in seed order. */
  readonly evaluations: Readonly<
    Record<string, Readonly<Record<string, Readonly<Record<string, readonly PolicyEvaluation[]>>>>>
  >;
  /**
   * Checkpoint evaluations of the main grid on the primary set (`evaluation.checkpoints`):
   * method → one list per seed, in seed order, each in step order (empty without them).
   */
  readonly checkpoints: Readonly<Record<string, readonly (readonly CheckpointEvaluation[])[]>>;
  /** The checkpoints at matched movement, with their full-n evaluations (with `checkpoints`). */
  readonly matchedMovement?: MatchedMovementResults;
  /** Core-seconds of each kind of work (as first computed, cached results included). */
  readonly seconds: {
    readonly screening: number;
    readonly training: number;
    readonly evaluation: number;
  };
};

/** Matched movement with the full-n evaluations of the picked checkpoints. */
export type MatchedMovementResults = MatchedMovement & {
  /** Method → per seed: the primary-set evaluation at the picked step (full n). */
  readonly evaluations: Readonly<Record<string, readonly CheckpointEvaluation[]>>;
  /** Core-seconds of this phase's evaluations (as first computed). */
  readonly seconds: number;
};
