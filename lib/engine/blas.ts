/**
 * Native matrix products for the wasm backend: its `BatchMatMul` kernel computed by OpenBLAS
 * (`cblas_sgemm`) through Deno's FFI, directly on the tensors' memory in the wasm heap.
 *
 * Why: XNNPACK's wasm SIMD kernels are 128 bits wide, while OpenBLAS uses the CPU's native
 * vector units (AVX2 / AVX-512), several times faster on the policy's shapes (the README's
 * benchmark section has the figures). Matrix products
 * are about two thirds of a training step, so this is the largest single lever on CPU speed.
 *
 * The library is optional: {@link loadOpenBlas} says why it could not load (no library, no FFI
 * permission), and `initBackend` then keeps the backend's own kernel. Results agree with
 * XNNPACK's to float32 rounding (tested), not bit for bit.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Library names tried in order when no path is given (Linux, then macOS). */
export const OPENBLAS_LIBRARY_NAMES: readonly string[] = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libopenblas.dylib",
];

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;
const FLOAT_BYTES = 4;

const SYMBOLS = {
  cblas_sgemm: {
    // order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "pointer",
      "i32",
      "pointer",
      "i32",
      "f32",
      "pointer",
      "i32",
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_corename: { parameters: [], result: "pointer" },
} as const;

type OpenBlasLibrary = Deno.DynamicLibrary<typeof SYMBOLS>;

/** A loaded OpenBLAS, or why none could be loaded. */
export type OpenBlasLoad =
  | {
    readonly ok: true;
    readonly library: OpenBlasLibrary;
    readonly path: string;
    /** The kernels OpenBLAS runs (its core name, e.g. `SkylakeX`, `Haswell`, `Zen`). */
    readonly core: string;
  }
  | { readonly ok: false; readonly reason: string };

/**
 * Cores OpenBLAS falls back to when it does not recognise a CPU model (0.3.21 takes a Sapphire /
 * Emerald Rapids Xeon for `Prescott`): kernels without AVX, five times slower on an AVX-512 core.
 */
export const FALLBACK_CORES: readonly string[] = [
  "Prescott",
  "Core2",
  "Penryn",
  "Dunnington",
  "Nehalem",
  "Atom",
  "Katmai",
  "Coppermine",
  "Northwood",
  "Banias",
  "Unknown",
];

/**
 * The fastest OpenBLAS core a CPU's feature flags (as /proc/cpuinfo spells them) can run, for
 * when OpenBLAS's own detection fell back: `SkylakeX` with the AVX-512 subsets its kernels use,
 * `Haswell` with AVX2 and FMA, `Sandybridge` with AVX, else none.
 *
 * @param flags The CPU's feature flags.
 * @returns A core name for `OPENBLAS_CORETYPE`, or undefined.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(coreForFlags(["avx", "avx2", "fma"]), "Haswell");
 * assert.equal(coreForFlags(["sse2"]), undefined);
 * ```
 */
export function coreForFlags(flags: readonly string[]): string | undefined {
  const has = (...names: string[]) => names.every((n) => flags.includes(n));
  if (has("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma")) {
    return "SkylakeX";
  }
  if (has("avx2", "fma")) return "Haswell";
  if (has("avx")) return "Sandybridge";
  return undefined;
}

/** The first CPU's feature flags from /proc/cpuinfo (empty where there is none). */
function cpuFlags(): string[] {
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").split("\n").find((l) =>
      l.startsWith("flags")
    );
    return line?.split(":")[1]?.trim().split(/\s+/) ?? [];
  } catch {
    return [];
  }
}

function coreName(library: OpenBlasLibrary): string {
  const pointer = library.symbols.openblas_get_corename();
  return pointer === null ? "Unknown" : Deno.UnsafePointerView.getCString(pointer);
}

let loaded: OpenBlasLoad | undefined;

/**
 * Opens OpenBLAS through Deno's FFI, once per thread, and pins it to one thread: parallelism
 * comes from Web Workers (one per core), and OpenBLAS's own threads would fight them. When
 * OpenBLAS did not recognise the CPU and fell back to pre-AVX kernels ({@link FALLBACK_CORES}),
 * and `OPENBLAS_CORETYPE` is unset, it is reopened with `OPENBLAS_CORETYPE` set (for this process,
 * its workers and the processes it starts) to the core the CPU's flags can run
 * ({@link coreForFlags}). The first thread to load it decides, so the main thread loads it before
 * any worker pool starts (`initBackend` does).
 *
 * @param options `path`: a library file or name to open instead of {@link OPENBLAS_LIBRARY_NAMES}.
 * @returns The library, or `ok: false` with the reason (never throws).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const load = loadOpenBlas({ path: "/nonexistent/libopenblas.so" });
 * assert.equal(load.ok, false);
 * ```
 */
