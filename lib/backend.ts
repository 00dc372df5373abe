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
 * On wasm, matrix products run on OpenBLAS when it can be loaded (blas.ts: 6–8× XNNPACK's
 * speed on this machine's cores); `matmul: "backend"` or `RLVR_MATMUL=backend` keeps XNNPACK.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadOpenBlas, useOpenBlasMatMul } from "./blas.ts";

/** A backend {@link initBackend} can select. */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "tensorflow-gpu" | "webgpu";

/** Options of {@link initBackend}. */
export type InitBackendOptions = {
  /** The backend to select. Default `wasm`. */
  backend?: BackendName;
  /** Fall back to `cpu` when the requested backend cannot start. Default true. */
  fallback?: boolean;
  /**
   * Who computes matrix products on wasm: `openblas` (required: throws when it cannot load),
   * `backend` (XNNPACK), or `auto` (OpenBLAS when it loads, else XNNPACK). Default: the
   * `RLVR_MATMUL` environment variable, else `auto`. Ignored by other backends.
   */
  matmul?: MatMulChoice;
};

/** Who computes matrix products (see {@link InitBackendOptions.matmul}). */
export type MatMulChoice = "auto" | "openblas" | "backend";

/** Who does compute them: OpenBLAS, or the backend's own kernel. */
export type MatMulEngine = "openblas" | "backend";

/** What {@link initBackend} selected. */
export type BackendInfo = {
  /** The active backend. */
  backend: BackendName;
  /** Threads the backend computes with in this process (wasm in Deno: 1). */
  threads: number;
  /** Whether the wasm backend runs its SIMD build (false for other backends). */
  simd: boolean;
  /** Who computes matrix products. */
  matmul: MatMulEngine;
  /** Why `auto` did not get OpenBLAS, when it did not. */
  matmulReason?: string;
  /** Why the requested backend was not used, when a fallback happened. */
  fallbackReason?: string;
};

const MATMUL_CHOICES: readonly MatMulChoice[] = ["auto", "openblas", "backend"];
let activeMatMul: MatMulEngine = "backend";

/**
 * Who computes matrix products in this thread since the last {@link initBackend} (`backend`
 * before any). Worker pools pass it on, so their workers compute as this thread does.
 *
 * @returns `openblas` or `backend`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(["openblas", "backend"].includes(currentMatMul()));
 * ```
 */
export function currentMatMul(): MatMulEngine {
  return activeMatMul;
}

/**
 * The part of a cache key that says who computed a result: results agree across matmul engines
 * only to float rounding, and sampled or trained numbers drift apart from there. Empty for the
 * backend's own kernels, so keys written before OpenBLAS was an option stay valid.
 *
 * @returns `{}` or `{ matmul: "openblas" }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(["{}", '{"matmul":"openblas"}'].includes(JSON.stringify(matMulCacheKey())));
 * ```
 */
export function matMulCacheKey(): { matmul?: "openblas" } {
  return activeMatMul === "openblas" ? { matmul: "openblas" } : {};
}

function matMulChoice(option: MatMulChoice | undefined): MatMulChoice {
  if (option !== undefined) return option;
  let env: string | undefined;
  try {
    env = Deno.env.get("RLVR_MATMUL");
  } catch {
    env = undefined; // no --allow-env: the default
  }
  if (env === undefined || env === "") return "auto";
  if (!(MATMUL_CHOICES as readonly string[]).includes(env)) {
    throw new RangeError(
      `Cannot select a matmul engine: RLVR_MATMUL must be one of ${MATMUL_CHOICES.join(", ")}, ` +
        `got ${JSON.stringify(env)}`,
    );
  }
  return env as MatMulChoice;
}

/** Installs the chosen engine for wasm; returns what is active and why auto fell back. */
function selectMatMul(choice: MatMulChoice): { matmul: MatMulEngine; matmulReason?: string } {
  if (choice === "backend") {
    useOpenBlasMatMul(null);
    return { matmul: "backend" };
  }
  const load = loadOpenBlas();
  if (!load.ok) {
    if (choice === "openblas") throw new Error(`Cannot load OpenBLAS: ${load.reason}`);
    useOpenBlasMatMul(null);
    return { matmul: "backend", matmulReason: load.reason };
  }
  useOpenBlasMatMul(load.library);
  return { matmul: "openblas" };
}

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
 * @param options Which backend, whether to fall back to `cpu`, and who computes matrix products.
 * @returns The active backend, its thread count, its matmul engine and whether it fell back.
 * @throws {Error} When the backend cannot start and `fallback` is false, or `matmul` is
 *   `openblas` and OpenBLAS cannot load.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const info = await initBackend({ backend: "cpu" });
 * assert.equal(info.backend, "cpu");
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const { backend = "wasm", fallback = true } = options;
  const choice = matMulChoice(options.matmul);
  activeMatMul = "backend";
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
    return {
      backend: "cpu",
      threads: 1,
      simd: false,
      matmul: "backend",
      fallbackReason: `${backend}: ${reason}`,
    };
  }
  const simd = backend === "wasm" && tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const engine = backend === "wasm" ? selectMatMul(choice) : { matmul: "backend" as const };
  activeMatMul = engine.matmul;
  return { backend, threads: await threadsOf(backend), simd, ...engine };
}
