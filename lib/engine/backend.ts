/**
 * Backend selection for TensorFlow.js: one explicit call, nothing at import time.
 *
 * - `wasm` (default): XNNPACK with SIMD. tfjs treats Deno as Node and runs it single-threaded;
 *   parallelism comes from Web Workers, each with its own wasm instance.
 * - `cpu`: the pure-JS reference backend, many times slower; the fallback when wasm cannot start.
 * - `tensorflow` / `tensorflow-gpu`: `@tensorflow/tfjs-node` / `@tensorflow/tfjs-node-gpu`, loaded by
 *   dynamic import only when asked for (their install downloads libtensorflow, so they are never a
 *   hard dependency).
 * - `webgpu`: `@tensorflow/tfjs-backend-webgpu`, loaded by dynamic import, where `navigator.gpu`
 *   exists.
 *
 * On wasm, matrix products run on OpenBLAS when it can be loaded (blas.ts: several times
 * XNNPACK's speed on the policy's shapes); `matmul: "backend"` or `RLVR_MATMUL=backend` keeps XNNPACK.
 * A decoding step's cached attention runs as one WebAssembly SIMD kernel
 * (simd_kernels.ts); `attention: "backend"` or `RLVR_ATTENTION=backend` keeps tfjs ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { loadOpenBlas, useOpenBlasMatMul } from "./blas.ts";
import { ATTENTION_REVISION, useSimdAttention } from "./simd_kernels.ts";

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
  /**
   * Who computes a decoding step's attention over the key/value cache on wasm: `simd` (one
   * WebAssembly SIMD kernel; throws when it cannot run), `backend` (tfjs ops), or `auto` (the
   * kernel when it runs, else tfjs ops). Default: the `RLVR_ATTENTION` environment variable,
   * else `auto`. Ignored by other backends.
   */
  attention?: AttentionChoice;
};

/** Who computes cached attention (see {@link InitBackendOptions.attention}). */
export type AttentionChoice = "auto" | "simd" | "backend";

/** Who does compute it: the SIMD kernel, or tfjs ops. */
export type AttentionEngine = "simd" | "backend";

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
  /** With OpenBLAS: the kernels it runs (its core name, e.g. `SkylakeX`). */
  matmulCore?: string;
  /** Who computes a decoding step's cached attention. */
  attention: AttentionEngine;
  /** Why `auto` did not get the SIMD kernel, when it did not. */
  attentionReason?: string;
  /** Why the requested backend was not used, when a fallback happened. */
  fallbackReason?: string;
};

/**
 * Every backend {@link initBackend} knows: `wasm` and `cpu` always start; the others only where
 * their optional package (or `navigator.gpu`) is available.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(BACKEND_NAMES.slice(0, 2), ["wasm", "cpu"]);
 * ```
 */
export const BACKEND_NAMES: readonly BackendName[] = [
  "wasm",
  "cpu",
  "tensorflow",
  "tensorflow-gpu",
  "webgpu",
];
const MATMUL_CHOICES: readonly MatMulChoice[] = ["auto", "openblas", "backend"];
const ATTENTION_CHOICES: readonly AttentionChoice[] = ["auto", "simd", "backend"];
let activeMatMul: MatMulEngine = "backend";
let activeMatMulCore: string | undefined;
let activeAttention: AttentionEngine = "backend";

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
 * Who computes a decoding step's cached attention in this thread since the last
 * {@link initBackend} (`backend` before any). Worker pools pass it on, like {@link currentMatMul}.
 *
 * @returns `simd` or `backend`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(["simd", "backend"].includes(currentAttention()));
 * ```
 */
export function currentAttention(): AttentionEngine {
  return activeAttention;
}

/**
 * The OpenBLAS engine's revision in cache keys: bump it whenever what it computes changes. 2: bias
 * and gain gradients are products with a row of ones (linear.ts) instead of tfjs column sums.
 */
const MATMUL_REVISION = "openblas-2";

/**
 * The part of a cache key that says which kernels computed a result: results agree across
 * engines only to float rounding, and sampled or trained numbers drift apart from there. Empty
 * for the backend's own kernels, so keys written before the other engines existed stay valid.
 * OpenBLAS's entry names its core too: its cores' kernels round differently.
 *
 * @returns `{}`, or the engines that are not the backend's, each with its revision:
 *   `{ matmul: "openblas-2:SkylakeX", attention: "simd-2" }` or part of it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(typeof kernelCacheKey(), "object");
 * ```
 */
