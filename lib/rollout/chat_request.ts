/**
 * The `/v1/chat/completions` route of the completions server: a chat request is recast as the
 * completions request it means under the policy's own template ({@link chatAsCompletionRequest}),
 * answered as one (same checks, caps, sampling and seeds), and its answer recast as a chat
 * completion ({@link chatCompletionBody}).
 *
 * The template: this toolkit's policies were trained on raw prompts (BOS, then the prompt's
 * characters), without roles or markers, so their chat template is the text of one user message,
 * as is. Anything else (a system message, earlier turns) would be text the policy never saw in
 * that place, and is refused with a 400 rather than silently glued on.
 *
 * Log-probs come in the chat layout (`logprobs.content`, one `{ token, logprob, bytes,
 * top_logprobs }` per token) when the request sets `logprobs: true` (`top_logprobs: N` gives N
 * alternatives), with the completions route's extensions (`entropies`, `sampling_logprobs`)
 * beside `content`.
 *
 * @module
 */
import { ApiError } from "./completion_request.ts";

const PREVIEW_CHARS = 40;

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW_CHARS
    ? `${text.slice(0, PREVIEW_CHARS)}… (${text.length} chars)`
    : text;
}

/**
 * The prompt a chat conversation means to a policy of this toolkit (see the module doc): the
 * content of its one user message.
 *
 * @param messages The request's `messages`.
 * @returns The prompt text.
 * @throws {ApiError} A 400 (`param: "messages"`) unless `messages` is exactly one
 *   `{ role: "user", content }`, content a string or a list of `{ type: "text", text }` parts
 *   (joined).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(policyChatPrompt([{ role: "user", content: "2341>24:" }]), "2341>24:");
 * assert.throws(() => policyChatPrompt([{ role: "system", content: "Be brief." }, { role: "user", content: "1" }]), /one user message/);
 * ```
 */
export function policyChatPrompt(messages: unknown): string {
  const fail = (got: string): never => {
    throw new ApiError(
      400,
      `messages must be one user message: this policy's template is the text of a user ` +
        `message alone (it was trained on raw prompts, without roles), got ${got}`,
      { param: "messages", code: "invalid_value" },
    );
  };
  if (!Array.isArray(messages) || messages.length === 0) return fail(preview(messages));
  const roles = messages.map((m) => (m as { role?: unknown })?.role);
  if (messages.length !== 1 || roles[0] !== "user") {
    return fail(`roles ${roles.map((r) => preview(r)).join(", ")}`);
  }
  const content = (messages[0] as { content?: unknown }).content;
  if (typeof content === "string") return content;
  const parts = Array.isArray(content) ? content : [];
  const texts = parts.map((p) =>
    (p as { type?: unknown })?.type === "text" ? (p as { text?: unknown }).text : undefined
  );
  if (parts.length === 0 || !texts.every((t) => typeof t === "string")) {
    return fail(`content ${preview(content)}`);
  }
  return texts.join("");
}

/**
 * The completions request a chat request means: `messages` become `prompt` (see
 * {@link policyChatPrompt}), `max_completion_tokens` (or the older `max_tokens`) becomes
 * `max_tokens`, `logprobs: true` with `top_logprobs: N` becomes `logprobs: N`; every other field
 * passes as it is, for the completions checks (an unknown field is still refused, naming it).
 *
 * @param json The parsed chat request body.
 * @returns The completions request body.
 * @throws {ApiError} A 400 for a body that is not an object, bad `messages`, or `logprobs` /
 *   `top_logprobs` of the wrong type.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const body = chatAsCompletionRequest({ messages: [{ role: "user", content: "1+1=" }], max_completion_tokens: 4, logprobs: true });
 * assert.deepEqual(body, { prompt: "1+1=", max_tokens: 4, logprobs: 0 });
 * ```
 */
