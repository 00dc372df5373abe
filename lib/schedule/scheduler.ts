/**
 * {@link Scheduler}: runs batches of {@link WorkItem}s on a {@link WorkerPool}, longest first
 * (counting the items that wait for an item as part of it), an item that continues another's
 * run only after that one; and keeps the progress of the whole schedule: items done and in all,
 * what each running item is doing, and the time left, from a cost model of each item's
 * core-seconds scaled by how fast the finished items actually ran.
 *
 * @module
 */
import type { Progress } from "../progress.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";
import type { WorkItem, WorkProgress, WorkResult } from "./work.ts";
import { WorkerPool } from "./worker_pool.ts";
import type { CoreGate } from "./core_gate.ts";

/**
 * Estimated core-seconds of one RL step of 32 × 8 rollouts, by objective (for scheduling and
 * the time left; measured with two items on two cores).
 */
const STEP_SECONDS: Readonly<Record<string, number>> = {
  psr: 1.0,
  nsr: 0.7,
  "w-reinforce": 1.1,
  reinforce: 1.1,
  grpo: 1.2,
  ppo: 2.4,
};
/** Estimated sequences sampled per core-second in an evaluation. */
const SEQUENCES_PER_SECOND = 330;

/**
 * Estimated core-seconds of RL steps of an objective (the cost model behind the schedule).
 *
 * @param objective The objective's kind.
 * @param steps Steps.
 * @param rollouts Rollouts per step (prompts × samples).
 * @returns Core-seconds.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(estimatedStepSeconds("ppo", 10, 256) > estimatedStepSeconds("nsr", 10, 256));
 * ```
 */
export function estimatedStepSeconds(objective: string, steps: number, rollouts: number): number {
  return steps * (rollouts / 256) * (STEP_SECONDS[objective] ?? 1);
}

/**
 * Estimated core-seconds of a work item: its RL steps (by {@link estimatedStepSeconds}) and its
 * evaluations' sampled sequences.
 *
 * @param item The item.
 * @returns Core-seconds.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const setting = { samples: 32, temperature: 1, topP: 1 };
 * const item = { kind: "screen" as const, label: "screen-0", problems: Array(33).fill({}), setting, seed: 0 };
 * assert.equal(estimatedSeconds(item), 33 * 33 / 330);
 * ```
 */
export function estimatedSeconds(item: WorkItem): number {
  const evaluations = item.kind === "screen"
    ? [{ problems: item.problems, setting: item.setting }]
    : item.evaluations;
  const evaluation = evaluations.reduce(
    (s, e) => s + e.problems.length * (e.setting.samples + 1) / SEQUENCES_PER_SECOND,
    0,
  );
  if (item.kind !== "train") return evaluation;
  const { train, rollout, objective } = item.config;
  const steps = train.steps - (item.afterSteps ?? 0);
  return evaluation +
    estimatedStepSeconds(objective.kind, steps, train.promptsPerStep * rollout.samplesPerPrompt);
}

/** Where a schedule stands (the `detail` of the {@link Progress} it reports, as text). */
export type ScheduleProgress = {
  /** The phase now running (the name given to {@link Scheduler.run}). */
  readonly phase: string;
  /** Seconds since the scheduler started. */
  readonly elapsedSeconds: number;
  /** Items finished, and in all (this phase and the ones announced after it). */
  readonly itemsDone: number;
  readonly itemsTotal: number;
  /** What each running item is doing. */
  readonly running: readonly WorkProgress[];
  /** Estimated seconds left (null until an item has finished). */
  readonly remainingSeconds: number | null;
};

/** Options of {@link Scheduler.create}. */
export type SchedulerOptions<P extends ProtocolProblem> = {
  /** The task world. */
  readonly task: ProtocolTask<P>;
  /** The base model's checkpoint directory. */
  readonly baseDir: string;
  /** Root of the caches. */
  readonly cacheDir: string;
  /** Workers (0: this thread). Default 2. */
  readonly workers?: number;
  /**
   * A gate shared with other schedulers on the same cores: an item runs only while it holds one
   * of the gate's cores (default: none, the workers alone bound what runs at once).
   */
  readonly gate?: CoreGate;
  /** Called whenever an item advances. */
  readonly onProgress?: (progress: Progress) => void;
};

