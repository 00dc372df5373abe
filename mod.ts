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
export { currentAttention, currentMatMul, initBackend, kernelCacheKey } from "./lib/backend.ts";
export type {
  AttentionChoice,
  AttentionEngine,
  BackendInfo,
  BackendName,
  InitBackendOptions,
  MatMulChoice,
  MatMulEngine,
} from "./lib/backend.ts";

// --- verifier --------------------------------------------------------------------------------
export { extractAnswer } from "./lib/verifier/extract.ts";
export type { ExtractOptions } from "./lib/verifier/extract.ts";
export { normalizeAnswer } from "./lib/verifier/normalize.ts";
export { mathReward, verify } from "./lib/verifier/verify.ts";
export type { Verdict, VerdictReason, VerifyOptions } from "./lib/verifier/verify.ts";

// --- pass@k and evaluation -------------------------------------------------------------------
export { curveToRows, passAtK, passAtKCurve } from "./lib/passk.ts";
export type { PassAtKCurveOptions, PassAtKPoint, PassAtKRow, ProblemCounts } from "./lib/passk.ts";
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
export { JsonlError, parseJsonl } from "./lib/eval/jsonl.ts";
export type { JsonlIssue } from "./lib/eval/jsonl.ts";
export { formatEvaluationTable } from "./lib/eval/table.ts";
export { paperTableToRows } from "./lib/eval/paper_table.ts";
export { writeFileAtomic, writeTextFileAtomic } from "./lib/eval/write_atomic.ts";
export { passAtKFigure, passAtKMarks } from "./lib/plot.ts";
export type { PassAtKMarksOptions } from "./lib/plot.ts";
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
  claimsTable,
  claimTrend,
  combineClaims,
  judgeInterval,
  PASS_AT_K_MARGIN,
} from "./lib/claims.ts";
export type {
  ClaimLabels,
  ClaimRecord,
  ClaimRelation,
  ClaimVerdict,
  EvidenceUnit,
} from "./lib/claims.ts";
export { passAtKTable, table } from "./lib/table.ts";
export type { PassAtKTableOptions, Table, TableColumn, TableOptions } from "./lib/table.ts";

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
export { sampleRollouts } from "./lib/rollout.ts";
export type { Rollout, RolloutProgress, SampleRolloutsOptions } from "./lib/rollout.ts";
export { requestCompletions } from "./lib/openai_client.ts";
export type { CompletionChoice, CompletionRequest, OpenAiEndpoint } from "./lib/openai_client.ts";

