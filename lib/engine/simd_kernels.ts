/**
 * The WebAssembly SIMD kernels of the wasm backend (attention.wat, running directly on the
 * backend's own memory), and the switch that registers them ({@link useSimdAttention}). Each
 * replaces a chain of small tfjs ops whose per-op cost dominates at the policy's widths:
 *
 * - {@link CACHED_ATTENTION_KERNEL}: one decoding step's attention over the key/value cache. With
 *   tfjs ops the step is a concat per cache, a broadcast multiply and sum for the scores, two
 *   transposes around a softmax, and a depthwise convolution for the weighted values (the README's
 *   benchmark section has the figures); the kernel does the same arithmetic in one pass over the
 *   cache. Inputs and outputs match `attendStep` in transformer.ts: past keys and values
 *   `[P, N, d]` (N = B·H) and this step's fused projection `qkv` `[B, 3D]` (query, key, value
 *   side by side; the kernel scales the query by the attribute `scale` and splits the three
 *   itself, where a tfjs split copied the whole projection once per part); it returns the
 *   extended caches `[P + 1, N, d]` and the mixed values `[B, D]`. With the attribute `filled` =
 *   P, the caches are instead buffers of more positions that the sampler owns: the kernel writes
 *   row P in place and returns only the mixed values, so a step copies no cache. Scores and
 *   weighted sums accumulate in float32 like the tfjs path, in another order, so results agree
 *   to float rounding (tested).
 * - {@link KEEP_ROWS_KERNEL}: drops finished sequences from such a cache by block copies (the
 *   sampler calls it; tf.gather copies element by element).
 * - {@link LAYER_NORM_KERNEL} (nine tfjs ops) and {@link GELU_ARG_KERNEL} (five): the trunk's
 *   row-wise ops. Both do tfjs's float32 operations in tfjs's order, so they give the same bits
 *   as the op-by-op path (tested).
 * - {@link GELU_GRAD_KERNEL} (eight tfjs ops) and {@link LAYER_NORM_GRAD_KERNEL} (eleven): the
 *   trunk's row-wise backward pass. They agree with the op-by-op path to float rounding (tested),
 *   not bit for bit; forward passes (and so sampling) keep their bits.
 * - {@link ATTENTION_FULL_KERNEL} and {@link ATTENTION_FULL_GRAD_KERNEL}: causal self-attention
 *   of whole sequences (training, teacher-forced log-probs, prefill) and its gradient, heads read
 *   in place; float rounding apart from the op-by-op path (tested).
 * - `Identity`, shared instead of copied (see `sharedIdentity`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ATTENTION_WASM } from "./attention_wasm.ts";

/**
 * The kernel's revision, part of cache keys (`kernelCacheKey`): bump it whenever the kernel's
 * arithmetic changes, so cached results of the old arithmetic are not reused. 2: exponentials in
 * SIMD (a polynomial, not Math.exp) and scores summed four positions at a time. 3: the fused
 * projection split in the kernel, layer norm and GELU kernels (the same bits as revision 2). 4:
 * the GELU and layer-norm gradients fused. 5: whole-sequence causal attention and its gradient
 * in one kernel each.
 */
export const ATTENTION_REVISION = "simd-5";

/** The kernel's name in tfjs's registry (wasm backend only). */
export const CACHED_ATTENTION_KERNEL = "RlvrCachedAttention";

type AttentionExports = {
  scores(keys: number, q: number, weights: number, P: number, N: number, d: number): void;
  softmax(weights: number, N: number, P: number): void;
  mix(values: number, weights: number, out: number, P: number, N: number, d: number): void;
  copy_rows(
    src: number,
    dst: number,
    rows: number,
    width: number,
    stride: number,
    scale: number,
  ): void;
  layer_norm(
    x: number,
    g: number,
    b: number,
    y: number,
    xHat: number,
    invStd: number,
    N: number,
    I: number,
    eps: number,
  ): void;
  gelu_arg(x: number, out: number, n: number, a: number, c2: number): void;
  gelu_grad(dy: number, x: number, s: number, dx: number, n: number, a3: number, c2: number): void;
  attention_full(
    q: number,
    k: number,
    v: number,
    out: number,
    probs: number,
    B: number,
    T: number,
    H: number,
    d: number,
  ): void;
  attention_full_grad(
    q: number,
    k: number,
    v: number,
    probs: number,
    dout: number,
    dq: number,
    dk: number,
    dv: number,
    scratch: number,
    B: number,
    T: number,
    H: number,
    d: number,
  ): void;
  layer_norm_grad(
    dy: number,
    xHat: number,
    invStd: number,
    g: number,
    dx: number,
    dg: number,
    db: number,
    N: number,
    I: number,
  ): void;
};

