/**
 * Token-level probe of one PSR or NSR update on a real policy (the paper's §4 on a whole model):
 * the next-token distribution at every response position before and after one plain gradient
 * step on a single sample, so a notebook can plot how each unsampled token's probability moved
 * against its prior probability.
 *
 * The step is plain gradient descent (no Adam, no clipping) on one sample's loss, so what it
 * measures is the gradient's direction, as in the paper's analysis:
 * - `probability` surrogate (the paper's): L = −R·(1/T)·Σ_t π(y_t | y_<t);
 * - `log` surrogate (REINFORCE):          L = −R·(1/T)·Σ_t log π(y_t | y_<t);
 * with R = +1 for a PSR step on a correct sample and R = −1 for an NSR step on a wrong one, and
 * T the response length.
 *
 * A BOUNDARY: tensors stay inside, plain numbers come out; the probed policy is untouched (the
 * step is taken on a copy).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { sequenceLogProbs } from "../model/log_probs.ts";
import { Policy } from "../model/policy.ts";
import { forwardLogits } from "../model/transformer.ts";
import type { ProbePosition } from "./probe_summary.ts";

/** Options of {@link probeUpdate}. */
export type ProbeUpdateOptions = {
  /** Index in `tokens` of the first response token (the prompt is tokens before it). */
  responseStart: number;
  /** R: +1 (PSR on a correct sample) or −1 (NSR on a wrong one). */
  reward: number;
  /** Step size of the single gradient-descent step. */
  learningRate: number;
  /** `probability` (the paper's §4) or `log` (REINFORCE). Default `probability`. */
  surrogate?: "probability" | "log";
};

/**
 * Takes one gradient step of a PSR (R = +1) or NSR (R = −1) loss on a single sequence, on a copy
 * of the policy, and returns the next-token distributions at every response position before and
 * after it.
 *
 * @param policy The policy to probe (left unchanged).
 * @param tokens The whole sequence: BOS, prompt, response (EOS included if it was sampled).
 * @param options Where the response starts, the reward, the step size and the surrogate.
 * @returns One {@link ProbePosition} per response token.
 * @throws {RangeError} If `responseStart` does not leave at least one prompt and one response token.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const [first] = probeUpdate(policy, [1, 3, 4, 5], { responseStart: 2, reward: -1, learningRate: 1 });
 * assert.ok(first.probsAfter[4] < first.probsBefore[4]); // NSR lowers the sampled token
 * ```
 */
export function probeUpdate(
  policy: Policy,
  tokens: readonly number[],
  options: ProbeUpdateOptions,
): ProbePosition[] {
  const { responseStart, reward, learningRate, surrogate = "probability" } = options;
  if (!Number.isInteger(responseStart) || responseStart < 1 || responseStart >= tokens.length) {
    throw new RangeError(
      `Cannot probe an update: responseStart must be in [1, ${
        tokens.length - 1
      }], got ${responseStart}`,
    );
  }
  const config = policy.config;
  const T = tokens.length;
  const responseLength = T - responseStart;
  using copy = Policy.fromWeights(config, policy.params);
  const distributions = (p: Policy): number[][] =>
    tf.tidy(() => {
      const ids = tf.tensor2d([tokens.slice(0, T - 1) as number[]], undefined, "int32"); // [1, T−1]
      const logits = forwardLogits(p.params, ids, { config }); // [1, T−1, V]
      const probs = tf.softmax(
        tf.slice(logits, [0, responseStart - 1, 0], [1, responseLength, -1]),
      );
      return (probs.arraySync() as number[][][])[0]; // [responseLength][V]
    });
  const before = distributions(copy);
  tf.tidy(() => {
    const ids = tf.tensor2d([tokens as number[]], undefined, "int32"); // [1, T]
    const { value, grads } = tf.variableGrads(() => {
      const { logProbs, entropies } = sequenceLogProbs(copy, ids); // [1, T−1]
      entropies.dispose();
      const response = tf.slice(logProbs, [0, responseStart - 1], [1, responseLength]); // [1, Tr]
      const perToken = surrogate === "probability" ? tf.exp(response) : response; // [1, Tr]
      return tf.mul(-reward, tf.mean(perToken)) as tf.Scalar;
    }, copy.actorVariables);
    for (const variable of copy.actorVariables) {
      variable.assign(tf.sub(variable, tf.mul(learningRate, grads[variable.name])));
    }
    value.dispose();
  });
  const after = distributions(copy);
  return before.map((probsBefore, i) => ({
    position: responseStart + i,
    sampled: tokens[responseStart + i],
    probsBefore,
    probsAfter: after[i],
  }));
}