export function kernelCacheKey(): { matmul?: string; attention?: string } {
  return {
    ...(activeMatMul === "openblas"
      ? { matmul: `${MATMUL_REVISION}:${activeMatMulCore ?? "unknown"}` }
      : {}),
    ...(activeAttention === "simd" ? { attention: ATTENTION_REVISION } : {}),
  };
}

/** Checks a choice, naming the action, the option (or variable), the value and the valid ones. */
function checkChoice<T extends string>(
  action: string,
  option: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (!(choices as readonly unknown[]).includes(value)) {
    throw new RangeError(
      `Cannot ${action}: ${option} must be one of ${choices.join(", ")}, ` +
        `got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value as T;
}

/** An engine choice: the option, else the environment variable, else `auto`; checked. */
function engineChoice<T extends string>(
  option: T | undefined,
  name: string,
  variable: string,
  choices: readonly T[],
): T {
  if (option !== undefined) return checkChoice("select an engine", name, option, choices);
  let env: string | undefined;
  try {
    env = Deno.env.get(variable);
  } catch {
    env = undefined; // no --allow-env: the default
  }
  if (env === undefined || env === "") return "auto" as T;
  return checkChoice("select an engine", variable, env, choices);
}

/** Turns the SIMD attention kernel on or off for wasm; returns what is active and why not. */
function selectAttention(
  choice: AttentionChoice,
): { attention: AttentionEngine; attentionReason?: string } {
  const load = useSimdAttention(choice !== "backend");
  if (choice === "backend") return { attention: "backend" };
  if (!load.ok) {
    if (choice === "simd") throw new Error(`Cannot run the SIMD attention kernel: ${load.reason}`);
    return { attention: "backend", attentionReason: load.reason };
  }
  return { attention: "simd" };
}

/** Installs the chosen engine for wasm; returns what is active and why auto fell back. */
function selectMatMul(
  choice: MatMulChoice,
): { matmul: MatMulEngine; matmulReason?: string; matmulCore?: string } {
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
  return { matmul: "openblas", matmulCore: load.core };
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
 * @throws {RangeError} When `backend`, `matmul` or `attention` is not one of its choices (the
 *   message names the option, the value and the valid ones), or `RLVR_MATMUL` /
 *   `RLVR_ATTENTION` holds an unknown value.
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
  checkChoice("select a backend", "backend", backend, BACKEND_NAMES);
  const choice = engineChoice(options.matmul, "matmul", "RLVR_MATMUL", MATMUL_CHOICES);
  const attentionChoice = engineChoice(
    options.attention,
    "attention",
    "RLVR_ATTENTION",
    ATTENTION_CHOICES,
  );
  activeMatMul = "backend";
  activeAttention = "backend";
  useSimdAttention(false);
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
      attention: "backend",
      fallbackReason: `${backend}: ${reason}`,
    };
  }
  const simd = backend === "wasm" && tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const engine = backend === "wasm" ? selectMatMul(choice) : { matmul: "backend" as const };
  const attention = backend === "wasm"
    ? selectAttention(attentionChoice)
    : { attention: "backend" as const };
  activeMatMul = engine.matmul;
  activeMatMulCore = engine.matmulCore;
  activeAttention = attention.attention;
  return { backend, threads: await threadsOf(backend), simd, ...engine, ...attention };
}