/** Work still to come after a phase, for the estimate of the time left. */
export type LaterWork = { readonly seconds: number; readonly items: number };

/**
 * Runs a protocol's work, phase by phase, on one pool of workers. Create it once per protocol
 * run; `await using` disposes the workers.
 *
 * @example
 * ```ts ignore
 * await using scheduler = await Scheduler.create({ task: COUNTDOWN_TASK, baseDir, cacheDir });
 * const results = await scheduler.run("main", items);
 * ```
 */
export class Scheduler<P extends ProtocolProblem> {
  readonly #pool: WorkerPool<ProtocolProblem>;
  readonly #gate?: CoreGate;
  readonly #onProgress?: (progress: Progress) => void;
  readonly #started = performance.now();
  // Items finished in earlier phases, and their estimated and actual core-seconds.
  #doneBefore = 0;
  #measured = { estimate: 0, actual: 0 };

  private constructor(
    pool: WorkerPool<P>,
    gate?: CoreGate,
    onProgress?: (progress: Progress) => void,
  ) {
    this.#pool = pool as unknown as WorkerPool<ProtocolProblem>;
    this.#gate = gate;
    this.#onProgress = onProgress;
  }

  /**
   * Starts the pool of workers.
   *
   * @param options Task, base directory, cache, workers, a shared core gate, progress.
   * @returns A ready scheduler; the caller owns it.
   * @throws {Error} As {@link WorkerPool.create}.
   */
  static async create<P extends ProtocolProblem>(
    options: SchedulerOptions<P>,
  ): Promise<Scheduler<P>> {
    const { workers = 2, task, baseDir, cacheDir, gate, onProgress } = options;
    return new Scheduler(
      await WorkerPool.create<P>({ workers, task, baseDir, cacheDir }),
      gate,
      onProgress,
    );
  }

  /** Items that run at once. */
  get size(): number {
    return this.#pool.size;
  }

  /** Core-seconds of finished items, as measured. */
  get seconds(): number {
    return this.#measured.actual;
  }

