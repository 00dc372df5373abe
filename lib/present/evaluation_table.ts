/**
 * Plain-text tables of an evaluation, for terminals and logs.
 *
 * @module
 */

import type { EvaluationResult } from "../eval/evaluate.ts";

/**
 * Formats an evaluation as text: one row per k with Pass@k and its interval in percent, then the
 * sample counts and the grading reasons.
 *
 * @param result An evaluation from `evaluateSamples`.
 * @returns Lines of text joined by "\n" (no final newline).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const table = formatEvaluationTable({
 *   samples: 4,
 *   problems: [{ problemId: "0", n: 4, c: 1 }],
 *   curve: [{ k: 1, estimate: 0.25, lower: 0.25, upper: 0.25 }],
 *   confidence: 0.95,
 *   reasons: { equivalent: 1, "no-answer": 3 },
 *   unsampledProblemIds: [],
 * });
 * assert.match(table, /^ +k +pass@k +95% interval\n +1 +25\.0 +\[25\.0, 25\.0\]/);
 * assert.match(table, /no-answer 3/);
 * ```
 */
export function formatEvaluationTable(result: EvaluationResult): string {
  const { samples, problems, curve, confidence, reasons, unsampledProblemIds } = result;
  const percent = (x: number): string => (100 * x).toFixed(1);
  const level = `${+(100 * confidence).toFixed(2)}% interval`;
  const lines = [`${"k".padStart(5)}  ${"pass@k".padStart(7)}  ${level}`];
  for (const { k, estimate, lower, upper } of curve) {
    lines.push(
      `${String(k).padStart(5)}  ${percent(estimate).padStart(7)}  [${percent(lower)}, ${
        percent(upper)
      }]`,
    );
  }
  // A loop, not Math.min(...ns): spreading 100k+ arguments overflows the call stack.
  let minN = Infinity, maxN = -Infinity;
  for (const { n } of problems) {
    minN = Math.min(minN, n);
    maxN = Math.max(maxN, n);
  }
  const nText = minN === maxN ? `n = ${minN} each` : `n = ${minN} to ${maxN}`;
  lines.push(`${samples} samples over ${problems.length} problems (${nText}), pass@k in %`);
  if (unsampledProblemIds.length > 0) {
    lines.push(`${unsampledProblemIds.length} problems had no sample and were skipped`);
  }
  const reasonText = Object.entries(reasons).map(([reason, count]) => `${reason} ${count}`);
  lines.push(`reasons: ${reasonText.join(", ")}`);
  return lines.join("\n");
}
