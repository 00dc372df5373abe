/**
 * {@link GradientPool}: long-lived Web Workers, each with its own tfjs wasm instance, that
 * compute the gradient of a loss on shares of a batch in parallel. tfjs runs wasm
 * single-threaded under Deno, so workers on idle cores add throughput (the README's benchmark
 * section has the figures).
 *
 * The loss lives in a module the workers import (a function cannot cross a worker boundary):
 * `export function myLoss(policy: Policy, input: T): tf.Scalar` with `T` structured-cloneable
 * (plain numbers, arrays, typed arrays).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, currentMatMul, type MatMulChoice } from "../engine/backend.ts";
import type { GradientRequest, GradientResponse } from "./_gradient_worker.ts";
import { startWorkers } from "../_io/start_workers.ts";
import { toWire, type WireWeights } from "./_wire.ts";
import type { TfTensor } from "./params.ts";
import type { Policy } from "./policy.ts";

/** Where the workers find the loss: a module URL and the name of its function export. */
export type LossModule = { module: string; name: string };

/** Options of {@link GradientPool.create}. */
export type GradientPoolOptions = {
  /** The loss `(policy, input) => tf.Scalar`. */
  loss: LossModule;
  /** Number of workers. Default 2. */
  workers?: number;
  /** Backend each worker initialises. Default `wasm`. */
  backend?: BackendName;
  /**
   * Who computes matrix products in the workers (`initBackend`'s `matmul`). Default: the
   * engine this thread uses ({@link currentMatMul}), so pooled and in-thread results agree.
   */
  matmul?: MatMulChoice;
};

/** Result of {@link GradientPool.gradients}. */
export type PooledGradients = {
  /** Σ_i loss(policy, inputs[i]). */
  loss: number;
  /** Σ_i ∇ loss(policy, inputs[i]), one tensor per variable (owned by the caller). */
  grads: TfTensor[];
  /** Σ_i of the statistics the loss reports with each input; null when it reports none. */
  stats: number[] | null;
};

type Reply = { loss: number; grads: Float32Array[]; stats: Float32Array | null };

type Pending = {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
};

/**
 * A pool of gradient workers. Create it once and keep it alive across steps (start-up costs
 * seconds); call {@link GradientPool.markUpdated} after each optimizer step so the workers
 * receive the new weights; `dispose()` terminates them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const loss = { module: new URL("./log_probs.ts", import.meta.url).href, name: "meanNextTokenNll" };
 * await using pool = await GradientPool.create({ loss, workers: 1, backend: "cpu" });
 * const out = await pool.gradients(policy, [{ tokens: [[1, 4, 5, 2]] }]);
 * assert.equal(out.grads.length, policy.actorVariables.length);
 * out.grads.forEach((g) => g.dispose());
 * ```
 */
export class GradientPool {
  readonly #workers: { worker: Worker; version: number }[];
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #version = 0;
  #lastPolicy?: WeakRef<Policy>;
  #closed = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers.map((worker) => ({ worker, version: -1 }));
    for (const worker of workers) {
      worker.onmessage = (event: MessageEvent<GradientResponse>) => this.#receive(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failAll(new Error(`Cannot compute gradients in a worker: ${event.message}`));
      };
    }
  }

  /**
   * Starts the workers; each initialises its backend and imports the loss.
   *
   * @param options The loss module, worker count and backend.
   * @returns A ready pool; the caller owns it.
   * @throws {Error} If a worker cannot start or the module has no such function.
   */
  static async create(options: GradientPoolOptions): Promise<GradientPool> {
    const { loss, workers = 2, backend = "wasm", matmul = currentMatMul() } = options;
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`Cannot create a gradient pool: workers must be >= 1, got ${workers}`);
    }
    const url = new URL("./_gradient_worker.ts", import.meta.url).href;
    const init: GradientRequest = { type: "init", backend, matmul, ...loss };
    const list = await startWorkers(url, workers, init, "gradient");
    return new GradientPool(list);
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Tells the pool the policy's weights changed (after an optimizer step). */
  markUpdated(): void {
    this.#version++;
  }

  /**
   * Σ_i ∇ loss(policy, inputs[i]) over the policy's actor variables (or actor then critic),
   * the inputs dealt round-robin to the workers. Weight each input's loss so that the sum is
   * the objective you want (e.g. a micro-batch's share of a mean).
   *
   * @param policy The policy at its current weights.
   * @param inputs Structured-cloneable loss inputs, e.g. one micro-batch each.
   * @param options `variables`: `"actor"` (default) or `"all"` (actor, then critic).
   * @returns The summed loss and one gradient tensor per variable, in variable order.
   * @throws {Error} If the pool was disposed or a worker fails (with the worker's message).
   */
  async gradients(
    policy: Policy,
    inputs: readonly unknown[],
    options: { variables?: "actor" | "all" } = {},
  ): Promise<PooledGradients> {
    const { variables = "actor" } = options;
    if (this.#closed) throw new Error("Cannot compute gradients: the gradient pool was disposed");
    if (this.#lastPolicy?.deref() !== policy) {
      this.#lastPolicy = new WeakRef(policy);
      this.#version++;
    }
    const version = this.#version;
    let weights: WireWeights | undefined;
    const shares = this.#workers.map((_, k) =>
      inputs.filter((_, i) => i % this.#workers.length === k)
    );
    const parts = this.#workers.map((slot, k) => {
      if (shares[k].length === 0) return Promise.resolve(null);
      if (slot.version !== version) weights ??= toWire(policy);
      const id = this.#nextId++;
      const request: GradientRequest = {
        type: "gradients",
        id,
        config: policy.config,
        version,
        weights: slot.version !== version ? weights : undefined,
        variables,
        inputs: shares[k],
      };
      slot.version = version;
      return new Promise<Reply>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject });
        slot.worker.postMessage(request);
      });
    });
    const results = (await Promise.all(parts)).filter((r) => r !== null);
    const list = variables === "all"
      ? [...policy.actorVariables, ...policy.criticVariables]
      : policy.actorVariables;
    const grads = list.map((v, j) => {
      const sum = new Float32Array(v.size);
      for (const r of results) {
        const g = r.grads[j];
        for (let i = 0; i < sum.length; i++) sum[i] += g[i];
      }
      return tf.tensor(sum, v.shape);
    });
    let stats: number[] | null = null;
    for (const r of results) {
      if (r.stats === null) continue;
      const from = r.stats;
      stats = stats === null ? Array.from(from) : stats.map((x, i) => x + from[i]);
    }
    return { loss: results.reduce((s, r) => s + r.loss, 0), grads, stats };
  }

  #receive(message: GradientResponse): void {
    if (message.type === "ready") return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.type === "result") pending.resolve(message);
    else pending.reject(new Error(`Cannot compute gradients in a worker: ${message.message}`));
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
    for (const slot of this.#workers) slot.version = -1;
  }

  /** Terminates the workers; pending calls reject. Safe to call twice. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#workers) slot.worker.terminate();
    this.#failAll(new Error("Cannot compute gradients: the gradient pool was disposed"));
  }

  /** Same as {@link GradientPool.dispose}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }

  /** Same as {@link GradientPool.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
