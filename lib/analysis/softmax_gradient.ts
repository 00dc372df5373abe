/**
 * Exact logit gradients of PSR, NSR and an entropy bonus on a single softmax: the analysis of the
 * paper's §4 (Eqs. 7–8 and App. A), in plain numbers so every claim can be checked by hand.
 *
 * Symbols: logits z ∈ R^V, π = softmax(z), sampled token y, reward R (+1 for a correct sample,
 * −1 for an incorrect one), entropy H = −Σ_v π_v log π_v.
 *
 * - Probability surrogate (the paper's §4): L = −R·π_y, so
 *   ∂L/∂z_v = −R·π_y·(1[v = y] − π_v).
 *   An NSR step (R = −1, gradient descent with rate η) lowers z_y by η·π_y(1 − π_y) and raises
 *   every other z_v by η·π_y·π_v: in proportion to each token's current probability, so their
 *   order is preserved, and by little when the model is confident (π_y near 0 or 1).
 * - Log-probability surrogate (REINFORCE): L = −R·log π_y, so ∂L/∂z_v = −R·(1[v = y] − π_v).
 * - Entropy bonus: L = −c·H, with ∂H/∂z_v = −π_v·(log π_v + H), so a descent step raises tokens
 *   whose log-probability is below −H and lowers the others.
 *
 * @module
 */

/** Options of {@link logitGradient}. */
export type LogitGradientOptions = {
  /** Index of the sampled token y. */
  sampled: number;
  /** Reward R of the sample: +1 (PSR) or −1 (NSR); any real weight is allowed. */
  reward: number;
  /** `probability` (the paper's −R·π_y) or `log` (REINFORCE's −R·log π_y). Default `probability`. */
  surrogate?: "probability" | "log";
  /** Entropy-bonus coefficient c (adds −c·H to the loss). Default 0. */
  entropyCoef?: number;
};

/**
 * Softmax of a logit vector, computed stably (max subtracted first).
 *
 * @param logits The logits z.
 * @returns π = softmax(z).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(softmax([0, 0]), [0.5, 0.5]);
 * ```
 */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/**
 * Entropy H = −Σ π log π of a probability vector, in nats.
 *
 * @param probs A probability vector.
 * @returns The entropy.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(entropy([0.5, 0.5]) - Math.log(2)) < 1e-12);
 * ```
 */
export function entropy(probs: readonly number[]): number {
  return -probs.reduce((sum, p) => sum + (p > 0 ? p * Math.log(p) : 0), 0);
}

/**
 * The gradient ∂L/∂z of one sample's loss with respect to the logits (formulas in the module doc).
 *
 * @param logits The logits z.
 * @param options Sampled token, reward, surrogate and entropy coefficient.
 * @returns ∂L/∂z_v for every token v.
 * @throws {RangeError} If `sampled` is not an index of `logits`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const g = logitGradient([0, 0], { sampled: 0, reward: -1 }); // NSR on π = (0.5, 0.5)
 * assert.deepEqual(g, [0.25, -0.25]); // descent lowers z_0 and raises z_1
 * ```
 */
export function logitGradient(logits: readonly number[], options: LogitGradientOptions): number[] {
  const { sampled, reward, surrogate = "probability", entropyCoef = 0 } = options;
  if (!Number.isInteger(sampled) || sampled < 0 || sampled >= logits.length) {
    throw new RangeError(
      `Cannot compute a logit gradient: sampled must index the ${logits.length} logits, got ${sampled}`,
    );
  }
  const pi = softmax(logits);
  const h = entropy(pi);
  const scale = surrogate === "probability" ? pi[sampled] : 1;
  return pi.map((p, v) => {
    const policyTerm = -reward * scale * ((v === sampled ? 1 : 0) - p);
    const entropyTerm = p > 0 ? entropyCoef * p * (Math.log(p) + h) : 0;
    return policyTerm + entropyTerm;
  });
}

/** What one gradient-descent step on the logits did. */
export type LogitStep = {
  /** π before the step. */
  probsBefore: number[];
  /** π after the step. */
  probsAfter: number[];
  /** ∂L/∂z at the starting logits. */
  gradient: number[];
  /** z − η·∂L/∂z. */
  logitsAfter: number[];
};

/**
 * Takes one gradient-descent step z ← z − η·∂L/∂z and reports the probabilities before and after.
 *
 * @param logits The logits z.
 * @param options {@link LogitGradientOptions} plus the `learningRate` η (default 1).
 * @returns Probabilities before and after, the gradient and the new logits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const step = logitStep([2, 1, 0], { sampled: 0, reward: -1, learningRate: 0.5 });
 * assert.ok(step.probsAfter[0] < step.probsBefore[0]); // NSR lowers the sampled token
 * assert.ok(step.probsAfter[1] > step.probsBefore[1] && step.probsAfter[2] > step.probsBefore[2]);
 * ```
 */
export function logitStep(
  logits: readonly number[],
  options: LogitGradientOptions & { learningRate?: number },
): LogitStep {
  const { learningRate = 1, ...gradientOptions } = options;
  const gradient = logitGradient(logits, gradientOptions);
  const logitsAfter = logits.map((z, v) => z - learningRate * gradient[v]);
  return { probsBefore: softmax(logits), probsAfter: softmax(logitsAfter), gradient, logitsAfter };
}

/**
 * How far one NSR (or PSR) step moves the sampled token, as a function of its probability: the
 * sampled token gets probability `confidence`, the other `vocabSize − 1` tokens share the rest
 * equally, and one step of rate `learningRate` is taken.
 *
 * @param options Vocabulary size, reward (−1 NSR, +1 PSR), learning rate, and the confidences.
 * @returns One row per confidence: the change of log π_y.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = confidenceSweep({ confidences: [0.01, 0.5, 0.99] });
 * assert.ok(Math.abs(rows[1].logProbChange) > Math.abs(rows[2].logProbChange));
 * ```
 */
export function confidenceSweep(
  options: {
    confidences: readonly number[];
    vocabSize?: number;
    reward?: number;
    learningRate?: number;
  },
): { confidence: number; logProbChange: number }[] {
  const { confidences, vocabSize = 8, reward = -1, learningRate = 1 } = options;
  return confidences.map((confidence) => {
    const rest = Math.log((1 - confidence) / (vocabSize - 1));
    const logits = [Math.log(confidence), ...new Array(vocabSize - 1).fill(rest)];
    const step = logitStep(logits, { sampled: 0, reward, learningRate });
    return { confidence, logProbChange: Math.log(step.probsAfter[0] / step.probsBefore[0]) };
  });
}
