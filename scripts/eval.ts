// deno-lint-ignore-file no-console -- a command prints its results
/**
 * Grades a sample file against a dataset and reports Pass@k.
 *
 *   deno task eval --samples S.jsonl --dataset D.parquet [--ks 1,2,4,...,256] [--out DIR]
 *                  [--method NAME] [--name DATASET] [--resamples 1000] [--seed 0]
 *                  [--allow-unsampled]
 *
 * Prints the Pass@k table (with bootstrap intervals) and the grading reasons, and writes
 * DIR/results.json and DIR/passk.svg (DIR defaults to out/eval). Malformed sample or dataset lines
 * are listed with their line numbers and the command exits with status 1.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { basename, dirname } from "node:path";
import { loadDataset } from "../lib/eval/datasets.ts";
import { evaluateSamples } from "../lib/eval/evaluate.ts";
import { JsonlError } from "../lib/_io/jsonl.ts";
import { readSamples } from "../lib/eval/samples.ts";
import { formatEvaluationTable } from "../lib/present/evaluation_table.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { curveToRows } from "../lib/eval/passk.ts";
import { passAtKFigure, saveFigure } from "../lib/present/figure.ts";
import { progressReporter } from "../lib/progress.ts";
import { seededPrng } from "../lib/random.ts";

const USAGE = "Usage: deno task eval --samples S.jsonl --dataset D.parquet " +
  "[--ks 1,2,4,...,256] [--out DIR] [--method NAME] [--name DATASET] [--resamples 1000] " +
  "[--seed 0] [--allow-unsampled]";

function parseIntegerList(text: string, flag: string): number[] {
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || !values.every((v) => Number.isSafeInteger(v) && v >= 1)) {
    throw new RangeError(`Cannot read ${flag}: expected positive integers like 1,2,4, got ${text}`);
  }
  return values;
}

function parseInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot read ${flag}: expected an integer >= 0, got ${text}`);
  }
  return value;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      samples: { type: "string" },
      dataset: { type: "string" },
      ks: { type: "string" },
      out: { type: "string", default: "out/eval" },
      method: { type: "string" },
      name: { type: "string" },
      resamples: { type: "string", default: "1000" },
      seed: { type: "string", default: "0" },
      "allow-unsampled": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.samples === undefined || values.dataset === undefined) {
    console.error(`Cannot evaluate: --samples and --dataset are required\n${USAGE}`);
    return 2;
  }
  const ks = values.ks === undefined ? undefined : parseIntegerList(values.ks, "--ks");
  const resamples = parseInteger(values.resamples, "--resamples");
  const seed = parseInteger(values.seed, "--seed");
  // Default labels: the sample file's name, and the dataset's folder (math, aime2025, amc23).
  const method = values.method ?? basename(values.samples).replace(/\.jsonl$/, "");
  const name = values.name ?? basename(dirname(values.dataset));

  const [samples, problems] = await Promise.all([
    readSamples(values.samples),
    loadDataset(values.dataset),
  ]);
  const started = performance.now();
  const result = evaluateSamples(samples, problems, {
    ...(ks === undefined ? {} : { ks }),
    resamples,
    prng: seededPrng(seed),
    allowUnsampled: values["allow-unsampled"],
    onProgress: progressReporter("grading", { target: "stderr" }),
  });
  const seconds = (performance.now() - started) / 1000;

  console.log(`${name} · ${method}`);
  console.log(formatEvaluationTable(result));
  console.log(`graded in ${seconds.toFixed(1)} s`);

  const rows = curveToRows(result.curve, { dataset: name, method });
  await Deno.mkdir(values.out, { recursive: true });
  const resultsPath = `${values.out}/results.json`;
  const figurePath = `${values.out}/passk.svg`;
  const record = {
    samplesPath: values.samples,
    datasetPath: values.dataset,
    dataset: name,
    method,
    seed,
    resamples,
    ...result,
    rows,
  };
  await writeTextFileAtomic(resultsPath, JSON.stringify(record, null, 2) + "\n");
  await saveFigure(passAtKFigure(rows, { title: `Pass@k · ${name} · ${method}` }), figurePath);
  console.log(`wrote ${resultsPath} and ${figurePath}`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (error instanceof JsonlError) {
      console.error(`Cannot evaluate: ${error.issues.length} malformed line(s) in ${error.source}`);
      for (const { line, message } of error.issues) console.error(`  line ${line}: ${message}`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      console.error(message);
      if (message.includes("allowUnsampled")) {
        console.error("Pass --allow-unsampled to evaluate only the problems that have samples.");
      }
    }
    Deno.exit(1);
  }
}
