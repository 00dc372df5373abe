/**
 * {@link WorkerPool}: the protocol's work items (train a run, evaluate a policy, screen problems) on
 * long-lived Web Workers, one item per worker at a time, so independent runs use every core
 * (tfjs runs wasm single-threaded under Deno). With `workers: 0` work items run in this thread.
 *
 * @module
 */
import { currentAttention, currentMatMul } from "../engine/backend.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import type { Policy } from "../model/policy.ts";
import { charTokenizer, type Tokenizer } from "../model/tokenizer.ts";
import { startWorkers } from "../_io/start_workers.ts";
import type { WorkerRequest, WorkerResponse } from "./_worker.ts";
import { runWork, type WorkItem, type WorkProgress, type WorkResult } from "./work.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";

/** Options of {@link WorkerPool.create}. */
export type WorkerPoolOptions<P extends ProtocolProblem> = {
  /** Workers (0: run work items in this thread, one at a time). Default 2. */
  workers?: number;
  /** The task; workers import it from `task.module`. */
  task: ProtocolTask<P>;
  /** The base model's checkpoint directory (every worker loads it and checks its fingerprint). */
  baseDir: string;
  /** Root of the caches. */
  cacheDir: string;
};

type Pending = {
  resolve: (result: WorkResult) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: WorkProgress) => void;
};

/**
 * A pool of item workers. Create it once per protocol run; `dispose()` terminates the workers.
 *
 * @example
 * ```ts ignore
 * await using pool = await WorkerPool.create({ workers: 2, task: COUNTDOWN_TASK, baseDir, cacheDir });
 * const result = await pool.run(item, (progress) => console.log(progress));
 * ```
 */
export class WorkerPool<P extends ProtocolProblem> {
  readonly #idle: Worker[];
  readonly #waiting: (() => void)[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #local: {
    task: ProtocolTask<P>;
    base: { policy: Policy; tokenizer: Tokenizer };
    cacheDir: string;
  } | null;
  readonly #workers: Worker[];
  #nextId = 0;
  #closed = false;

  private constructor(
    workers: Worker[],
    local: {
      task: ProtocolTask<P>;
      base: { policy: Policy; tokenizer: Tokenizer };
      cacheDir: string;
    } | null,
  ) {
    this.#workers = workers;
    this.#idle = [...workers];
    this.#local = local;
    for (const worker of workers) {
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => this.#receive(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failAll(new Error(`Cannot run a work item in a worker: ${event.message}`));
      };
    }
  }

  /**
   * Starts the workers (each initialises its backend with this thread's engines, imports the
   * task and loads the base) and waits until each is ready.
   *
   * @param options Workers, task, base directory, cache directory.
   * @returns A ready pool; the caller owns it.
   * @throws {Error} If a worker cannot start (its message is kept), or the base does not load.
   */
  static async create<P extends ProtocolProblem>(
    options: WorkerPoolOptions<P>,
  ): Promise<WorkerPool<P>> {
    const { workers = 2, task, baseDir, cacheDir } = options;
    if (!Number.isInteger(workers) || workers < 0) {
      throw new RangeError(
        `Cannot create a worker pool: workers must be an integer >= 0, got ${workers}`,
      );
    }
    const loaded = await loadCheckpoint(baseDir);
    if (loaded.tokenizerAlphabet === undefined) {
      loaded.policy.dispose();
      throw new TypeError(`Cannot create a worker pool: ${baseDir} has no tokenizer alphabet`);
    }
    if (workers === 0) {
      const base = { policy: loaded.policy, tokenizer: charTokenizer(loaded.tokenizerAlphabet) };
      return new WorkerPool<P>([], { task, base, cacheDir });
    }
    loaded.policy.dispose();
    const init: WorkerRequest = {
      type: "init",
      matmul: currentMatMul(),
      attention: currentAttention(),
      task: { module: task.module, exportName: task.exportName },
      baseDir,
      baseId: loaded.fingerprint,
      cacheDir,
    };
    const url = new URL("./_worker.ts", import.meta.url).href;
    return new WorkerPool<P>(await startWorkers(url, workers, init, "work"), null);
  }

  /** Number of work items that can run at once. */
  get size(): number {
    return Math.max(1, this.#workers.length);
  }

  /**
   * Runs an item on the next free worker (or in this thread).
   *
   * @param item The item.
   * @param onProgress Called as it advances.
   * @returns Its result.
   * @throws {Error} If the item fails (the worker's message is kept) or the pool was disposed.
   */
  async run(item: WorkItem<P>, onProgress?: (progress: WorkProgress) => void): Promise<WorkResult> {
    if (this.#closed) throw new Error("Cannot run a work item: the worker pool was disposed");
    if (this.#local !== null) {
      const release = await this.#acquireLocal();
      try {
        return await runWork(item, { ...this.#local, onProgress });
      } finally {
        release();
      }
    }
    while (this.#idle.length === 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    const worker = this.#idle.pop() as Worker;
    const id = this.#nextId++;
    try {
      return await new Promise<WorkResult>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject, onProgress });
        worker.postMessage({ type: "work", id, item } satisfies WorkerRequest);
      });
    } finally {
      this.#idle.push(worker);
      this.#waiting.shift()?.();
    }
  }

  #localBusy = false;
  async #acquireLocal(): Promise<() => void> {
    while (this.#localBusy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#localBusy = true;
    return () => {
      this.#localBusy = false;
      this.#waiting.shift()?.();
    };
  }

  #receive(message: WorkerResponse): void {
    if (message.type === "ready") return;
    if (message.id === undefined) {
      this.#failAll(
        new Error(
          `Cannot run a work item in a worker: ${
            message.type === "error" ? message.message : "no id"
          }`,
        ),
      );
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    if (message.type === "progress") {
      pending.onProgress?.(message.progress);
      return;
    }
    this.#pending.delete(message.id);
    if (message.type === "result") pending.resolve(message.result);
    else pending.reject(new Error(`Cannot run a work item in a worker: ${message.message}`));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  /** Terminates the workers (pending work items reject) and frees the in-thread base. Safe twice. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const worker of this.#workers) worker.terminate();
    this.#failAll(new Error("Cannot run a work item: the worker pool was disposed"));
    this.#local?.base.policy.dispose();
  }

  /** Same as {@link WorkerPool.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }
}