/** The parts of tfjs-backend-wasm's backend object the kernel uses (not in its public types). */
type WasmBackend = {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  wasm: { HEAPF32: Float32Array; asm?: { memory?: WebAssembly.Memory } };
};

type KernelArgs = {
  inputs: Record<"keys" | "values" | "qkv", tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { filled?: number; scale: number };
};

/**
 * Encodes bytes as base64 (for the generated module file).
 *
 * @param bytes The bytes.
 * @returns Their base64 text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(encodeBase64(new Uint8Array([0, 97, 115, 109])), "AGFzbQ==");
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const instances = new WeakMap<WebAssembly.Memory, AttentionExports>();
let module: WebAssembly.Module | null | undefined;
let active = false;

/** The kernel's module, compiled once; null where this runtime's WebAssembly has no SIMD. */
function compiledModule(): WebAssembly.Module | null {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(decodeBase64(ATTENTION_WASM));
    } catch {
      module = null;
    }
  }
  return module;
}

/** The kernel's exports bound to the backend's memory (one instance per memory). */
function exportsFor(backend: WasmBackend): AttentionExports {
  const memory = backend.wasm.asm?.memory as WebAssembly.Memory;
  let exports = instances.get(memory);
  if (exports === undefined) {
    // useSimdAttention turned the kernel on only once the module compiled.
    const instance = new WebAssembly.Instance(compiledModule()!, { env: { memory } });
    exports = instance.exports as unknown as AttentionExports;
    instances.set(memory, exports);
  }
  return exports;
}

