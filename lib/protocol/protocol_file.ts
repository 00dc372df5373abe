/**
 * The committed protocol of the reproduction (`data/protocol.json`): one `full` protocol and the
 * `smoke` profile's changes to it, so notebooks 02 and 04 (and the prior-strength study) read
 * the same settings instead of copies of them.
 *
 * @module
 */
import { readJsonFile } from "../_io/read_json_file.ts";
import { parseProtocolConfig, type ProtocolConfig } from "../config.ts";
import type { Profile } from "./profile.ts";

/** Where the committed protocol lives. */
export const PROTOCOL_FILE: string = new URL("../../data/protocol.json", import.meta.url).pathname;

/**
 * Merges `changes` into `base` field by field: objects recursively, anything else (numbers,
 * arrays) replaced.
 *
 * @param base The full value.
 * @param changes The fields to change.
 * @returns A new merged value (the inputs are not modified).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(mergeChanges({ a: { b: 1, c: [1] }, d: 2 }, { a: { c: [2] } }), { a: { b: 1, c: [2] }, d: 2 });
 * ```
 */
export function mergeChanges(base: unknown, changes: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(changes)) return changes;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(changes)) out[key] = mergeChanges(base[key], value);
  return out;
}

/**
 * Reads a protocol file and returns one profile: `full` as written, or `full` with the `smoke`
 * changes merged in.
 *
 * @param profile `full` or `smoke`.
 * @param options `path` of another protocol file.
 * @returns The parsed protocol.
 * @throws {TypeError} If the file is not JSON or a field is invalid (named, with the file).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const smoke = await loadProtocol("smoke");
 * assert.ok(smoke.experiment.train.steps < (await loadProtocol("full")).experiment.train.steps);
 * ```
 */
export async function loadProtocol(
  profile: Profile,
  options: { path?: string } = {},
): Promise<ProtocolConfig> {
  const { path = PROTOCOL_FILE } = options;
  return await loadProfileFile(path, profile, parseProtocolConfig, "protocol");
}

/**
 * Reads a JSON file of `{ full, smoke }` (the smoke profile's changes to `full`) and parses one
 * profile of it: the shape of `data/protocol.json` and `data/salvage_study.json`.
 *
 * @param path The file.
 * @param profile `full` or `smoke`.
 * @param parse The schema's parser (throws naming the field).
 * @param what What the file holds, for messages (e.g. "protocol").
 * @returns The parsed profile.
 * @throws {TypeError} If the file is not JSON or a field is invalid (named, with the file).
 */
export async function loadProfileFile<T>(
  path: string,
  profile: Profile,
  parse: (input: unknown) => T,
  what: string,
): Promise<T> {
  let file: { full?: unknown; smoke?: unknown };
  try {
    file = await readJsonFile(path) as typeof file;
  } catch (error) {
    throw new TypeError(`Cannot load the ${what}: ${path} is unreadable or not JSON: ${error}`);
  }
  const input = profile === "full" ? file.full : mergeChanges(file.full, file.smoke ?? {});
  try {
    return parse(input);
  } catch (error) {
    throw new TypeError(
      `Cannot load the ${profile} ${what} from ${path}: ${(error as Error).message}`,
    );
  }
}
