/**
 * Backend selection for TensorFlow.js: one explicit call, nothing at import time.
 *
 * - `wasm` (default): XNNPACK with SIMD. tfjs treats Deno as Node and runs it single-threaded;
 *   parallelism comes from Web Workers, each with its own wasm instance.
 * - `cpu`: the pure-JS reference backend, about 20× slower; the fallback when wasm cannot start.
 * - `tensorflow` / `tensorflow-gpu`: `@tensorflow/tfjs-node` / `@tensorflow/tfjs-node-gpu`, loaded by
 *   dynamic import only when asked for (their install downloads libtensorflow, so they are never a
 *   hard dependency).
 * - `webgpu`: `@tensorflow/tfjs-backend-webgpu`, loaded by dynamic import, where `navigator.gpu`
 *   exists.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A backend {@link initBackend} can select. */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "tensorflow-gpu" | "webgpu";

/** Options of {@link initBackend}. */
export type InitBackendOptions = {
  /** The backend to select. Default `wasm`. */
  backend?: BackendName;
  /** Fall back to `cpu` when the requested backend cannot start. Default true. */
  fallback?: boolean;
};

/** What {@link initBackend} selected. */
export type BackendInfo = {
  /** The active backend. */
  backend: BackendName;
  /** Threads the backend computes with in this process (wasm in Deno: 1). */
  threads: number;
  /** Whether the wasm backend runs its SIMD build (false for other backends). */
  simd: boolean;
  /** Why the requested backend was not used, when a fallback happened. */
  fallbackReason?: string;
};

// tfjs registers each backend under a name; tfjs-node registers "tensorflow" for both packages.
const TF_NAME: Record<BackendName, string> = {
  wasm: "wasm",
  cpu: "cpu",
  tensorflow: "tensorflow",
  "tensorflow-gpu": "tensorflow",
  webgpu: "webgpu",
};

// Optional packages live outside the import map so a plain install never needs them.
const OPTIONAL_PACKAGE: Partial<Record<BackendName, string>> = {
  tensorflow: "npm:@tensorflow/tfjs-node@4.22.0",
  "tensorflow-gpu": "npm:@tensorflow/tfjs-node-gpu@4.22.0",
  webgpu: "npm:@tensorflow/tfjs-backend-webgpu@4.22.0",
};

async function register(backend: BackendName): Promise<void> {
  switch (backend) {
    case "wasm":
      await import("@tensorflow/tfjs-backend-wasm");
      return;
    case "cpu":
      return;
    case "tensorflow":
    case "tensorflow-gpu":
    case "webgpu": {
      if (backend === "webgpu" && !("gpu" in navigator)) {
        throw new Error("navigator.gpu is not available in this runtime");
      }
      const specifier = OPTIONAL_PACKAGE[backend] as string;
      await import(specifier);
      return;
    }
    default: {
      const unknown: never = backend;
      throw new RangeError(`Cannot select a backend: unknown backend, got ${unknown}`);
    }
  }
}

async function threadsOf(backend: BackendName): Promise<number> {
  if (backend !== "wasm") return backend === "cpu" ? 1 : navigator.hardwareConcurrency;
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  return wasm.getThreadsCount();
}

/**
 * Selects and initialises the TensorFlow.js backend. Call it once before any tensor work.
 *
 * @param options Which backend, and whether to fall back to `cpu`.
 * @returns The active backend, its thread count and whether it fell back.
 * @throws {Error} When the backend cannot start and `fallback` is false.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const info = await initBackend({ backend: "cpu" });
 * assert.equal(info.backend, "cpu");
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const { backend = "wasm", fallback = true } = options;
  try {
    await register(backend);
    const ok = await tf.setBackend(TF_NAME[backend]);
    if (!ok) throw new Error(`tf.setBackend("${TF_NAME[backend]}") returned false`);
    await tf.ready();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!fallback || backend === "cpu") {
      throw new Error(`Cannot initialise the ${backend} backend: ${reason}`);
    }
    await tf.setBackend("cpu");
    await tf.ready();
    return { backend: "cpu", threads: 1, simd: false, fallbackReason: `${backend}: ${reason}` };
  }
  const simd = backend === "wasm" && tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  return { backend, threads: await threadsOf(backend), simd };
}
