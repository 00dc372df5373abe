/**
 * The `/v1/chat/completions` route of `deno task serve`: a chat request is recast as the
 * completions request it means under the policy's own template, answered by the completions
 * handler (same sampling, same checks, same seeds), and its answer recast as a chat completion.
 *
 * The template: this toolkit's policies were trained on raw prompts (BOS, then the prompt's
 * characters), without roles or markers, so their chat template is the text of one user message,
 * as is. Anything else (a system message, earlier turns) would be text the policy never saw in
 * that place, and is refused with a 400 rather than silently glued on.
 *
 * Log-probs come in the chat layout (`logprobs.content`, one `{ token, logprob, bytes,
 * top_logprobs }` per token) when the request sets `logprobs: true`, with the completions
 * route's extensions (`entropies`, `sampling_logprobs`) beside `content`.
 *
 * @module
 */

/** A request handler, as `Deno.serve` takes it. */
export type Handler = (request: Request) => Promise<Response>;

function errorResponse(status: number, message: string): Response {
  return Response.json({ error: { message, type: "invalid_request_error" } }, { status });
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * The prompt a chat conversation means to a policy of this toolkit (see the module doc): the
 * content of its one user message.
 *
 * @param messages The request's `messages`.
 * @returns The prompt text.
 * @throws {TypeError} Unless `messages` is exactly one `{ role: "user", content: string }`
 *   (content may also be a list of `{ type: "text", text }` parts, joined).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(policyChatPrompt([{ role: "user", content: "2341>24:" }]), "2341>24:");
 * assert.throws(() => policyChatPrompt([{ role: "system", content: "Be brief." }, { role: "user", content: "1" }]), /one user message/);
 * ```
 */
export function policyChatPrompt(messages: unknown): string {
  const fail = (got: string): never => {
    throw new TypeError(
      `messages must be one user message: this policy's template is the text of a user ` +
        `message alone (it was trained on raw prompts, without roles), got ${got}`,
    );
  };
  if (!Array.isArray(messages) || messages.length === 0) return fail(preview(messages));
  const roles = messages.map((m) => (m as { role?: unknown })?.role);
  if (messages.length !== 1 || roles[0] !== "user") {
    return fail(`roles ${roles.map((r) => JSON.stringify(r)).join(", ")}`);
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

type CompletionsChoice = {
  index: number;
  text: string;
  finish_reason: string;
  logprobs: {
    tokens: string[];
    token_logprobs: number[];
    entropies?: number[];
    sampling_logprobs?: number[];
  } | null;
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
        top_logprobs: [],
      })),
      entropies: logprobs.entropies,
      sampling_logprobs: logprobs.sampling_logprobs,
    },
  };
}

/**
 * Adds the `/v1/chat/completions` route to a completions handler (see the module doc); every
 * other request goes to the handler unchanged.
 *
 * @param completions The `/v1/completions` handler (`completionsHandler`).
 * @returns A handler for both routes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const echo = (request: Request) => request.json().then((body) => Response.json({ choices: [{ index: 0, text: body.prompt, finish_reason: "stop", logprobs: null }] }));
 * const handler = withChatRoute(echo);
 * const body = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });
 * const response = await handler(new Request("http://x/v1/chat/completions", { method: "POST", body }));
 * assert.equal((await response.json()).choices[0].message.content, "hi");
 * ```
 */
export function withChatRoute(completions: Handler): Handler {
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname !== "/v1/chat/completions") return await completions(request);
    if (request.method !== "POST") return errorResponse(405, "use POST");
    let body: Record<string, unknown>;
    try {
      body = await request.json();
    } catch {
      return errorResponse(400, "body must be JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return errorResponse(400, `body must be a JSON object, got ${preview(body)}`);
    }
    let prompt: string;
    try {
      prompt = policyChatPrompt(body.messages);
    } catch (error) {
      return errorResponse(400, (error as Error).message);
    }
    const { messages: _, logprobs, top_logprobs: __, max_completion_tokens, ...rest } = body;
    const wantLogprobs = logprobs === true;
    const completionsBody = {
      ...rest,
      prompt,
      ...(max_completion_tokens === undefined ? {} : { max_tokens: max_completion_tokens }),
      ...(wantLogprobs ? { logprobs: 0 } : {}),
    };
    const url = new URL("/v1/completions", request.url);
    const answer = await completions(
      new Request(url, { method: "POST", body: JSON.stringify(completionsBody) }),
    );
    if (!answer.ok) return answer;
    const completion = await answer.json();
    return Response.json({
      ...completion,
      id: String(completion.id).replace(/^cmpl-/, "chatcmpl-"),
      object: "chat.completion",
      choices: (completion.choices as CompletionsChoice[]).map(chatChoice),
    });
  };
}