function cachedAttention({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { keys, values, qkv } = inputs;
  const [rows, N, d] = keys.shape;
  const [B, threeD] = qkv.shape;
  const D = threeD / 3;
  const inPlace = attrs.filled !== undefined;
  const P = inPlace ? attrs.filled as number : rows; // positions before this one
  if (inPlace && !(Number.isInteger(P) && P >= 0 && P < rows)) {
    throw new RangeError(
      `Cannot attend over the cache: filled must be in [0, ${rows - 1}] for a buffer of ${rows} ` +
        `positions, got ${P}`,
    );
  }
  const keysOut = inPlace ? keys : backend.makeOutput([P + 1, N, d], "float32");
  const valuesOut = inPlace ? values : backend.makeOutput([P + 1, N, d], "float32");
  const mixed = backend.makeOutput([B, D], "float32");
  const q = backend.makeOutput([B, D], "float32");
  const weights = backend.makeOutput([N, P + 1], "float32");
  // Offsets are read after the allocations: they may grow (and move) the heap.
  const heap = backend.wasm.HEAPF32;
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  const exports = exportsFor(backend);
  const cached = P * N * d;
  exports.copy_rows(at(qkv), at(q), B, D, threeD, attrs.scale); // q · scale
  for (const [from, part, to] of [[keys, 1, keysOut], [values, 2, valuesOut]] as const) {
    const out = at(to) / 4;
    if (!inPlace && cached > 0) heap.copyWithin(out, at(from) / 4, at(from) / 4 + cached);
    exports.copy_rows(at(qkv) + part * D * 4, at(to) + cached * 4, B, D, threeD, 1); // row P
  }
  exports.scores(at(keysOut), at(q), at(weights), P + 1, N, d);
  exports.softmax(at(weights), N, P + 1);
  exports.mix(at(valuesOut), at(weights), at(mixed), P + 1, N, d);
  backend.disposeData(weights.dataId);
  backend.disposeData(q.dataId);
  return inPlace ? mixed : [keysOut, valuesOut, mixed];
}

/** The cache-compaction kernel's name in tfjs's registry (wasm backend only). */
export const KEEP_ROWS_KERNEL = "RlvrKeepRows";

type KeepRowsArgs = {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { keep: number[]; heads: number; filled: number };
};

/**
 * Keeps batch rows `keep` (ascending) of a cache `[positions, B·H, d]`: `[positions, rows·H, d]`
 * by block copies of the first `filled` positions (runs of consecutive kept rows move as one
 * block); the rest is zeroed. tf.gather does the same element by element.
 */
function keepRows({ inputs, backend, attrs }: KeepRowsArgs): tf.TensorInfo {
  const { x } = inputs;
  const { keep, heads, filled } = attrs;
  const [positions, N, d] = x.shape;
  const block = heads * d; // floats of one batch row at one position
  const rowsIn = N / heads;
  const rowsOut = keep.length;
  const out = backend.makeOutput([positions, rowsOut * heads, d], "float32");
  const heap = backend.wasm.HEAPF32;
  const from = backend.dataIdMap.get(x.dataId).memoryOffset / 4;
  const to = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
  const runs: [number, number, number][] = []; // [source row, target row, rows]
  keep.forEach((row, i) => {
    const last = runs.at(-1);
    if (last !== undefined && last[0] + last[2] === row) last[2]++;
    else runs.push([row, i, 1]);
  });
  for (let p = 0; p < filled; p++) {
    for (const [source, target, rows] of runs) {
      const start = from + (p * rowsIn + source) * block;
      heap.copyWithin(to + (p * rowsOut + target) * block, start, start + rows * block);
    }
  }
  heap.fill(0, to + filled * rowsOut * block, to + positions * rowsOut * block);
  return out;
}

/**
 * The layer-norm kernel's name: inputs `x` `[N, I]`, `g`, `b` `[I]` (I a multiple of 4), attribute
 * `eps`; outputs y `[N, I]`, and with the attribute `withStats` also xHat `[N, I]` and invStd
 * `[N, 1]` (what the gradient needs).
 */
export const LAYER_NORM_KERNEL = "RlvrLayerNorm";

type LayerNormArgs = {
  inputs: Record<"x" | "g" | "b", tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { eps: number; withStats: boolean };
};

function layerNormKernel({ inputs, backend, attrs }: LayerNormArgs): tf.TensorInfo[] {
  const { x, g, b } = inputs;
  const [N, I] = x.shape;
  const y = backend.makeOutput([N, I], "float32");
  const xHat = attrs.withStats ? backend.makeOutput([N, I], "float32") : y;
  const invStd = backend.makeOutput([N, 1], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  exportsFor(backend).layer_norm(at(x), at(g), at(b), at(y), at(xHat), at(invStd), N, I, attrs.eps);
  if (attrs.withStats) return [y, xHat, invStd];
  backend.disposeData(invStd.dataId);
  return [y];
}

/**
 * The GELU-argument kernel's name: input `x`, attributes `a` and `c2`; output
 * `(x + x·x·x · a) · c2` of the same shape.
 */
export const GELU_ARG_KERNEL = "RlvrGeluArg";

type GeluArgArgs = {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { a: number; c2: number };
};

function geluArgKernel({ inputs, backend, attrs }: GeluArgArgs): tf.TensorInfo {
  const { x } = inputs;
  const out = backend.makeOutput([...x.shape], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  const n = x.shape.reduce((p, s) => p * s, 1);
  exportsFor(backend).gelu_arg(at(x), at(out), n, attrs.a, attrs.c2);
  return out;
}

/**
 * The GELU gradient kernel's name: inputs `dy`, `x` and `s` = σ(c2·(x + a·x³)) (what GELU's
 * forward saved), attributes `a3` (3a) and `c2`; output dx = dy·(s + x·s·(1 − s)·c2·(1 + 3a·x²)).
 */
export const GELU_GRAD_KERNEL = "RlvrGeluGrad";

type GeluGradArgs = {
  inputs: Record<"dy" | "x" | "s", tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { a3: number; c2: number };
};

function geluGradKernel({ inputs, backend, attrs }: GeluGradArgs): tf.TensorInfo {
  const { dy, x, s } = inputs;
  const dx = backend.makeOutput([...x.shape], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  const n = x.shape.reduce((p, d) => p * d, 1);
  exportsFor(backend).gelu_grad(at(dy), at(x), at(s), at(dx), n, attrs.a3, attrs.c2);
  return dx;
}

/**
 * The layer-norm gradient kernel's name: inputs `dy`, `xHat` `[N, I]`, `invStd` `[N, 1]` and `g`
 * `[I]` (I a multiple of 4); outputs dx `[N, I]`, dg and db `[I]`, the op-by-op formulas of
 * linear.ts's layer norm in one pass per row (sums in another order: float rounding apart).
 */
export const LAYER_NORM_GRAD_KERNEL = "RlvrLayerNormGrad";

type LayerNormGradArgs = {
  inputs: Record<"dy" | "xHat" | "invStd" | "g", tf.TensorInfo>;
  backend: WasmBackend;
};

function layerNormGradKernel({ inputs, backend }: LayerNormGradArgs): tf.TensorInfo[] {
  const { dy, xHat, invStd, g } = inputs;
  const [N, I] = xHat.shape;
  const dx = backend.makeOutput([N, I], "float32");
  const dg = backend.makeOutput([I], "float32");
  const db = backend.makeOutput([I], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  exportsFor(backend).layer_norm_grad(
    at(dy),
    at(xHat),
    at(invStd),
    at(g),
    at(dx),
    at(dg),
    at(db),
    N,
    I,
  );
  return [dx, dg, db];
}

/**
 * The whole-sequence causal attention kernel's name: inputs `q` (already scaled by 1/√d), `k`,
 * `v` `[B·T, D]` with heads side by side (D = H·d, d a multiple of 4), attributes `batch`,
 * `heads`; outputs the mixed values `[B·T, D]` and the attention probabilities `[B·H, T, T]`
 * (zero above the diagonal; what the gradient reads). It replaces the head split and merge
 * (four transposes), two batched products of B·H small matrices, the mask and the softmax; sums
 * run in another order than OpenBLAS's, so results agree with them to float rounding.
 */
export const ATTENTION_FULL_KERNEL = "RlvrAttentionFull";

type AttentionFullArgs = {
  inputs: Record<"q" | "k" | "v", tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { batch: number; heads: number };
};

function attentionFullKernel({ inputs, backend, attrs }: AttentionFullArgs): tf.TensorInfo[] {
  const { q, k, v } = inputs;
  const { batch: B, heads: H } = attrs;
  const [rows, D] = q.shape;
  const T = rows / B;
  const out = backend.makeOutput([rows, D], "float32");
  const probs = backend.makeOutput([B * H, T, T], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  exportsFor(backend).attention_full(at(q), at(k), at(v), at(out), at(probs), B, T, H, D / H);
  return [out, probs];
}

/**
 * The gradient of {@link ATTENTION_FULL_KERNEL}: inputs `q`, `k`, `v`, `probs` and `dy` (the
 * mixed values' gradient), attributes as there; outputs dq, dk, dv `[B·T, D]`.
 */
export const ATTENTION_FULL_GRAD_KERNEL = "RlvrAttentionFullGrad";

type AttentionFullGradArgs = {
  inputs: Record<"q" | "k" | "v" | "probs" | "dy", tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { batch: number; heads: number };
};

function attentionFullGradKernel(
  { inputs, backend, attrs }: AttentionFullGradArgs,
): tf.TensorInfo[] {
  const { q, k, v, probs, dy } = inputs;
  const { batch: B, heads: H } = attrs;
  const [rows, D] = q.shape;
  const T = rows / B;
  const [dq, dk, dv] = [0, 1, 2].map(() => backend.makeOutput([rows, D], "float32"));
  const scratch = backend.makeOutput([T, T], "float32");
  const at = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  exportsFor(backend).attention_full_grad(
    at(q),
    at(k),
    at(v),
    at(probs),
    at(dy),
    at(dq),
    at(dk),
    at(dv),
    at(scratch),
    B,
    T,
    H,
    D / H,
  );
  backend.disposeData(scratch.dataId);
  return [dq, dk, dv];
}

/**
 * tfjs-backend-wasm's `Identity` copies its input (the engine calls it to save every tensor a
 * gradient reads, and for each clone); tensors are immutable, so the copy can share the input's
 * memory, as the cpu and webgl backends and wasm's own `Reshape` do (reference counted). Same
 * values, no copy.
 */
function sharedIdentity({ inputs: { x }, backend }: {
  inputs: { x: tf.TensorInfo };
  backend: WasmBackend;
}): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The wasm backend's own `Identity`, kept to restore it. */
let copyingIdentity: tf.KernelConfig | undefined;

/** Registers the sharing `Identity` for the wasm backend, or restores the copying one. */
function useSharedIdentity(on: boolean): void {
  const current = tf.getKernel("Identity", "wasm");
  if (current === undefined) return;
  copyingIdentity ??= current;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel(
    on
      ? { ...copyingIdentity, kernelFunc: sharedIdentity as unknown as tf.KernelFunc }
      : copyingIdentity,
  );
}

/** The kernels {@link useSimdAttention} registers for the wasm backend. */
const KERNELS = [
  [CACHED_ATTENTION_KERNEL, cachedAttention as unknown as tf.KernelFunc],
  [KEEP_ROWS_KERNEL, keepRows as unknown as tf.KernelFunc],
  [LAYER_NORM_KERNEL, layerNormKernel as unknown as tf.KernelFunc],
  [GELU_ARG_KERNEL, geluArgKernel as unknown as tf.KernelFunc],
  [GELU_GRAD_KERNEL, geluGradKernel as unknown as tf.KernelFunc],
  [LAYER_NORM_GRAD_KERNEL, layerNormGradKernel as unknown as tf.KernelFunc],
  [ATTENTION_FULL_KERNEL, attentionFullKernel as unknown as tf.KernelFunc],
  [ATTENTION_FULL_GRAD_KERNEL, attentionFullGradKernel as unknown as tf.KernelFunc],
] as const;

/** Whether {@link useSimdAttention} turned the kernel on, or why it could not. */
export type SimdAttentionLoad = { ok: true } | { ok: false; reason: string };

/**
 * Turns the SIMD cached-attention kernel on or off for decoding steps on the wasm backend
 * (registered once; `attendStep` asks {@link simdAttentionActive}). Called by `initBackend`.
 *
 * @param on Whether to use the kernel.
 * @returns `{ ok: true }`, or why it cannot run here (no wasm SIMD, no reachable wasm memory).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(useSimdAttention(false), { ok: true });
 * assert.equal(simdAttentionActive(), false);
 * ```
 */
export function useSimdAttention(on: boolean): SimdAttentionLoad {
  active = false;
  useSharedIdentity(false);
  if (!on) return { ok: true };
  if (compiledModule() === null) {
    return { ok: false, reason: "this runtime's WebAssembly has no SIMD" };
  }
  const backend = tf.findBackend("wasm") as unknown as WasmBackend | null;
  if (!(backend?.wasm?.asm?.memory instanceof WebAssembly.Memory)) {
    return { ok: false, reason: "the wasm backend's memory is not reachable" };
  }
  for (const [kernelName, kernel] of KERNELS) {
    if (tf.getKernel(kernelName, "wasm") === undefined) {
      tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernel });
    }
  }
  useSharedIdentity(true);
  active = true;
  return { ok: true };
}

/**
 * Whether decoding steps run the SIMD kernel (wasm backend, turned on, head width a multiple
 * of 4).
 *
 * @param headWidth The head width d, when known.
 * @returns True when `attendStep` should call the kernel.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(simdAttentionActive(6), false);
 * ```
 */
export function simdAttentionActive(headWidth = 4): boolean {
  return active && headWidth % 4 === 0 && tf.getBackend() === "wasm";
}
