/**
 * rlvr-kit: study reinforcement learning with verifiable rewards (RLVR) from Jupyter notebooks
 * run by Deno's kernel, or from plain scripts. Rollouts, a math verifier, the PSR / NSR /
 * W-REINFORCE objectives of Zhu et al. (2025), and unbiased Pass@k.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig, seededPrng } from "./mod.ts";
 * const config = parseExperimentConfig({ seed: 1, objective: { kind: "nsr" } });
 * assert.equal(config.objective.kind, "nsr");
 * assert.ok(seededPrng(config.seed)() < 1);
 * ```
 *
 * @module
 */

// --- config and randomness -------------------------------------------------------------------
export { OBJECTIVE_KINDS, parseExperimentConfig } from "./lib/config.ts";
export type {
  Aggregation,
  CommonObjectiveConfig,
  ExperimentConfig,
  ModelConfig,
  ObjectiveConfig,
  ObjectiveKind,
  RolloutConfig,
  TrainConfig,
} from "./lib/config.ts";
export { deriveSeed, randomInt, seededPrng } from "./lib/random.ts";
export type { Prng } from "./lib/random.ts";

// --- backend ---------------------------------------------------------------------------------
export {
  currentAttention,
  currentMatMul,
  initBackend,
  kernelCacheKey,
} from "./lib/engine/backend.ts";
export type {
  AttentionChoice,
  AttentionEngine,
  BackendInfo,
  BackendName,
  InitBackendOptions,
  MatMulChoice,
  MatMulEngine,
} from "./lib/engine/backend.ts";

// --- verifier --------------------------------------------------------------------------------
export { extractAnswer } from "./lib/verifier/extract.ts";
export type { ExtractOptions } from "./lib/verifier/extract.ts";
export { normalizeAnswer } from "./lib/verifier/normalize.ts";
export { mathReward, verify } from "./lib/verifier/verify.ts";
export type { Verdict, VerdictReason, VerifyOptions } from "./lib/verifier/verify.ts";

// --- pass@k and evaluation -------------------------------------------------------------------
export { curveToRows, passAtK, passAtKCurve } from "./lib/eval/passk.ts";
export type {
  PassAtKCurveOptions,
  PassAtKPoint,
  PassAtKRow,
  ProblemCounts,
} from "./lib/eval/passk.ts";
export { evaluateSamples } from "./lib/eval/evaluate.ts";
export type {
  EvaluateSamplesOptions,
  EvaluationResult,
  ProblemResult,
} from "./lib/eval/evaluate.ts";
export { formatSamples, parseSamples, readSamples, writeSamples } from "./lib/eval/samples.ts";
export type { SampleRecord } from "./lib/eval/samples.ts";
export { loadDataset, parseJsonlDataset, parseParquetDataset } from "./lib/eval/datasets.ts";
export type { Problem } from "./lib/eval/datasets.ts";
export { JsonlError, parseJsonl } from "./lib/_io/jsonl.ts";
export type { JsonlIssue } from "./lib/_io/jsonl.ts";
export { formatEvaluationTable } from "./lib/present/evaluation_table.ts";
export { paperTableToRows } from "./lib/eval/paper_table.ts";
export { writeFileAtomic, writeTextFileAtomic } from "./lib/_io/write_atomic.ts";
export { passAtKFigure, passAtKMarks } from "./lib/present/figure.ts";
export type { PassAtKMarksOptions } from "./lib/present/figure.ts";
export {
  alignProblems,
  bootstrapCurve,
  bootstrapDifference,
  bootstrapPassAtK,
  meanDifferenceInterval,
  meanInterval,
  multiSeedPassAtKCurve,
  pearson,
  percentileInterval,
} from "./lib/eval/compare.ts";
export type {
  BootstrapOptions,
  Interval,
  PassAtKBootstrap,
  PassAtKDifference,
  SeedProblemCounts,
} from "./lib/eval/compare.ts";
export { coverageAgainstBase, distinctCorrect } from "./lib/eval/coverage.ts";
export type {
  Coverage,
  CoverageChange,
  DistinctCorrect,
  GradedResponse,
} from "./lib/eval/coverage.ts";
export {
  claimAtEveryK,
  claimBest,
  claimCrossover,
  claimFromInterval,
  claimTrend,
  combineClaims,
  judgeInterval,
  PASS_AT_K_MARGIN,
} from "./lib/protocol/claims.ts";
export type {
  ClaimLabels,
  ClaimRecord,
  ClaimRelation,
  ClaimVerdict,
  EvidenceUnit,
} from "./lib/protocol/claims.ts";
export { passAtKTable, table } from "./lib/present/table.ts";
export { claimsTable } from "./lib/present/claims_table.ts";
export type { PassAtKTableOptions, Table, TableColumn, TableOptions } from "./lib/present/table.ts";

