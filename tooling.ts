/**
 * rlvr-kit's tooling (`@rlvr/kit/tooling`): what the kit's own commands, notebooks' study
 * sessions and tests use beyond the study API of `mod.ts` (protocol files and profiles, cache
 * keys, reference checks, summary parts, the claims registry's declarations, sample files and
 * answer parsing, figure files).
 *
 * @module
 */
export { OBJECTIVE_KINDS, parseProtocolConfig } from "./lib/config.ts";
export { policyFingerprint } from "./lib/model/policy_fingerprint.ts";
export { PartialSamplingError } from "./lib/rollout/rollout.ts";
export { extractAnswer } from "./lib/verifier/extract.ts";
export { normalizeAnswer } from "./lib/verifier/normalize.ts";
export { MATH_REWARD } from "./lib/train/train.ts";
export { trainingKey } from "./lib/train/run_training.ts";
export { readTrainLog } from "./lib/train/metrics.ts";
export { checkSamplePrompts, readSamples, writeSamples } from "./lib/eval/samples.ts";
export { paperTableToRows } from "./lib/eval/paper_table.ts";
export { readProfile } from "./lib/protocol/profile.ts";
export { loadProtocol } from "./lib/protocol/protocol_file.ts";
export { Study } from "./lib/study/study.ts";
export { PRIMARY_SETTING } from "./lib/protocol/protocol_results.ts";
export { writeSummaryPart } from "./lib/protocol/summary.ts";
export { parseSalvageStudyConfig, SALVAGE_ROLES } from "./lib/tasks/salvage_study.ts";
export { PLANTED_ERRORS, plantError } from "./lib/tasks/corpus_errors.ts";
export type { PlantedError, PlantedErrorOptions } from "./lib/tasks/corpus_errors.ts";
export { checkAgainstReference } from "./lib/protocol/regression.ts";
export { unfinishedPretraining } from "./lib/tasks/base_model.ts";
export { CLAIMS, claimsOf } from "./lib/claims/registry.ts";
export { simulateClaim } from "./lib/claims/simulate.ts";
export { METHOD_COLORS, stackFigures } from "./lib/present/figure.ts";
export { trainingCurvesFigure } from "./lib/present/training_progress.ts";
