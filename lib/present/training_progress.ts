/**
 * Watching one training run: a progress line that shows what moves for the objective, and the
 * run's training curves (the paper's Fig. 4 panels) as rows and as a figure, redrawn in place in
 * Jupyter while it trains.
 *
 * @module
 */
import type { ExperimentConfig } from "../config.ts";
import { liveDisplay, progressReporter, type ProgressReporterOptions } from "../progress.ts";
import type { TrainingCurve } from "../protocol/protocol_rows.ts";
import type { EvalMetrics, StepMetrics } from "../train/metrics.ts";
import type { Figure, FigureOptions } from "./figure.ts";
import { curvesFigure } from "./protocol_views.ts";

/** A run's log, as `runTraining` returns it and `readTrainLog` reads it. */
export type TrainingLog = {
  readonly steps: readonly StepMetrics[];
  readonly evals: readonly EvalMetrics[];
};

/** One point of {@link runCurveRows}. */
export type RunCurveRow = {
  /** The run's name (one colour). */
  readonly method: string;
  /** The panel: the curve's label. */
  readonly metric: string;
  readonly step: number;
  readonly value: number;
};

/**
 * One run's training curves as tidy rows, one panel (`metric`) per curve; steps where a metric
 * was not measured (the KL between measurements) are left out.
 *
 * @param log The run's steps and evaluations.
 * @param options `curves` (e.g. `FIGURE_4_CURVES`) and the run's name, `method` (default "run").
 * @returns Rows `{ method, metric, step, value }` for `curvesFigure(rows, { facet: "metric" })`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curves = [{ source: "evals", metric: "greedyAccuracy", label: "greedy accuracy" }] as const;
 * const evals = [{ step: 0, greedyAccuracy: 0.5, entropy: 1, meanResponseLength: 3, greedyCorrect: [], greedyEntropies: [] }];
 * assert.deepEqual(runCurveRows({ steps: [], evals }, { curves }), [{ method: "run", metric: "greedy accuracy", step: 0, value: 0.5 }]);
 * ```
 */
export function runCurveRows(
  log: TrainingLog,
  options: { curves: readonly TrainingCurve[]; method?: string },
): RunCurveRow[] {
  const { curves, method = "run" } = options;
  return curves.flatMap((curve) => {
    const points: { step: number; value: number | null }[] = curve.source === "steps"
      ? log.steps.map((m) => ({ step: m.step, value: m[curve.metric] }))
      : log.evals.map((m) => ({ step: m.step, value: m[curve.metric] }));
    return points.flatMap(({ step, value }) =>
      value === null ? [] : [{ method, metric: curve.label, step, value }]
    );
  });
}

/**
 * One run's training curves, one panel per curve stacked (each with its own y scale).
 *
 * @param log The run's steps and evaluations.
 * @param options `curves`, the run's name `method`, and figure options (title, …).
 * @returns The figure (`saveFigure` writes it; a notebook shows it).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const curves = [{ source: "evals", metric: "greedyAccuracy", label: "greedy accuracy" }] as const;
 * const evals = [0, 5].map((step) => ({ step, greedyAccuracy: step / 10, entropy: 1, meanResponseLength: 3, greedyCorrect: [], greedyEntropies: [] }));
 * assert.match(trainingCurvesFigure({ steps: [], evals }, { curves }).svg, /greedy accuracy/);
 * ```
 */
export function trainingCurvesFigure(
  log: TrainingLog,
  options: FigureOptions & { curves: readonly TrainingCurve[]; method?: string },
): Figure {
  const { curves, method, ...figureOptions } = options;
  return curvesFigure(runCurveRows(log, { curves, method }), {
    facet: "metric",
    ...figureOptions,
  });
}

/** Options of {@link trainingProgress}. */
export type TrainingProgressOptions = {
  /** Steps done before this session (a resumed run's checkpoint step). Default 0. */
  start?: number;
  /** Label of the progress line. Default `train <objective kind>`. */
  label?: string;
  /** Where the line goes (see `progressReporter`). Default: Jupyter in its kernel, else stderr. */
  target?: ProgressReporterOptions["target"];
  /**
   * In Jupyter, also draw these training curves (e.g. `FIGURE_4_CURVES`) below the line and
   * redraw them after each evaluation, and at most every `figureEverySeconds` in between.
   */
  curves?: readonly TrainingCurve[];
  /** Fewest seconds between two redraws of the figure, evaluations aside. Default 10. */
  figureEverySeconds?: number;
  /** Clock in milliseconds, for tests. Default `performance.now`. */
  now?: () => number;
};

