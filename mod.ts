/**
 * rlvr-kit: study reinforcement learning with verifiable rewards (RLVR) from Jupyter notebooks
 * run by Deno's kernel, or from plain scripts. Rollouts (a local policy or any OpenAI-compatible
 * server), a math verifier, the PSR / NSR / W-REINFORCE objectives of Zhu et al. (2025),
 * unbiased Pass@k with intervals, and the protocol that reproduces the paper at miniature scale.
 *
 * Sections follow the data flow: config → engine → model → rollout → verifier → objective →
 * train → eval → protocol → analysis → tasks → present.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nsrAdvantages, parseExperimentConfig, passAtK } from "./mod.ts";
 * const config = parseExperimentConfig({ objective: { kind: "nsr" } });
 * assert.equal(config.objective.kind, "nsr");
 * assert.deepEqual(nsrAdvantages([1, 0]).advantages, [0, -1]); // only the wrong sample is pushed down
 * assert.equal(passAtK(4, 1, 2), 0.5);
 * ```
 *
 * @module
 */

// --- config and randomness -------------------------------------------------------------------
export { parseExperimentConfig } from "./lib/config.ts";
export type {
  Aggregation,
  CommonObjectiveConfig,
  ExperimentConfig,
  MethodChanges,
  ModelConfig,
  ObjectiveConfig,
  ObjectiveKind,
  ProtocolConfig,
  RolloutConfig,
  TrainConfig,
} from "./lib/config.ts";
export { seededPrng } from "./lib/random.ts";
export type { Prng } from "./lib/random.ts";
export { progressReporter } from "./lib/progress.ts";
export type { Progress, ProgressReporter, ProgressReporterOptions } from "./lib/progress.ts";

// --- engine ----------------------------------------------------------------------------------
export { initBackend } from "./lib/engine/backend.ts";
export type {
  AttentionChoice,
  AttentionEngine,
  BackendInfo,
  BackendName,
  InitBackendOptions,
  MatMulChoice,
  MatMulEngine,
} from "./lib/engine/backend.ts";

// --- model -----------------------------------------------------------------------------------
export type { SampledSequence, SampleOptions, TokenLogProb } from "./lib/model/sample.ts";
export type { Tokenizer } from "./lib/model/tokenizer.ts";
export type { LoadedCheckpoint, SavePolicyOptions } from "./lib/model/checkpoint.ts";
export type { SamplingPoolOptions } from "./lib/model/sampling_pool.ts";
export type { Params, TfTensor, TfTensor2D, TfVariable } from "./lib/model/params.ts";

// --- rollouts --------------------------------------------------------------------------------
export { sampleRollouts } from "./lib/rollout/sample_rollouts.ts";
export type { RolloutProgress, SampleRolloutsOptions } from "./lib/rollout/sample_rollouts.ts";
export type { PromptFailure, Rollout } from "./lib/rollout/rollout.ts";
export type { OpenAiEndpoint } from "./lib/rollout/openai_client.ts";
export { sampleToFile } from "./lib/rollout/sample_to_file.ts";
export type {
  PromptedProblem,
  SampleToFileOptions,
  SampleToFileResult,
} from "./lib/rollout/sample_to_file.ts";

// --- verifier --------------------------------------------------------------------------------
export type { ExtractOptions } from "./lib/verifier/extract.ts";
export { mathReward, verify } from "./lib/verifier/verify.ts";
export type { Verdict, VerdictReason, VerifyOptions } from "./lib/verifier/verify.ts";

// --- objectives: PSR, NSR and W-REINFORCE are advantage variants ------------------------------
export {
  groupAdvantages,
  nsrAdvantages,
  psrAdvantages,
  weightedReinforceAdvantages,
} from "./lib/objective/advantage.ts";
export type {
  AdvantageInput,
  SampleAdvantages,
  TokenAdvantages,
} from "./lib/objective/advantage.ts";
export type {
  ObjectiveBatch,
  ObjectiveTerms,
  PolicyLossInput,
  PolicyLossOutput,
  Surrogate,
  TfScalar,
  ValueLossInput,
} from "./lib/objective/objective_loss.ts";

// --- training --------------------------------------------------------------------------------
export { train } from "./lib/train/train.ts";
export type {
  Reward,
  TrainOptions,
  TrainPools,
  TrainProblem,
  TrainResult,
  TrainResume,
} from "./lib/train/train.ts";
export type { JsonValue, RewardParams } from "./lib/train/checked_reward.ts";
export type { SkippedCheckpoint } from "./lib/train/train_checkpoint.ts";
export type { AdamWOptions, AdamWState } from "./lib/train/adamw.ts";
export type {
  TrainBatch,
  TrainSample,
  TrainStepOptions,
  UpdateMetrics,
} from "./lib/train/train_step.ts";
export { loadRunPolicy, runTraining } from "./lib/train/run_training.ts";
export { startTrainPools } from "./lib/train/train_pools.ts";
export type { OwnedTrainPools } from "./lib/train/train_pools.ts";
export type { RunPolicy, RunTrainingOptions, TrainingRun } from "./lib/train/run_training.ts";
export type { EvalMetrics, PhaseSeconds, StepMetrics } from "./lib/train/metrics.ts";