  /**
   * Runs one phase's items, longest first; an item with `after` waits for that item and
   * continues its run.
   *
   * @param phase The phase's name, for progress.
   * @param items The items.
   * @param later Work announced for the phases after this one (for the time left).
   * @returns Their results, in the order of `items`.
   * @throws {Error} If an item fails (its error is kept).
   */
  async run(
    phase: string,
    items: readonly WorkItem<P>[],
    later: LaterWork = { seconds: 0, items: 0 },
  ): Promise<WorkResult[]> {
    const started = performance.now();
    const all = items as readonly WorkItem[];
    const byLabel = new Map(all.map((item, i) => [item.label, i]));
    const waitingOn = (i: number) =>
      all.filter((j) => j.kind === "train" && j.after === all[i].label);
    const priority = (i: number): number =>
      estimatedSeconds(all[i]) + waitingOn(i).reduce((s, j) => s + estimatedSeconds(j), 0);
    const pending = all.map((_, i) => i).sort((a, b) => priority(b) - priority(a));
    const results: WorkResult[] = new Array(all.length);
    const finished = new Set<string>();
    const running = new Map<string, WorkProgress>();
    let wake: (() => void)[] = [];
    const phaseProgress = { done: 0, estimate: 0, actual: 0 };
    let remaining = all.reduce((s, j) => s + estimatedSeconds(j), 0);
    const update = () =>
      this.#report({ phase, running, total: all.length, later, remaining, ...phaseProgress });
    const ready = (i: number) => {
      const item = all[i];
      return item.kind !== "train" || item.after === undefined || finished.has(item.after);
    };
    const lane = async (): Promise<void> => {
      while (pending.length > 0) {
        const at = pending.findIndex(ready);
        if (at < 0) {
          await new Promise<void>((resolve) => wake.push(resolve));
          continue;
        }
        const index = pending.splice(at, 1)[0];
        let item = all[index];
        if (item.kind === "train" && item.after !== undefined) {
          const before = results[byLabel.get(item.after) as number];
          item = { ...item, continueFrom: before.kind === "screen" ? undefined : before.run?.dir };
        }
        let itemStarted = 0;
        const runItem = () => {
          itemStarted = performance.now();
          running.set(item.label, {
            label: item.label,
            phase: item.kind === "train" ? "train" : item.kind,
          });
          update();
          return this.#pool.run(item, (progress) => {
            running.set(item.label, progress);
            update();
          });
        };
        results[index] = await (this.#gate === undefined ? runItem() : this.#gate.run(runItem));
        running.delete(item.label);
        finished.add(item.label);
        const woken = wake;
        wake = [];
        woken.forEach((resolve) => resolve());
        phaseProgress.done++;
        phaseProgress.estimate += estimatedSeconds(item);
        phaseProgress.actual += (performance.now() - itemStarted) / 1000;
        remaining -= estimatedSeconds(item);
        update();
      }
    };
    await Promise.all(Array.from({ length: this.#pool.size }, lane));
    this.#doneBefore += all.length;
    this.#measured.estimate += all.reduce((t, j) => t + estimatedSeconds(j), 0);
    this.#measured.actual += (performance.now() - started) / 1000 * this.#pool.size;
    return results;
  }

  #report(now: {
    phase: string;
    running: Map<string, WorkProgress>;
    total: number;
    later: LaterWork;
    remaining: number;
    done: number;
    estimate: number;
    actual: number;
  }): void {
    if (this.#onProgress === undefined) return;
    const estimate = this.#measured.estimate + now.estimate;
    const speed = estimate > 0 ? (this.#measured.actual + now.actual) / estimate : null;
    const progress: ScheduleProgress = {
      phase: now.phase,
      elapsedSeconds: (performance.now() - this.#started) / 1000,
      itemsDone: this.#doneBefore + now.done,
      itemsTotal: this.#doneBefore + now.total + now.later.items,
      running: [...now.running.values()],
      remainingSeconds: speed === null
        ? null
        : ((now.remaining + now.later.seconds) * speed) / this.#pool.size,
    };
    this.#onProgress({
      done: progress.itemsDone,
      total: progress.itemsTotal,
      remainingSeconds: progress.remainingSeconds,
      detail: formatScheduleProgress(progress),
    });
  }

  /** Terminates the workers. Safe twice. */
  dispose(): void {
    this.#pool.dispose();
  }

  /** Same as {@link Scheduler.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }
}

/**
 * One line for a schedule's progress: the phase and what each running item is doing.
 *
 * @param progress The schedule's progress.
 * @returns The text, e.g. `main: nsr-s1 step 80/150; w-reinforce-s0 evaluating tierB`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const line = formatScheduleProgress({ phase: "main", elapsedSeconds: 723, itemsDone: 3, itemsTotal: 9, remainingSeconds: null,
 *   running: [{ label: "nsr-s1", phase: "train", step: 80, steps: 150 }, { label: "base-s0", phase: "evaluate", tier: "tierB" }] });
 * assert.equal(line, "main: nsr-s1 step 80/150; base-s0 evaluating tierB");
 * ```
 */
export function formatScheduleProgress(progress: ScheduleProgress): string {
  const doing = progress.running.map((item) => {
    switch (item.phase) {
      case "train":
        return `${item.label} step ${item.step ?? 0}/${item.steps ?? "?"}`;
      case "evaluate":
        return `${item.label} evaluating ${item.tier ?? ""}`;
      case "screen":
        return `${item.label} screening`;
    }
  });
  return `${progress.phase}${doing.length > 0 ? `: ${doing.join("; ")}` : ""}`;
}
