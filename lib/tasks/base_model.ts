/**
 * The shipped base model of the miniature world (`data/base/`): its policy and tokenizer.
 *
 * @module
 */
import { readJsonFile } from "../_io/read_json_file.ts";
import type { ModelConfig } from "../config.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import type { Policy } from "../model/policy.ts";
import type { PretrainHistoryRow } from "../train/pretrain_checkpoint.ts";
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
 * Why a checkpoint's pretraining did not finish, from its metadata: a stopped run's output
 * (`interrupted`) or one of its periodic checkpoints (`checkpoint`); null when it finished (or
 * is not a pretraining output).
 *
 * @param metadata A checkpoint's metadata.
 * @returns E.g. `interrupted at step 230 of 1000 by SIGINT`, or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(unfinishedPretraining({ interrupted: { signal: "SIGINT", step: 230, of: 1000 } }), "interrupted at step 230 of 1000 by SIGINT");
 * assert.equal(unfinishedPretraining({ kind: "countdown-base" }), null);
 * ```
 */
export function unfinishedPretraining(metadata: Record<string, unknown>): string | null {
  const { interrupted, checkpoint } = metadata as {
    interrupted?: { signal?: string; step?: number; of?: number };
    checkpoint?: { step?: number; of?: number };
  };
  if (interrupted !== undefined) {
    return `interrupted at step ${interrupted.step} of ${interrupted.of} by ${interrupted.signal}`;
  }
  if (checkpoint !== undefined) {
    return `a checkpoint taken at step ${checkpoint.step} of ${checkpoint.of}`;
  }
  return null;
}

/**
 * Loads the base model (default: the shipped one in `data/base/`). A checkpoint whose
 * pretraining did not finish ({@link unfinishedPretraining}) is refused unless `allowUnfinished`:
 * RL on a half-trained base measures another prior than the one intended.
 *
 * @param options `dir` of another checkpoint; `allowUnfinished` to accept an unfinished one.
 * @returns Policy, tokenizer, model config, metadata and `id` (the weights' fingerprint).
 * @throws {TypeError} If the checkpoint has no tokenizer alphabet (or is invalid).
 * @throws {RangeError} If its pretraining did not finish and `allowUnfinished` is not set.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const base = await loadBaseModel();
 * assert.equal(base.tokenizer.vocabSize, base.policy.config.vocabSize);
 * base.policy.dispose();
 * ```
 */
export async function loadBaseModel(
  options: { dir?: string; allowUnfinished?: boolean } = {},
): Promise<BaseModel> {
  const { dir = BASE_MODEL_DIR, allowUnfinished = false } = options;
  const { policy, tokenizerAlphabet, metadata, fingerprint } = await loadCheckpoint(dir);
  const unfinished = unfinishedPretraining(metadata);
  if (unfinished !== null && !allowUnfinished) {
    policy.dispose();
    throw new RangeError(
      `Cannot use ${dir} as a base model: its pretraining did not finish, got ${unfinished}; ` +
        `finish it (deno task pretrain with the same flags and --resume) or allow an unfinished base`,
    );
  }
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

/**
 * A base model's pretraining loss history (`pretrain_history.json` beside its weights).
 *
 * @param dir The checkpoint directory (default: the shipped base).
 * @returns The logged steps, in order.
 * @throws {TypeError} If the file is not a list of `{ step, loss, seconds }` (the file and entry
 *   are named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const history = await loadPretrainHistory();
 * assert.ok(history.length > 0 && history[0].loss > history.at(-1)!.loss);
 * ```
 */
export async function loadPretrainHistory(
  dir: string = BASE_MODEL_DIR,
): Promise<PretrainHistoryRow[]> {
  const path = `${dir.endsWith("/") ? dir : `${dir}/`}pretrain_history.json`;
  const json = await readJsonFile(path);
  if (!Array.isArray(json)) {
    throw new TypeError(
      `Cannot read ${path}: it must be a list of { step, loss, seconds }, got ${typeof json}`,
    );
  }
  return json.map((entry, i) => {
    const { step, loss, seconds } = (entry ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(step) || typeof loss !== "number" || typeof seconds !== "number") {
      throw new TypeError(
        `Cannot read ${path}: entry ${i} must be { step: integer, loss: number, seconds: number }, got ${
          JSON.stringify(entry)
        }`,
      );
    }
    return { step: step as number, loss, seconds };
  });
}
