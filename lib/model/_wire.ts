// Policy weights as they cross a Web Worker boundary (structured clone). Private file.
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
