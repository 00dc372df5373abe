/**
 * Next-token training data: prompt/response text pairs encoded as padded token batches whose loss
 * mask covers only the response (pretraining and supervised fine-tuning).
 *
 * @module
 */
import type { Tokenizer } from "../model/tokenizer.ts";

/** One training example: a prompt and the response to learn. */
export type TextPair = {
  /** The prompt text (given, not learned). */
  readonly prompt: string;
  /** The response text (learned, followed by EOS). */
  readonly response: string;
};

/** A batch of text pairs as flat, right-padded arrays. */
export type TokenBatch = {
  /** Number of sequences B. */
  readonly batch: number;
  /** Padded length T (the longest sequence in the batch). */
  readonly length: number;
  /** `[B, T]` ids, row-major: BOS, prompt, response, EOS, then PAD. */
  readonly tokens: Int32Array;
  /** `[B, T − 1]`, row-major: 1 where the next token is a response token or its EOS. */
  readonly mask: Float32Array;
};

/**
 * Encodes rows as `BOS prompt response EOS` and pads them to the batch's longest. The loss mask
 * covers the response and its EOS only: the prompt is given, not generated, so predicting its
 * random digits would only add noise to the loss.
 *
 * @param rows The examples.
 * @param options `tokenizer`.
 * @returns The batch.
 * @throws {RangeError} On a character outside the tokenizer's alphabet, or no rows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * const tokenizer = charTokenizer("0123456789+-*=>:");
 * const batch = encodeBatch([{ prompt: "12>3:", response: "1+2" }], { tokenizer });
 * assert.equal(batch.length, 1 + 5 + 3 + 1);
 * assert.deepEqual([...batch.mask], [0, 0, 0, 0, 0, 1, 1, 1, 1]);
 * ```
 */
export function encodeBatch(
  rows: readonly TextPair[],
  options: { tokenizer: Tokenizer },
): TokenBatch {
  const { tokenizer } = options;
  if (rows.length === 0) throw new RangeError(`Cannot encode a batch: no rows, got 0`);
  const encoded = rows.map((row) => {
    const prompt = tokenizer.encode(row.prompt);
    const response = tokenizer.encode(row.response);
    return {
      ids: [tokenizer.bos, ...prompt, ...response, tokenizer.eos],
      promptLength: prompt.length,
    };
  });
  const length = Math.max(...encoded.map((e) => e.ids.length));
  const tokens = new Int32Array(rows.length * length).fill(tokenizer.pad);
  const mask = new Float32Array(rows.length * (length - 1));
  encoded.forEach(({ ids, promptLength }, b) => {
    tokens.set(ids, b * length);
    // Target position t predicts ids[t + 1]; responses start at id index promptLength + 1.
    for (let t = promptLength; t < ids.length - 1; t++) mask[b * (length - 1) + t] = 1;
  });
  return { batch: rows.length, length, tokens, mask };
}
