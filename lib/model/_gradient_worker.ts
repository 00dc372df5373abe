// Web Worker behind GradientPool (gradient_pool.ts): its own tfjs + wasm instance computes the
// gradient of a loss on its share of a batch. Private file.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import type { BackendName, MatMulChoice } from "../engine/backend.ts";
import type { ModelConfig } from "../config.ts";
import { fromWire, type WireWeights } from "./_wire.ts";
import { Policy } from "./policy.ts";

/**
 * A loss the worker imports: `(policy, input) => scalar`, input being structured-cloneable; or
 * the scalar with statistics of the input (a 1-D tensor, summed over the inputs and sent back).
 */
export type LossFunction = (
  policy: Policy,
  input: unknown,
) => tf.Scalar | { loss: tf.Scalar; stats: tf.Tensor1D };

/** Messages the pool sends. */
export type GradientRequest =
  | { type: "init"; backend: BackendName; matmul: MatMulChoice; module: string; name: string }
  | {
    type: "gradients";
    id: number;
    config: ModelConfig;
    version: number;
    weights?: WireWeights;
    /** Which variables to differentiate: the actor's, or actor then critic. */
    variables: "actor" | "all";
    inputs: unknown[];
  };

/** Messages the worker sends back. */
export type GradientResponse =
  | { type: "ready" }
  | {
    type: "result";
    id: number;
    loss: number;
    grads: Float32Array[];
    /** Σ of the inputs' statistics; null when the loss reports none. */
    stats: Float32Array | null;
  }
  | { type: "error"; id: number; message: string };

let policy: Policy | undefined;
let version = -1;
let lossFn: LossFunction | undefined;

function post(message: GradientResponse, transfer: Transferable[] = []): void {
  (self as unknown as { postMessage(m: GradientResponse, t: Transferable[]): void })
    .postMessage(message, transfer);
}

self.onmessage = async (event: MessageEvent<GradientRequest>) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      await initBackend({ backend: message.backend, matmul: message.matmul });
      const module = await import(message.module);
      const candidate = module[message.name];
      if (typeof candidate !== "function") {
        throw new TypeError(`${message.module} has no function export ${message.name}`);
      }
      lossFn = candidate as LossFunction;
      post({ type: "ready" });
    } catch (error) {
      post({
        type: "error",
        id: -1,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    return;
  }
  try {
    if (message.version !== version) {
      if (!message.weights) throw new Error(`weights of version ${message.version} were not sent`);
      policy?.dispose();
      policy = fromWire(message.config, message.weights, { trainable: true });
      version = message.version;
    }
    const current = policy as Policy;
    const loss = lossFn as LossFunction;
    const variables = message.variables === "all"
      ? [...current.actorVariables, ...current.criticVariables]
      : current.actorVariables;
    let total = 0;
    let sums: tf.Tensor[] | null = null;
    let stats: Float32Array | null = null;
    for (const input of message.inputs) {
      let kept: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = loss(current, input);
        if (out instanceof tf.Tensor) return out;
        // variableGrads returns only the loss, so the statistics leave through tf.keep.
        kept = tf.keep(out.stats);
        return out.loss;
      }, variables);
      total += value.dataSync()[0];
      value.dispose();
      if (kept !== null) {
        const read = (kept as tf.Tensor).dataSync() as Float32Array;
        (kept as tf.Tensor).dispose();
        stats ??= new Float32Array(read.length);
        for (let i = 0; i < read.length; i++) stats[i] += read[i];
      }
      const list = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const previous: tf.Tensor[] | null = sums;
      sums = previous === null ? list : list.map((g, k) => tf.add(g, previous[k]));
      if (previous !== null) tf.dispose([...previous, ...list]);
    }
    const arrays = (sums ?? variables.map((v) => tf.zerosLike(v))).map((g) =>
      g.dataSync() as Float32Array
    );
    tf.dispose(sums ?? []);
    post(
      { type: "result", id: message.id, loss: total, grads: arrays, stats },
      arrays.map((a) => a.buffer),
    );
  } catch (error) {
    post({
      type: "error",
      id: message.id,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
