/**
 * Phase 1 of the protocol, the training pool: the base samples `pool.samples` responses (T = 1)
 * to each of the first `pool.candidates` train-split problems (after the primary held-out set is
 * drawn out); problems it solves with a rate of at least `pool.minPassRate` form the pool. With
 * `minPassRate` 0 nothing is screened: the pool is every candidate, the distribution the primary
 * set is drawn from. Problems a group gets all wrong still occur (NSR learns from them).
 *
 * @module
 */
import type { ProtocolConfig } from "../config.ts";
import type { ProtocolProblem, SamplingSetting } from "../eval/task.ts";
import type { LaterWork, Scheduler } from "../schedule/scheduler.ts";
import type { WorkItem } from "../schedule/work.ts";
import type { TrainingPool } from "./protocol_results.ts";

/** Problems per screening item (fixed, so screening does not depend on the number of workers). */
const SCREEN_CHUNK = 200;

/** What {@link screenPool} gives. */
export type PoolPhase<P extends ProtocolProblem> = {
  /** The pool as the results keep it. */
  readonly pool: TrainingPool;
  /** The pool's problems, in split order. */
  readonly problems: readonly P[];
  /** Core-seconds the screening took when computed. */
  readonly seconds: number;
};

/**
 * Screens the candidates (module doc) on the scheduler.
 *
 * @param scheduler The scheduler.
 * @param protocol The protocol (`pool`).
 * @param candidates The first `pool.candidates` train problems.
 * @param later Work announced after this phase (for the time left).
 * @returns The pool.
 * @throws {RangeError} If no candidate reaches `pool.minPassRate`.
 */
export async function screenPool<P extends ProtocolProblem>(
  scheduler: Scheduler<P>,
  protocol: ProtocolConfig,
  candidates: readonly P[],
  later: LaterWork,
): Promise<PoolPhase<P>> {
  const { samples, seed, minPassRate } = protocol.pool;
  if (minPassRate === 0) {
    const pool = {
      candidates: candidates.length,
      filter: "none" as const,
      samples: 0,
      minPassRate: 0,
      problemIds: candidates.map((p) => p.id),
      passRates: [],
      meanPassRate: null,
    };
    return { pool, problems: candidates, seconds: 0 };
  }
  const setting: SamplingSetting = { samples, temperature: 1, topP: 1 };
  // Fixed chunks, whatever the number of workers: a problem's samples depend on its chunk.
  const items: WorkItem<P>[] = Array.from(
    { length: Math.ceil(candidates.length / SCREEN_CHUNK) },
    (_, c) => ({
      kind: "screen",
      label: `screen-${c}`,
      problems: candidates.slice(c * SCREEN_CHUNK, (c + 1) * SCREEN_CHUNK),
      setting,
      seed,
    }),
  );
  const rateById = new Map<string, number>();
  let seconds = 0;
  for (const result of await scheduler.run("pool", items, later)) {
    if (result.kind !== "screen") continue;
    seconds += result.seconds;
    for (const o of result.outcomes) rateById.set(o.problemId, o.c / o.n);
  }
  const passRates = candidates.map((p) => rateById.get(p.id) as number);
  const problems = candidates.filter((_, i) => passRates[i] >= minPassRate);
  if (problems.length === 0) {
    throw new RangeError(
      `Cannot run the protocol: no screened problem reaches pool.minPassRate ${minPassRate}`,
    );
  }
  const rates = problems.map((p) => rateById.get(p.id) as number);
  return {
    pool: {
      candidates: candidates.length,
      filter: "minPassRate",
      samples,
      minPassRate,
      problemIds: problems.map((p) => p.id),
      passRates,
      meanPassRate: rates.reduce((a, x) => a + x, 0) / rates.length,
    },
    problems,
    seconds,
  };
}
