/**
 * Regression checks for notebooks: a notebook's key numbers, compared with reference values
 * committed in `data/reference/`, each within a stated tolerance. A behaviour change then fails
 * the notebook test instead of passing silently.
 *
 * @module
 */
import { readJsonFile } from "../_io/read_json_file.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";

/** One checked number. */
export type ReferenceCheck = {
  /** Name of the number. */
  name: string;
  /** This run's value. */
  actual: number;
  /** The committed value (NaN when the reference lacks it). */
  reference: number;
  /** Absolute tolerance. */
  tolerance: number;
  /** Whether |actual − reference| ≤ tolerance. */
  ok: boolean;
};

/** The environment variable that makes {@link checkAgainstReference} (re)write the reference. */
export const UPDATE_REFERENCE_ENV = "RLVR_UPDATE_REFERENCE";

/**
 * Compares named numbers with the reference file at `path` (JSON: `{ values: {name: number},
 * tolerances: {name: number} }`). With `RLVR_UPDATE_REFERENCE=1` it writes this run's values as
 * the new reference (keeping the file's tolerances, else `defaultTolerance`).
 *
 * @param actual This run's numbers.
 * @param path The reference JSON file.
 * @param options `defaultTolerance` for names without one (default 1e-6).
 * @returns One check per name.
 * @throws {Error} Listing every number outside its tolerance, and any name missing on either side.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({ values: { a: 1 }, tolerances: { a: 0.1 } }));
 * assert.equal((await checkAgainstReference({ a: 1.05 }, path))[0].ok, true);
 * await assert.rejects(() => checkAgainstReference({ a: 2 }, path), /a = 2, reference 1/);
 * ```
 */
export async function checkAgainstReference(
  actual: Readonly<Record<string, number>>,
  path: string,
  options: { defaultTolerance?: number } = {},
): Promise<ReferenceCheck[]> {
  const { defaultTolerance = 1e-6 } = options;
  let stored: { values: Record<string, number>; tolerances: Record<string, number> } = {
    values: {},
    tolerances: {},
  };
  try {
    stored = await readJsonFile(path) as typeof stored;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (Deno.env.get(UPDATE_REFERENCE_ENV) === "1") {
    const tolerances = Object.fromEntries(
      Object.keys(actual).map((name) => [name, stored.tolerances[name] ?? defaultTolerance]),
    );
    await writeTextFileAtomic(path, JSON.stringify({ values: actual, tolerances }, null, 2) + "\n");
    stored = { values: { ...actual }, tolerances };
  }
  const names = [...new Set([...Object.keys(actual), ...Object.keys(stored.values)])].sort();
  const checks = names.map((name) => {
    const value = actual[name] ?? NaN;
    const reference = stored.values[name] ?? NaN;
    const tolerance = stored.tolerances[name] ?? defaultTolerance;
    return {
      name,
      actual: value,
      reference,
      tolerance,
      ok: Math.abs(value - reference) <= tolerance,
    };
  });
  const failed = checks.filter((check) => !check.ok);
  if (failed.length > 0) {
    const lines = failed.map((c) =>
      `${c.name} = ${c.actual}, reference ${c.reference} ± ${c.tolerance}`
    );
    throw new Error(
      `Cannot confirm the reference values in ${path}: ${lines.join("; ")} ` +
        `(if the change is intended, rerun with ${UPDATE_REFERENCE_ENV}=1)`,
    );
  }
  return checks;
}
