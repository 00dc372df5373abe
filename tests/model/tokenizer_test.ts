import assert from "node:assert/strict";
import { charTokenizer } from "../../lib/model/tokenizer.ts";

Deno.test("charTokenizer() maps characters after PAD, BOS, EOS and round-trips", async (t) => {
  const tok = charTokenizer("ab+=");
  await t.step("special ids and vocab size", () => {
    assert.deepEqual([tok.pad, tok.bos, tok.eos, tok.vocabSize], [0, 1, 2, 7]);
  });
  await t.step("encode and decode", () => {
    assert.deepEqual(tok.encode("ba+"), [4, 3, 5]);
    assert.equal(tok.decode([tok.bos, ...tok.encode("a+b=a"), tok.eos, tok.pad]), "a+b=a");
  });
  await t.step("unknown characters and bad ids are rejected with the culprit", () => {
    assert.throws(() => tok.encode("ac"), /unknown character "c" at position 1/);
    assert.throws(() => tok.decode([9]), /got 9/);
  });
  await t.step("bad alphabets are rejected", () => {
    assert.throws(() => charTokenizer(""), RangeError);
    assert.throws(() => charTokenizer("aba"), /repeats a character, got "a"/);
  });
});
