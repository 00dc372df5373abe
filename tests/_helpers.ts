// Shared test helpers. Not part of the public API.
import assert from "node:assert/strict";

/** Asserts |actual − expected| ≤ tol (absolute), with a message showing both values. */
export function assertClose(actual: number, expected: number, tol = 1e-9, what = "value"): void {
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tol,
    `${what}: expected ${expected} ± ${tol}, got ${actual}`,
  );
}

/** Path of the shared read-only datasets (../shared/datasets beside the checkout). */
export const SHARED_DATASETS: string = new URL("../../shared/datasets/", import.meta.url).pathname;

/**
 * Runs `fn` and asserts that it leaves no tensor behind (tf.memory().numTensors before = after).
 * Variables created and disposed inside `fn` are fine; anything still alive afterwards fails.
 */
export async function assertNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const tf = await import("@tensorflow/tfjs");
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `tensor leak: ${after - before} tensor(s) left alive`);
  return result;
}

/** Runs `fn` with the environment variable `name` set to `value`, then removes the variable. */
export async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  Deno.env.set(name, value);
  try {
    return await fn();
  } finally {
    Deno.env.delete(name);
  }
}

/** A copy-the-digit toy task (prompt "3" → response should start with "3") for trainer tests. */
export const COPY_TASK = {
  alphabet: "0123",
  problems: ["0", "1", "2", "3"].map((d) => ({ prompt: d })),
  /** 1 when the response starts with the prompt's digit. */
  reward: (rollout: { response: string }, problem: { prompt: string }): number =>
    rollout.response.startsWith(problem.prompt) ? 1 : 0,
};

/**
 * A tiny experiment config for {@link COPY_TASK} (vocabulary of its alphabet, width 16, one
 * layer), with the objective and training fields given.
 */
export async function copyTaskConfig(
  objective: Record<string, unknown>,
  train: Record<string, unknown>,
): Promise<import("../lib/config.ts").ExperimentConfig> {
  const { parseExperimentConfig } = await import("../lib/config.ts");
  return parseExperimentConfig({
    seed: 1,
    model: {
      vocabSize: COPY_TASK.alphabet.length + 3,
      width: 16,
      layers: 1,
      heads: 2,
      mlpWidth: 32,
      context: 6,
    },
    rollout: { samplesPerPrompt: 4, maxNewTokens: 2 },
    objective,
    train,
  });
}
