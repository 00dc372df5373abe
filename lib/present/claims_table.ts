/**
 * The claims table that ends each notebook, from the records of the claims registry (lib/claims/).
 *
 * @module
 */
import type { ClaimRecord, ClaimVerdict } from "../claims/verdict.ts";
import { type Table, table } from "./table.ts";

const VERDICT_STYLE: Readonly<Record<ClaimVerdict, string>> = {
  "reproduced": "background:#d9f2d9",
  "not reproduced": "background:#f8d7d7",
  "inconclusive": "background:#fff3cd",
  "not tested": "background:#e8e8e8",
  "not testable": "background:#e8e8e8",
};

/**
 * The claims table that ends each notebook: id, claim, verdict (coloured in HTML; marked "(fragile)"
 * when the record says so: its interval lies within the run-to-run shift between machines of a
 * boundary that would change it) and evidence.
 *
 * @param records The claims, in order.
 * @param options A `caption` (default "Claims").
 * @returns A table for Jupyter display, with `html` and `text`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const record = { id: "4", claim: "NSR ≥ PPO at k=256", verdict: "not reproduced" as const,
 *   evidence: "NSR − PPO: −10 pp [−20, −5]" };
 * assert.match(claimsTable([record]).text, /4 +NSR ≥ PPO at k=256 +not reproduced/);
 * ```
 */
export function claimsTable(
  records: readonly (ClaimRecord & { readonly fragile?: boolean })[],
  options: { readonly caption?: string } = {},
): Table {
  const { caption = "Claims" } = options;
  const rows = records.map((r) => ({
    ...r,
    verdict: r.fragile ? `${r.verdict} (fragile)` : r.verdict,
  }));
  return table(rows, {
    caption,
    columns: [
      { key: "id", align: "left" },
      "claim",
      {
        key: "verdict",
        style: (verdict) =>
          VERDICT_STYLE[String(verdict).replace(" (fragile)", "") as ClaimVerdict],
      },
      "evidence",
    ],
  });
}