// --- model and rollouts ----------------------------------------------------------------------
export { BOS_ID, charTokenizer, EOS_ID, PAD_ID } from "./lib/model/tokenizer.ts";
export type { Tokenizer } from "./lib/model/tokenizer.ts";
export { countParams, initParams, paramSpecs } from "./lib/model/params.ts";
export type {
  ParamInit,
  Params,
  ParamSpec,
  TfTensor,
  TfTensor2D,
  TfTensor3D,
  TfVariable,
} from "./lib/model/params.ts";
export { Policy } from "./lib/model/policy.ts";
export { forwardLogits } from "./lib/model/transformer.ts";
export type { Weights } from "./lib/model/transformer.ts";
export { sequenceLogProbs } from "./lib/model/log_probs.ts";
export type { SequenceLogProbs, SequenceLogProbsOptions } from "./lib/model/log_probs.ts";
export { GradientPool } from "./lib/model/gradient_pool.ts";
export type {
  GradientPoolOptions,
  LossModule,
  PooledGradients,
} from "./lib/model/gradient_pool.ts";
export { pickToken, sampleSequences } from "./lib/model/sample.ts";
export type { SampledSequence, SampleOptions } from "./lib/model/sample.ts";
export { SamplingPool } from "./lib/model/sampling_pool.ts";
export type { SamplingPoolOptions } from "./lib/model/sampling_pool.ts";
export { loadCheckpoint, loadPolicy, savePolicy } from "./lib/model/checkpoint.ts";
export type { LoadedCheckpoint, SavePolicyOptions } from "./lib/model/checkpoint.ts";
export { sampleRollouts } from "./lib/rollout/sample_rollouts.ts";
export type {
  Rollout,
  RolloutProgress,
  SampleRolloutsOptions,
} from "./lib/rollout/sample_rollouts.ts";
export { requestCompletions } from "./lib/rollout/openai_client.ts";
export type {
  CompletionChoice,
  CompletionRequest,
  OpenAiEndpoint,
} from "./lib/rollout/openai_client.ts";

