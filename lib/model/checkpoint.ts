/**
 * Policy checkpoints: the weights in the safetensors format (`model.safetensors`) plus a JSON
 * config (`config.json`), each written atomically (temp file, then rename).
 *
 * safetensors layout: an 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype: "F32", shape, data_offsets: [begin, end] }, "__metadata__": {…} }`, then
 * the raw little-endian data; offsets are relative to the end of the header.
 *
 * Integrity: `config.json` records the policy's fingerprint (`policyFingerprint`: config,
 * tokenizer alphabet and weights). Loading recomputes it, so weights that changed on disk, a
 * config edited after saving (8 heads instead of 4) or a swapped alphabet are caught at load, not
 * discovered as a silently worse model. Non-finite weights, and finite ones so large that float32
 * arithmetic on them overflows, are refused on save and on load.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, parseExperimentConfig } from "../config.ts";
import { paramSpecs } from "./params.ts";
import { Policy } from "./policy.ts";
import { policyFingerprint } from "./policy_fingerprint.ts";
import { parseJsonText } from "../_io/read_json_file.ts";
import { writeFileAtomic } from "../_io/write_atomic.ts";

/** File holding the weights inside a checkpoint directory. */
export const WEIGHTS_FILE = "model.safetensors";
/** File holding the config inside a checkpoint directory. */
export const CONFIG_FILE = "config.json";
const FORMAT = "rlvr-kit-policy";
const VERSION = 1;

/** Options of {@link savePolicy}. */
export type SavePolicyOptions = {
  /** The alphabet of the `charTokenizer` the policy was trained with. */
  tokenizerAlphabet?: string;
  /** Anything JSON-serializable to keep beside the weights (step, seed, run name…). */
  metadata?: Record<string, unknown>;
};

/** What {@link loadCheckpoint} returns. */
export type LoadedCheckpoint = {
  /** The restored policy (trainable); the caller owns it. */
  policy: Policy;
  /** The tokenizer alphabet, when it was saved. */
  tokenizerAlphabet?: string;
  /** The saved metadata (`{}` when none). */
  metadata: Record<string, unknown>;
  /** The policy's fingerprint (`policyFingerprint` with the alphabet), checked at load. */
  fingerprint: string;
};

/**
 * Largest weight magnitude a checkpoint may hold: √(float32 max) ≈ 1.8e19. The square of a larger
 * weight overflows float32 (layer norm's variance, AdamW's second moment, the weight norm), so a
 * finite 3e38 serves infinite and NaN log-probs as surely as a NaN weight does.
 */
const MAX_WEIGHT_MAGNITUDE = 2 ** 64;

/**
 * Names the tensors holding NaN, ±Infinity or a magnitude beyond {@link MAX_WEIGHT_MAGNITUDE},
 * with a count and the first bad value.
 */
function unusable(tensors: Record<string, { data: Float32Array }>): string[] {
  const bad: string[] = [];
  for (const [name, { data }] of Object.entries(tensors)) {
    let count = 0;
    let first = -1;
    for (let i = 0; i < data.length; i++) {
      // Written so that NaN fails it too.
      if (!(Math.abs(data[i]) <= MAX_WEIGHT_MAGNITUDE)) (count++, first = first < 0 ? i : first);
    }
    if (count > 0) {
      bad.push(
        `${name} holds ${count} non-finite or overflowing value(s) (|w| > ${
          MAX_WEIGHT_MAGNITUDE.toExponential(1)
        }; first: ${data[first]} at ${first})`,
      );
    }
  }
  return bad;
}

/**
 * Encodes named float32 arrays as a safetensors file.
 *
 * @param tensors Name → `{ shape, data }`, in the order to write.
 * @param metadata String pairs for the `__metadata__` entry.
 * @returns The file's bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = encodeSafetensors({ w: { shape: [2], data: Float32Array.from([1, 2]) } });
 * assert.equal(decodeSafetensors(bytes).w.data[1], 2);
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of Object.values(tensors)) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** One tensor entry of a decoded safetensors file. */
export type SafetensorsEntry = { dtype: string; shape: number[]; data: Float32Array };

