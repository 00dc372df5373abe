// Pretrains the miniature's base model from its seed: supervised next-token training on the
// teacher's responses to the training split, then the checkpoint (model.safetensors + config.json)
// and the loss curve (pretrain_history.json) in --out.
// Usage: deno task pretrain [--out out/pretrain] [--steps 1000] [--seed 0] [--workers 2]
//   [--batch 64] [--lr 2e-3] [--warmup 100] [--corpus-samples 64] [--corpus-keep all|hits|right]
//   [--init DIR] [--width 64] [--layers 4] [--heads 4] [--mlp-width 256] [--overwrite-base]
// (`--help` lists every flag.) --out defaults to out/pretrain, so a trial run never touches the
// shipped base: writing into data/base (its weights, or with --evaluate its passk.json and
// smoke.json) takes both `--out data/base` and `--overwrite-base`.
// --init DIR continues from the checkpoint in DIR (fresh optimizer and schedule, the corpus and
// batch order of --seed) instead of a fresh initialisation; the metadata keeps DIR's command, so a
// staged base records every stage that rebuilds it.
// --corpus-keep hits keeps only the teacher's hits (its search found a believed solution; wrong
// answers are then misconceptions and slips), drawn from --corpus-samples responses per problem;
// --corpus-keep right keeps only the right ones (a stronger prior: the prior-strength study).
// --plant KIND (late-flip | dead-start | mixed) rewrites the right responses to problems whose
// target's units digit is below --plant-units with chance --plant-rate (lib/tasks/corpus_errors.ts):
// the salvage study's bases, whose errors are late and salvageable or early dead ends.
// --workers N computes each step's gradient in N Web Workers (GradientPool); 0 = this thread.
// The weights are deterministic for a given seed and worker count.
// SIGINT (Ctrl-C) or SIGTERM stops training cleanly within a few steps: the weights, the loss
// curve and the optimizer state (pretrain_state.safetensors) so far are saved to --out with
// `interrupted` in the metadata (to out/pretrain-interrupted when --out is the shipped base, which
// only a finished run replaces), and the command exits with 130 or 143. One Ctrl-C always saves,
// even when it arrives twice (from the terminal and through `deno task`); only a second one
// within 5 s exits at once without saving, and says so. Every --checkpoint-every steps (default
// 100) a checkpoint goes to <out>/checkpoints/ (the newest two are kept), so a kill (SIGKILL, a
// crash, a full disk) loses at most that many steps. The same command with --resume continues
// from the newest intact checkpoint or stop exactly: the result equals an uninterrupted run's
// (weights, loss curve, recorded command). A folder holding an unfinished run is never started
// over without --resume. --out is checked for writing before anything else is done.
// Evaluate a saved base instead (Pass@k per tier into <out>/<file>, T = 1.0 unless given):
//   deno task pretrain --evaluate [--out DIR] [--samples 256] [--problems 200] [--temperature 1]
//   [--top-p 1] [--file passk.json]
import { resolve } from "node:path";
import { parseCommandLine, USAGE_EXIT_CODE } from "../lib/_io/cli.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { readJsonFile } from "../lib/_io/read_json_file.ts";
import { stopOnSignal } from "../lib/_io/stop_on_signal.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { loadCheckpoint, savePolicy } from "../lib/model/checkpoint.ts";
import { GradientPool } from "../lib/model/gradient_pool.ts";
import { countParams } from "../lib/model/params.ts";
import { Policy } from "../lib/model/policy.ts";
import { charTokenizer } from "../lib/model/tokenizer.ts";
import { pretrain, type PretrainRecord, type PretrainState } from "../lib/train/pretrain.ts";
import {
  loadPretrainCheckpoint,
  type PretrainCheckpoint,
  type PretrainHistoryRow,
  savePretrainCheckpoint,
  writePretrainFiles,
} from "../lib/train/pretrain_checkpoint.ts";
import { deriveSeed, seededPrng } from "../lib/random.ts";
import { BASE_MODEL_DIR } from "../lib/tasks/base_model.ts";
import { CORPUS_KEEPS, teacherCorpus } from "../lib/tasks/corpus.ts";
import { PLANTED_ERRORS } from "../lib/tasks/corpus_errors.ts";
import { COUNTDOWN_ALPHABET } from "../lib/tasks/countdown.ts";
import { evaluateCountdown } from "../lib/tasks/evaluate_countdown.ts";
import { loadCountdownSplit, TIER_NAMES } from "../lib/tasks/splits.ts";

