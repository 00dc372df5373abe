// deno-lint-ignore-file no-console -- a command reports its progress and result
/**
 * deno task train --config FILE — one RL training run from a JSON experiment config, the way a
 * TRL or verl user expects a command to work: the Countdown training split, the shipped base
 * model (or --base DIR), the Countdown reward, progress on stderr, a run directory named by
 * everything the run depends on (config, weights, reward, problems, code), resume after a stop,
 * and SIGINT / SIGTERM saving the step it finished.
 *
 *   deno task train --config my_nsr.json [--base data/base] [--out out/runs] [--label NAME]
 *                   [--eval-problems 64]
 *
 * The config is what `parseExperimentConfig` takes (omitted fields take their defaults; the
 * model section must describe the base). A second run with the same inputs reuses the finished
 * run; an interrupted one resumes.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
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
}, {
  usage:
    "deno task train --config FILE [--base DIR] [--out DIR] [--label NAME] [--eval-problems 64]",
  description: "Trains one RL run on the Countdown training split from a JSON experiment config.",
});

let raw: unknown;
try {
  raw = JSON.parse(await Deno.readTextFile(values.config));
} catch (error) {
  console.error(`Cannot read the config: ${values.config}: ${(error as Error).message}`);
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
const base = await loadBaseModel({ dir: values.base });
const problems = await COUNTDOWN_TASK.loadProblems("train");
const evalProblems = values["eval-problems"] === 0
  ? []
  : (await COUNTDOWN_TASK.loadProblems("tierA")).slice(-values["eval-problems"]);
const controller = new AbortController();
const stop = (signal: Deno.Signal) => () => {
  if (controller.signal.aborted) Deno.exit(signal === "SIGINT" ? 130 : 143);
  console.error(
    `\n${signal}: stopping after this step (its checkpoint is kept; run again to resume)`,
  );
  controller.abort();
};
Deno.addSignalListener("SIGINT", stop("SIGINT"));
Deno.addSignalListener("SIGTERM", stop("SIGTERM"));
const report = progressReporter(`train ${config.objective.kind}`, { target: "stderr" });
console.error(
  `${backend.backend} (${backend.matmul} matmuls), base ${base.id}, ${problems.length} problems, ` +
    `${config.train.steps} steps of ${config.train.promptsPerStep} × ${config.rollout.samplesPerPrompt}`,
);
const run = await runTraining(config, {
  policy: base.policy,
  tokenizer: base.tokenizer,
  problems,
  evalProblems,
  reward: COUNTDOWN_TASK.reward,
  cacheDir: values.out,
  label: values.label ?? config.objective.kind,
  signal: controller.signal,
  onStep: (m) =>
    report({
      done: m.step,
      total: config.train.steps,
      detail: `correct ${m.correctRatio.toFixed(3)}, loss ${m.loss.toFixed(4)}`,
    }),
});
base.policy.dispose();
const last = run.steps.at(-1);
const greedy = run.evals.at(-1);
console.log(JSON.stringify({
  dir: run.dir,
  steps: run.steps.length,
  correctRatio: last?.correctRatio,
  greedyAccuracy: greedy?.greedyAccuracy,
  stopped: controller.signal.aborted,
}));