// --- advantages, objectives and training -----------------------------------------------------
export {
  confidenceSweep,
  entropy,
  logitGradient,
  logitStep,
  softmax,
} from "./lib/analysis/softmax_gradient.ts";
export type { LogitGradientOptions, LogitStep } from "./lib/analysis/softmax_gradient.ts";
export {
  probeRows,
  probeUpdate,
  summarizeProbe,
  tokenMechanismClaims,
} from "./lib/analysis/token_probe.ts";
export type {
  ProbePosition,
  ProbeRow,
  ProbeSummary,
  ProbeUpdateOptions,
  TokenMechanismOptions,
} from "./lib/analysis/token_probe.ts";
export {
  computeAdvantages,
  gaeAdvantages,
  groupAdvantages,
  GRPO_EPSILON,
  nsrAdvantages,
  psrAdvantages,
  weightedReinforceAdvantages,
  whiten,
  WHITEN_EPSILON,
} from "./lib/objective/advantage.ts";
export type {
  AdvantageInput,
  SampleAdvantages,
  TokenAdvantages,
} from "./lib/objective/advantage.ts";
export {
  aggregate,
  lowVarKl,
  objectiveLoss,
  policyLoss,
  valueLoss,
} from "./lib/objective/objective_loss.ts";
export type {
  ObjectiveBatch,
  ObjectiveTerms,
  PolicyLossInput,
  PolicyLossOutput,
  Surrogate,
  TfScalar,
  ValueLossInput,
} from "./lib/objective/objective_loss.ts";
export { ADAM_EPSILON, AdamW, clipByGlobalNorm } from "./lib/objective/adamw.ts";
export type { AdamWOptions, AdamWState } from "./lib/objective/adamw.ts";
export { PolicyOptimizer, trainStep } from "./lib/train/train_step.ts";
export type {
  TrainBatch,
  TrainSample,
  TrainStepOptions,
  UpdateMetrics,
} from "./lib/train/train_step.ts";
export { MATH_REWARD, stepProblemIndices, train } from "./lib/train/train.ts";
export type { Reward, TrainOptions, TrainProblem, TrainResult } from "./lib/train/train.ts";
export {
  appendTrainRecord,
  formatTrainLog,
  parseTrainLog,
  readTrainLog,
  rolloutStats,
} from "./lib/train/metrics.ts";
export type {
  EvalMetrics,
  GradedSample,
  PhaseSeconds,
  RolloutStats,
  StepMetrics,
  TrainRecord,
} from "./lib/train/metrics.ts";
export { methodConfigs, runReproduction } from "./lib/protocol/reproduction.ts";
export type {
  MethodOverrides,
  MethodRun,
  ProblemOutcome,
  ProtocolProblem,
  Reproduction,
  ReproductionOptions,
  SamplingSetting,
  SeedEvaluation,
} from "./lib/protocol/reproduction.ts";
export {
  bootstrapReproduction,
  bootstrapRows,
  coverageRows,
  differenceInterval,
  evaluationMetric,
  runMetric,
  trainingRows,
} from "./lib/protocol/reproduction_results.ts";
export type {
  CoverageRow,
  EvalMetricName,
  StepMetricName,
} from "./lib/protocol/reproduction_results.ts";
export {
  learningRateName,
  scoreLearningRates,
  sweepLearningRate,
} from "./lib/protocol/lr_sweep.ts";
export type {
  LearningRateScore,
  LearningRateSweep,
  LearningRateSweepOptions,
} from "./lib/protocol/lr_sweep.ts";