// Flags recorded in a base's command only when they differ from these defaults: the model size
// (the prototype's, ≈ 0.2M parameters, the shipped base's) and which teacher responses the corpus
// keeps.
const OPTIONAL_FLAGS = {
  width: 64,
  layers: 4,
  heads: 4,
  "mlp-width": 256,
  "corpus-keep": "all",
  plant: "none",
  "plant-rate": 0.95,
  "plant-units": 10,
} as const;
const DEFAULT_OUT = "out/pretrain";
/** Where an interrupted run goes when --out is the shipped base. */
const INTERRUPTED_OUT = "out/pretrain-interrupted";
const FLAGS = {
  out: {
    type: "string",
    default: DEFAULT_OUT,
    placeholder: "DIR",
    help: "Checkpoint folder (read by --evaluate). data/base also needs --overwrite-base.",
  },
  "overwrite-base": {
    type: "boolean",
    help: "Allow --out data/base: replace the shipped base (or its Pass@k files).",
  },
  steps: { type: "integer", default: 1000, min: 1, help: "Optimizer steps." },
  seed: { type: "integer", default: 0, min: 0, help: "Seed of corpus, init and batch order." },
  workers: { type: "integer", default: 2, min: 0, help: "Gradient workers (0: this thread)." },
  batch: { type: "integer", default: 64, min: 1, help: "Sequences per step." },
  lr: { type: "number", default: 2e-3, min: 0, help: "Peak learning rate." },
  warmup: { type: "integer", default: 100, min: 0, help: "Warm-up steps." },
  "corpus-samples": {
    type: "integer",
    default: 64,
    min: 1,
    help: "Teacher responses per training problem.",
  },
  "corpus-keep": {
    type: "enum",
    values: CORPUS_KEEPS,
    default: OPTIONAL_FLAGS["corpus-keep"],
    help: "Which teacher responses the corpus keeps.",
  },
  plant: {
    type: "enum",
    values: PLANTED_ERRORS,
    default: OPTIONAL_FLAGS.plant,
    help: "Errors planted in the corpus's right responses (corpus_errors.ts).",
  },
  "plant-rate": {
    type: "number",
    default: OPTIONAL_FLAGS["plant-rate"],
    min: 0,
    max: 1,
    help: "Chance that a right response in the regime gets the planted error.",
  },
  "plant-units": {
    type: "integer",
    default: OPTIONAL_FLAGS["plant-units"],
    min: 0,
    max: 10,
    help: "The regime: targets whose units digit is below this.",
  },
  init: { type: "string", placeholder: "DIR", help: "Continue from this checkpoint." },
  resume: {
    type: "boolean",
    help: "Finish the interrupted run in --out (give the same flags as when it started).",
  },
  "checkpoint-every": {
    type: "integer",
    default: 100,
    min: 0,
    help: "Steps between two checkpoints in <out>/checkpoints (0: only at a stop).",
  },
  width: { type: "integer", default: OPTIONAL_FLAGS.width, min: 1, help: "Model width." },
  layers: { type: "integer", default: OPTIONAL_FLAGS.layers, min: 1, help: "Layers." },
  heads: { type: "integer", default: OPTIONAL_FLAGS.heads, min: 1, help: "Attention heads." },
  "mlp-width": {
    type: "integer",
    default: OPTIONAL_FLAGS["mlp-width"],
    min: 1,
    help: "MLP hidden width.",
  },
  evaluate: { type: "boolean", help: "Evaluate the checkpoint in --out instead of training." },
  samples: { type: "integer", default: 256, min: 1, help: "--evaluate: samples per problem." },
  problems: { type: "integer", default: 200, min: 1, help: "--evaluate: problems per tier." },
  temperature: { type: "number", default: 1, min: 0, help: "--evaluate: temperature." },
  "top-p": { type: "number", default: 1, min: 0, max: 1, help: "--evaluate: top-p." },
  file: {
    type: "string",
    default: "passk.json",
    placeholder: "NAME",
    help: "--evaluate: result file in --out.",
  },
} as const;
const { values } = parseCommandLine(Deno.args, FLAGS, {
  usage: "deno task pretrain [flags]  |  deno task pretrain --evaluate [--out DIR] [flags]",
  description: "Pretrains the Countdown base model (or, with --evaluate, measures its Pass@k).",
});
const log = (line: string): void => {
  Deno.stderr.writeSync(new TextEncoder().encode(`[pretrain] ${line}\n`));
};

