/**
 * What an objective needs of training, asked in one place: which samples it trains on, whether it
 * reads a reference policy, and the extra loss terms (GRPO's KL loss, PPO's critic). Training
 * (`trainStep`, `train`, `PolicyOptimizer`) and the loss ask {@link objectiveNeeds} instead of
 * testing `objective.kind` themselves. Plain data, no tf.
 *
 * | kind          | trains on      | reference policy      | extra loss term  | critic |
 * | ------------- | -------------- | --------------------- | ---------------- | ------ |
 * | `psr`         | correct only   | no                    | none             | no     |
 * | `nsr`         | incorrect only | no                    | none             | no     |
 * | `w-reinforce` | all            | no                    | none             | no     |
 * | `reinforce`   | all            | no                    | none             | no     |
 * | `grpo`        | all            | yes (KL loss)         | β·agg(k3)        | no     |
 * | `ppo`         | all            | yes (KL in reward)    | agg(ℓ_v)         | yes    |
 *
 * @module
 */
import type { ObjectiveConfig } from "../config.ts";

/** Which samples of a graded batch an objective trains on. */
export type TrainedSamples = "correct" | "incorrect" | "all";

/** PPO's critic: the value head it trains beside the policy. */
export type CriticNeeds = {
  /** Clip range c of the value loss. */
  readonly valueClip: number;
  /** The critic's learning rate as a multiple of the actor's. */
  readonly learningRateScale: number;
};

/** What an objective needs of training (see the module table). */
export type ObjectiveNeeds = {
  /** The samples it trains on: PSR the correct ones, NSR the incorrect ones, the others all. */
  readonly samples: TrainedSamples;
  /** Whether it reads log-probs under the reference (initial) policy: GRPO's KL loss, PPO's KL reward. */
  readonly reference: boolean;
  /** GRPO: β of the k3 KL loss to the reference; null for the others (PPO's KL is in its reward). */
  readonly klLossCoef: number | null;
  /** PPO: the critic it trains (a value head, its loss and optimizer); null for the others. */
  readonly critic: CriticNeeds | null;
};

const OUTCOME: Omit<ObjectiveNeeds, "samples"> = {
  reference: false,
  klLossCoef: null,
  critic: null,
};

/**
 * What an objective needs of training: the one dispatch on `objective.kind` outside the
 * advantages (see the module table).
 *
 * @param objective The objective config.
 * @returns Its trained samples, reference policy, KL loss coefficient and critic.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * const { objective } = parseExperimentConfig({ objective: { kind: "nsr" } });
 * assert.deepEqual(objectiveNeeds(objective), {
 *   samples: "incorrect", reference: false, klLossCoef: null, critic: null,
 * });
 * ```
 */
export function objectiveNeeds(objective: ObjectiveConfig): ObjectiveNeeds {
  switch (objective.kind) {
    case "psr":
      return { ...OUTCOME, samples: "correct" };
    case "nsr":
      return { ...OUTCOME, samples: "incorrect" };
    case "w-reinforce":
    case "reinforce":
      return { ...OUTCOME, samples: "all" };
    case "grpo":
      return { samples: "all", reference: true, klLossCoef: objective.klCoef, critic: null };
    case "ppo":
      return {
        samples: "all",
        reference: true,
        klLossCoef: null,
        critic: {
          valueClip: objective.valueClip,
          learningRateScale: objective.criticLearningRateScale,
        },
      };
    default: {
      const unknown: never = objective;
      throw new RangeError(
        `Cannot describe the objective: unknown objective kind, got ${JSON.stringify(unknown)}`,
      );
    }
  }
}
