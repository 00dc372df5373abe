/**
 * Seeded randomness. Every random choice in lib/ flows from a {@link Prng} made here.
 *
 * The generator is sfc32 seeded through splitmix32: fast, 128-bit state, and good enough for
 * sampling and bootstrap resampling (it passes PractRand to 2^40 bytes).
 *
 * @module
 */

/** A source of uniform floats in [0, 1). */
export type Prng = () => number;

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a deterministic generator of uniform floats in [0, 1) from an integer seed.
 *
 * @param seed Any safe integer; the same seed always gives the same stream.
 * @returns A {@link Prng}.
 * @throws {RangeError} If `seed` is not a safe integer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = seededPrng(7), b = seededPrng(7);
 * assert.equal(a(), b());
 * ```
 */
export function seededPrng(seed: number): Prng {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`Cannot create a PRNG: seed must be a safe integer, got ${seed}`);
  }
  // Fold the high bits in so seeds that differ only above 2^32 still differ.
  const mix = splitmix32((seed >>> 0) ^ Math.floor(seed / 0x100000000));
  let a = mix(), b = mix(), c = mix(), d = mix();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 0x100000000;
  };
}

/**
 * Derives an independent child seed from a parent seed and a label, so that sub-tasks (one per
 * training seed, per evaluation tier, per worker) get their own streams without sharing state.
 *
 * @param seed The parent seed.
 * @param label A stable name for the child stream.
 * @returns A non-negative 32-bit integer seed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.notEqual(deriveSeed(1, "eval"), deriveSeed(1, "train"));
 * ```
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  }
  return splitmix32(h ^ Math.floor(seed / 0x100000000))();
}

/**
 * Draws a uniform integer in [0, n).
 *
 * @param prng The generator to draw from.
 * @param n The exclusive upper bound, a positive integer.
 * @returns An integer in [0, n).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const i = randomInt(seededPrng(1), 6);
 * assert.ok(i >= 0 && i < 6);
 * ```
 */
export function randomInt(prng: Prng, n: number): number {
  return Math.floor(prng() * n);
}
