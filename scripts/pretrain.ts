// Pretrains the miniature's base model from its seed and ships it: supervised next-token
// training on the teacher's responses to the training split, then the checkpoint
// (model.safetensors + config.json) and the loss curve (pretrain_history.json) in --out.
// Usage: deno task pretrain [--out data/base] [--steps 1500] [--seed 0]
import { parseArgs } from "node:util";
import { initBackend } from "../lib/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { writeTextFileAtomic } from "../lib/eval/write_atomic.ts";
import { savePolicy } from "../lib/model/checkpoint.ts";
import { countParams } from "../lib/model/params.ts";
import { Policy } from "../lib/model/policy.ts";
import { charTokenizer } from "../lib/model/tokenizer.ts";
import { pretrain } from "../lib/pretrain.ts";
import { deriveSeed, seededPrng } from "../lib/random.ts";
import { teacherCorpus } from "../lib/tasks/corpus.ts";
import { COUNTDOWN_ALPHABET } from "../lib/tasks/countdown.ts";
import { loadCountdownSplit } from "../lib/tasks/splits.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string", default: "data/base" },
    steps: { type: "string", default: "1500" },
    seed: { type: "string", default: "0" },
  },
});
const log = (line: string): void => {
  Deno.stderr.writeSync(new TextEncoder().encode(`[pretrain] ${line}\n`));
};
const seed = Number(values.seed);
const steps = Number(values.steps);
const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
// The prototype's size (≈ 0.2M parameters); the context fits BOS + prompt + longest response + EOS.
const model = parseExperimentConfig({
  model: {
    vocabSize: tokenizer.vocabSize,
    width: 64,
    layers: 4,
    heads: 4,
    mlpWidth: 256,
    context: 48,
  },
}).model;
const settings = {
  seed,
  steps,
  batchSize: 64,
  learningRate: 2e-3,
  warmupSteps: 100,
  weightDecay: 0.01,
  gradClip: 1,
  samplesPerProblem: 16,
};

const backend = await initBackend();
log(`backend ${backend.backend} (simd ${backend.simd}), ${countParams(model)} parameters`);
const train = await loadCountdownSplit("train");
const corpus = teacherCorpus(train, {
  samplesPerProblem: settings.samplesPerProblem,
  prng: seededPrng(deriveSeed(seed, "corpus")),
});
const teacherRight = corpus.filter((row) => row.correct).length / corpus.length;
log(
  `corpus: ${corpus.length} teacher responses to ${train.length} problems, ${
    teacherRight.toFixed(3)
  } right`,
);

using policy = Policy.create(model, { seed: deriveSeed(seed, "init") });
const history = await pretrain(policy, corpus, {
  ...settings,
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
await Deno.mkdir(values.out!, { recursive: true });
await savePolicy(policy, values.out!, {
  tokenizerAlphabet: COUNTDOWN_ALPHABET,
  metadata: {
    kind: "countdown-base",
    command: `deno task pretrain --steps ${steps} --seed ${seed}`,
    pretrain: settings,
    corpusRows: corpus.length,
    finalLoss,
    seconds,
    backend: backend.backend,
  },
});
await writeTextFileAtomic(
  `${values.out}/pretrain_history.json`,
  JSON.stringify(
    history.map((r) => ({
      step: r.step,
      loss: +r.loss.toFixed(5),
      seconds: +r.seconds.toFixed(2),
    })),
  ) + "\n",
);
log(
  `done: mean loss of the last 50 steps ${finalLoss.toFixed(4)}, ${
    seconds.toFixed(0)
  } s; saved to ${values.out}`,
);