// --- tasks and base model --------------------------------------------------------------------
export { BASE_MODEL_DIR, loadBaseModel } from "./lib/tasks/base_model.ts";
export type { BaseModel } from "./lib/tasks/base_model.ts";
export {
  allCountdownProblems,
  BOX_OPEN,
  COUNTDOWN_ALPHABET,
  countdownPrompt,
  DIGIT_COUNT,
  MAX_RESPONSE_CHARS,
  problemKey,
  PROMPT_CHARS,
  shuffleDigits,
  solutionsByValue,
  solveCountdown,
  TARGET_MAX,
  TARGET_MIN,
} from "./lib/tasks/countdown.ts";
export type { CountdownProblem, CountedProblem } from "./lib/tasks/countdown.ts";
export { countdownReward, gradeCountdown } from "./lib/tasks/countdown_grade.ts";
export type { CountdownGrade } from "./lib/tasks/countdown_grade.ts";
export {
  COUNTDOWN_REWARD,
  countdownRolloutReward,
  countdownTrainProblems,
} from "./lib/tasks/countdown_rl.ts";
export {
  applyOperator,
  exprDigits,
  exprInfix,
  exprKey,
  exprValue,
  OPERATORS,
} from "./lib/tasks/expression.ts";
export type { Expr, Operator } from "./lib/tasks/expression.ts";
export { formatWorking, parseWorking, treeSteps } from "./lib/tasks/working.ts";
export type { ParsedWorking, WorkingStep } from "./lib/tasks/working.ts";
export { TEACHER_STRATEGIES, teacherResponses } from "./lib/tasks/teacher.ts";
export type { TeacherOptions, TeacherSample, TeacherStrategy } from "./lib/tasks/teacher.ts";
export {
  buildCountdownSplits,
  formatSplit,
  loadCountdownSplit,
  makeSplitProblem,
  parseSplit,
  SPLIT_NAMES,
  SPLITS_DIR,
  TIER_NAMES,
  writeCountdownSplits,
} from "./lib/tasks/splits.ts";
export type { SplitName, SplitOptions, SplitProblem } from "./lib/tasks/splits.ts";
export { CORPUS_KEEPS, teacherCorpus } from "./lib/tasks/corpus.ts";
export type { CorpusKeep, CorpusRow } from "./lib/tasks/corpus.ts";
export { encodeBatch } from "./lib/train/encode_batch.ts";
export type { TextPair, TokenBatch } from "./lib/train/encode_batch.ts";
export { evaluateCountdown, summarizeCountdown } from "./lib/tasks/evaluate_countdown.ts";
export type {
  CountdownProblemResult,
  CountdownSummary,
  EvaluateCountdownOptions,
} from "./lib/tasks/evaluate_countdown.ts";
export { learningRateAt, nextTokenLoss, pretrain } from "./lib/train/pretrain.ts";
export type { PretrainOptions, PretrainRecord } from "./lib/train/pretrain.ts";
export {
  BASE_MODEL_TARGETS,
  basePassKRows,
  baseTargetRows,
  TIER_BENCHMARKS,
} from "./lib/tasks/base_targets.ts";
export type { BasePassK, BaseTarget, BaseTargetRow } from "./lib/tasks/base_targets.ts";
export { teacherStrategyStats } from "./lib/tasks/teacher_stats.ts";
export type { TeacherStrategyRow } from "./lib/tasks/teacher_stats.ts";
export { explainCountdownResponse } from "./lib/tasks/countdown_explain.ts";
export type { CountdownExplanation } from "./lib/tasks/countdown_explain.ts";

// --- figures, progress and notebooks ---------------------------------------------------------
export { figure, saveFigure, scatterMarks, seriesMarks, show } from "./lib/present/figure.ts";
export type {
  Displayable,
  Figure,
  FigureOptions,
  Marks,
  ScatterMarksOptions,
  SeriesMarksOptions,
} from "./lib/present/figure.ts";
export { checkAgainstReference, UPDATE_REFERENCE_ENV } from "./lib/protocol/regression.ts";
export {
  loadRunPolicy,
  rewardIdentity,
  runTraining,
  trainingKey,
} from "./lib/train/run_training.ts";
export type { RunTrainingOptions, TrainingRun } from "./lib/train/run_training.ts";
export type { ReferenceCheck } from "./lib/protocol/regression.ts";
export { formatProgress, progressReporter } from "./lib/progress.ts";
export type { Progress, ProgressReporter, ProgressReporterOptions } from "./lib/progress.ts";
export { byProfile, PROFILE_ENV, readProfile } from "./lib/protocol/profile.ts";
export type { Profile } from "./lib/protocol/profile.ts";
export { droppedDisplays, missingNotebookTools, runNotebook } from "./lib/job/notebook_runner.ts";
export { planLanes, readLaneNotebook } from "./lib/job/notebook_lanes.ts";
export type { LaneNotebook } from "./lib/job/notebook_lanes.ts";
export type {
  NotebookDisplay,
  NotebookFigure,
  NotebookRun,
  RunNotebookOptions,
} from "./lib/job/notebook_runner.ts";
export { reportHtml } from "./lib/job/report.ts";
export { cached, canonicalJson, hashKey } from "./lib/_io/cache.ts";
export type { CachedOptions } from "./lib/_io/cache.ts";
export type { ReportEntry } from "./lib/job/report.ts";
