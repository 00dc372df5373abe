/**
 * The paper's Pass@k table (data/paper/table1.json) as tidy rows, to draw beside our curves.
 *
 * File shape: `{ unit: "percent" | "fraction", ks: number[], datasets: { [dataset]: { passAtK:
 * { [method]: number[] } } } }`, one value per k. Rows always carry fractions.
 *
 * @module
 */

import { readJsonFile } from "../_io/read_json_file.ts";
import type { PassAtKRow } from "./passk.ts";

/** The paper's Table 1 (Pass@k of every method on MATH, AIME 2025, AMC23; T = 0.6, n = 256). */
export const PAPER_TABLE_FILE: string = new URL("../../data/paper/table1.json", import.meta.url)
  .pathname;

/**
 * Reads a Pass@k table file as rows (see {@link paperTableToRows}).
 *
 * @param path The file (default: the paper's Table 1, {@link PAPER_TABLE_FILE}).
 * @returns One row per dataset, method and k, as fractions.
 * @throws {TypeError} If the file's JSON does not have the table's shape (the path is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = await loadPaperTable();
 * assert.ok(rows.some((row) => row.method === "NSR" && row.k === 256));
 * ```
 */
export async function loadPaperTable(path: string = PAPER_TABLE_FILE): Promise<PassAtKRow[]> {
  try {
    return paperTableToRows(await readJsonFile(path));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(`${error.message} (in ${path})`);
  }
}

/**
 * Turns a Pass@k table file's parsed JSON into rows `{ dataset, method, k, passAtK }`, with Pass@k
 * as a fraction (values stored in percent are divided by 100).
 *
 * @param table The parsed JSON of a file such as data/paper/table1.json.
 * @returns One row per dataset, method and k, in file order.
 * @throws {TypeError} If the JSON does not have the shape above (the message names the path).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = paperTableToRows({
 *   unit: "percent",
 *   ks: [1, 2],
 *   datasets: { MATH: { passAtK: { NSR: [75.7, 82.4] } } },
 * });
 * assert.deepEqual(rows[1], { dataset: "MATH", method: "NSR", k: 2, estimate: 0.824, lower: 0.824, upper: 0.824 });
 * ```
 */
export function paperTableToRows(table: unknown): PassAtKRow[] {
  const { unit, ks, datasets } = asObject(table, "table");
  if (unit !== "percent" && unit !== "fraction") {
    throw new TypeError(
      `Cannot read a pass@k table: unit must be "percent" or "fraction", got ${
        JSON.stringify(unit)
      }`,
    );
  }
  const scale = unit === "percent" ? 100 : 1;
  if (!Array.isArray(ks) || ks.length === 0 || !ks.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new TypeError(
      `Cannot read a pass@k table: ks must be positive integers, got ${JSON.stringify(ks)}`,
    );
  }
  const rows: PassAtKRow[] = [];
  for (const [dataset, entry] of Object.entries(asObject(datasets, "datasets"))) {
    const path = `datasets.${dataset}.passAtK`;
    for (
      const [method, values] of Object.entries(asObject(asObject(entry, dataset).passAtK, path))
    ) {
      const ok = Array.isArray(values) && values.length === ks.length &&
        values.every((v) => typeof v === "number" && v >= 0 && v <= scale);
      if (!ok) {
        throw new TypeError(
          `Cannot read a pass@k table: ${path}.${method} must be ${ks.length} numbers in [0, ${scale}], got ${
            JSON.stringify(values)
          }`,
        );
      }
      ks.forEach((k, i) => {
        const estimate = toFraction(values[i], unit);
        rows.push({ dataset, method, k, estimate, lower: estimate, upper: estimate });
      });
    }
  }
  return rows;
}

// 82.4 / 100 is 0.8240000000000001; shifting the decimal exponent gives the double nearest to
// 0.824, the number the paper printed.
function toFraction(value: number, unit: "percent" | "fraction"): number {
  if (unit === "fraction") return value;
  const text = String(value);
  return text.includes("e") ? value / 100 : Number(`${text}e-2`);
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `Cannot read a pass@k table: ${path} must be an object, got ${JSON.stringify(value)}`,
    );
  }
  return value as Record<string, unknown>;
}
