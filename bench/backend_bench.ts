// deno-lint-ignore-file no-console -- a bench prints its results
// Matrix-multiply throughput of the wasm backend on XNNPACK (SIMD) and on OpenBLAS (lib/blas.ts),
// and of the cpu backend, with their ratios, in one run.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend.ts";

const SIZE = 256;
const FLOPS = 2 * SIZE ** 3;

async function gflops(
  backend: "wasm" | "cpu",
  repeats: number,
  matmul: "backend" | "openblas" = "backend",
): Promise<number> {
  await initBackend({ backend, fallback: false, matmul });
  const a = tf.randomUniform([SIZE, SIZE], -1, 1, "float32", 1);
  tf.matMul(a, a).dispose(); // warm-up
  const started = performance.now();
  for (let i = 0; i < repeats; i++) {
    const c = tf.matMul(a, a);
    c.dataSync();
    c.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  a.dispose();
  return (FLOPS * repeats) / seconds / 1e9;
}

const wasm = await gflops("wasm", 40);
const cpu = await gflops("cpu", 4);
console.log(JSON.stringify({ bench: "matmul_256_wasm", value: wasm, unit: "GFLOP/s" }));
console.log(JSON.stringify({ bench: "matmul_256_cpu", value: cpu, unit: "GFLOP/s" }));
console.log(JSON.stringify({ bench: "matmul_256_wasm_vs_cpu", value: wasm / cpu, unit: "ratio" }));
try {
  const blas = await gflops("wasm", 200, "openblas");
  console.log(JSON.stringify({ bench: "matmul_256_wasm_openblas", value: blas, unit: "GFLOP/s" }));
  console.log(
    JSON.stringify({ bench: "matmul_256_openblas_vs_xnnpack", value: blas / wasm, unit: "ratio" }),
  );
} catch (error) {
  console.error(`[backend_bench] OpenBLAS skipped: ${(error as Error).message}`);
}
