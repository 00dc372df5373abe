// Shared test helpers. Not part of the public API.
import assert from "node:assert/strict";

/** Asserts |actual − expected| ≤ tol (absolute), with a message showing both values. */
export function assertClose(actual: number, expected: number, tol = 1e-9, what = "value"): void {
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tol,
    `${what}: expected ${expected} ± ${tol}, got ${actual}`,
  );
}

/** The paper's dataset files, relative to a datasets folder, without `.parquet`. */
export const DATASET_FILES: readonly string[] = [
  "math/test",
  "math/train",
  "aime2025/test",
  "amc23/test",
];

/**
 * The committed sample of the paper's datasets (`deno task build:datasets` made it): the same
 * files and schema as the full sets, a few hundred rows. Tests on the paper's data run on it.
 */
export const SAMPLE_DATASETS: string =
  new URL("../data/datasets/sample/", import.meta.url).pathname;

/**
 * Where the full datasets are, for the optional full-data tests: `$RLVR_DATASETS`, else
 * `../shared/datasets` beside the checkout; null when neither holds the files.
 */
export function fullDatasets(): string | null {
  const dir = (Deno.env.get("RLVR_DATASETS") ??
    new URL("../../shared/datasets/", import.meta.url).pathname).replace(/\/?$/, "/");
  try {
    return DATASET_FILES.every((f) => Deno.statSync(`${dir}${f}.parquet`).isFile) ? dir : null;
  } catch {
    return null;
  }
}

/** Why a full-data test is skipped, printed once by the test file that skips it. */
export const FULL_DATA_SKIPPED =
  "full-data tests skipped: set RLVR_DATASETS to a folder holding math/{test,train}.parquet, " +
  "aime2025/test.parquet and amc23/test.parquet (the paper's release) to run them";

/**
 * How far a float computed in a worker may be from the same float computed in this thread: the
 * project's promise for sampling pools (README, "Backends"). Tokens, counts and verdicts must be
 * identical; log-probs and entropies agree to this, because OpenBLAS rounds a row of a product
 * differently depending on how many rows it multiplies at once, and a pool splits the batch.
 */
export const POOL_FLOAT_TOLERANCE = 1e-5;

/**
 * Asserts that two plain values are equal, except that non-integer numbers may differ by up to
 * `tol` (absolute): integers, strings, booleans and the shape of arrays and objects must match
 * exactly. The path of the first difference is in the message.
 */
export function assertDeepClose(
  actual: unknown,
  expected: unknown,
  tol: number,
  path = "value",
): void {
  if (typeof actual === "number" && typeof expected === "number") {
    if (Number.isInteger(actual) && Number.isInteger(expected)) {
      assert.equal(actual, expected, `${path}: expected ${expected}, got ${actual}`);
    } else {
      assertClose(actual, expected, tol, path);
    }
    return;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${path}: lengths differ`);
    actual.forEach((a, i) => assertDeepClose(a, expected[i], tol, `${path}[${i}]`));
    return;
  }
  if (
    typeof actual === "object" && actual !== null && typeof expected === "object" &&
    expected !== null
  ) {
    const keys = Object.keys(expected as object);
    assert.deepEqual(
      Object.keys(actual as object).sort(),
      [...keys].sort(),
      `${path}: keys differ`,
    );
    for (const key of keys) {
      assertDeepClose(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        tol,
        `${path}.${key}`,
      );
    }
    return;
  }
  assert.deepEqual(actual, expected, `${path} differs`);
}

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
  reward: {
    name: "copy-digit",
    grade: (rollout: { response: string }, problem: { prompt: string }): number =>
      rollout.response.startsWith(problem.prompt) ? 1 : 0,
  },
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
