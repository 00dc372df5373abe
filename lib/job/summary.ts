/**
 * The main job's `out/summary.json`: the parts the notebooks wrote (`writeSummaryPart`: the
 * protocol's summary, the movement gate, claims) merged with what only the job knows (its wall
 * time, each notebook's time). The README's tables are written from it.
 *
 * @module
 */
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