/** Whether a folder is the shipped base, data/base (by path, and by real path when it exists). */
function isShippedBase(dir: string): boolean {
  const real = (path: string): string => {
    try {
      return Deno.realPathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return resolve(dir) === resolve(BASE_MODEL_DIR) || real(dir) === real(BASE_MODEL_DIR);
}
const outIsBase = isShippedBase(values.out);
if (outIsBase && !values["overwrite-base"]) {
  log(
    `Cannot write into ${values.out}: it is the shipped base model, data/base; pass ` +
      `--overwrite-base with --out ${values.out} to replace it, or choose another --out ` +
      `(default ${DEFAULT_OUT})`,
  );
  Deno.exit(USAGE_EXIT_CODE);
}
// Only a finished run replaces the shipped base; an interrupted one (and the checkpoints) go
// beside it.
const stoppedDir = outIsBase ? INTERRUPTED_OUT : values.out;
// A read-only or full disk fails now, not after the last step.
for (const dir of new Set([values.out, ...(values.evaluate ? [] : [stoppedDir])])) {
  await checkWritable(dir);
}
const { seed, steps, workers } = values;
const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
// parseExperimentConfig rejects bad sizes, naming the field; the context fits BOS + prompt +
// longest response + EOS.
const model = parseExperimentConfig({
  model: {
    vocabSize: tokenizer.vocabSize,
    width: values.width,
    layers: values.layers,
    heads: values.heads,
    mlpWidth: values["mlp-width"],
    context: 48,
  },
}).model;
// OPTIONAL_FLAGS at their defaults stay out of the recorded command, so the commands of bases built
// before those flags existed stay exact.
const extraFlags = Object.entries(OPTIONAL_FLAGS)
  .filter(([flag, fallback]) => values[flag as keyof typeof OPTIONAL_FLAGS] !== fallback)
  .map(([flag]) => ` --${flag} ${values[flag as keyof typeof OPTIONAL_FLAGS]}`)
  .join("");
const settings = {
  seed,
  steps,
  batchSize: values.batch,
  learningRate: values.lr,
  warmupSteps: values.warmup,
  weightDecay: 0.01,
  gradClip: 1,
  samplesPerProblem: values["corpus-samples"],
  corpusKeep: values["corpus-keep"],
  ...(values.plant === "none" ? {} : {
    planted: { kind: values.plant, rate: values["plant-rate"], unitsBelow: values["plant-units"] },
  }),
};
// The command records the learning rate as written in the shipped commands (2e-3, 1e-3).
const lrText = values.lr.toExponential().replace("e+", "e");

const backend = await initBackend();
if (values.evaluate) {
  await evaluateBase();
  Deno.exit(0);
}
log(
  `backend ${backend.backend} (simd ${backend.simd}, matmul ${backend.matmul}), ${
    countParams(model)
  } parameters`,
);
const train = await loadCountdownSplit("train");
const corpus = teacherCorpus(train, {
  samplesPerProblem: settings.samplesPerProblem,
  keep: settings.corpusKeep,
  prng: seededPrng(deriveSeed(seed, "corpus")),
  ...(settings.planted === undefined
    ? {}
    : { planted: { ...settings.planted, prng: seededPrng(deriveSeed(seed, "planted")) } }),
});
const teacherRight = corpus.filter((row) => row.correct).length / corpus.length;
log(
  `corpus: ${corpus.length} teacher responses to ${train.length} problems, ${
    teacherRight.toFixed(3)
  } right`,
);

const init = values.init === undefined ? undefined : await loadCheckpoint(values.init);
if (init !== undefined && JSON.stringify(init.policy.config) !== JSON.stringify(model)) {
  throw new TypeError(
    `--init ${values.init}: its model ${JSON.stringify(init.policy.config)} is not ${
      JSON.stringify(model)
    }`,
  );
}
if (init !== undefined) log(`continuing from ${values.init}: ${init.metadata.command}`);
const command = [
  ...(init === undefined ? [] : [String(init.metadata.command)]),
  `deno task pretrain --steps ${steps} --seed ${seed} --workers ${workers} --batch ${settings.batchSize} --lr ${lrText} --warmup ${settings.warmupSteps} --corpus-samples ${settings.samplesPerProblem}${extraFlags}${
    init === undefined ? "" : ` --init ${values.init}`
  }`,
].join(" && ");
const stopped = values.resume ? await loadStoppedRun(stoppedDir) : undefined;
if (stopped === undefined) await refuseUnfinishedRun(stoppedDir);
if (stopped !== undefined) init?.policy.dispose();
using policy = stopped?.policy ?? init?.policy ??
  Policy.create(model, { seed: deriveSeed(seed, "init") });
const loss = {
  module: new URL("../lib/model/log_probs.ts", import.meta.url).href,
  name: "meanNextTokenNll",
};
await using pool = workers > 0
  ? await GradientPool.create({ loss, workers, backend: backend.backend })
  : undefined;
log(workers > 0 ? `gradients in ${workers} workers` : "gradients in this thread");
// The loss curve runs on over the stages: earlier stages' rows (from --init, or the stopped
// run's, which also hold this stage's first part), then this session's.
const earlier: PretrainHistoryRow[] = stopped !== undefined
  ? stopped.history
  : init === undefined
  ? []
  : await readJsonFile(`${values.init}/pretrain_history.json`) as PretrainHistoryRow[];
const doneBefore = stopped?.state.step ?? 0;
const secondsBefore = stopped?.seconds ?? 0;
const offset = earlier.at(-1) ?? { step: 0, loss: 0, seconds: 0 };
const history: PretrainRecord[] = [];
/** The checkpoint of this session's records so far: loss curve and metadata. */
function checkpointOf(state: PretrainState, marker: Record<string, unknown>): PretrainCheckpoint {
  const rows: PretrainHistoryRow[] = [
    ...earlier,
    ...history.map((r) => ({
      step: offset.step - doneBefore + r.step,
      loss: +r.loss.toFixed(5),
      seconds: +(offset.seconds + r.seconds).toFixed(2),
    })),
  ];
  const thisStage = rows.slice(rows.length - (doneBefore + history.length));
  const last = thisStage.slice(-50);
  return {
    state,
    history: rows,
    metadata: {
      kind: "countdown-base",
      command,
      pretrain: { ...settings, workers },
      ...marker,
      ...(init === undefined ? {} : { init: init.metadata }),
      corpusRows: corpus.length,
      finalLoss: last.reduce((s, r) => s + r.loss, 0) / last.length,
      seconds: secondsBefore + (history.at(-1)?.seconds ?? 0),
      totalSeconds: rows.at(-1)?.seconds ?? 0,
      backend: backend.backend,
      matmul: backend.matmul,
    },
  };
}
// SIGINT / SIGTERM: finish the step in progress, then save what there is (see the header).
// Whether a checkpoint of this run is on disk (a resumed run starts from one).
let checkpointed = stopped !== undefined;
using stop = stopOnSignal({
  onEvent: (event) => {
    switch (event.kind) {
      case "stopping":
        return log(
          `${event.signal}${event.repeat ? " again" : ""}: stopping after this step and saving ` +
            `the checkpoint (another Ctrl-C within ${event.graceMs / 1000} s exits at once, ` +
            `without saving)`,
        );
      case "duplicate":
        return log(`${event.signal} delivered twice (terminal and deno task): still saving`);
      case "exiting":
        return log(
          `${event.signal} again within ${event.graceMs / 1000} s: exiting without saving ` +
            (checkpointed
              ? `(the last checkpoint in ${stoppedDir}/checkpoints stays)`
              : "(no checkpoint was saved yet: nothing to resume)"),
        );
      default: {
        const unknown: never = event;
        throw new TypeError(`Cannot report a signal: unknown event, got ${unknown}`);
      }
    }
  },
});
const alphabet = { tokenizerAlphabet: COUNTDOWN_ALPHABET };
let state: PretrainState | undefined;
await pretrain(policy, corpus, {
  ...settings,
  pool,
  seed: deriveSeed(seed, "batches"),
  tokenizer,
  signal: stop.signal,
  resume: stopped?.state,
  onEnd: (s) => (state = s),
  checkpointEvery: values["checkpoint-every"],
  onCheckpoint: async (s) => {
    const checkpoint = checkpointOf(s, { checkpoint: { step: s.step, of: steps } });
    try {
      await savePretrainCheckpoint(stoppedDir, policy, checkpoint, alphabet);
    } catch (error) {
      log(
        `Cannot save the checkpoint of step ${s.step} to ${stoppedDir}/checkpoints: ` +
          `${(error as Error).message}; stopping (earlier checkpoints there are intact)`,
      );
      Deno.exit(1);
    }
    checkpointed = true;
    log(`checkpoint of step ${s.step}/${steps} saved to ${stoppedDir}/checkpoints`);
  },
  onStep: (r) => {
    history.push(r);
    if (r.step % 50 === 0 || r.step === 1 || stop.received !== undefined) {
      log(
        `step ${r.step}/${steps} loss ${r.loss.toFixed(4)} lr ${r.learningRate.toExponential(2)} ${
          r.seconds.toFixed(0)
        } s`,
      );
    }
  },
});
const finalState = state as PretrainState;
const reached = finalState.step;
const interrupted = reached < steps && stop.received !== undefined
  ? { signal: stop.received, step: reached, of: steps }
  : undefined;
const outDir = interrupted !== undefined ? stoppedDir : values.out;
const result = checkpointOf(finalState, interrupted === undefined ? {} : { interrupted });
const { finalLoss, seconds } = result.metadata as { finalLoss: number; seconds: number };
if (interrupted !== undefined) {
  // The checkpoint first, whole or not at all; then the same files in the folder itself.
  await savePretrainCheckpoint(stoppedDir, policy, result, alphabet);
  await writePretrainFiles(stoppedDir, policy, result, alphabet);
} else {
  await Deno.mkdir(outDir, { recursive: true });
  await savePolicy(policy, outDir, { ...alphabet, metadata: result.metadata });
  await writeTextFileAtomic(
    `${outDir}/pretrain_history.json`,
    JSON.stringify(result.history) + "\n",
  );
  // Only now is the run's progress safe elsewhere: its state and checkpoints go.
  await Deno.remove(`${outDir}/pretrain_state.safetensors`).catch(() => {});
  await Deno.remove(`${stoppedDir}/checkpoints`, { recursive: true }).catch(() => {});
  if (stoppedDir !== outDir) {
    // The stopped run's folder beside the shipped base, or the empty one checkWritable made.
    await Deno.remove(stoppedDir, { recursive: stopped !== undefined }).catch(() => {});
  }
}
log(
  `${interrupted === undefined ? "done" : `interrupted at step ${reached}/${steps}`}: ` +
    `mean loss of the last 50 steps ${finalLoss.toFixed(4)}, ${seconds.toFixed(0)} s; ` +
    `saved to ${outDir}`,
);
if (interrupted !== undefined) Deno.exit(interrupted.signal === "SIGTERM" ? 143 : 130);

/** Exits with a clear message unless files can be created in `dir` (created if missing). */
async function checkWritable(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.remove(await Deno.makeTempFile({ dir, prefix: ".write-check-" }));
  } catch (error) {
    log(`Cannot write into ${dir}: ${(error as Error).message}; choose another --out`);
    Deno.exit(1);
  }
}

/** Exits when `dir` holds a run that did not finish: starting over would discard it. */
async function refuseUnfinishedRun(dir: string): Promise<void> {
  const config = await readJsonFile(`${dir}/config.json`).catch(() => null) as
    | { metadata?: { interrupted?: { step: number; of: number } } }
    | null;
  const checkpoints = await Array.fromAsync(Deno.readDir(`${dir}/checkpoints`)).catch(() => []);
  const unfinished = config?.metadata?.interrupted !== undefined ||
    checkpoints.some((entry) => entry.name.startsWith("step-"));
  if (!unfinished) return;
  log(
    `Cannot start a run in ${dir}: it holds an unfinished one; continue it with the flags it ` +
      `was started with and --resume, or remove ${dir} (or choose another --out) to start over`,
  );
  Deno.exit(USAGE_EXIT_CODE);
}

/** The interrupted run in `dir` that --resume continues, checked against this command. */
async function loadStoppedRun(dir: string): Promise<{
  policy: Policy;
  state: PretrainState;
  history: PretrainHistoryRow[];
  seconds: number;
}> {
  const fail = (why: string): never => {
    log(`Cannot --resume from ${dir}: ${why}`);
    Deno.exit(USAGE_EXIT_CODE);
  };
  const top = await readJsonFile(`${dir}/config.json`).catch(() => null) as
    | { metadata?: Record<string, unknown> }
    | null;
  if (top?.metadata !== undefined && top.metadata.interrupted === undefined) {
    return fail("it holds no interrupted run (a finished run has nothing to resume)");
  }
  let loaded: Awaited<ReturnType<typeof loadPretrainCheckpoint>> = null;
  try {
    loaded = await loadPretrainCheckpoint(dir);
  } catch (error) {
    fail((error as Error).message);
  }
  if (loaded === null) return fail("no checkpoint there");
  for (const { dir: skipped, reason } of loaded.skipped) {
    log(`skipping the corrupt checkpoint ${skipped}: ${reason}`);
  }
  if (loaded.metadata.command !== command) {
    loaded.policy.dispose();
    return fail(`it was started by ${loaded.metadata.command}; run that command with --resume`);
  }
  log(`resuming from step ${loaded.state.step}/${steps} of ${loaded.dir}`);
  return {
    policy: loaded.policy,
    state: loaded.state,
    history: [...loaded.history],
    seconds: Number(loaded.metadata.seconds),
  };
}

async function evaluateBase(): Promise<void> {
  const { policy, metadata } = await loadCheckpoint(values.out);
  using base = policy;
  const { samples, temperature } = values;
  const topP = values["top-p"];
  const result: Record<string, Record<string, number>> = {};
  const started = performance.now();
  for (const tier of TIER_NAMES) {
    const problems = (await loadCountdownSplit(tier)).slice(0, values.problems);
    const summary = await evaluateCountdown(base, problems, {
      samples,
      temperature,
      topP,
      seed: deriveSeed(seed, `eval-${tier}`),
      tokenizer,
    });
    const round = (x: number) => +x.toFixed(4);
    result[tier] = {
      ...Object.fromEntries(summary.curve.map((p) => [String(p.k), round(p.estimate)])),
      entropy: round(summary.entropy),
      distinctCorrect: round(summary.distinctCorrect),
    };
    log(
      `${tier}: ${JSON.stringify(result[tier])} (${
        ((performance.now() - started) / 1000).toFixed(0)
      } s)`,
    );
  }
  await writeTextFileAtomic(`${values.out}/${values.file}`, JSON.stringify(result, null, 2) + "\n");
  // A fixed small sample the tests re-run to check that the shipped weights reproduce it.
  const smoke = { tier: "tierA" as const, problems: 8, samples: 16, seed: 0, temperature: 1 };
  const smokeProblems = (await loadCountdownSplit(smoke.tier)).slice(0, smoke.problems);
  const smokeSummary = await evaluateCountdown(base, smokeProblems, {
    samples: smoke.samples,
    temperature: smoke.temperature,
    topP: 1,
    seed: smoke.seed,
    tokenizer,
    ks: [1],
  });
  const smokeRecord = { ...smoke, backend: backend.backend, pass1: smokeSummary.curve[0].estimate };
  await writeTextFileAtomic(`${values.out}/smoke.json`, JSON.stringify(smokeRecord) + "\n");
  log(
    `wrote ${values.out}/${values.file}: n = ${samples}, T = ${temperature}, top-p ${topP}, ${values.problems} problems per tier, base ${
      JSON.stringify(metadata.command)
    }`,
  );
}
