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
