// deno-lint-ignore-file no-console -- a command prints its results
/**
 * Grades a sample file against a dataset and reports Pass@k.
 *
 *   deno task eval --samples S.jsonl --dataset D.parquet [--task math|countdown]
 *                  [--ks 1,2,4,...,256] [--out DIR] [--method NAME] [--name DATASET]
 *                  [--resamples 1000] [--seed 0] [--allow-unsampled]
 *
 * Prints the Pass@k table (with bootstrap intervals) and the grading reasons, and writes
 * DIR/results.json and DIR/passk.svg (DIR defaults to out/eval). results.json holds, besides the
 * curve, every sample's verdict (`verdicts`: problem id, line, correct, reason and the extracted
 * answer), so the grading can be audited sample by sample. Malformed sample or dataset lines are
 * listed with their line numbers and the command exits with status 1; so are samples that record
 * a `prompt` which is not their problem's (it must contain the problem's question).
 *
 * The grader follows the task, detected from the dataset's rows unless `--task` names it:
 * - `math` (rows `{ question, gold }` or the verl schema): the math verifier on the boxed answer.
 * - `countdown` (rows with `digits` and `target`, as in data/tasks/*.jsonl; the problem id is the
 *   row's `problemId`, else its `id`, else its row number): the Countdown grader
 *   (lib/tasks/countdown_grade.ts), which also checks that the working derives the target, so a
 *   response that boxes the target after a wrong step counts as wrong.
 * A dataset that mixes both kinds of rows, a `--task` that contradicts the rows, and a verl-style
 * Countdown dataset (`data_source` naming countdown: its rows lack the digits the working is
 * checked against) are refused.
 *
 * @module
 */

import { basename, dirname } from "node:path";
import { parseCommandLine, USAGE_EXIT_CODE } from "../lib/_io/cli.ts";
import { parseJsonlDataset, parseParquetDataset, type Problem } from "../lib/eval/datasets.ts";
import { evaluateSamples } from "../lib/eval/evaluate.ts";
import { JsonlError, parseJsonl } from "../lib/_io/jsonl.ts";
import { checkSamplePrompts, readSamples } from "../lib/eval/samples.ts";
import { formatEvaluationTable } from "../lib/present/evaluation_table.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { curveToRows } from "../lib/eval/passk.ts";
import { passAtKFigure, saveFigure } from "../lib/present/figure.ts";
import { progressReporter } from "../lib/progress.ts";
import { seededPrng } from "../lib/random.ts";
import { type CountdownProblem, countdownPrompt } from "../lib/tasks/countdown.ts";
import { type CountdownGrade, gradeCountdown } from "../lib/tasks/countdown_grade.ts";
import type { Verdict } from "../lib/verifier/verify.ts";

/** The sample-file format, for `--help` (the README says the same). */
const SAMPLE_FILE_FORMAT = `Sample file (--samples): JSON Lines, one sample per line:
  {"problemId": "1234>24", "response": "2*3*4*1=24 \\boxed{24}"}
  problemId  the dataset row's problemId (Countdown rows: else its id; verl rows: extra_info.index),
             else its row number from 0 (string or integer)
  response   the model's full text for that problem (graded by the task's grader)
  prompt     optional: the prompt it answered, checked to contain the problem's question
Other fields are ignored; sampleToFile (mod.ts) writes such a file from any OpenAI-compatible
server, adding sampleIndex and truncated. Every problem of the dataset needs samples
(--allow-unsampled: grade only the problems that have some).`;

const USAGE = "deno task eval --samples S.jsonl --dataset D.parquet [--task math|countdown] " +
  "[--ks 1,2,4,...,256] [--out DIR] [--method NAME] [--name DATASET] [--resamples 1000] " +
  "[--seed 0] [--allow-unsampled]";

const TASKS = ["math", "countdown"] as const;
type Task = (typeof TASKS)[number];

