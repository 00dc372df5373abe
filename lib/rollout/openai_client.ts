/**
 * A small client for OpenAI-compatible servers (vLLM, SGLang, llama.cpp, and this toolkit's
 * `deno task serve`), on `/v1/completions` (a prompt in, its text as the model continues it) or
 * `/v1/chat/completions` (`api: "chat"`: the prompt as a user message, the server applying the
 * model's chat template): timeouts, retries with exponential backoff that honour `Retry-After`,
 * and a strict check of what came back: every requested sample, once, with a finite
 * log-probability <= 0 for every token it reports.
 *
 * Retry budget: by default 5 retries after the first attempt, waiting 1, 2, 4, 8 and 16 s
 * (31 s in all), which rides out a busy or restarting server; a 429 or 503 with `Retry-After`
 * waits what the server asks instead (at most `maxRetryAfterMs`).
 *
 * @module
 */
import { type CompletionChoice, parseChoices, preview } from "./_parse_choices.ts";

export type { CompletionChoice } from "./_parse_choices.ts";

/** An OpenAI-compatible server. */
export type OpenAiEndpoint = {
  kind: "openai";
  /**
   * The server, as the openai SDK and vLLM write it (`http://127.0.0.1:8000/v1`) or its root
   * (`http://127.0.0.1:8000`): the client appends `/completions` or `/chat/completions` after
   * the one `/v1`.
   */
  baseUrl: string;
  /**
   * The route: `"completions"` (default) sends each prompt as is to `/v1/completions`; `"chat"`
   * sends it to `/v1/chat/completions` as one user message (after `system`, when given), so a
   * chat model gets its own template. A chat server's answer becomes the same rollout; its
   * log-probs are read from `logprobs.content` where the server gives them (`logprobs: true`,
   * `top_logprobs` alternatives), else the rollout has none.
   */
  api?: "completions" | "chat";
  /** `api: "chat"` only: a system message sent before each prompt. */
  system?: string;
  /** The `model` field of each request. */
  model: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string;
  /** Per-request timeout in milliseconds. Default 60000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx. Default 5. */
  maxRetries?: number;
  /** First backoff delay in milliseconds; doubles each retry (1, 2, 4, 8, 16 s). Default 1000. */
  retryDelayMs?: number;
  /**
   * Longest wait a `Retry-After` header (seconds or an HTTP date, on 429 and 503) may impose
   * before a retry, in milliseconds; a longer one is cut to this. Default 60000.
   */
  maxRetryAfterMs?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /**
   * Prompts that may fail in a row (after their retries, none completing between them) before
   * sampling stops sending the rest, which are then reported as failed too. Default 8.
   */
  maxConsecutiveFailures?: number;
  /** `logprobs` asked for: how many alternatives per token (entropy estimate). Default 5. */
  topLogprobs?: number;
};

/** Retries after the first attempt when an endpoint does not say (see the module doc). */
const DEFAULT_MAX_RETRIES = 5;
/** First backoff delay when an endpoint does not say: 1, 2, 4, 8, 16 s, 31 s in all. */
const DEFAULT_RETRY_DELAY_MS = 1000;

/** One completion request (OpenAI field names). */
export type CompletionRequest = {
  prompt: string;
  n: number;
  temperature: number;
  top_p: number;
  max_tokens: number;
  logprobs: number;
  seed?: number;
  /** vLLM/SGLang extension; sent only when > 0. */
  top_k?: number;
};

/** A failure worth another attempt; `retryAfterMs` is the server's `Retry-After`, if any. */
class RetryableError extends Error {
  readonly retryAfterMs?: number;

