// Internal invariant helpers for kernels and estimators. Never re-exported from mod.ts.

/** Throws a TypeError unless `shape` equals `expected` (a -1 entry matches any size). */
export function assertShape(
  name: string,
  shape: readonly number[],
  expected: readonly number[],
): void {
  const ok = shape.length === expected.length &&
    shape.every((size, i) => expected[i] === -1 || size === expected[i]);
  if (!ok) {
    throw new TypeError(
      `Unexpected shape for ${name}: expected [${expected.join(", ")}], got [${shape.join(", ")}]`,
    );
  }
}

/** Throws a RangeError unless `value` is an integer in [min, max]. */
export function assertIntegerInRange(
  name: string,
  value: number,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Invalid ${name}: expected an integer in [${min}, ${max}], got ${value}`);
  }
}
