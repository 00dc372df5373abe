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