/** The `onStep` callback of {@link trainingProgress}, with what it has seen. */
export type TrainingProgress =
  & ((metrics: StepMetrics, evaluation?: EvalMetrics) => void)
  & {
    /** The latest progress line. */
    readonly lastLine: string;
    /** The steps and evaluations reported in this session. */
    readonly log: TrainingLog;
  };

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/**
 * The part of the progress line after the counts: what moves for this objective. Every objective:
 * the training batch's correct ratio, the KL to the base (its latest measurement), the rollouts'
 * entropy and the samples per second; PSR and NSR: how many samples they trained on (only the
 * correct, or only the wrong ones); PPO: the critic's value loss; with held-out problems: the
 * latest greedy accuracy and its step. (The loss is left out: NSR's and PSR's sit near ±1 by
 * construction and say nothing about progress.)
 *
 * @param metrics The step's metrics.
 * @param context The objective kind, the samples of a step, the latest KL and evaluation.
 * @returns The text, e.g. `correct 0.531, KL 0.0123, entropy 0.412, 43 samples/s`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = { correctRatio: 0.5, rolloutEntropy: 0.41, samplesTrained: 3, valueLoss: 0, seconds: { total: 2 } };
 * assert.equal(
 *   trainingStepDetail(m, { kind: "nsr", samplesPerStep: 8, klToInitial: 0.0123 }),
 *   "correct 0.500, KL 0.0123, entropy 0.410, trained 3/8, 4.0 samples/s",
 * );
 * ```
 */
export function trainingStepDetail(
  metrics: Pick<StepMetrics, "correctRatio" | "rolloutEntropy" | "samplesTrained" | "valueLoss"> & {
    readonly seconds: Pick<StepMetrics["seconds"], "total">;
  },
  context: {
    kind: ExperimentConfig["objective"]["kind"];
    samplesPerStep: number;
    klToInitial: number | null;
    evaluation?: Pick<EvalMetrics, "step" | "greedyAccuracy">;
  },
): string {
  const { kind, samplesPerStep, klToInitial, evaluation } = context;
  const parts = [`correct ${fixed(metrics.correctRatio, 3)}`];
  if (klToInitial !== null) parts.push(`KL ${fixed(klToInitial, 4)}`);
  parts.push(`entropy ${fixed(metrics.rolloutEntropy, 3)}`);
  if (kind === "psr" || kind === "nsr") {
    parts.push(`trained ${metrics.samplesTrained}/${samplesPerStep}`);
  }
  if (kind === "ppo") parts.push(`value loss ${fixed(metrics.valueLoss, 4)}`);
  if (evaluation !== undefined) {
    parts.push(`greedy ${fixed(evaluation.greedyAccuracy, 3)} (step ${evaluation.step})`);
  }
  const rate = metrics.seconds.total > 0 ? samplesPerStep / metrics.seconds.total : 0;
  parts.push(`${rate >= 100 ? Math.round(rate) : fixed(rate, 1)} samples/s`);
  return parts.join(", ");
}

/**
 * An `onStep` callback for `runTraining` / `train` that shows a run's progress: one line
 * (in place: a Jupyter display or a stderr line) with the counts, the time left (right after a
 * resume too: pass `start`) and {@link trainingStepDetail}; in Jupyter, with `curves`, the
 * training curves redrawn in place as the run goes. Renders its first line (the step it starts
 * at) when made.
 *
 * @param config The run's config (objective, rollout and train sections).
 * @param options Resume step, label, target, live curves.
 * @returns The callback, with `lastLine` and the `log` it has seen.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseExperimentConfig } from "../config.ts";
 * const config = parseExperimentConfig({ objective: { kind: "nsr" }, train: { steps: 50 } });
 * const progress = trainingProgress(config, { start: 32, target: "none" });
 * assert.match(progress.lastLine, /^train nsr .* 32\/50 0s, ~\? left$/);
 * ```
 */
export function trainingProgress(
  config: Pick<ExperimentConfig, "objective" | "rollout" | "train">,
  options: TrainingProgressOptions = {},
): TrainingProgress {
  const { objective, rollout, train } = config;
  const {
    start = 0,
    label = `train ${objective.kind}`,
    target,
    curves,
    figureEverySeconds = 10,
    now = () => performance.now(),
  } = options;
  const report = progressReporter(label, { target, now });
  report({ done: start, total: train.steps });
  const draw = curves === undefined ? undefined : liveDisplay();
  const steps: StepMetrics[] = [];
  const evals: EvalMetrics[] = [];
  let klToInitial: number | null = null;
  let lastDrawn = -Infinity;
  const onStep = (metrics: StepMetrics, evaluation?: EvalMetrics): void => {
    steps.push(metrics);
    if (evaluation !== undefined) evals.push(evaluation);
    klToInitial = metrics.klToInitial ?? klToInitial;
    report({
      done: metrics.step,
      total: train.steps,
      detail: trainingStepDetail(metrics, {
        kind: objective.kind,
        samplesPerStep: train.promptsPerStep * rollout.samplesPerPrompt,
        klToInitial,
        evaluation: evals.at(-1),
      }),
    });
    const t = now();
    const due = evaluation !== undefined || metrics.step === train.steps ||
      t - lastDrawn >= 1000 * figureEverySeconds;
    if (draw !== undefined && curves !== undefined && due) {
      lastDrawn = t;
      const fig = trainingCurvesFigure({ steps, evals }, {
        curves,
        method: objective.kind,
        title: `${label}: step ${metrics.step} of ${train.steps}`,
      });
      draw({ "text/html": fig.html, "text/plain": `training curves, step ${metrics.step}` });
    }
  };
  return Object.defineProperties(onStep, {
    lastLine: { get: () => report.lastLine },
    log: { get: () => ({ steps, evals }) },
  }) as TrainingProgress;
}
