// deno-lint-ignore-file no-console -- a bench prints its results
// Evaluation pipeline bench: grade and score PROBLEMS × SAMPLES synthetic responses built around
// the real MATH test golds (default 5,000 × 16), end to end through evaluateSamples (verifier +
// counts + Pass@k curve with 1,000 bootstrap resamples). Prints JSON lines {"bench","value","unit"}.
// Usage: deno run -A bench/eval_bench.ts [--problems 5000] [--samples 16]
import { parseArgs } from "node:util";
import { loadDataset, type Problem } from "../lib/eval/datasets.ts";
import type { SampleRecord } from "../lib/eval/samples.ts";
import { passAtKCurve } from "../lib/eval/passk.ts";
import { type Prng, randomInt, seededPrng } from "../lib/random.ts";
import { fullDatasets, SAMPLE_DATASETS } from "../tests/_helpers.ts";

// The full MATH test set when RLVR_DATASETS (or ../shared/datasets) has it, else the sample.
const MATH_TEST = `${fullDatasets() ?? SAMPLE_DATASETS}math/test.parquet`;
const VERIFY_PATH = new URL("../lib/verifier/verify.ts", import.meta.url).pathname;

// Fail loudly, never fake a number, when the verifier is not there: evaluate.ts imports it.
try {
  Deno.statSync(VERIFY_PATH);
} catch {
  console.error(`Cannot run the eval bench: the verifier is missing, expected ${VERIFY_PATH}`);
  Deno.exit(1);
}
const { evaluateSamples } = await import("../lib/eval/evaluate.ts");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    problems: { type: "string", default: "5000" },
    samples: { type: "string", default: "16" },
  },
});
const problemCount = Number(values.problems);
const samplesPerProblem = Number(values.samples);

// One response around a gold: what models write (boxed, a restated form, a near miss, nothing).
function syntheticResponse(gold: string, correct: boolean, prng: Prng): string {
  const preamble = "Let me work through this step by step. After simplifying, ";
  if (correct) {
    switch (randomInt(prng, 3)) {
      case 0:
        return `${preamble}the final answer is $\\boxed{${gold}}$.`;
      case 1:
        return `${preamble}we get $\\boxed{ ${gold.replaceAll("\\frac", "\\dfrac")} }$`;
      default:
        return `${preamble}so the answer is \\boxed{${gold}}. I hope it is correct.`;
    }
  }
  switch (randomInt(prng, 4)) {
    case 0: // a near miss: one digit changed, or a sign flipped
      return /\d/.test(gold)
        ? `${preamble}$\\boxed{${gold.replace(/\d/, (d) => String((Number(d) + 1) % 10))}}$`
        : `${preamble}$\\boxed{-${gold}}$`;
    case 1:
      return `${preamble}the answer is $\\boxed{${randomInt(prng, 1000)}}$.`;
    case 2:
      return `${preamble}I am not able to finish the computation.`;
    default:
      return `${preamble}$\\boxed{\\frac{${gold}}{}$`;
  }
}

function syntheticSamples(problems: readonly Problem[], prng: Prng): SampleRecord[] {
  const samples: SampleRecord[] = [];
  for (const { problemId, gold } of problems) {
    const successRate = prng() ** 2; // many hard problems, some easy ones, like a base model
    for (let i = 0; i < samplesPerProblem; i++) {
      samples.push({ problemId, response: syntheticResponse(gold, prng() < successRate, prng) });
    }
  }
  return samples;
}

const problems = (await loadDataset(MATH_TEST)).slice(0, problemCount);
const samples = syntheticSamples(problems, seededPrng(2025));

const started = performance.now();
const result = evaluateSamples(samples, problems, { resamples: 1000 });
const seconds = (performance.now() - started) / 1000;

const scoringStarted = performance.now();
passAtKCurve(result.problems, result.curve.map((p) => p.k), { resamples: 1000 });
const scoringMs = performance.now() - scoringStarted;

const name = `${problems.length}x${samplesPerProblem}`;
const print = (bench: string, value: number, unit: string): void =>
  console.log(JSON.stringify({ bench, value: Number(value.toPrecision(4)), unit }));
print(`eval_grade_and_score_${name}`, seconds, "s");
print(`eval_grading_throughput_${name}`, samples.length / seconds, "samples/s");
print(`eval_passk_curve_${problems.length}_problems_1000_resamples`, scoringMs, "ms");
console.error(
  `[eval_bench] pass@1 ${result.curve[0].estimate.toFixed(3)}, reasons ${
    JSON.stringify(result.reasons)
  }`,
);
