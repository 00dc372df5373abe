/**
 * `metrics.csv` beside a run's `metrics.jsonl`: the same log as one table a spreadsheet, pandas or
 * any plotting tool reads, one row per step with that step's held-out evaluation (if any) in its
 * last columns. Plain data, no tf.
 *
 * @module
 */
import { join } from "node:path";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { EvalMetrics, StepMetrics } from "./metrics.ts";

/** The scalar step metrics, in column order (per-prompt arrays and phase times left out). */
const STEP_COLUMNS = [
  "correctRatio",
  "fullySolvedRatio",
  "allWrongRatio",
  "meanReward",
  "samplesTrained",
  "optimizerSteps",
  "meanResponseLength",
  "truncationRate",
  "rolloutEntropy",
  "klToInitial",
  "clipFraction",
  "gradNorm",
  "loss",
  "policyLoss",
  "entropy",
  "kl",
  "valueLoss",
] as const satisfies readonly (keyof StepMetrics)[];

/** The evaluation columns: CSV name → field of {@link EvalMetrics}. */
const EVAL_COLUMNS = {
  greedyAccuracy: "greedyAccuracy",
  greedyEntropy: "entropy",
  greedyResponseLength: "meanResponseLength",
} as const satisfies Record<string, keyof EvalMetrics>;

/** The header of `metrics.csv`. */
export const METRICS_CSV_COLUMNS: readonly string[] = [
  "step",
  ...STEP_COLUMNS,
  "seconds",
  ...Object.keys(EVAL_COLUMNS),
];

function cell(value: number | null | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/**
 * A training log as CSV: a header ({@link METRICS_CSV_COLUMNS}), then one row per step in step
 * order: its scalar metrics, `seconds` (the whole step), and the greedy accuracy, entropy and
 * response length of the evaluation run after it (empty on steps without one). An evaluation
 * before training (step 0) gets a row of its own with only those. A metric not measured at a
 * step (the KL between measurements) is an empty cell. Numbers are written in full precision.
 *
 * @param log The steps and evaluations (`metrics.jsonl`'s records).
 * @returns The CSV text, newline-terminated.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const evals = [{ step: 0, greedyAccuracy: 0.25, entropy: 0.5, meanResponseLength: 9, greedyCorrect: [], greedyEntropies: [] }];
 * const [header, row] = formatMetricsCsv({ steps: [], evals }).split("\n");
 * assert.equal(header.split(",")[0], "step");
 * assert.equal(row, "0" + ",".repeat(19) + "0.25,0.5,9");
 * ```
 */
export function formatMetricsCsv(
  log: { readonly steps: readonly StepMetrics[]; readonly evals: readonly EvalMetrics[] },
): string {
  const evalAt = new Map(log.evals.map((e) => [e.step, e]));
  const stepNumbers = new Set(log.steps.map((s) => s.step));
  const evalCells = (step: number): string[] =>
    Object.values(EVAL_COLUMNS).map((field) => cell(evalAt.get(step)?.[field]));
  const rows = [METRICS_CSV_COLUMNS.join(",")];
  const before = log.evals.filter((e) => !stepNumbers.has(e.step) && e.step === 0);
  for (const e of before) {
    rows.push([String(e.step), ...STEP_COLUMNS.map(() => ""), "", ...evalCells(e.step)].join(","));
  }
  for (const m of log.steps) {
    rows.push(
      [
        String(m.step),
        ...STEP_COLUMNS.map((c) => cell(m[c])),
        cell(m.seconds.total),
        ...evalCells(m.step),
      ].join(","),
    );
  }
  return rows.join("\n") + "\n";
}

/**
 * Writes `<dir>/metrics.csv` ({@link formatMetricsCsv}) atomically, replacing the previous one.
 *
 * @param dir The run directory.
 * @param log The steps and evaluations so far.
 * @returns Resolves when the file is in place.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeMetricsCsv(dir, { steps: [], evals: [] });
 * assert.match(await Deno.readTextFile(`${dir}/metrics.csv`), /^step,correctRatio,/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeMetricsCsv(
  dir: string,
  log: { readonly steps: readonly StepMetrics[]; readonly evals: readonly EvalMetrics[] },
): Promise<void> {
  await writeTextFileAtomic(join(dir, "metrics.csv"), formatMetricsCsv(log));
}
