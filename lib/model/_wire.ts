// Policy weights as they cross a Web Worker boundary (structured clone), and the start-up of a
// pool's workers. Private file.
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config.ts";
import { paramSpecs } from "./params.ts";
import { Policy } from "./policy.ts";

/** Weights by name, each with its shape and row-major values. */
export type WireWeights = Record<string, { shape: number[]; data: Float32Array }>;

/** Copies a policy's current weights out of tfjs (one host read per weight). */
export function toWire(policy: Policy): WireWeights {
  return Object.fromEntries(
    paramSpecs(policy.config).map((spec) => [
      spec.name,
      { shape: spec.shape, data: policy.params[spec.name].dataSync() as Float32Array },
    ]),
  );
}

/** Builds a policy (the caller owns it) from weights received over a worker boundary. */
export function fromWire(
  config: ModelConfig,
  weights: WireWeights,
  options: { trainable: boolean },
): Policy {
  const values = tf.tidy(() =>
    Object.fromEntries(
      Object.entries(weights).map(([name, w]) => [name, tf.tensor(w.data, w.shape)]),
    )
  );
  try {
    return Policy.fromWeights(config, values, options);
  } finally {
    tf.dispose(Object.values(values));
  }
}

/**
 * Starts `count` module workers from `url`, sends each `init`, and waits until each answers
 * `{ type: "ready" }`. An `{ type: "error", message }` answer or a start-up error rejects, and
 * then every worker is terminated, so a failed start leaves nothing running.
 */
export async function startWorkers(
  url: string,
  count: number,
  init: unknown,
  label: string,
): Promise<Worker[]> {
  const list = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  try {
    await Promise.all(list.map((worker) =>
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<{ type: string; message?: string }>) => {
          if (event.data.type === "ready") resolve();
          else if (event.data.type === "error") {
            reject(new Error(`Cannot start a ${label} worker: ${event.data.message}`));
          }
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          reject(new Error(`Cannot start a ${label} worker: ${event.message}`));
        };
        worker.postMessage(init);
      })
    ));
  } catch (error) {
    list.forEach((worker) => worker.terminate());
    throw error;
  }
  return list;
}
