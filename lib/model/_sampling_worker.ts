// Web Worker behind SamplingPool (sampling_pool.ts): its own tfjs + wasm instance, so two
// workers sample on two cores (tfjs runs wasm single-threaded under Deno). Private file.
import { initBackend } from "../engine/backend.ts";
import type { AttentionChoice, BackendName, MatMulChoice } from "../engine/backend.ts";
import type { ModelConfig } from "../config.ts";
import { seededPrng } from "../random.ts";
import { fromWire, type WireWeights } from "./_wire.ts";
import { Policy } from "./policy.ts";
import { type SampleOptions, sampleSequences } from "./sample.ts";

/** Messages the pool sends. */
export type WorkerRequest =
  | { type: "init"; backend: BackendName; matmul: MatMulChoice; attention: AttentionChoice }
  | {
    type: "sample";
    id: number;
    config: ModelConfig;
    /** Weights version; the worker rebuilds its policy only when it changes. */
    version: number;
    weights?: WireWeights;
    prompts: number[][];
    seeds: number[];
    options: Omit<SampleOptions, "prng">;
  };

/** Messages the worker sends back. */
export type WorkerResponse =
  | { type: "ready"; backend: string }
  | { type: "result"; id: number; samples: ReturnType<typeof sampleSequences> }
  | { type: "error"; id: number; message: string };

let policy: Policy | undefined;
let version = -1;

function post(message: WorkerResponse): void {
  (self as unknown as { postMessage(m: WorkerResponse): void }).postMessage(message);
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === "init") {
    const { backend, matmul, attention } = message;
    const info = await initBackend({ backend, matmul, attention });
    post({ type: "ready", backend: info.backend });
    return;
  }
  try {
    if (message.version !== version) {
      if (!message.weights) throw new Error(`weights of version ${message.version} were not sent`);
      policy?.dispose();
      policy = fromWire(message.config, message.weights, { trainable: false });
      version = message.version;
    }
    const samples = sampleSequences(policy as Policy, message.prompts, {
      ...message.options,
      prng: message.seeds.map((seed) => seededPrng(seed)),
    });
    post({ type: "result", id: message.id, samples });
  } catch (error) {
    post({
      type: "error",
      id: message.id,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