// --- advantages, objectives and training -----------------------------------------------------
export {
  confidenceSweep,
  entropy,
  logitGradient,
  logitStep,
  softmax,
} from "./lib/softmax_gradient.ts";
export type { LogitGradientOptions, LogitStep } from "./lib/softmax_gradient.ts";
export { probeRows, probeUpdate, summarizeProbe, tokenMechanismClaims } from "./lib/token_probe.ts";
export type {
  ProbePosition,
  ProbeRow,
  ProbeSummary,
  ProbeUpdateOptions,
  TokenMechanismOptions,
} from "./lib/token_probe.ts";
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
} from "./lib/advantage.ts";
export type { AdvantageInput, SampleAdvantages, TokenAdvantages } from "./lib/advantage.ts";
export { aggregate, lowVarKl, objectiveLoss, policyLoss, valueLoss } from "./lib/objective.ts";
export type {
  ObjectiveBatch,
  ObjectiveTerms,
  PolicyLossInput,
  PolicyLossOutput,
  Surrogate,
  TfScalar,
  ValueLossInput,
} from "./lib/objective.ts";
export { ADAM_EPSILON, AdamW, clipByGlobalNorm } from "./lib/adamw.ts";
export type { AdamWOptions, AdamWState } from "./lib/adamw.ts";
export { PolicyOptimizer, trainStep } from "./lib/train_step.ts";
export type { TrainBatch, TrainSample, TrainStepOptions, UpdateMetrics } from "./lib/train_step.ts";
export { stepProblemIndices, train } from "./lib/train.ts";
export type { RewardFunction, TrainOptions, TrainProblem, TrainResult } from "./lib/train.ts";
export {
  appendTrainRecord,
  formatTrainLog,
  parseTrainLog,
  readTrainLog,
  rolloutStats,
} from "./lib/metrics.ts";
export type {
  EvalMetrics,
  GradedSample,
  PhaseSeconds,
  RolloutStats,
  StepMetrics,
  TrainRecord,
} from "./lib/metrics.ts";
export { methodConfigs, runReproduction } from "./lib/reproduction.ts";
export type {
  MethodOverrides,
  MethodRun,
  ProblemOutcome,
  ProtocolProblem,
  Reproduction,
  ReproductionOptions,
  SamplingSetting,
  SeedEvaluation,
} from "./lib/reproduction.ts";
export {
  bootstrapReproduction,
  bootstrapRows,
  coverageRows,
  differenceInterval,
  evaluationMetric,
  runMetric,
  trainingRows,
} from "./lib/reproduction_results.ts";
export type { CoverageRow, EvalMetricName, StepMetricName } from "./lib/reproduction_results.ts";
export { learningRateName, scoreLearningRates, sweepLearningRate } from "./lib/lr_sweep.ts";
export type {
  LearningRateScore,
  LearningRateSweep,
  LearningRateSweepOptions,
} from "./lib/lr_sweep.ts";

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
export { countdownRolloutReward, countdownTrainProblems } from "./lib/tasks/countdown_rl.ts";
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
export { CORPUS_KEEPS, encodeBatch, teacherCorpus } from "./lib/tasks/corpus.ts";
export type { CorpusKeep, CorpusRow, TokenBatch } from "./lib/tasks/corpus.ts";
export { evaluateCountdown, summarizeCountdown } from "./lib/tasks/evaluate_countdown.ts";
export type {
  CountdownProblemResult,
  CountdownSummary,
  EvaluateCountdownOptions,
} from "./lib/tasks/evaluate_countdown.ts";
export { learningRateAt, nextTokenLoss, pretrain } from "./lib/pretrain.ts";
export type { PretrainOptions, PretrainRecord } from "./lib/pretrain.ts";
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
export { loadRunPolicy } from "./lib/run_policy.ts";

// --- figures, progress and notebooks ---------------------------------------------------------
export { figure, saveFigure, scatterMarks, seriesMarks, show } from "./lib/plot.ts";
export type {
  Displayable,
  Figure,
  FigureOptions,
  Marks,
  ScatterMarksOptions,
  SeriesMarksOptions,
} from "./lib/plot.ts";
export { checkAgainstReference, UPDATE_REFERENCE_ENV } from "./lib/regression.ts";
export { runTraining } from "./lib/experiment.ts";
export type { RunTrainingOptions, TrainingRun } from "./lib/experiment.ts";
export type { ReferenceCheck } from "./lib/regression.ts";
export { formatProgress, progressReporter } from "./lib/progress.ts";
export type { Progress, ProgressReporter, ProgressReporterOptions } from "./lib/progress.ts";
export { byProfile, PROFILE_ENV, readProfile } from "./lib/profile.ts";
export type { Profile } from "./lib/profile.ts";
export { droppedDisplays, missingNotebookTools, runNotebook } from "./lib/notebook_runner.ts";
export { planLanes, readLaneNotebook } from "./lib/notebook_lanes.ts";
export type { LaneNotebook } from "./lib/notebook_lanes.ts";
export type {
  NotebookDisplay,
  NotebookFigure,
  NotebookRun,
  RunNotebookOptions,
} from "./lib/notebook_runner.ts";
export { reportHtml } from "./lib/report.ts";
export { cached, canonicalJson, hashKey } from "./lib/cache.ts";
export type { CachedOptions } from "./lib/cache.ts";
export type { ReportEntry } from "./lib/report.ts";