const FLAGS = {
  samples: { type: "string", placeholder: "S.jsonl", help: "Sample file (required)." },
  dataset: { type: "string", placeholder: "D", help: "Dataset, .parquet or .jsonl (required)." },
  task: {
    type: "enum",
    values: TASKS,
    help: "Grader: math (boxed answer) or countdown (answer and working). Default: from the rows.",
  },
  ks: { type: "list", of: "integer", min: 1, help: "Values of k. Default: powers of two." },
  out: { type: "string", default: "out/eval", placeholder: "DIR", help: "Output folder." },
  method: {
    type: "string",
    placeholder: "NAME",
    help: "Method label. Default: the sample file's name.",
  },
  name: {
    type: "string",
    placeholder: "DATASET",
    help: "Dataset label. Default: its folder's name.",
  },
  resamples: { type: "integer", default: 1000, min: 0, help: "Bootstrap resamples." },
  seed: { type: "integer", default: 0, min: 0, help: "Bootstrap seed." },
  "allow-unsampled": { type: "boolean", help: "Evaluate only the problems that have samples." },
} as const;

/** A dataset ready to grade: the problems `evaluateSamples` sees and the grader to use. */
type GradedDataset = {
  task: Task;
  problems: Problem[];
  grade?: (response: string, gold: string) => Verdict;
  /** Countdown only: how many samples got each Countdown reason. */
  countdownReasons?: Partial<Record<CountdownGrade["reason"], number>>;
};

/** Which task a raw dataset row belongs to. */
function rowTask(row: unknown): Task | "countdown-verl" {
  const record = (typeof row === "object" && row !== null ? row : {}) as Record<string, unknown>;
  if ("digits" in record && "target" in record) return "countdown";
  if (
    record.reward_model !== undefined && typeof record.data_source === "string" &&
    /countdown/i.test(record.data_source)
  ) {
    return "countdown-verl";
  }
  return "math";
}

function countdownRow(value: unknown, index: number): CountdownProblem & { problemId: string } {
  const row = value as Record<string, unknown>;
  const { digits, target } = row;
  if (
    !Array.isArray(digits) || digits.length === 0 ||
    !digits.every((d) => Number.isSafeInteger(d) && d >= 0) ||
    new Set(digits).size !== digits.length
  ) {
    throw new TypeError(`"digits" must be distinct integers >= 0, got ${JSON.stringify(digits)}`);
  }
  if (!Number.isSafeInteger(target)) {
    throw new TypeError(`"target" must be an integer, got ${JSON.stringify(target)}`);
  }
  const id = row.problemId ?? row.id ?? index;
  if (!(typeof id === "string" && id !== "") && !Number.isSafeInteger(id)) {
    throw new TypeError(
      `"problemId" or "id" must be a string or an integer, got ${JSON.stringify(id)}`,
    );
  }
  return { problemId: String(id), digits: digits as number[], target: target as number };
}

/** Decides the task: every row's kind must agree, and with `--task` when it is given. */
function decideTask(
  kinds: readonly (Task | "countdown-verl")[],
  asked: Task | undefined,
  path: string,
): Task {
  const found = [...new Set(kinds)];
  if (found.includes("countdown-verl")) {
    throw new TypeError(
      `Cannot evaluate ${path}: its rows are a verl-style Countdown dataset (data_source names countdown), whose rows lack the digits the Countdown grader checks the working against, and the math grader would read only the boxed answer; use rows with digits and target (as in data/tasks/*.jsonl)`,
    );
  }
  if (found.length > 1) {
    const first = (task: string) => kinds.indexOf(task as Task) + 1;
    throw new TypeError(
      `Cannot evaluate ${path}: the task is ambiguous, the rows mix Countdown problems (digits and target, first at record ${
        first("countdown")
      }) and math problems (first at record ${first("math")})`,
    );
  }
  const detected = found[0] as Task | undefined;
  if (detected === undefined) {
    if (asked === undefined) {
      throw new TypeError(
        `Cannot evaluate ${path}: it has no rows to detect the task from, pass --task`,
      );
    }
    return asked;
  }
  if (asked !== undefined && asked !== detected) {
    throw new TypeError(
      `Cannot evaluate ${path} with --task ${asked}: its rows are ${
        detected === "countdown" ? "Countdown problems (digits and target)" : "math problems"
      }, got --task ${asked}`,
    );
  }
  return detected;
}