// --- evaluation: Pass@k, intervals, samples, datasets ----------------------------------------
export { curveToRows, passAtK, passAtKCurve } from "./lib/eval/passk.ts";
export type {
  Interval,
  PassAtKCurveOptions,
  PassAtKPoint,
  PassAtKRow,
  ProblemCounts,
} from "./lib/eval/passk.ts";
export type { BootstrapOptions, PassAtKBootstrap, SeedProblemCounts } from "./lib/eval/compare.ts";
export { evaluateSamples } from "./lib/eval/evaluate.ts";
export type {
  EvaluateSamplesOptions,
  EvaluationResult,
  ProblemResult,
  SampleVerdict,
} from "./lib/eval/evaluate.ts";
export type { SampleRecord } from "./lib/eval/samples.ts";
export { loadDataset } from "./lib/eval/datasets.ts";
export type { Problem } from "./lib/eval/datasets.ts";
export { loadPaperTable } from "./lib/eval/paper_table.ts";

// --- the reproduction protocol ---------------------------------------------------------------
export { byProfile } from "./lib/protocol/profile.ts";
export type { Profile } from "./lib/protocol/profile.ts";
export { runProtocol } from "./lib/protocol/run_protocol.ts";
export { CoreGate } from "./lib/schedule/core_gate.ts";
export type { MatchedMovementResults } from "./lib/protocol/protocol_results.ts";
export type { CooledBase, MatchedMethod, MatchedMovement } from "./lib/protocol/baselines.ts";
export { openStudy } from "./lib/study/study.ts";
export type { OpenStudyOptions, StudyRecord } from "./lib/study/study.ts";
export type { RunProtocolOptions } from "./lib/protocol/run_protocol.ts";
export { BASE_METHOD, TABLE_SETTING } from "./lib/protocol/protocol_results.ts";
export type {
  Calibration,
  CalibrationRun,
  MethodGroups,
  ProtocolResults,
  TrainingPool,
} from "./lib/protocol/protocol_results.ts";
export type { CheckpointEvaluation, PolicyEvaluation, RunRecord } from "./lib/schedule/work.ts";
export type {
  ProblemOutcome,
  ProtocolProblem,
  ProtocolTask,
  SamplingSetting,
  TaskEvaluationOptions,
} from "./lib/eval/task.ts";
export {
  calibrationRows,
  coverageRows,
  movementRows,
  passAtKRows,
  trainingCurveRows,
} from "./lib/protocol/protocol_rows.ts";
export type {
  CoverageRow,
  EvalMetricName,
  MovementRow,
  StepMetricName,
  TrainingCurve,
  TrainingRow,
} from "./lib/protocol/protocol_rows.ts";
export { summarizeProtocol } from "./lib/protocol/summary.ts";
export {
  baseOfRole,
  loadSalvageStudy,
  primaryDifference,
  runSalvageStudy,
  salvageProtocol,
  salvageRows,
  studyBaseDir,
} from "./lib/tasks/salvage_study.ts";
export type {
  SalvageBaseResults,
  SalvageRow,
  SalvageStudyBase,
  SalvageStudyConfig,
  SalvageStudyResults,
} from "./lib/tasks/salvage_study.ts";
export { plantedErrorsOf, plantedRegime } from "./lib/tasks/planted_regime.ts";
export type { PlantedRegime } from "./lib/tasks/planted_regime.ts";
export { regimeRows } from "./lib/tasks/regime_rows.ts";
export type { RegimeRow } from "./lib/tasks/regime_rows.ts";
export { screenBase, screenControls } from "./lib/tasks/salvage_screen.ts";
export type {
  BaseScreen,
  ControlRule,
  ControlScreen,
  ScreenOptions,
} from "./lib/tasks/salvage_screen.ts";
export type {
  ProtocolSummary,
  SummaryBaselines,
  SummaryDifference,
  SummaryMethod,
} from "./lib/protocol/summary.ts";
export type { ReferenceCheck } from "./lib/protocol/regression.ts";

// --- gradient analysis (the paper's §4) ------------------------------------------------------
export { confidenceSweep, logitStep } from "./lib/analysis/softmax_gradient.ts";
export type { LogitGradientOptions, LogitStep } from "./lib/analysis/softmax_gradient.ts";
export { probeUpdate } from "./lib/analysis/token_probe.ts";
export type { ProbeUpdateOptions } from "./lib/analysis/token_probe.ts";
export { probeRows, summarizeProbe } from "./lib/analysis/probe_summary.ts";
export type { ProbePosition, ProbeRow, ProbeSummary } from "./lib/analysis/probe_summary.ts";

