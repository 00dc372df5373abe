// deno-lint-ignore-file no-console -- a command reports its progress and result
/**
 * deno task train --config FILE — one RL training run from a JSON experiment config, the way a
 * TRL or verl user expects a command to work: the Countdown training split, the shipped base
 * model (or --base DIR), the Countdown reward, progress on stderr, a run directory named by
 * everything the run depends on (config, weights, reward, problems, code), resume after a stop,
 * and SIGINT / SIGTERM saving the step it finished. One Ctrl-C always saves, even when it
 * arrives twice (from the terminal and through `deno task`); only a second one within 5 s exits
 * at once without saving. A resume passes over a corrupt newest checkpoint for the last intact
 * one and says which. A base whose pretraining did not finish (an interrupted
 * `deno task pretrain`'s output, or one of its checkpoints) is refused unless
 * --allow-unfinished-base is given.
 *
 *   deno task train --config my_nsr.json [--base data/base] [--out out/runs] [--label NAME]
 *                   [--eval-problems 64] [--allow-unfinished-base]
 *
 * The config is what `parseExperimentConfig` takes (omitted fields take their defaults; the
 * model section must describe the base). A second run with the same inputs reuses the finished
 * run; an interrupted one resumes.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
import { readJsonFile } from "../lib/_io/read_json_file.ts";
import { stopOnSignal } from "../lib/_io/stop_on_signal.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { progressReporter } from "../lib/progress.ts";
import { BASE_MODEL_DIR, loadBaseModel } from "../lib/tasks/base_model.ts";
import { COUNTDOWN_TASK } from "../lib/tasks/countdown_task.ts";
import { runTraining } from "../lib/train/run_training.ts";

const { values } = parseCommandLine(Deno.args, {
  config: {
    type: "string",
    required: true,
    placeholder: "FILE",
    help: "The experiment config (JSON).",
  },
  base: {
    type: "string",
    default: BASE_MODEL_DIR,
    placeholder: "DIR",
    help: "The starting checkpoint.",
  },
  out: {
    type: "string",
    default: "out/runs",
    placeholder: "DIR",
    help: "Root of the run directories.",
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
  "allow-unfinished-base": {
    type: "boolean",
    help: "Accept a --base whose pretraining was interrupted (or a pretraining checkpoint).",
  },
}, {
  usage: "deno task train --config FILE [--base DIR] [--out DIR] [--label NAME] " +
    "[--eval-problems 64] [--allow-unfinished-base]",
  description: "Trains one RL run on the Countdown training split from a JSON experiment config.",
});

let raw: unknown;
try {
  raw = await readJsonFile(values.config);
} catch (error) {
  console.error(`Cannot read the config: ${(error as Error).message}`);
  Deno.exit(1);
}
let config;
try {
  config = parseExperimentConfig(raw);
} catch (error) {
  console.error(`${(error as Error).message} (in ${values.config})`);
  Deno.exit(1);
}
const backend = await initBackend();
let base: Awaited<ReturnType<typeof loadBaseModel>>;
try {
  base = await loadBaseModel({
    dir: values.base,
    allowUnfinished: values["allow-unfinished-base"],
  });
} catch (error) {
  const message = (error as Error).message;
  console.error(
    error instanceof RangeError ? `${message} (--allow-unfinished-base to use it anyway)` : message,
  );
  Deno.exit(1);
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
const report = progressReporter(`train ${config.objective.kind}`, { target: "stderr" });
console.error(
  `${backend.backend} (${backend.matmul} matmuls), base ${base.id}, ${problems.length} problems, ` +
    `${config.train.steps} steps of ${config.train.promptsPerStep} × ${config.rollout.samplesPerPrompt}`,
);
let run: Awaited<ReturnType<typeof runTraining>>;
try {
  run = await runTraining(config, {
    policy: base.policy,
    tokenizer: base.tokenizer,
    problems,
    evalProblems,
    reward: COUNTDOWN_TASK.reward,
    cacheDir: values.out,
    label: values.label ?? config.objective.kind,
    signal: stop.signal,
    onResume: ({ step, dir, skipped }) => {
      for (const { dir: corrupt, reason } of skipped) {
        console.error(`skipping the corrupt checkpoint ${corrupt}: ${reason}`);
      }
      console.error(`resuming from step ${step} (${dir})`);
    },
    onStep: (m) =>
      report({
        done: m.step,
        total: config.train.steps,
        detail: `correct ${m.correctRatio.toFixed(3)}, loss ${m.loss.toFixed(4)}`,
      }),
  });
} catch (error) {
  // A refused config or run (RangeError, TypeError) is the user's to fix: its message, no trace.
  if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
  console.error(error.message);
  Deno.exit(1);
}
base.policy.dispose();
const last = run.steps.at(-1);
const greedy = run.evals.at(-1);
console.log(JSON.stringify({
  dir: run.dir,
  steps: run.steps.length,
  correctRatio: last?.correctRatio,
  greedyAccuracy: greedy?.greedyAccuracy,
  stopped: stop.signal.aborted,
}));
