/**
 * rlvr-kit's internals (`@rlvr/kit/internals`): the parts the study API of `mod.ts` is built
 * from (the policy and its checkpoints, the optimizer, the RL step and its losses, advantages,
 * the bootstrap and interval primitives, seeds and the tokenizer), for users who assemble their
 * own training loop or statistics.
 *
 * @module
 */
export { deriveSeed } from "./lib/random.ts";
export { Policy } from "./lib/model/policy.ts";
export { charTokenizer } from "./lib/model/tokenizer.ts";
export { loadCheckpoint, loadPolicy, savePolicy } from "./lib/model/checkpoint.ts";
export { SamplingPool } from "./lib/model/sampling_pool.ts";
export { GradientPool } from "./lib/model/gradient_pool.ts";
export type {
  GradientPoolOptions,
  LossModule,
  PooledGradients,
} from "./lib/model/gradient_pool.ts";
export { computeAdvantages } from "./lib/objective/advantage.ts";
export {
  aggregate,
  lowVarKl,
  objectiveLoss,
  policyLoss,
  valueLoss,
} from "./lib/objective/objective_loss.ts";
export {
  MICRO_BATCH_LOSS,
  PolicyOptimizer,
  trainStep,
  trainStepOnPool,
} from "./lib/train/train_step.ts";

export { AdamW } from "./lib/train/adamw.ts";
export {
  bootstrapCurve,
  bootstrapDifference,
  bootstrapPassAtK,
  meanDifferenceInterval,
  meanInterval,
} from "./lib/eval/compare.ts";