export function loadOpenBlas(options: { path?: string } = {}): OpenBlasLoad {
  const { path } = options;
  if (path === undefined && loaded !== undefined) return loaded;
  const names = path === undefined ? OPENBLAS_LIBRARY_NAMES : [path];
  const reasons: string[] = [];
  for (const name of names) {
    try {
      let library = Deno.dlopen(name, SYMBOLS);
      let core = coreName(library);
      const better = coreForFlags(cpuFlags());
      if (
        FALLBACK_CORES.includes(core) && better !== undefined &&
        Deno.env.get("OPENBLAS_CORETYPE") === undefined
      ) {
        // OpenBLAS picks its kernels when it loads: close it, name the core, load it again.
        library.close();
        Deno.env.set("OPENBLAS_CORETYPE", better);
        library = Deno.dlopen(name, SYMBOLS);
        core = coreName(library);
      }
      library.symbols.openblas_set_num_threads(1);
      const load: OpenBlasLoad = { ok: true, library, path: name, core };
      if (path === undefined) loaded = load;
      return load;
    } catch (error) {
      reasons.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const load: OpenBlasLoad = { ok: false, reason: reasons.join("; ") };
  if (path === undefined) loaded = load;
  return load;
}

/** The parts of tfjs-backend-wasm's backend object this kernel reads (not in its public types). */
type WasmBackend = {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array; HEAPF32: Float32Array };
};

type MatMulArgs = {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
};

/** Batch size (product of all but the last two dims) of a shape. */
function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** Broadcast of the batch dims of two shapes (NumPy rules), or a thrown error naming both. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new RangeError(`Cannot multiply: batch dims [${a}] and [${b}] do not broadcast`);
    }
    out.push(Math.max(x, y));
  }
  return out;
}

/**
 * The `BatchMatMul` kernel for the wasm backend on OpenBLAS: C[n] = op(A[n]) · op(B[n]) for every
 * batch entry n, one `cblas_sgemm` call each, reading and writing the wasm heap in place. A
 * batch dim of 1 on either side broadcasts; other broadcasts (e.g. [2,1] against [1,3]) are
 * left to the caller's fallback kernel.
 */
function makeKernel(
  library: OpenBlasLibrary,
  fallback: tf.KernelFunc,
): tf.KernelFunc {
  const sgemm = library.symbols.cblas_sgemm;
  return ((args: MatMulArgs) => {
    const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
    const batchA = batchOf(a.shape);
    const batchB = batchOf(b.shape);
    if (
      a.dtype !== "float32" || b.dtype !== "float32" ||
      (batchA !== batchB && batchA !== 1 && batchB !== 1)
    ) {
      return fallback(args as unknown as Parameters<tf.KernelFunc>[0]);
    }
    const rankA = a.shape.length;
    const rankB = b.shape.length;
    const M = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
    const K = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
    const kB = transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2];
    const N = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
    if (K !== kB) {
      throw new RangeError(
        `Cannot multiply: inner dims ${K} and ${kB} of [${a.shape}] and [${b.shape}] differ ` +
          `(transposeA ${transposeA}, transposeB ${transposeB})`,
      );
    }
    const outShape = [...broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N];
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput(outShape, "float32");
    if (batch * M * N === 0) return out;
    // Offsets are read after makeOutput: its allocation may grow (and move) the heap.
    const heap = backend.wasm.HEAPU8;
    const base = Deno.UnsafePointer.of(heap as Uint8Array<ArrayBuffer>)!; // non-empty heap
    const aAt = backend.dataIdMap.get(a.dataId).memoryOffset;
    const bAt = backend.dataIdMap.get(b.dataId).memoryOffset;
    const cAt = backend.dataIdMap.get(out.dataId).memoryOffset;
    if (K === 0) {
      heap.fill(0, cAt, cAt + batch * M * N * FLOAT_BYTES);
      return out;
    }
    const lda = transposeA ? M : K;
    const ldb = transposeB ? K : N;
    const strideA = batchA === 1 ? 0 : M * K * FLOAT_BYTES;
    const strideB = batchB === 1 ? 0 : K * N * FLOAT_BYTES;
    const strideC = M * N * FLOAT_BYTES;
    const opA = transposeA ? CBLAS_TRANS : CBLAS_NO_TRANS;
    const opB = transposeB ? CBLAS_TRANS : CBLAS_NO_TRANS;
    for (let n = 0; n < batch; n++) {
      sgemm(
        CBLAS_ROW_MAJOR,
        opA,
        opB,
        M,
        N,
        K,
        1,
        Deno.UnsafePointer.offset(base, aAt + n * strideA),
        lda,
        Deno.UnsafePointer.offset(base, bAt + n * strideB),
        ldb,
        0,
        Deno.UnsafePointer.offset(base, cAt + n * strideC),
        N,
      );
    }
    return out;
  }) as unknown as tf.KernelFunc;
}

