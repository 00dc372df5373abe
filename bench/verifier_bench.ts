// Verifier throughput, single-threaded: `deno run -A bench/verifier_bench.ts` prints JSON lines
// {"bench", "value", "unit"}. The JIT and compute-engine are warmed up on MATH-train golds first,
// so the timed passes over MATH-test golds still parse every test gold and prediction once (cold
// caches), as a training run meets each new problem and each new sampled answer.
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { randomInt, seededPrng } from "../lib/random.ts";
import { verify } from "../lib/verifier/verify.ts";
import { fullDatasets, SAMPLE_DATASETS } from "../tests/_helpers.ts";

// The full sets when RLVR_DATASETS (or ../shared/datasets) has them, else the committed sample.
const DATASETS = fullDatasets() ?? SAMPLE_DATASETS;
const MISMATCHED_PAIRS = 5_000;

async function loadGolds(name: string): Promise<string[]> {
  const bytes = await Deno.readFile(`${DATASETS}${name}.parquet`);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = await parquetReadObjects({ file, compressors, columns: ["reward_model"] });
  return rows.map((row) =>
    (row.reward_model as { ground_truth: { target: string } }).ground_truth.target
  );
}

/** A realistic response whose answer is written differently from the gold (cold parse cache). */
function respond(answer: string): string {
  const written = answer.replaceAll("\\frac", "\\dfrac").replaceAll(",", ", ");
  return `Let me solve this step by step.\n\nTherefore, the final answer is $\\boxed{${written}}$.`;
}

function timed(pairs: ReadonlyArray<readonly [string, string]>, latencies: number[]): number {
  const start = performance.now();
  for (const [response, gold] of pairs) {
    const t0 = performance.now();
    verify(response, gold);
    latencies.push(performance.now() - t0);
  }
  return (performance.now() - start) / 1000;
}

function emit(bench: string, value: number, unit: string): void {
  // deno-lint-ignore no-console -- a bench reports on stdout
  console.log(JSON.stringify({ bench, value: Number(value.toPrecision(4)), unit }));
}

const train = await loadGolds("math/train");
const test = await loadGolds("math/test");
const prng = seededPrng(7);
for (let i = 0; i < 2_000; i++) {
  verify(respond(train[i]), train[i]);
  verify(respond(train[randomInt(prng, train.length)]), train[i]);
}

const latencies: number[] = [];
const selfSeconds = timed(test.map((gold) => [respond(gold), gold] as const), latencies);
emit("verifier_self_verify_throughput", test.length / selfSeconds, "verifications/s");

const mismatched: [string, string][] = [];
while (mismatched.length < MISMATCHED_PAIRS) {
  const gold = test[randomInt(prng, test.length)], other = test[randomInt(prng, test.length)];
  if (gold !== other) mismatched.push([respond(other), gold]);
}
const mismatchSeconds = timed(mismatched, latencies);
emit("verifier_mismatch_throughput", MISMATCHED_PAIRS / mismatchSeconds, "verifications/s");

latencies.sort((a, b) => a - b);
emit("verifier_p99_latency", latencies[Math.floor(0.99 * (latencies.length - 1))], "ms");
emit("verifier_max_latency", latencies[latencies.length - 1], "ms");
