/**
 * A result cache keyed by the hash of a JSON-serializable key (typically an experiment config),
 * so a re-run of the main job after a notebook edit does not retrain or re-evaluate unchanged runs.
 *
 * @module
 */
import { readJsonFile } from "./read_json_file.ts";
import { writeTextFileAtomic } from "./write_atomic.ts";

/**
 * Serialises a value as JSON with object keys sorted at every depth, so equal configs written
 * in different key orders hash the same.
 *
 * @param value A JSON-serializable value.
 * @returns Canonical JSON text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]),
    );
  });
}

/**
 * SHA-256 (hex, first 16 characters) of a value's canonical JSON.
 *
 * @param value A JSON-serializable value.
 * @returns A 16-character hex digest.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await hashKey({ a: 1, b: 2 }), await hashKey({ b: 2, a: 1 }));
 * ```
 */
export async function hashKey(value: unknown): Promise<string> {
  return await sha256Hex(new TextEncoder().encode(canonicalJson(value)));
}

/**
 * SHA-256 of bytes, as the first 16 hex characters (64 bits: collisions are checked where it
 * matters, see {@link cached}).
 *
 * @param bytes The bytes.
 * @returns A 16-character hex digest.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await sha256Hex(new Uint8Array()), "e3b0c44298fc1c14");
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@link cached}. */
export type CachedOptions = {
  /** Directory of the cache files (created if missing). */
  dir: string;
  /** Short name prefixed to the file name, e.g. `train-nsr`. Default `result`. */
  label?: string;
  /** Ignore an existing entry and recompute. Default false. */
  refresh?: boolean;
};

/**
 * Returns the cached result for `key`, or computes it, stores it atomically as
 * `<dir>/<label>-<hash>.json` (with the key beside it) and returns it. A failed computation
 * stores nothing.
 *
 * @param key What the result depends on (JSON-serializable; hashed canonically).
 * @param compute Produces the result (JSON-serializable).
 * @param options Directory, label, refresh.
 * @returns The result and whether it came from the cache.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const first = await cached({ seed: 1 }, () => Promise.resolve(42), { dir });
 * const second = await cached({ seed: 1 }, () => Promise.resolve(0), { dir });
 * assert.deepEqual([first, second], [{ value: 42, hit: false }, { value: 42, hit: true }]);
 * ```
 */
export async function cached<T>(
  key: unknown,
  compute: () => Promise<T>,
  options: CachedOptions,
): Promise<{ value: T; hit: boolean }> {
  const { dir, label = "result", refresh = false } = options;
  const path = `${dir}/${label}-${await hashKey(key)}.json`;
  if (!refresh) {
    try {
      const stored = await readJsonFile(path) as { key: unknown; value: T };
      // A hash collision or a hand-edited file must not return the wrong result.
      if (canonicalJson(stored.key) === canonicalJson(key)) {
        return { value: stored.value, hit: true };
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const value = await compute();
  await Deno.mkdir(dir, { recursive: true });
  await writeTextFileAtomic(path, JSON.stringify({ key, value }) + "\n");
  return { value, hit: false };
}
