/**
 * The identity of a policy's weights, for cache keys and checkpoint integrity: a hash of its
 * config, its tokenizer alphabet and every weight's bytes. Two policies have the same
 * fingerprint exactly when they compute the same function on the same token ids.
 *
 * @module
 */
import { canonicalJson, sha256Hex } from "../_io/cache.ts";
import { paramSpecs } from "./params.ts";
import type { Policy } from "./policy.ts";

/**
 * SHA-256 (hex, first 16 characters) of the policy's config, the tokenizer alphabet (when
 * given) and its weights in `paramSpecs` order (names, shapes and float32 bytes). BOUNDARY:
 * reads the weights; no tensor is created.
 *
 * @param policy The policy.
 * @param options `tokenizerAlphabet`: the alphabet of its `charTokenizer`, part of its identity
 *   (the same weights read other symbols under another alphabet).
 * @returns A 16-character hex digest.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "./policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using a = Policy.create(config, { seed: 0 });
 * using b = Policy.create(config, { seed: 1 });
 * assert.notEqual(await policyFingerprint(a), await policyFingerprint(b));
 * assert.notEqual(await policyFingerprint(a), await policyFingerprint(a, { tokenizerAlphabet: "abcde" }));
 * ```
 */
export async function policyFingerprint(
  policy: Policy,
  options: { readonly tokenizerAlphabet?: string } = {},
): Promise<string> {
  const { tokenizerAlphabet = null } = options;
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [
    encoder.encode(canonicalJson({ model: policy.config, tokenizerAlphabet })),
  ];
  for (const spec of paramSpecs(policy.config)) {
    const data = policy.params[spec.name].dataSync() as Float32Array;
    parts.push(encoder.encode(`\n${spec.name}[${spec.shape.join(",")}]\n`));
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) (bytes.set(part, offset), offset += part.length);
  return await sha256Hex(bytes);
}
