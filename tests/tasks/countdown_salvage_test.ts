import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import { forwardLogits } from "../../lib/model/transformer.ts";
import { COUNTDOWN_ALPHABET } from "../../lib/tasks/countdown.ts";
import {
  salvageShares,
  successWeightedShares,
  summarizeSalvage,
} from "../../lib/tasks/countdown_salvage.ts";

await initBackend();

const tokenizer = charTokenizer(COUNTDOWN_ALPHABET);
const problem = { id: "2359>42", digits: [3, 9, 2, 5], target: 42 };
const prompt = [tokenizer.bos, ...tokenizer.encode("3925>42:")];
const config = {
  vocabSize: tokenizer.vocabSize,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 48,
  valueHead: "none",
} as const;

Deno.test("salvageShares() finds the fatal token and the share of the rest that stays live", () => {
  using policy = Policy.create(config, { seed: 3 });
  // Budget = this response's length: after "\boxed{4" only "2}" still fits, so "1" is fatal.
  const text = "9*5=45,45-3=42\\boxed{41}";
  const responseTokens = [...tokenizer.encode(text), tokenizer.eos];
  const fatalAt = text.indexOf("41") + 1;
  const [record] = salvageShares(policy, [{ problem, promptTokens: prompt, responseTokens }], {
    tokenizer,
    maxChars: text.length,
  });
  assert.equal(record.fatal, fatalAt);
  // The expected share from the policy's own distribution at that position.
  const probs = tf.tidy(() => {
    const ids = tf.tensor2d([[...prompt, ...responseTokens]], undefined, "int32");
    const logits = forwardLogits(policy.params, ids, { config });
    return (tf.softmax(logits).arraySync() as number[][][])[0][prompt.length + fatalAt - 1];
  });
  const one = tokenizer.encode("1")[0];
  const two = tokenizer.encode("2")[0];
  const expected = probs[two] / (1 - probs[one]);
  assert.ok(Math.abs((record.share ?? NaN) - expected) < 1e-6, `${record.share} vs ${expected}`);
  assert.ok(Math.abs((record.sampledProbability ?? NaN) - probs[one]) < 1e-6);
});

Deno.test("salvageShares() gives no fatal token to a correct sample or an unsolvable problem", () => {
  using policy = Policy.create(config, { seed: 3 });
  const right = [...tokenizer.encode("9*5=45,45-3=42\\boxed{42}"), tokenizer.eos];
  const unsolvable = { id: "x", digits: [1, 2], target: 97 };
  const records = salvageShares(policy, [
    { problem, promptTokens: prompt, responseTokens: right },
    { problem: unsolvable, promptTokens: prompt, responseTokens: right },
  ], { tokenizer, maxChars: 38 });
  assert.deepEqual(records.map((r) => r.fatal), [null, null]);
  assert.throws(() => summarizeSalvage(records), /no sample has a fatal token/);
});

Deno.test("salvageShares() marks EOS live only where the prefix is already correct", () => {
  using policy = Policy.create(config, { seed: 5 });
  // Stopping after "\boxed{42" (no closing brace) is fatal: the box never closes.
  const text = "9*5=45,45-3=42\\boxed{42";
  const responseTokens = [...tokenizer.encode(text), tokenizer.eos];
  const [record] = salvageShares(policy, [{ problem, promptTokens: prompt, responseTokens }], {
    tokenizer,
    maxChars: 38,
  });
  assert.equal(record.fatal, text.length); // the EOS
  assert.ok(record.share !== null && record.share > 0 && record.share < 1);
});

Deno.test("successWeightedShares() weights each live alternative by the policy's own success from it", async () => {
  using policy = Policy.create(config, { seed: 3 });
  // A second box is fatal at its "{": the prefix before it is correct, so EOS is live there.
  const twice = "9*5=45,45-3=42\\boxed{42}\\boxed{42}";
  const cut = "9*5=45,45-3=42\\boxed{41}"; // fatal "1"; "2" is live, then "}" must follow
  const samples = [twice, cut].map((text) => ({
    problem,
    promptTokens: prompt,
    responseTokens: [...tokenizer.encode(text), tokenizer.eos],
  }));
  const records = salvageShares(policy, samples, { tokenizer, maxChars: 38 });
  assert.equal(records[0].fatal, twice.lastIndexOf("{"));
  const eos = records[0].alternatives.find((a) => a.token === tokenizer.eos);
  assert.ok(eos !== undefined);
  const options = { tokenizer, maxChars: 38, completions: 32, seed: 1 };
  const weighted = await successWeightedShares(policy, samples, records, options);
  // EOS finishes a correct response (weight 1); any success is at most certain: weight ≤ share.
  const eosPart = eos.probability / (1 - (records[0].sampledProbability ?? 0));
  for (const [i, w] of weighted.entries()) {
    assert.ok(w !== null && w >= 0 && w <= (records[i].share ?? 0) + 1e-12, `${w}`);
  }
  assert.ok((weighted[0] ?? 0) >= eosPart - 1e-12);
  // The same seed gives the same estimate.
  assert.deepEqual(await successWeightedShares(policy, samples, records, options), weighted);
});
