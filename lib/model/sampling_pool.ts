/**
 * {@link SamplingPool}: long-lived Web Workers, each with its own tfjs wasm instance, that
 * split a sampling batch between them. tfjs runs wasm single-threaded under Deno, so this is
 * how sampling uses more than one core.
 *
 * @module
 */
import {
  type AttentionChoice,
  type BackendName,
  currentAttention,
  currentMatMul,
  type MatMulChoice,
} from "../engine/backend.ts";
import type { WorkerRequest, WorkerResponse } from "./_sampling_worker.ts";
import { startWorkers } from "../_io/start_workers.ts";
import { toWire, type WireWeights } from "./_wire.ts";
import type { Policy } from "./policy.ts";
import type { SampledSequence, SampleOptions } from "./sample.ts";

/** Options of {@link SamplingPool.create}. */
export type SamplingPoolOptions = {
  /** Number of workers. Default 2. */
  workers?: number;
  /** Backend each worker initialises. Default `wasm`. */
  backend?: BackendName;
  /**
   * Who computes matrix products in the workers (`initBackend`'s `matmul`). Default: the
   * engine this thread uses ({@link currentMatMul}), so pooled and in-thread results agree.
   */
  matmul?: MatMulChoice;
  /**
   * Who computes cached attention in the workers (`initBackend`'s `attention`). Default: the
   * engine this thread uses ({@link currentAttention}).
   */
  attention?: AttentionChoice;
};

type Pending = { resolve: (s: SampledSequence[]) => void; reject: (e: Error) => void };

type Slot = { worker: Worker; version: number };

/**
 * A pool of sampling workers. Create it once and keep it alive across calls (a worker's first
 * call pays tfjs and wasm start-up); `dispose()` terminates the workers.
 *
 * Each call sends the policy's weights to a worker only when they changed since that worker's
 * last call (tracked by {@link SamplingPool.markUpdated} or a new policy object).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * await using pool = await SamplingPool.create({ workers: 1, backend: "cpu" });
 * const opts = { temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 3, eos: 2, pad: 0 };
 * const [s] = await pool.sample(policy, [[1, 4]], { ...opts, seeds: [7] });
 * assert.equal(s.tokens.length, s.logProbs.length);
 * ```
 */
export class SamplingPool {
  readonly #slots: Slot[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #version = 0;
  #lastPolicy?: WeakRef<Policy>;
  #closed = false;

  private constructor(workers: Worker[]) {
    this.#slots = workers.map((worker) => ({ worker, version: -1 }));
    for (const worker of workers) {
      worker.onmessage = (event: MessageEvent<WorkerResponse>) => this.#receive(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failAll(new Error(`Cannot sample in a worker: ${event.message}`));
      };
    }
  }

  /**
   * Starts the workers and waits until each has initialised its backend.
   *
   * @param options Worker count and backend.
   * @returns A ready pool; the caller owns it.
   */
  static async create(options: SamplingPoolOptions = {}): Promise<SamplingPool> {
    const {
      workers = 2,
      backend = "wasm",
      matmul = currentMatMul(),
      attention = currentAttention(),
    } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`Cannot create a sampling pool: workers must be >= 1, got ${workers}`);
    }
    const url = new URL("./_sampling_worker.ts", import.meta.url).href;
    const init: WorkerRequest = { type: "init", backend, matmul, attention };
    const list = await startWorkers(url, workers, init, "sampling");
    return new SamplingPool(list);
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** Tells the pool the policy's weights changed (after an optimizer step). */
  markUpdated(): void {
    this.#version++;
  }

  /**
   * Samples one continuation per prompt, splitting the prompts evenly between the workers.
   * Same contract as `sampleSequences`, except that randomness is given as one integer seed
   * per prompt (a seeded stream cannot cross a worker boundary); with the same seeds the pool
   * and `sampleSequences(…, { prng: seeds.map(seededPrng) })` draw the same tokens.
   *
   * @param policy The policy whose current weights to sample from.
   * @param prompts Token ids, BOS first.
   * @param options Sampling settings, `eos`, `pad` and `seeds` (one per prompt).
   * @returns One sequence per prompt, in order.
   * @throws {Error} If the pool was disposed or a worker fails.
   */
  async sample(
    policy: Policy,
    prompts: readonly (readonly number[])[],
    options: Omit<SampleOptions, "prng"> & { seeds: readonly number[] },
  ): Promise<SampledSequence[]> {
    const { seeds, ...rest } = options;
    if (this.#closed) throw new Error("Cannot sample: the sampling pool was disposed");
    if (seeds.length !== prompts.length) {
      throw new RangeError(
        `Cannot sample: need one seed per prompt, got ${seeds.length} for ${prompts.length} prompts`,
      );
    }
    if (this.#lastPolicy?.deref() !== policy) {
      this.#lastPolicy = new WeakRef(policy);
      this.#version++;
    }
    const version = this.#version;
    const n = this.#slots.length;
    const chunk = Math.ceil(prompts.length / n);
    let weights: WireWeights | undefined;
    const parts = this.#slots.map((slot, k) => {
      const start = k * chunk;
      const end = Math.min(prompts.length, start + chunk);
      if (start >= end) return Promise.resolve<SampledSequence[]>([]);
      if (slot.version !== version && weights === undefined) {
        weights = toWire(policy);
      }
      const id = this.#nextId++;
      const request: WorkerRequest = {
        type: "sample",
        id,
        config: policy.config,
        version,
        weights: slot.version !== version ? weights : undefined,
        prompts: prompts.slice(start, end).map((p) => [...p]),
        seeds: seeds.slice(start, end),
        options: rest,
      };
      slot.version = version;
      return new Promise<SampledSequence[]>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        slot.worker.postMessage(request);
      });
    });
    return (await Promise.all(parts)).flat();
  }

  #receive(message: WorkerResponse): void {
    if (message.type === "ready") return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.type === "result") pending.resolve(message.samples);
    else pending.reject(new Error(`Cannot sample in a worker: ${message.message}`));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const slot of this.#slots) slot.version = -1;
  }

  /** Terminates the workers; pending calls reject. Safe to call twice. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots) slot.worker.terminate();
    this.#failAll(new Error("Cannot sample: the sampling pool was disposed"));
  }

  /** Same as {@link SamplingPool.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }

  /** Same as {@link SamplingPool.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
