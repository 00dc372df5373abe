/**
 * The shipped base model of the miniature world (`data/base/`): its policy and tokenizer.
 *
 * @module
 */
import type { ModelConfig } from "../config.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import type { Policy } from "../model/policy.ts";
import { charTokenizer, type Tokenizer } from "../model/tokenizer.ts";

/** Where the shipped base model lives. */
export const BASE_MODEL_DIR: string = new URL("../../data/base/", import.meta.url).pathname;

/** A loaded base model. */
export type BaseModel = {
  /** The policy; the caller owns it (dispose it, or declare it with `using`). */
  policy: Policy;
  /** Its character tokenizer. */
  tokenizer: Tokenizer;
  /** Its model config (sizes), as a run's `config.model` must state it. */
  config: ModelConfig;
  /**
   * Its identity: the fingerprint of its weights, config and alphabet (`policyFingerprint`),
   * checked against the one the checkpoint records. Cached runs key on it.
   */
  id: string;
  /** The checkpoint's metadata (pretraining command, steps, seconds, …). */
  metadata: Record<string, unknown>;
};

/**
 * Loads the base model (default: the shipped one in `data/base/`).
 *
 * @param options `dir` of another checkpoint.
 * @returns Policy, tokenizer, model config, metadata and `id` (the weights' fingerprint).
 * @throws {TypeError} If the checkpoint has no tokenizer alphabet (or is invalid).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const base = await loadBaseModel();
 * assert.equal(base.tokenizer.vocabSize, base.policy.config.vocabSize);
 * base.policy.dispose();
 * ```
 */
export async function loadBaseModel(options: { dir?: string } = {}): Promise<BaseModel> {
  const { dir = BASE_MODEL_DIR } = options;
  const { policy, tokenizerAlphabet, metadata, fingerprint } = await loadCheckpoint(dir);
  if (tokenizerAlphabet === undefined) {
    policy.dispose();
    throw new TypeError(`Cannot load a base model: ${dir} has no tokenizer alphabet`);
  }
  return {
    policy,
    tokenizer: charTokenizer(tokenizerAlphabet),
    config: policy.config,
    metadata,
    id: fingerprint,
  };
}
