// deno-lint-ignore-file no-console -- a command reports its progress and result
/**
 * deno task train — one RL training run from a JSON experiment config, the way a TRL or verl user
 * expects a command to work: the Countdown training split, the shipped base model (or --base DIR),
 * the Countdown reward, progress on stderr, a run directory named by everything the run depends on
 * (config, weights, reward, problems, code), resume after a stop, and SIGINT / SIGTERM saving the
 * step it finished (the command then exits 130 / 143). One Ctrl-C always saves, even when it
 * arrives twice (from the terminal and through `deno task`); only a second one within 5 s exits
 * at once without saving. A resume passes over a corrupt newest checkpoint for the last intact
 * one and says which. A base whose pretraining did not finish is refused unless
 * --allow-unfinished-base is given.
 *
 *   deno task train [--config FILE] [--set PATH=VALUE ...] [--print-config] [--base DIR]
 *                   [--out out/cache] [--label NAME] [--eval-problems 64] [--workers N]
 *                   [--allow-unfinished-base]
 *
 * The config is what `parseExperimentConfig` takes, as a notebook would pass it (omitted fields
 * take their defaults; `--help` lists every field; schema/experiment_config.schema.json is its
 * JSON Schema). PPO starts from the base with a fresh critic (`model.valueHead`), as the
 * protocol's PPO does. A second run with the same inputs reuses the finished run; an interrupted
 * one resumes. The run directory gets metrics.jsonl, metrics.csv, checkpoints/ and, at the end
 * or on a stop, curves.svg (the paper's Fig. 4 panels). stdout gets one JSON summary line.
 * --workers N splits sampling and each update's micro-batches between N workers, which gives the
 * one-core run's tokens and its updates to float tolerance (not bit for bit, so the worker count
 * is part of the run's key); the default, one, shares the notebooks' runs.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
import { readJsonFile } from "../lib/_io/read_json_file.ts";
import { signalExitCode, stopOnSignal } from "../lib/_io/stop_on_signal.ts";
import {
  EXPERIMENT_CONFIG_SCHEMA_PATH,
  type ExperimentConfig,
  parseExperimentConfig,
} from "../lib/config.ts";
import { experimentConfigFields, formatConfigFields } from "../lib/config_fields.ts";
import { applyConfigOverrides } from "../lib/config_overrides.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { saveFigure } from "../lib/present/figure.ts";
import { trainingCurvesFigure, trainingProgress } from "../lib/present/training_progress.ts";
import { startingPolicy } from "../lib/schedule/work.ts";
import { FIGURE_4_CURVES } from "../lib/protocol/protocol_rows.ts";
import { BASE_MODEL_DIR, loadBaseModel } from "../lib/tasks/base_model.ts";
import { COUNTDOWN_TASK } from "../lib/tasks/countdown_task.ts";
import { lastKlToInitial } from "../lib/train/metrics.ts";
import { locateRun, runTraining } from "../lib/train/run_training.ts";

const USAGE = "deno task train [--config FILE] [--set PATH=VALUE ...] [--print-config] " +
  "[--base DIR] [--out out/cache] [--label NAME] [--eval-problems 64] [--workers N] " +
  "[--allow-unfinished-base]";

const { values } = parseCommandLine(Deno.args, {
  config: {
    type: "string",
    placeholder: "FILE",
    help: "The experiment config (JSON; the fields below). Default: every field at its default.",
  },
  set: {
    type: "list",
    placeholder: "PATH=VALUE",
    help: "Change a field after the file, e.g. --set train.steps=10 (repeat it, or use commas).",
  },
  "print-config": {
    type: "boolean",
    help: "Print the resolved config (file, --set, defaults) as JSON and exit.",
  },
  base: {
    type: "string",
    placeholder: "DIR",
    help: "The starting checkpoint. Default: the shipped base, data/base.",
  },
  out: {
    type: "string",
    default: "out/cache",
    placeholder: "DIR",
    help: "Root of the run directories (the notebooks' cache: the same config is the same run).",
  },
  label: {
    type: "string",
    placeholder: "NAME",
    help: "Prefix of the run directory (default: the objective).",
  },
  "eval-problems": {
    type: "integer",
    default: 64,
    min: 0,
    help: "Held-out tier-A problems for greedy accuracy during training (0: none).",
  },
  workers: {
    type: "integer",
    default: 1,
    min: 1,
    placeholder: "N",
    help: "Cores the run uses. More than 1 starts sampling and gradient workers: the same " +
      "tokens, the same updates to float tolerance, a run key of its own (1 shares the " +
      "notebooks' runs). At the shipped model's size it is barely faster: see the README.",
  },
  "allow-unfinished-base": {
    type: "boolean",
    help: "Accept a --base whose pretraining was interrupted (or a pretraining checkpoint).",
  },
}, {
  usage: USAGE,
  description: "Trains one RL run on the Countdown training split from a JSON experiment config.",
  epilog: `Config fields (the JSON Schema, for editors: ${EXPERIMENT_CONFIG_SCHEMA_PATH}):\n` +
    formatConfigFields(experimentConfigFields()),
});

function fail(message: string): never {
  console.error(message);
  Deno.exit(1);
}

async function readConfig(): Promise<ExperimentConfig> {
  let raw: unknown = {};
  if (values.config !== undefined) {
    try {
      raw = await readJsonFile(values.config);
    } catch (error) {
      fail(`Cannot read the config: ${(error as Error).message}`);
    }
  }
  const source = [
    ...(values.config === undefined ? [] : [values.config]),
    ...((values.set ?? []).length === 0 ? [] : ["--set"]),
  ].join(" and ") || "the defaults";
  try {
    return parseExperimentConfig(applyConfigOverrides(raw, values.set ?? []));
  } catch (error) {
    fail(`${(error as Error).message} (in ${source})`);
  }
}

const config = await readConfig();
if (values["print-config"]) {
  console.log(JSON.stringify(config, null, 2));
  Deno.exit(0);
}
if (config.objective.kind === "ppo" && config.model.valueHead === "none") {
  fail(
    `Cannot train PPO: its critic needs model.valueHead "separate" (the paper's) or "shared", ` +
      `got "none"; add "model": { "valueHead": "separate" } to the config, or ` +
      `--set model.valueHead=separate`,
  );
}
const backend = await initBackend();
const baseDir = values.base ?? BASE_MODEL_DIR;
let base: Awaited<ReturnType<typeof loadBaseModel>>;
try {
  base = await loadBaseModel({ dir: baseDir, allowUnfinished: values["allow-unfinished-base"] });
} catch (error) {
  const message = (error as Error).message;
  fail(
    error instanceof RangeError ? `${message} (--allow-unfinished-base to use it anyway)` : message,
  );
}
let start;
try {
  start = startingPolicy(base.policy, config);
} catch (error) {
  fail(`${(error as Error).message} (the base is ${baseDir})`);
}
const problems = await COUNTDOWN_TASK.loadProblems("train");
const evalProblems = values["eval-problems"] === 0
  ? []
  : (await COUNTDOWN_TASK.loadProblems("tierA")).slice(-values["eval-problems"]);
using stop = stopOnSignal({
  onEvent: (event) => {
    switch (event.kind) {
      case "stopping":
        return console.error(
          `\n${event.signal}${event.repeat ? " again" : ""}: stopping after this step (its ` +
            `checkpoint is kept; run again to resume; another Ctrl-C within ` +
            `${event.graceMs / 1000} s exits at once, without saving)`,
        );
      case "duplicate":
        return console.error(
          `${event.signal} delivered twice (terminal and deno task): still saving`,
        );
      case "exiting":
        return console.error(
          `${event.signal} again within ${event.graceMs / 1000} s: exiting without saving ` +
            `(the run's last checkpoint stays; run again to resume from it)`,
        );
      default: {
        const unknown: never = event;
        throw new TypeError(`Cannot report a signal: unknown event, got ${unknown}`);
      }
    }
  },
});

const label = values.label ?? config.objective.kind;
const runOptions = {
  policy: start,
  tokenizer: base.tokenizer,
  problems,
  evalProblems,
  reward: COUNTDOWN_TASK.reward,
  cacheDir: values.out,
  label,
  workers: values.workers,
};
const { dir, step: done } = await locateRun(config, runOptions);
const total = config.train.steps;
console.error(
  `${backend.backend} (${backend.matmul} matmuls), base ${base.id}, ${problems.length} problems, ` +
    `${total} steps of ${config.train.promptsPerStep} × ${config.rollout.samplesPerPrompt}, ` +
    `${values.workers} core${values.workers === 1 ? "" : "s"}`,
);
console.error(
  done >= total
    ? `cached: ${dir} (all ${total} steps done)`
    : done > 0
    ? `resuming: ${dir}`
    : `training: ${dir}`,
);
const progress = done >= total ? undefined : trainingProgress(config, {
  start: done,
  label: `train ${label}`,
  target: "stderr",
});
let run: Awaited<ReturnType<typeof runTraining>>;
try {
  run = await runTraining(config, {
    ...runOptions,
    signal: stop.signal,
    onResume: ({ step, dir, skipped }) => {
      for (const { dir: corrupt, reason } of skipped) {
        console.error(`skipping the corrupt checkpoint ${corrupt}: ${reason}`);
      }
      console.error(`resuming at step ${step} of ${total} (${dir})`);
    },
    onStep: progress,
  });
} catch (error) {
  // A refused config or run (RangeError, TypeError) is the user's to fix: its message, no trace.
  if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
  fail(error.message);
}
if (start !== base.policy) start.dispose();
base.policy.dispose();

const figurePath = `${run.dir}/curves.svg`;
await saveFigure(
  trainingCurvesFigure(run, {
    curves: FIGURE_4_CURVES,
    method: label,
    title: `${label}: training curves`,
    subtitle: `${run.dir}, step ${run.steps.at(-1)?.step ?? 0} of ${total}`,
  }),
  figurePath,
);
// The summary is of the step the run ended at: its batch, the KL measured last, and the greedy
// evaluation only if one ran at that step (the latest one is named with its own step).
const last = run.steps.at(-1);
const lastEval = run.evals.at(-1);
console.log(JSON.stringify({
  dir: run.dir,
  step: last?.step ?? 0,
  steps: total,
  stopped: stop.received !== undefined,
  correctRatio: last?.correctRatio ?? null,
  rolloutEntropy: last?.rolloutEntropy ?? null,
  klToInitial: run.steps.length > 0 ? lastKlToInitial(run.steps) : null,
  greedyAccuracy: lastEval !== undefined && lastEval.step === (last?.step ?? 0)
    ? lastEval.greedyAccuracy
    : null,
  lastEval: lastEval === undefined
    ? null
    : { step: lastEval.step, greedyAccuracy: lastEval.greedyAccuracy, entropy: lastEval.entropy },
  metrics: `${run.dir}/metrics.csv`,
  figure: figurePath,
}));
// A stopped run is not a finished one: `train && next` must not run `next`.
if (stop.received !== undefined) Deno.exit(signalExitCode(stop.received));
