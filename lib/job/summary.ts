/**
 * The main job's `out/summary.json`: the parts the notebooks wrote (`writeSummaryPart`: the
 * protocol's summary, the movement gate, claims) merged with what only the job knows (its wall
 * time, each notebook's time). The README's tables are written from it.
 *
 * @module
 */
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { ClaimRecord } from "../claims/verdict.ts";

/** What the job adds to the notebooks' parts. */
export type JobFacts = {
  /** The profile the notebooks ran in. */
  readonly profile: string;
  /** When the main job (notebooks 00-04, run together) last finished (ISO 8601). */
  readonly date: string;
  /** Wall-clock minutes of that run of the main job (not of a later extended study's run). */
  readonly runtimeMinutes: number;
  /** Wall-clock seconds of each notebook's last run in this profile, by name. */
  readonly notebookSeconds: Readonly<Record<string, number>>;
};

/**
 * Merges the notebooks' summary parts, in notebook order: `claims` lists are concatenated, a
 * `protocol` part is spread into the top level (runtime, movement, settings), anything else is
 * kept under its key (the last part wins).
 *
 * @param parts Notebook stem → its part.
 * @param facts What the job measured.
 * @returns The summary.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const claim = { id: "1", claim: "c", verdict: "reproduced" as const, evidence: "e" };
 * const summary = mergeSummary({ "02": { protocol: { rlSteps: 150 }, claims: [claim] }, "03": { claims: [claim] } },
 *   { profile: "full", date: "2026-12-03", runtimeMinutes: 50, notebookSeconds: {} });
 * assert.equal(summary.rlSteps, 150);
 * assert.equal((summary.claims as unknown[]).length, 2);
 * ```
 */
export function mergeSummary(
  parts: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  facts: JobFacts,
): Record<string, unknown> {
  const claims: ClaimRecord[] = [];
  let out: Record<string, unknown> = { ...facts };
  for (const name of Object.keys(parts).sort()) {
    const { claims: partClaims, protocol, ...rest } = parts[name] as {
      claims?: ClaimRecord[];
      protocol?: Record<string, unknown>;
    } & Record<string, unknown>;
    if (protocol !== undefined) out = { ...out, ...protocol };
    out = { ...out, ...rest };
    claims.push(...(partClaims ?? []));
  }
  return { ...out, claims };
}

/** When the main job finished and how long it took: the summary's `date` and `runtimeMinutes`. */
export type MainJobTiming = { readonly date: string; readonly runtimeMinutes: number };

/**
 * The main job's timing for the summary. A run of the job that executed every main notebook
 * records its own timing in `file` (atomically) and returns it; a run that executed only some (an
 * extended study, `repro 05`) returns the recorded one, so the summary never reports a study's
 * minutes as the job's.
 *
 * @param file Where the main job's timing is kept (e.g. `out/runs/full.main_job.json`).
 * @param thisRun This invocation's timing.
 * @param ranMainJob Whether this invocation ran every notebook of the main job.
 * @returns The main job's timing, or undefined when none ran and none is recorded.
 * @throws {Error} If `file` exists but is not a timing (its path and content are named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const file = `${await Deno.makeTempDir()}/main_job.json`;
 * const job = { date: "2026-12-07T13:34:17Z", runtimeMinutes: 50.2 };
 * await mainJobTiming(file, job, true);
 * assert.deepEqual(await mainJobTiming(file, { date: "later", runtimeMinutes: 0.4 }, false), job);
 * ```
 */
export async function mainJobTiming(
  file: string,
  thisRun: MainJobTiming,
  ranMainJob: boolean,
): Promise<MainJobTiming | undefined> {
  if (ranMainJob) {
    await writeTextFileAtomic(file, JSON.stringify(thisRun) + "\n");
    return thisRun;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const recorded = JSON.parse(text);
  if (typeof recorded?.date !== "string" || typeof recorded?.runtimeMinutes !== "number") {
    throw new Error(`Cannot read the main job's timing: ${file} holds ${text.trim()}`);
  }
  return { date: recorded.date, runtimeMinutes: recorded.runtimeMinutes };
}
