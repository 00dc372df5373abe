// deno-lint-ignore-file no-console -- a bench prints its results
// Seconds per RL step of the reference model (V=32 D=128 L=4 H=4 MLP=512, context 48) with the
// paper's update (8 samples per prompt at T = 1, 4 mini-batches, W-REINFORCE), and the share of
// each phase: rollout, grading, teacher-forced log-probs (old + reference), update. Its lines are
// named reference_model_rl_step_* (rl_bench.ts's rl_step_* lines time the shipped base).
// The task: "a+b=" prompts graded by the math verifier. The first step is a warm-up and is not
// counted. Usage: deno run -A bench/train_bench.ts [promptsPerStep] [steps]
import { initBackend } from "../lib/engine/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import type { StepMetrics } from "../lib/train/metrics.ts";
import { charTokenizer } from "../lib/model/tokenizer.ts";
import { Policy } from "../lib/model/policy.ts";
import { train } from "../lib/train/train.ts";

const promptsPerStep = Number(Deno.args[0] ?? 16);
const measured = Number(Deno.args[1] ?? 2);
const info = await initBackend();
// 29 characters + PAD/BOS/EOS = the reference vocabulary of 32.
const tokenizer = charTokenizer("0123456789+-*=()/\\{}boxed ,.:");
const config = parseExperimentConfig({
  seed: 0,
  model: { vocabSize: tokenizer.vocabSize },
  rollout: { samplesPerPrompt: 8, temperature: 1, maxNewTokens: 32 },
  objective: { kind: "w-reinforce" },
  train: { steps: measured + 1, promptsPerStep, miniBatches: 4, microBatchSize: 64 },
});
const problems = Array.from({ length: 100 }, (_, i) => {
  const a = (i * 37) % 50, b = (i * 11) % 50;
  return { prompt: `${a}+${b}=`, gold: String(a + b) };
});
using policy = Policy.create(config.model, { seed: 0 });
const steps: StepMetrics[] = [];
const result = await train(config, { policy, tokenizer, problems, onStep: (m) => steps.push(m) });
result.policy.dispose();

const counted = steps.slice(1);
const sum = (pick: (m: StepMetrics) => number) => counted.reduce((s, m) => s + pick(m), 0);
const total = sum((m) => m.seconds.total);
const extra = {
  backend: info.backend,
  promptsPerStep,
  samplesPerStep: promptsPerStep * 8,
  meanResponseLength: sum((m) => m.meanResponseLength) / counted.length,
};
const line = (bench: string, value: number, unit: string) =>
  console.log(JSON.stringify({ bench, value, unit, ...extra }));
line("reference_model_rl_step_seconds", total / counted.length, "s");
line("reference_model_rl_step_rollout_share", sum((m) => m.seconds.rollout) / total, "fraction");
line("reference_model_rl_step_grading_share", sum((m) => m.seconds.grading) / total, "fraction");
line("reference_model_rl_step_logprobs_share", sum((m) => m.seconds.logProbs) / total, "fraction");
line("reference_model_rl_step_update_share", sum((m) => m.seconds.update) / total, "fraction");
