// Pretrains the miniature's base model from its seed and ships it: supervised next-token
// training on the teacher's responses to the training split, then the checkpoint
// (model.safetensors + config.json) and the loss curve (pretrain_history.json) in --out.
// Usage: deno task pretrain [--out data/base] [--steps 1000] [--seed 0] [--workers 2]
//   [--batch 64] [--lr 2e-3] [--warmup 100] [--corpus-samples 64] [--corpus-keep all|hits]
//   [--init DIR]
//   [--width 64] [--layers 4] [--heads 4] [--mlp-width 256]
// --init DIR continues from the checkpoint in DIR (fresh optimizer and schedule, the corpus and
// batch order of --seed) instead of a fresh initialisation; the metadata keeps DIR's command, so a
// staged base records every stage that rebuilds it.
// --corpus-keep hits keeps only the teacher's hits (its search found a believed solution; wrong
// answers are then misconceptions and slips), drawn from --corpus-samples responses per problem.
// --workers N computes each step's gradient in N Web Workers (GradientPool); 0 = this thread.
// The weights are deterministic for a given seed and worker count.
// Evaluate a saved base instead (Pass@k per tier into <out>/<file>, T = 1.0 unless given):
//   deno task pretrain --evaluate [--samples 256] [--problems 200] [--temperature 1] [--top-p 1]
//   [--file passk.json]
import { parseArgs } from "node:util";
import { initBackend } from "../lib/engine/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { loadCheckpoint, savePolicy } from "../lib/model/checkpoint.ts";
import { GradientPool } from "../lib/model/gradient_pool.ts";
import { countParams } from "../lib/model/params.ts";
import { Policy } from "../lib/model/policy.ts";
import { charTokenizer } from "../lib/model/tokenizer.ts";
import { pretrain } from "../lib/train/pretrain.ts";
import { deriveSeed, seededPrng } from "../lib/random.ts";
import { CORPUS_KEEPS, type CorpusKeep, teacherCorpus } from "../lib/tasks/corpus.ts";
import { COUNTDOWN_ALPHABET } from "../lib/tasks/countdown.ts";
import { evaluateCountdown } from "../lib/tasks/evaluate_countdown.ts";
import { loadCountdownSplit, TIER_NAMES } from "../lib/tasks/splits.ts";

