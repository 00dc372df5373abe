/**
 * A small client for OpenAI-compatible `/v1/completions` servers (vLLM, SGLang, llama.cpp,
 * and this toolkit's `deno task serve`): timeouts, retries with exponential backoff, and a
 * strict check that every requested sample came back.
 *
 * @module
 */

/** An OpenAI-compatible completions server. */
export type OpenAiEndpoint = {
  kind: "openai";
  /** Server root, e.g. `http://127.0.0.1:8000` (the client appends `/v1/completions`). */
  baseUrl: string;
  /** The `model` field of each request. */
  model: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string;
  /** Per-request timeout in milliseconds. Default 60000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for network errors, timeouts, 429 and 5xx. Default 3. */
  maxRetries?: number;
  /** First backoff delay in milliseconds; doubles each retry. Default 500. */
  retryDelayMs?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** `logprobs` asked for: how many alternatives per token (entropy estimate). Default 5. */
  topLogprobs?: number;
};

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

/** One parsed choice of a completion response. */
export type CompletionChoice = {
  index: number;
  text: string;
  finishReason: string;
  /** Per reported token. */
  tokens: string[];
  tokenLogprobs: number[];
  /** Alternatives per token (may be empty objects when the server sends none). */
  topLogprobs: Record<string, number>[];
  /** Extension sent by `deno task serve`: exact per-token entropies. */
  entropies?: number[];
  /** Extension sent by `deno task serve`: log-probs under the sampling distribution. */
  samplingLogprobs?: number[];
};

class RetryableError extends Error {}

function numberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === "number" || v === null);
}

function parseChoices(body: unknown, n: number): CompletionChoice[] {
  const choices = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) {
    throw new TypeError(`bad response: expected a "choices" array, got ${preview(body)}`);
  }
  if (choices.length !== n) {
    throw new TypeError(`bad response: expected ${n} choices, got ${choices.length}`);
  }
  return choices.map((raw, i) => {
    const c = raw as Record<string, unknown>;
    const logprobs = c.logprobs as Record<string, unknown> | null | undefined;
    if (typeof c.text !== "string" || !logprobs || !Array.isArray(logprobs.tokens)) {
      throw new TypeError(
        `bad response: choice ${i} needs "text" and "logprobs.tokens", got ${preview(raw)}`,
      );
    }
    const tokens = logprobs.tokens as unknown[];
    const tokenLogprobs = logprobs.token_logprobs;
    if (!numberArray(tokenLogprobs) || tokenLogprobs.length !== tokens.length) {
      throw new TypeError(
        `bad response: choice ${i} needs one token_logprob per token, got ${
          preview(tokenLogprobs)
        }`,
      );
    }
    const top = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
    const extension = (key: string) => {
      const v = logprobs[key];
      return numberArray(v) && v.length === tokens.length ? v : undefined;
    };
    return {
      index: typeof c.index === "number" ? c.index : i,
      text: c.text,
      finishReason: String(c.finish_reason ?? "unknown"),
      tokens: tokens.map(String),
      tokenLogprobs: tokenLogprobs.map((v) => v ?? Number.NaN),
      topLogprobs: tokens.map((_, t) => (top[t] ?? {}) as Record<string, number>),
      entropies: extension("entropies"),
      samplingLogprobs: extension("sampling_logprobs"),
    };
  }).sort((a, b) => a.index - b.index);
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

async function attempt(
  endpoint: OpenAiEndpoint,
  request: CompletionRequest,
  timeoutMs: number,
): Promise<CompletionChoice[]> {
  const url = `${endpoint.baseUrl.replace(/\/+$/, "")}/v1/completions`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: endpoint.model, ...request }),
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
    throw new RetryableError(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) throw new TypeError(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TypeError(`bad response: body is not JSON, got ${preview(text)}`);
  }
  return parseChoices(body, request.n);
}

/**
 * Sends one completion request, retrying network errors, timeouts, HTTP 429 and 5xx with
 * exponential backoff (`retryDelayMs · 2^k`). Anything else that is wrong (a 4xx, a body that
 * is not the completions shape, fewer or more choices than `n`) fails at once.
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
  const { timeoutMs = 60_000, maxRetries = 3, retryDelayMs = 500 } = endpoint;
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
      if (k < maxRetries) await new Promise((r) => setTimeout(r, retryDelayMs * 2 ** k));
    }
  }
  throw new Error(
    `Cannot complete prompt via ${endpoint.baseUrl}: gave up after ${maxRetries + 1} attempt(s): ${
      failures.join(" | ")
    }`,
  );
}