export function chatAsCompletionRequest(json: unknown): Record<string, unknown> {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ApiError(400, `body must be a JSON object, got ${preview(json)}`, {
      code: "invalid_type",
    });
  }
  const { messages, logprobs, top_logprobs, max_completion_tokens, ...rest } = json as Record<
    string,
    unknown
  >;
  if ("prompt" in rest) {
    throw new ApiError(400, "a chat request sends messages, not prompt", {
      param: "prompt",
      code: "unknown_parameter",
    });
  }
  const prompt = policyChatPrompt(messages);
  if (logprobs !== undefined && logprobs !== null && typeof logprobs !== "boolean") {
    throw new ApiError(400, `logprobs must be a boolean, got ${preview(logprobs)}`, {
      param: "logprobs",
      code: "invalid_type",
    });
  }
  if (top_logprobs !== undefined && top_logprobs !== null && logprobs !== true) {
    throw new ApiError(400, "top_logprobs needs logprobs: true", {
      param: "top_logprobs",
      code: "invalid_value",
    });
  }
  const maxTokens = max_completion_tokens ?? rest.max_tokens;
  return {
    ...rest,
    prompt,
    ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
    ...(logprobs === true ? { logprobs: top_logprobs ?? 0 } : {}),
  };
}

/** The `logprobs` of a completions choice, as the completions route writes it. */
export type CompletionsLogprobs = {
  readonly tokens: readonly string[];
  readonly token_logprobs: readonly number[];
  readonly top_logprobs: readonly Record<string, number>[];
  readonly text_offset?: readonly number[];
  readonly entropies?: readonly number[];
  readonly sampling_logprobs?: readonly number[];
};

/** One choice of a completions answer, as the completions route writes it. */
type CompletionsChoice = {
  readonly index: number;
  readonly text: string;
  readonly finish_reason: string;
  readonly logprobs: CompletionsLogprobs | null;
};

/** A completions answer, as the completions route writes it. */
export type CompletionsBody = {
  readonly id: string;
  readonly choices: readonly CompletionsChoice[];
  readonly [field: string]: unknown;
};

function chatChoice(choice: CompletionsChoice): Record<string, unknown> {
  const { index, text, finish_reason, logprobs } = choice;
  const encoder = new TextEncoder();
  return {
    index,
    message: { role: "assistant", content: text },
    finish_reason,
    logprobs: logprobs === null ? null : {
      content: logprobs.tokens.map((token, t) => ({
        token,
        logprob: logprobs.token_logprobs[t],
        bytes: [...encoder.encode(token)],
        // The sampled token is among the completions route's alternatives; chat lists others.
        top_logprobs: Object.entries(logprobs.top_logprobs[t] ?? {})
          .filter(([alternative]) => alternative !== token)
          .map(([alternative, logprob]) => ({
            token: alternative,
            logprob,
            bytes: [...encoder.encode(alternative)],
          })),
      })),
      entropies: logprobs.entropies,
      sampling_logprobs: logprobs.sampling_logprobs,
    },
  };
}

/**
 * A completions answer recast as a chat completion: each choice's text becomes the assistant
 * message, its log-probs the chat layout (see the module doc).
 *
 * @param completion The completions answer.
 * @returns The chat completion body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const chat = chatCompletionBody({ id: "cmpl-1", choices: [{ index: 0, text: "2", finish_reason: "stop", logprobs: null }] });
 * assert.deepEqual([chat.id, chat.object, chat.choices[0].message.content], ["chatcmpl-1", "chat.completion", "2"]);
 * ```
 */
export function chatCompletionBody(
  completion: CompletionsBody,
): Record<string, unknown> & {
  id: string;
  object: string;
  choices: { message: { content: string } }[];
} {
  return {
    ...completion,
    id: completion.id.replace(/^cmpl-/, "chatcmpl-"),
    object: "chat.completion",
    choices: completion.choices.map(chatChoice) as { message: { content: string } }[],
  };
}
