/**
 * Tokenizers: text ↔ token ids. The synthetic tasks use {@link charTokenizer}, one id per
 * character, after three special ids (PAD, BOS, EOS).
 *
 * @module
 */

/** Maps text to token ids and back. Special ids are never produced by `encode`. */
export type Tokenizer = {
  /** Number of ids, special ids included. */
  vocabSize: number;
  /** Beginning-of-sequence id; prompts start with it. */
  bos: number;
  /** End-of-sequence id; sampling stops after it. */
  eos: number;
  /** Padding id; never attended to as content (masks say which tokens count). */
  pad: number;
  /** Ids of the text's characters, without BOS or EOS. */
  encode(text: string): number[];
  /** Text of the ids; special ids decode to the empty string. */
  decode(ids: readonly number[]): string;
};

/** Id of the padding token in {@link charTokenizer}. */
export const PAD_ID = 0;
/** Id of the beginning-of-sequence token in {@link charTokenizer}. */
export const BOS_ID = 1;
/** Id of the end-of-sequence token in {@link charTokenizer}. */
export const EOS_ID = 2;
const SPECIAL_COUNT = 3;

/**
 * A character-level tokenizer: ids 0, 1, 2 are PAD, BOS, EOS, and id 3 + i is `alphabet[i]`.
 *
 * @param alphabet The distinct characters of the task (one UTF-16 code unit each).
 * @returns A {@link Tokenizer} with `vocabSize = alphabet.length + 3`.
 * @throws {RangeError} If `alphabet` is empty or repeats a character.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const tok = charTokenizer("0123456789+=");
 * assert.deepEqual(tok.encode("1+2"), [4, 13, 5]);
 * assert.equal(tok.decode([tok.bos, 4, 13, 5, tok.eos]), "1+2");
 * assert.throws(() => tok.encode("x"), /unknown character "x"/);
 * ```
 */
export function charTokenizer(alphabet: string): Tokenizer {
  const chars = [...alphabet];
  if (chars.length === 0) {
    throw new RangeError(`Cannot create a tokenizer: alphabet must not be empty, got ""`);
  }
  const ids = new Map<string, number>();
  chars.forEach((char, i) => {
    if (ids.has(char)) {
      throw new RangeError(
        `Cannot create a tokenizer: alphabet repeats a character, got ${JSON.stringify(char)}`,
      );
    }
    ids.set(char, SPECIAL_COUNT + i);
  });
  return {
    vocabSize: chars.length + SPECIAL_COUNT,
    bos: BOS_ID,
    eos: EOS_ID,
    pad: PAD_ID,
    encode(text: string): number[] {
      return [...text].map((char, position) => {
        const id = ids.get(char);
        if (id === undefined) {
          throw new RangeError(
            `Cannot encode text: unknown character ${
              JSON.stringify(char)
            } at position ${position}, got ${JSON.stringify(text)}`,
          );
        }
        return id;
      });
    },
    decode(tokenIds: readonly number[]): string {
      let text = "";
      for (const id of tokenIds) {
        if (id >= SPECIAL_COUNT && id < SPECIAL_COUNT + chars.length) {
          text += chars[id - SPECIAL_COUNT];
        } else if (id < 0 || id >= SPECIAL_COUNT + chars.length || !Number.isInteger(id)) {
          throw new RangeError(
            `Cannot decode ids: id must be an integer in [0, ${
              SPECIAL_COUNT + chars.length - 1
            }], got ${id}`,
          );
        }
      }
      return text;
    },
  };
}

/**
 * The alphabet of a tokenizer that works exactly as `charTokenizer(alphabet)` does (PAD, BOS, EOS
 * at ids 0, 1, 2, then one character per id), read from the tokenizer itself; `undefined` for
 * any other tokenizer. Checkpoints store this alphabet so a policy can be loaded and served
 * with its tokenizer.
 *
 * @param tokenizer The tokenizer.
 * @returns Its alphabet, or `undefined` when it is not a character tokenizer.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(charTokenizerAlphabet(charTokenizer("0123+=")), "0123+=");
 * const bytes = { ...charTokenizer("ab"), decode: (ids: readonly number[]) => ids.join(",") };
 * assert.equal(charTokenizerAlphabet(bytes), undefined);
 * ```
 */
export function charTokenizerAlphabet(tokenizer: Tokenizer): string | undefined {
  const { vocabSize, pad, bos, eos } = tokenizer;
  if (pad !== PAD_ID || bos !== BOS_ID || eos !== EOS_ID || vocabSize <= SPECIAL_COUNT) {
    return undefined;
  }
  let alphabet = "";
  try {
    if ([PAD_ID, BOS_ID, EOS_ID].some((id) => tokenizer.decode([id]) !== "")) return undefined;
    for (let id = SPECIAL_COUNT; id < vocabSize; id++) alphabet += tokenizer.decode([id]);
    const same = charTokenizer(alphabet);
    if (same.vocabSize !== vocabSize) return undefined;
    // Every id decodes to its own single character, and encoding gives the ids back.
    const ids = Array.from({ length: vocabSize - SPECIAL_COUNT }, (_, i) => SPECIAL_COUNT + i);
    if (tokenizer.encode(alphabet).join(",") !== ids.join(",")) return undefined;
  } catch {
    return undefined;
  }
  return alphabet;
}