// --- the Countdown miniature and its base model ----------------------------------------------
export { BASE_MODEL_DIR, loadBaseModel, loadPretrainHistory } from "./lib/tasks/base_model.ts";
export type { BaseModel } from "./lib/tasks/base_model.ts";
export type { PretrainHistoryRow } from "./lib/train/pretrain_checkpoint.ts";
export { COUNTDOWN_TASK } from "./lib/tasks/countdown_task.ts";
export type { CountdownProtocolProblem } from "./lib/tasks/countdown_task.ts";
export {
  COUNTDOWN_REWARD,
  countdownRolloutReward,
  countdownTrainProblems,
} from "./lib/tasks/countdown_rl.ts";
export { countdownPrompt } from "./lib/tasks/countdown.ts";
export type { CountdownProblem } from "./lib/tasks/countdown.ts";
export { gradeCountdown } from "./lib/tasks/countdown_grade.ts";
export type { CountdownGrade } from "./lib/tasks/countdown_grade.ts";
export { explainCountdownResponse } from "./lib/tasks/countdown_explain.ts";
export type { CountdownExplanation } from "./lib/tasks/countdown_explain.ts";
export { loadCountdownSplit, TIER_NAMES } from "./lib/tasks/splits.ts";
export type { SplitName, SplitProblem } from "./lib/tasks/splits.ts";
export { evaluateCountdown } from "./lib/tasks/evaluate_countdown.ts";
export { isLive, shortestCompletion } from "./lib/tasks/countdown_liveness.ts";
export {
  salvageShares,
  successWeightedShares,
  summarizeSalvage,
} from "./lib/tasks/countdown_salvage.ts";
export type {
  SalvageOptions,
  SalvageRecord,
  SalvageSample,
  SalvageSummary,
  SuccessWeightOptions,
} from "./lib/tasks/countdown_salvage.ts";
export type {
  CountdownSummary,
  EvaluateCountdownOptions,
  SampledOutcome,
} from "./lib/tasks/evaluate_countdown.ts";
export { teacherResponses } from "./lib/tasks/teacher.ts";
export type { TeacherOptions, TeacherSample, TeacherStrategy } from "./lib/tasks/teacher.ts";
export { teacherStrategyStats } from "./lib/tasks/teacher_stats.ts";
export type { TeacherStrategyRow } from "./lib/tasks/teacher_stats.ts";
export {
  basePassKRows,
  baseTargetRows,
  loadBaseCurves,
  TIER_BENCHMARKS,
} from "./lib/tasks/base_targets.ts";
export type {
  BaseCurves,
  BaseTarget,
  BaseTargetRow,
  BaseTierCurve,
} from "./lib/tasks/base_targets.ts";

// --- claims: the registry and its verdicts ---------------------------------------------------
export { judgeClaims } from "./lib/claims/registry.ts";
export { withSimulations } from "./lib/claims/simulate.ts";
export type { SimulationRates, World } from "./lib/claims/simulate.ts";
export { sharpeningRows } from "./lib/protocol/sharpening_rows.ts";
export type { SharpeningRow } from "./lib/protocol/sharpening_rows.ts";
export type {
  AnyClaimDeclaration,
  ClaimDeclaration,
  ClaimNotebook,
  NotebookResults,
} from "./lib/claims/registry.ts";
export type { GradientAnalysisResults } from "./lib/claims/gradient_rules.ts";
export { movementGate } from "./lib/claims/movement_gate.ts";
export { controlScreenEvidence, salvageK, trendInterval } from "./lib/claims/salvage_rules.ts";
export type { TrendPoint } from "./lib/claims/salvage_rules.ts";
export type { MovementGate } from "./lib/claims/movement_gate.ts";
export type { ClaimLabels, ClaimRecord, ClaimVerdict } from "./lib/claims/verdict.ts";

// --- figures and tables ----------------------------------------------------------------------
export { figure, saveFigure, scatterMarks, seriesMarks } from "./lib/present/figure.ts";
export { passAtKFigure } from "./lib/present/figure.ts";
export { trainingProgress } from "./lib/present/training_progress.ts";
export type {
  TrainingLog,
  TrainingProgress,
  TrainingProgressOptions,
} from "./lib/present/training_progress.ts";
export type {
  Displayable,
  Figure,
  FigureOptions,
  Marks,
  PassAtKMarksOptions,
  ScatterMarksOptions,
  SeriesMarksOptions,
} from "./lib/present/figure.ts";
export { passAtKTable, table } from "./lib/present/table.ts";
export type { PassAtKTableOptions, Table, TableColumn, TableOptions } from "./lib/present/table.ts";
export { claimsTable } from "./lib/present/claims_table.ts";
export {
  calibrationTable,
  curvesFigure,
  intervalsFigure,
  movementTable,
  sharpeningFigure,
} from "./lib/present/protocol_views.ts";
export type { CurvesFigureOptions, IntervalsFigureOptions } from "./lib/present/protocol_views.ts";