async function loadGradedDataset(path: string, asked: Task | undefined): Promise<GradedDataset> {
  if (path.endsWith(".parquet")) {
    const problems = await parseParquetDataset(await Deno.readFile(path), { source: path });
    const kinds = problems.map((p) =>
      p.dataSource !== undefined && /countdown/i.test(p.dataSource)
        ? "countdown-verl" as const
        : "math" as const
    );
    return { task: decideTask(kinds, asked, path), problems };
  }
  if (!path.endsWith(".jsonl")) {
    throw new TypeError(`Cannot load dataset: expected a .parquet or .jsonl file, got ${path}`);
  }
  const text = await Deno.readTextFile(path);
  const rows = parseJsonl(text, (value) => value, { source: path });
  const task = decideTask(rows.map(rowTask), asked, path);
  if (task === "math") return { task, problems: parseJsonlDataset(text, { source: path }) };
  let index = 0;
  const countdown = parseJsonl(text, (value) => countdownRow(value, index++), { source: path });
  const byId = new Map<string, CountdownProblem>();
  for (const problem of countdown) {
    if (byId.has(problem.problemId)) {
      throw new TypeError(
        `Cannot load ${path}: problem ids must be unique, got "${problem.problemId}" twice`,
      );
    }
    byId.set(problem.problemId, problem);
  }
  const countdownReasons: Partial<Record<CountdownGrade["reason"], number>> = {};
  // evaluateSamples hands the grader the problem's gold: here the problem id, to find its digits.
  const grade = (response: string, problemId: string): Verdict => {
    const problem = byId.get(problemId)!;
    const graded = gradeCountdown(problem, response);
    countdownReasons[graded.reason] = (countdownReasons[graded.reason] ?? 0) + 1;
    // A boxed target reached through wrong working is a wrong answer, like any other.
    const reason = graded.correct
      ? "equivalent"
      : graded.verdict.correct
      ? "not-equivalent"
      : graded.verdict.reason;
    return {
      correct: graded.correct,
      reason,
      predicted: graded.verdict.predicted,
      gold: String(problem.target),
    };
  };
  const problems = countdown.map((p) => ({
    problemId: p.problemId,
    question: countdownPrompt(p),
    gold: p.problemId,
  }));
  return { task, problems, grade, countdownReasons };
}

async function main(args: string[]): Promise<number> {
  const { values } = parseCommandLine(args, FLAGS, { usage: USAGE, epilog: SAMPLE_FILE_FORMAT });
  if (values.samples === undefined || values.dataset === undefined) {
    console.error(`Cannot evaluate: --samples and --dataset are required\nUsage: ${USAGE}`);
    return USAGE_EXIT_CODE;
  }
  const { ks, resamples, seed } = values;
  // Default labels: the sample file's name, and the dataset's folder (math, aime2025, amc23).
  const method = values.method ?? basename(values.samples).replace(/\.jsonl$/, "");
  const name = values.name ?? basename(dirname(values.dataset));

  const [samples, dataset] = await Promise.all([
    readSamples(values.samples),
    loadGradedDataset(values.dataset, values.task),
  ]);
  const { task, problems, grade, countdownReasons } = dataset;
  checkSamplePrompts(samples, problems, { source: values.samples });
  const started = performance.now();
  const result = evaluateSamples(samples, problems, {
    ...(grade === undefined ? {} : { grade }),
    ...(ks === undefined ? {} : { ks }),
    resamples,
    prng: seededPrng(seed),
    allowUnsampled: values["allow-unsampled"],
    keepVerdicts: true,
    onProgress: progressReporter("grading", { target: "stderr" }),
  });
  const seconds = (performance.now() - started) / 1000;

  console.log(`${name} · ${method}`);
  console.log(formatEvaluationTable(result));
  if (countdownReasons !== undefined) {
    const counts = Object.entries(countdownReasons).map(([reason, n]) => `${reason} ${n}`);
    console.log(`countdown grades (answer and working): ${counts.join(", ")}`);
  }
  console.log(`graded in ${seconds.toFixed(1)} s by the ${task} grader`);

  const rows = curveToRows(result.curve, { dataset: name, method });
  // The verdicts last: the summary stays at the top of the file.
  const { verdicts, ...summary } = result;
  await Deno.mkdir(values.out, { recursive: true });
  const resultsPath = `${values.out}/results.json`;
  const figurePath = `${values.out}/passk.svg`;
  const record = {
    samplesPath: values.samples,
    datasetPath: values.dataset,
    dataset: name,
    method,
    task,
    ...(countdownReasons === undefined ? {} : { countdownReasons }),
    seed,
    resamples,
    ...summary,
    rows,
    verdicts,
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