/**
 * The fused linear layer's name in tfjs's registry (wasm with OpenBLAS only): inputs `x` `[M, K]`,
 * `w` `[K, N]`, `bias` `[N]`; output `x · w + bias` `[M, N]` as one sgemm onto rows of the bias
 * (β = 1), which saves the separate add. The sum is the same float32 addition as matMul then
 * add, so the bits are the same (tested).
 */
export const LINEAR_KERNEL = "RlvrLinear";

type LinearArgs = {
  inputs: { x: tf.TensorInfo; w: tf.TensorInfo; bias: tf.TensorInfo };
  backend: WasmBackend;
};

function makeLinearKernel(library: OpenBlasLibrary): tf.KernelFunc {
  const sgemm = library.symbols.cblas_sgemm;
  return (({ inputs: { x, w, bias }, backend }: LinearArgs) => {
    const [M, K] = x.shape;
    const N = w.shape[1];
    if (w.shape[0] !== K || bias.shape.length !== 1 || bias.shape[0] !== N) {
      throw new RangeError(
        `Cannot run a linear layer: x [${x.shape}], w [${w.shape}] and bias [${bias.shape}] do not fit`,
      );
    }
    const out = backend.makeOutput([M, N], "float32");
    if (M * N === 0) return out;
    // Offsets are read after makeOutput: its allocation may grow (and move) the heap.
    const floats = backend.wasm.HEAPF32;
    const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
    const c = at(out) / FLOAT_BYTES;
    const b = at(bias) / FLOAT_BYTES;
    for (let row = 0; row < M; row++) floats.copyWithin(c + row * N, b, b + N);
    if (K === 0) return out;
    const base = Deno.UnsafePointer.of(backend.wasm.HEAPU8 as Uint8Array<ArrayBuffer>)!;
    const pointer = (t: tf.TensorInfo) => Deno.UnsafePointer.offset(base, at(t));
    sgemm(
      CBLAS_ROW_MAJOR,
      CBLAS_NO_TRANS,
      CBLAS_NO_TRANS,
      M,
      N,
      K,
      1,
      pointer(x),
      K,
      pointer(w),
      N,
      1,
      pointer(out),
      N,
    );
    return out;
  }) as unknown as tf.KernelFunc;
}

let original: tf.KernelConfig | undefined;

/**
 * Routes the wasm backend's `BatchMatMul` (every `tf.matMul` and its gradients) through OpenBLAS,
 * or back to the backend's own kernel, and registers (or removes) {@link LINEAR_KERNEL}. Called
 * by `initBackend`; idempotent.
 *
 * @param library The loaded OpenBLAS, or null to restore the backend's kernel.
 * @throws {Error} When the wasm backend's kernel is not registered (tfjs-backend-wasm not imported).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs";
 * import "@tensorflow/tfjs-backend-wasm";
 * useOpenBlasMatMul(null); // the backend's own kernel
 * assert.ok(tf.getKernel("BatchMatMul", "wasm"));
 * ```
 */
export function useOpenBlasMatMul(library: OpenBlasLibrary | null): void {
  const current = tf.getKernel("BatchMatMul", "wasm");
  if (current === undefined) {
    throw new Error("Cannot route matMul to OpenBLAS: the wasm backend is not registered");
  }
  original ??= current;
  const config: tf.KernelConfig = library === null
    ? original
    : { ...original, kernelFunc: makeKernel(library, original.kernelFunc) };
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(config);
  if (tf.getKernel(LINEAR_KERNEL, "wasm") !== undefined) tf.unregisterKernel(LINEAR_KERNEL, "wasm");
  if (library !== null) {
    tf.registerKernel({
      kernelName: LINEAR_KERNEL,
      backendName: "wasm",
      kernelFunc: makeLinearKernel(library),
    });
  }
}
