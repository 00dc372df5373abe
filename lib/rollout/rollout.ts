/**
 * What sampling produces: {@link Rollout}s, and when an endpoint fails some prompts, the
 * {@link PartialSamplingError} that carries the rollouts of the others and names the failures.
 *
 * @module
 */

/**
 * One sampled response.
 *
 * Convention: a response that stops on its own ends with EOS. The EOS id IS in
 * `responseTokens` (and has a log-prob, so the trainer learns to stop) but is NOT in the
 * `response` text. `promptTokens` is exactly what the model saw: BOS, then the prompt's ids;
 * `[...promptTokens, ...responseTokens]` is the sequence to score with `sequenceLogProbs`.
 */
export type Rollout = {
  /** Index of the prompt in the `prompts` argument. */
  promptIndex: number;
  /** Index of this sample among the prompt's `samplesPerPrompt`. */
  sampleIndex: number;
  prompt: string;
  /** Decoded response, without EOS. */
  response: string;
  /** BOS + prompt ids (local policy); empty for an endpoint without a tokenizer. */
  promptTokens: number[];
  /**
   * Generated ids, EOS included when the response stopped on its own. From an endpoint: the
   * tokenizer's encoding of the text (plus EOS when it stopped), or empty without a tokenizer.
   */
  responseTokens: number[];
  /** log π(token) at temperature 1, one per response token. */
  logProbs: number[];
  /** log q(token) under the distribution actually sampled from (0 for greedy). */
  samplingLogProbs: number[];
  /** Entropy (nats) of π at temperature 1 before each response token. */
  entropies: number[];
  /** True when the response hit `maxNewTokens` (or the context) without EOS. */
  truncated: boolean;
  /**
   * Local policy with `topLogProbs` > 0: per response token, the most likely ids at that
   * position with their log π, most likely first.
   */
  topLogProbs?: { id: number; logProb: number }[][];
};

/** A prompt that an endpoint failed to complete, after its retries. */
export type PromptFailure = {
  /** Index of the prompt in the `prompts` argument (or of the problem in `problems`). */
  readonly promptIndex: number;
  /** The prompt text. */
  readonly prompt: string;
  /** Why it failed: the client's message (every attempt's cause, or the malformed data). */
  readonly error: string;
};

/** How many failures a {@link PartialSamplingError} message spells out before counting the rest. */
const MAX_FAILURES_IN_MESSAGE = 5;

/**
 * Thrown when an endpoint failed some prompts after their retries. Sampling is not
 * all-or-nothing: `rollouts` holds every sample of the prompts that completed (ordered by prompt,
 * then sample) and `failures` names each prompt that did not. Catch it to keep the completed work.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const error = new PartialSamplingError("http://x", 2, [], [{ promptIndex: 1, prompt: "2=", error: "HTTP 500" }]);
 * assert.equal(error.message, 'Cannot sample rollouts via http://x: 1 of 2 prompt(s) failed (the rollouts of the other 1 are kept): prompt 1 ("2="): HTTP 500');
 * ```
 */
export class PartialSamplingError extends Error {
  /** The rollouts of every prompt that completed. */
  readonly rollouts: Rollout[];
  /** Each prompt that failed, in prompt order. */
  readonly failures: readonly PromptFailure[];

  /**
   * Creates the error.
   *
   * @param source The endpoint's URL (named in the message).
   * @param prompts How many prompts were to be sampled.
   * @param rollouts The rollouts of the prompts that completed.
   * @param failures The prompts that failed.
   */
  constructor(
    source: string,
    prompts: number,
    rollouts: Rollout[],
    failures: readonly PromptFailure[],
  ) {
    const shown = failures.slice(0, MAX_FAILURES_IN_MESSAGE)
      .map((f) => `prompt ${f.promptIndex} (${JSON.stringify(f.prompt)}): ${f.error}`)
      .join("; ");
    const more = failures.length > MAX_FAILURES_IN_MESSAGE
      ? `; and ${failures.length - MAX_FAILURES_IN_MESSAGE} more`
      : "";
    super(
      `Cannot sample rollouts via ${source}: ${failures.length} of ${prompts} prompt(s) failed ` +
        `(the rollouts of the other ${prompts - failures.length} are kept): ${shown}${more}`,
    );
    this.name = "PartialSamplingError";
    this.rollouts = rollouts;
    this.failures = failures;
  }
}