  constructor(message: string, retryAfterMs?: number) {
    super(message);
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** `Retry-After` in milliseconds (delay-seconds or an HTTP date), or undefined if absent or bad. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The URL of a route of an OpenAI-compatible server, from its base URL with or without the `/v1`
 * the openai SDK and vLLM's docs put in it (and with or without a final `/`).
 *
 * @param baseUrl `http://host:port` or `http://host:port/v1`.
 * @param api `"completions"` or `"chat"`.
 * @returns The URL of `/v1/completions` or `/v1/chat/completions`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(endpointUrl("http://h:8000/v1/", "completions"), "http://h:8000/v1/completions");
 * assert.equal(endpointUrl("http://h:8000", "chat"), "http://h:8000/v1/chat/completions");
 * ```
 */
export function endpointUrl(baseUrl: string, api: "completions" | "chat"): string {
  const root = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
  return `${root}/v1/${api === "chat" ? "chat/completions" : "completions"}`;
}

// The body of one request: the completions request as is, or recast for the chat route (the
// prompt as a user message, log-probs asked for as `logprobs: true` and `top_logprobs`).
function requestBody(endpoint: OpenAiEndpoint, request: CompletionRequest): unknown {
  const { model, api = "completions", system } = endpoint;
  if (api === "completions") return { model, ...request };
  const { prompt, logprobs, ...rest } = request;
  const messages = [
    ...(system === undefined ? [] : [{ role: "system", content: system }]),
    { role: "user", content: prompt },
  ];
  return {
    model,
    messages,
    ...rest,
    logprobs: logprobs > 0,
    ...(logprobs > 0 ? { top_logprobs: logprobs } : {}),
  };
}

async function attempt(
  endpoint: OpenAiEndpoint,
  request: CompletionRequest,
  timeoutMs: number,
): Promise<CompletionChoice[]> {
  const { api = "completions" } = endpoint;
  const url = endpointUrl(endpoint.baseUrl, api);
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify(requestBody(endpoint, request)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const reason = name === "TimeoutError"
      ? `timed out after ${timeoutMs} ms`
      : error instanceof Error
      ? error.message
      : String(error);
    throw new RetryableError(reason);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new RetryableError(
      `reading the body failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (response.status === 429 || response.status >= 500) {
    const wait = response.status === 429 || response.status === 503
      ? retryAfterMs(response)
      : undefined;
    throw new RetryableError(`HTTP ${response.status}: ${text.slice(0, 200)}`, wait);
  }
  if (!response.ok) throw new TypeError(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TypeError(`bad response: body is not JSON, got ${preview(text)}`);
  }
  return parseChoices(body, request.n, api);
}

/**
 * Sends one completion request, retrying network errors, timeouts, HTTP 429 and 5xx with
 * exponential backoff (`retryDelayMs · 2^k`; by default 5 retries, 31 s of waiting in all). A 429
 * or 503 with `Retry-After` (seconds or an HTTP date) waits what the server asks instead, up to
 * `maxRetryAfterMs`. Anything else that is wrong fails at once: a 4xx, a body that is not the
 * completions shape, fewer or more choices than `n`, two choices with the same `index`, or a
 * `token_logprobs` entry that is null, NaN, infinite or positive (the message names the choice
 * and the token position).
 *
 * @param endpoint Server, model and retry settings.
 * @param request The request body (without `model`).
 * @returns The `n` choices, ordered by index.
 * @throws {Error} `Cannot complete prompt via <url>: …` naming the cause and the attempts made.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const endpoint = { kind: "openai", baseUrl: "http://127.0.0.1:9", model: "m", maxRetries: 0 } as const;
 * const request = { prompt: "1+1=", n: 1, temperature: 1, top_p: 1, max_tokens: 2, logprobs: 1 };
 * await assert.rejects(requestCompletions(endpoint, request), /Cannot complete prompt via http:\/\/127\.0\.0\.1:9/);
 * ```
 */
export async function requestCompletions(
  endpoint: OpenAiEndpoint,
  request: CompletionRequest,
): Promise<CompletionChoice[]> {
  const {
    timeoutMs = 60_000,
    maxRetries = DEFAULT_MAX_RETRIES,
    retryDelayMs = DEFAULT_RETRY_DELAY_MS,
    maxRetryAfterMs = 60_000,
  } = endpoint;
  const failures: string[] = [];
  for (let k = 0; k <= maxRetries; k++) {
    try {
      return await attempt(endpoint, request, timeoutMs);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!(error instanceof RetryableError)) {
        throw new Error(`Cannot complete prompt via ${endpoint.baseUrl}: ${reason}`);
      }
      failures.push(reason);
      if (k < maxRetries) {
        const delay = error.retryAfterMs === undefined
          ? retryDelayMs * 2 ** k
          : Math.min(error.retryAfterMs, maxRetryAfterMs);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
  throw new Error(
    `Cannot complete prompt via ${endpoint.baseUrl}: gave up after ${maxRetries + 1} attempt(s): ${
      failures.join(" | ")
    }`,
  );
}