// Flags recorded in a base's command only when they differ from these defaults: the model size
// (the prototype's, ≈ 0.2M parameters, the shipped base's) and which teacher responses the corpus
// keeps.
const OPTIONAL_FLAGS = {
  width: "64",
  layers: "4",
  heads: "4",
  "mlp-width": "256",
  "corpus-keep": "all",
} as const;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string", default: "data/base" },
    steps: { type: "string", default: "1000" },
    workers: { type: "string", default: "2" },
    batch: { type: "string", default: "64" },
    lr: { type: "string", default: "2e-3" },
    warmup: { type: "string", default: "100" },
    "corpus-samples": { type: "string", default: "64" },
    "corpus-keep": { type: "string", default: OPTIONAL_FLAGS["corpus-keep"] },
    width: { type: "string", default: OPTIONAL_FLAGS.width },
    layers: { type: "string", default: OPTIONAL_FLAGS.layers },
    heads: { type: "string", default: OPTIONAL_FLAGS.heads },
    "mlp-width": { type: "string", default: OPTIONAL_FLAGS["mlp-width"] },
    seed: { type: "string", default: "0" },
    init: { type: "string" },
    evaluate: { type: "boolean", default: false },
    samples: { type: "string", default: "256" },
    problems: { type: "string", default: "200" },
    temperature: { type: "string", default: "1" },
    "top-p": { type: "string", default: "1" },
    file: { type: "string", default: "passk.json" },
  },
});
const log = (line: string): void => {
  Deno.stderr.writeSync(new TextEncoder().encode(`[pretrain] ${line}\n`));
};
const seed = Number(values.seed);
if (!(CORPUS_KEEPS as readonly string[]).includes(values["corpus-keep"]!)) {
  throw new RangeError(
    `--corpus-keep must be one of ${CORPUS_KEEPS.join(", ")}, got "${values["corpus-keep"]}"`,
  );
}
const steps = Number(values.steps);
const workers = Number(values.workers);
const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
// parseExperimentConfig rejects bad sizes, naming the field; the context fits BOS + prompt +
// longest response + EOS.
const model = parseExperimentConfig({
  model: {
    vocabSize: tokenizer.vocabSize,
    width: Number(values.width),
    layers: Number(values.layers),
    heads: Number(values.heads),
    mlpWidth: Number(values["mlp-width"]),
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
  batchSize: Number(values.batch),
  learningRate: Number(values.lr),
  warmupSteps: Number(values.warmup),
  weightDecay: 0.01,
  gradClip: 1,
  samplesPerProblem: Number(values["corpus-samples"]),
  corpusKeep: values["corpus-keep"] as CorpusKeep,
};

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
using policy = init?.policy ?? Policy.create(model, { seed: deriveSeed(seed, "init") });
const loss = {
  module: new URL("../lib/model/log_probs.ts", import.meta.url).href,
  name: "meanNextTokenNll",
};
await using pool = workers > 0
  ? await GradientPool.create({ loss, workers, backend: backend.backend })
  : undefined;
log(workers > 0 ? `gradients in ${workers} workers` : "gradients in this thread");
const history = await pretrain(policy, corpus, {
  ...settings,
  pool,
  seed: deriveSeed(seed, "batches"),
  tokenizer,
  onStep: (r) => {
    if (r.step % 50 === 0 || r.step === 1) {
      log(
        `step ${r.step}/${steps} loss ${r.loss.toFixed(4)} lr ${r.learningRate.toExponential(2)} ${
          r.seconds.toFixed(0)
        } s`,
      );
    }
  },
});
const last = history.slice(-50);
const finalLoss = last.reduce((s, r) => s + r.loss, 0) / last.length;
const seconds = history[history.length - 1].seconds;
// A continued base keeps the earlier stages' loss curve in front of its own, steps and seconds
// running on, so the shipped pretrain_history.json covers the whole rebuild.
type HistoryRow = { step: number; loss: number; seconds: number };
const earlier: HistoryRow[] = init === undefined
  ? []
  : JSON.parse(await Deno.readTextFile(`${values.init}/pretrain_history.json`));
const offset = earlier.at(-1) ?? { step: 0, loss: 0, seconds: 0 };
const totalSeconds = offset.seconds + seconds;
await Deno.mkdir(values.out!, { recursive: true });
await savePolicy(policy, values.out!, {
  tokenizerAlphabet: COUNTDOWN_ALPHABET,
  metadata: {
    kind: "countdown-base",
    command: [
      ...(init === undefined ? [] : [String(init.metadata.command)]),
      `deno task pretrain --steps ${steps} --seed ${seed} --workers ${workers} --batch ${settings.batchSize} --lr ${values.lr} --warmup ${settings.warmupSteps} --corpus-samples ${settings.samplesPerProblem}${extraFlags}${
        init === undefined ? "" : ` --init ${values.init}`
      }`,
    ].join(" && "),
    pretrain: { ...settings, workers },
    ...(init === undefined ? {} : { init: init.metadata }),
    corpusRows: corpus.length,
    finalLoss,
    seconds,
    totalSeconds,
    backend: backend.backend,
    matmul: backend.matmul,
  },
});
await writeTextFileAtomic(
  `${values.out}/pretrain_history.json`,
  JSON.stringify(
    [
      ...earlier,
      ...history.map((r) => ({
        step: offset.step + r.step,
        loss: +r.loss.toFixed(5),
        seconds: +(offset.seconds + r.seconds).toFixed(2),
      })),
    ],
  ) + "\n",
);
log(
  `done: mean loss of the last 50 steps ${finalLoss.toFixed(4)}, ${
    seconds.toFixed(0)
  } s; saved to ${values.out}`,
);

async function evaluateBase(): Promise<void> {
  const { policy, metadata } = await loadCheckpoint(values.out!);
  using base = policy;
  const samples = Number(values.samples);
  const temperature = Number(values.temperature);
  const topP = Number(values["top-p"]);
  const result: Record<string, Record<string, number>> = {};
  const started = performance.now();
  for (const tier of TIER_NAMES) {
    const problems = (await loadCountdownSplit(tier)).slice(0, Number(values.problems));
    const summary = await evaluateCountdown(base, problems, {
      samples,
      temperature,
      topP,
      seed: deriveSeed(seed, `eval-${tier}`),
      tokenizer,
    });
    const round = (x: number) => +x.toFixed(4);
    result[tier] = {
      ...Object.fromEntries(Object.entries(summary.passAtK).map(([k, v]) => [k, round(v)])),
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
  const smokeRecord = { ...smoke, backend: backend.backend, pass1: smokeSummary.passAtK["1"] };
  await writeTextFileAtomic(`${values.out}/smoke.json`, JSON.stringify(smokeRecord) + "\n");
  log(
    `wrote ${values.out}/${values.file}: n = ${samples}, T = ${temperature}, top-p ${topP}, ${values.problems} problems per tier, base ${
      JSON.stringify(metadata.command)
    }`,
  );
}
