// Policy weights as they cross a Web Worker boundary (structured clone). Private file.
import { paramSpecs } from "./params.ts";
import type { Policy } from "./policy.ts";

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
