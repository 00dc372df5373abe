/**
 * The endpoint half of sampling, shared by `sampleRollouts` and `sampleToFile`: one request per
 * prompt with `concurrency` in flight, each prompt's rollouts handed over as soon as it completes,
 * and a failed prompt recorded instead of aborting the others.
 *
 * @module
 */
import type { RolloutConfig } from "../config.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { deriveSeed } from "../random.ts";
import { type CompletionChoice, type OpenAiEndpoint, requestCompletions } from "./openai_client.ts";
import type { PromptFailure, Rollout } from "./rollout.ts";

/** Settings of {@link sampleEndpointPrompts}. */
export type EndpointSamplingOptions = RolloutConfig & {
  /** Seed of every request: prompt i is sent `deriveSeed(seed, "prompt/i")`. */
  seed: number;
  /** When given, `promptTokens` and `responseTokens` are filled. */
  tokenizer?: Tokenizer;
  /** Which prompts to sample (indices into `prompts`). Default: all. */
  indices?: readonly number[];
  /** Receives each prompt's rollouts when it completes; awaited one call at a time. */
  onPrompt?: (promptIndex: number, rollouts: Rollout[]) => void | Promise<void>;
};

/** Prompts failing in a row (none completing between them) before the rest are not even sent. */
const DEFAULT_MAX_CONSECUTIVE_FAILURES = 8;

/** −Σ p log p over the alternatives the server reported (a lower bound on the entropy). */
function entropyFromTop(top: Record<string, number>): number {
  return Object.values(top).reduce((h, lp) => h - Math.exp(lp) * lp, 0);
}

function toRollout(
  choice: CompletionChoice,
  ids: { promptIndex: number; sampleIndex: number; prompt: string },
  tokenizer: Tokenizer | undefined,
): Rollout {
  const stopped = choice.finishReason === "stop";
  return {
    ...ids,
    response: choice.text,
    promptTokens: tokenizer ? [tokenizer.bos, ...tokenizer.encode(ids.prompt)] : [],
    responseTokens: tokenizer
      ? [...tokenizer.encode(choice.text), ...(stopped ? [tokenizer.eos] : [])]
      : [],
    logProbs: choice.tokenLogprobs,
    samplingLogProbs: choice.samplingLogprobs ?? choice.tokenLogprobs,
    entropies: choice.entropies ?? choice.topLogprobs.map(entropyFromTop),
    truncated: choice.finishReason === "length",
  };
}

/**
 * Samples the chosen prompts from an endpoint (see `sampleRollouts` for what is sent). A prompt
 * that fails after its retries is recorded and the others go on; once
 * `endpoint.maxConsecutiveFailures` prompts have failed in a row, the prompts not yet sent are
 * recorded as failed without being sent (a dead server then costs minutes, not hours).
 *
 * @param endpoint The server and its client settings.
 * @param prompts Prompt texts.
 * @param options Rollout settings, seed, tokenizer, which prompts, and the per-prompt callback.
 * @returns The failures, in prompt order (empty when every prompt completed).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const endpoint = { kind: "openai", baseUrl: "http://127.0.0.1:9", model: "m", maxRetries: 0 } as const;
 * const rollout = { samplesPerPrompt: 1, temperature: 1, topP: 1, topK: 0, greedy: false, maxNewTokens: 2 };
 * const failures = await sampleEndpointPrompts(endpoint, ["1="], { ...rollout, seed: 0 });
 * assert.deepEqual(failures.map((f) => f.promptIndex), [0]);
 * ```
 */
export async function sampleEndpointPrompts(
  endpoint: OpenAiEndpoint,
  prompts: readonly string[],
  options: EndpointSamplingOptions,
): Promise<PromptFailure[]> {
  const { samplesPerPrompt, temperature, topP, topK, greedy, maxNewTokens, seed, tokenizer } =
    options;
  const { indices = prompts.map((_, i) => i), onPrompt } = options;
  const {
    concurrency = 4,
    topLogprobs = 5,
    maxConsecutiveFailures = DEFAULT_MAX_CONSECUTIVE_FAILURES,
  } = endpoint;
  const failures: PromptFailure[] = [];
  let next = 0;
  let failedInARow = 0;
  let handing = Promise.resolve(); // onPrompt calls, one after another
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const promptIndex = indices[next++];
      const prompt = prompts[promptIndex];
      if (failedInARow >= maxConsecutiveFailures) {
        const error = `not sent: the ${failedInARow} prompts before it failed in a row`;
        failures.push({ promptIndex, prompt, error });
        continue;
      }
      let choices: CompletionChoice[];
      try {
        choices = await requestCompletions(endpoint, {
          prompt,
          n: samplesPerPrompt,
          temperature: greedy ? 0 : temperature,
          top_p: topP,
          max_tokens: maxNewTokens,
          logprobs: topLogprobs,
          seed: deriveSeed(seed, `prompt/${promptIndex}`),
          ...(topK > 0 ? { top_k: topK } : {}),
        });
      } catch (error) {
        failedInARow++;
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ promptIndex, prompt, error: message });
        continue;
      }
      failedInARow = 0;
      const rollouts = choices.map((choice, sampleIndex) =>
        toRollout(choice, { promptIndex, sampleIndex, prompt }, tokenizer)
      );
      if (onPrompt !== undefined) {
        handing = handing.then(() => onPrompt(promptIndex, rollouts));
        await handing;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return failures.sort((a, b) => a.promptIndex - b.promptIndex);
}