/**
 * Decodes a safetensors file holding F32 tensors.
 *
 * @param bytes The file's bytes.
 * @returns Name → entry (`__metadata__` excluded).
 * @throws {TypeError} Naming what is malformed: header length, JSON, offsets, dtype.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => decodeSafetensors(new Uint8Array(3)), /file is 3 bytes/);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): Record<string, SafetensorsEntry> {
  const fail = (detail: string): never => {
    throw new TypeError(`Cannot decode safetensors: ${detail}`);
  };
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const headerLength = Number(
    new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true),
  );
  if (8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} exceeds the file size ${bytes.length}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    fail(`header is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    return fail(`header must be a JSON object, got ${JSON.stringify(header)}`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const out: Record<string, SafetensorsEntry> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") continue;
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) ||
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isInteger(o) && o >= 0)
    ) {
      fail(`tensor ${name} has a malformed entry, got ${JSON.stringify(raw)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataLength) {
      fail(
        `tensor ${name} has data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes`,
      );
    }
    const dtype = String(entry.dtype);
    if (dtype !== "F32") {
      out[name] = { dtype, shape: shape as number[], data: new Float32Array(0) };
      continue;
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * size) {
      fail(
        `tensor ${name} of shape [${shape}] needs ${4 * size} bytes, got ${end - begin}`,
      );
    }
    const copy = bytes.slice(dataStart + begin, dataStart + end); // aligned copy
    out[name] = { dtype, shape: shape as number[], data: new Float32Array(copy.buffer) };
  }
  return out;
}

/**
 * Saves a policy to `dir` (created if needed): `model.safetensors` and `config.json`, each
 * written to a temp file and renamed, so a reader never sees a half-written file.
 *
 * @param policy The policy to save.
 * @param dir The checkpoint directory.
 * @param options Tokenizer alphabet and metadata to keep in `config.json`.
 * @returns Resolves when both files are in place.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const dir = await Deno.makeTempDir();
 * await savePolicy(policy, dir, { tokenizerAlphabet: "abcde", metadata: { step: 3 } });
 * using loaded = await loadPolicy(dir);
 * assert.deepEqual(loaded.params["wte"].dataSync(), policy.params["wte"].dataSync());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function savePolicy(
  policy: Policy,
  dir: string,
  options: SavePolicyOptions = {},
): Promise<void> {
  const { tokenizerAlphabet, metadata = {} } = options;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const spec of paramSpecs(policy.config)) {
    const variable = policy.params[spec.name];
    tensors[spec.name] = { shape: spec.shape, data: (await variable.data()) as Float32Array };
  }
  const bad = unusable(tensors);
  if (bad.length > 0) {
    throw new RangeError(`Cannot save a policy to ${dir}: ${bad.join("; ")}`);
  }
  const fingerprint = await policyFingerprint(policy, { tokenizerAlphabet });
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(`${dir}/${WEIGHTS_FILE}`, encodeSafetensors(tensors, { format: FORMAT }));
  const config = {
    format: FORMAT,
    version: VERSION,
    model: policy.config,
    ...(tokenizerAlphabet === undefined ? {} : { tokenizerAlphabet }),
    fingerprint,
    metadata,
  };
  await writeFileAtomic(
    `${dir}/${CONFIG_FILE}`,
    new TextEncoder().encode(JSON.stringify(config, null, 2) + "\n"),
  );
}

async function readConfig(dir: string): Promise<{
  model: ModelConfig;
  tokenizerAlphabet?: string;
  fingerprint?: string;
  metadata: Record<string, unknown>;
}> {
  const path = `${dir}/${CONFIG_FILE}`;
  let raw: unknown;
  try {
    raw = parseJsonText(await Deno.readTextFile(path), path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Cannot load policy: ${path} is unreadable or not JSON, got ${reason}`);
  }
  const file = raw as Record<string, unknown>;
  if (file?.format !== FORMAT || file.version !== VERSION) {
    throw new TypeError(
      `Cannot load policy: ${path} must have format "${FORMAT}" version ${VERSION}, got ${
        JSON.stringify(file?.format)
      } version ${JSON.stringify(file?.version)}`,
    );
  }
  // parseExperimentConfig is the one zod parser; it validates the model slice for us
  const model = parseExperimentConfig({ model: file.model }).model;
  const alphabet = typeof file.tokenizerAlphabet === "string" ? file.tokenizerAlphabet : undefined;
  const metadata = (file.metadata ?? {}) as Record<string, unknown>;
  const fingerprint = typeof file.fingerprint === "string" ? file.fingerprint : undefined;
  return { model, tokenizerAlphabet: alphabet, fingerprint, metadata };
}

/**
 * Loads a checkpoint written by {@link savePolicy}, validating every weight's name, shape, dtype
 * and finiteness against the saved config, then the fingerprint `config.json` records (a
 * checkpoint saved before fingerprints existed has none, and is loaded without that check).
 *
 * @param dir The checkpoint directory.
 * @returns The policy (trainable, owned by the caller), tokenizer alphabet, metadata and
 *   fingerprint.
 * @throws {TypeError} Listing every mismatch, e.g. `Cannot load policy from ck: h.0.ln1.g has
 *   shape [8], expected [16]; missing head.w`, non-finite or overflowing weights (file and
 *   tensor named), a
 *   fingerprint that does not match, or what is malformed in the files.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await assert.rejects(loadCheckpoint("/nonexistent"), /Cannot load policy/);
 * ```
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { model, tokenizerAlphabet, fingerprint: saved, metadata } = await readConfig(dir);
  const path = `${dir}/${WEIGHTS_FILE}`;
  let entries: Record<string, SafetensorsEntry>;
  try {
    entries = decodeSafetensors(await Deno.readFile(path));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Cannot load policy from ${dir}: ${WEIGHTS_FILE}: ${reason}`);
  }
  const problems: string[] = [];
  const specs = paramSpecs(model);
  for (const spec of specs) {
    const entry = entries[spec.name];
    if (entry === undefined) problems.push(`missing ${spec.name}`);
    else if (entry.dtype !== "F32") {
      problems.push(`${spec.name} has dtype ${entry.dtype}, expected F32`);
    } else if (entry.shape.join(",") !== spec.shape.join(",")) {
      problems.push(`${spec.name} has shape [${entry.shape}], expected [${spec.shape}]`);
    }
  }
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(entries)) {
    if (!known.has(name)) problems.push(`unexpected tensor ${name}`);
  }
  if (problems.length > 0) {
    throw new TypeError(
      `Cannot load policy from ${dir}: ${problems.join("; ")} (config: ${JSON.stringify(model)})`,
    );
  }
  const bad = unusable(entries);
  if (bad.length > 0) {
    throw new TypeError(`Cannot load policy from ${dir}: ${WEIGHTS_FILE}: ${bad.join("; ")}`);
  }
  const values = tf.tidy(() =>
    Object.fromEntries(
      specs.map((s) => [s.name, tf.tensor(entries[s.name].data, s.shape, "float32")]),
    )
  );
  let policy: Policy;
  try {
    policy = Policy.fromWeights(model, values);
  } finally {
    tf.dispose(Object.values(values));
  }
  const fingerprint = await policyFingerprint(policy, { tokenizerAlphabet });
  if (saved !== undefined && saved !== fingerprint) {
    policy.dispose();
    throw new TypeError(
      `Cannot load policy from ${dir}: its weights, model config or tokenizer alphabet changed ` +
        `after it was saved (${CONFIG_FILE} records fingerprint ${saved}, the files give ` +
        `${fingerprint})`,
    );
  }
  return { policy, tokenizerAlphabet, metadata, fingerprint };
}

/**
 * Loads the policy of a checkpoint written by {@link savePolicy} (see {@link loadCheckpoint}
 * for the alphabet and metadata too).
 *
 * @param dir The checkpoint directory.
 * @returns The policy, trainable; the caller owns it.
 * @throws {TypeError} As {@link loadCheckpoint}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * await assert.rejects(loadPolicy("/nonexistent"), /Cannot load policy/);
 * ```
 */
export async function loadPolicy(dir: string): Promise<Policy> {
  return (await loadCheckpoint(dir)).policy;
}
