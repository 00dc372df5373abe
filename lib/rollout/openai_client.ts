/**
 * A small client for OpenAI-compatible `/v1/completions` servers (vLLM, SGLang, llama.cpp,
 * and this toolkit's `deno task serve`): timeouts, retries with exponential backoff that honour
 * `Retry-After`, and a strict check of what came back: every requested sample, once, with a
 * finite log-probability <= 0 for every token.
 *
 * Retry budget: by default 5 retries after the first attempt, waiting 1, 2, 4, 8 and 16 s
 * (31 s in all), which rides out a busy or restarting server; a 429 or 503 with `Retry-After`
 * waits what the server asks instead (at most `maxRetryAfterMs`).
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

/** A failure worth another attempt; `retryAfterMs` is the server's `Retry-After`, if any. */
class RetryableError extends Error {
  readonly retryAfterMs?: number;

  constructor(message: string, retryAfterMs?: number) {
    super(message);
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * One choice's per-token numbers under `key`: an array with one finite number per token, each
 * allowed by `ok` (a log-probability must be <= 0: a positive one, or a null, NaN or infinite one,
 * is a broken server, and would poison every ratio and loss computed from it).
 */
function tokenNumbers(
  logprobs: Record<string, unknown>,
  key: string,
  choice: number,
  length: number,
  ok: (v: number) => boolean,
  wanted: string,
): number[] {
  const values = logprobs[key];
  if (!Array.isArray(values) || values.length !== length) {
    throw new TypeError(
      `bad response: choice ${choice} needs one ${key} entry per token (${length}), got ${
        preview(values)
      }`,
    );
  }
  values.forEach((v, t) => {
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) {
      throw new TypeError(
        `bad response: choice ${choice} ${key}[${t}] must be ${wanted}, got ${
          typeof v === "number" ? String(v) : preview(v)
        }`,
      );
    }
  });
  return values as number[];
}

const isLogProb = (v: number): boolean => v <= 0;

function parseChoices(body: unknown, n: number): CompletionChoice[] {
  const choices = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) {
    throw new TypeError(`bad response: expected a "choices" array, got ${preview(body)}`);
  }
  if (choices.length !== n) {
    throw new TypeError(`bad response: expected ${n} choices, got ${choices.length}`);
  }
  const parsed = choices.map((raw, i): CompletionChoice => {
    const c = (raw ?? {}) as Record<string, unknown>;
    const logprobs = c.logprobs as Record<string, unknown> | null | undefined;
    if (typeof c.text !== "string" || !logprobs || !Array.isArray(logprobs.tokens)) {
      throw new TypeError(
        `bad response: choice ${i} needs "text" and "logprobs.tokens", got ${preview(raw)}`,
      );
    }
    const tokens = logprobs.tokens as unknown[];
    const logProb = "a finite log-probability <= 0";
    const tokenLogprobs = tokenNumbers(
      logprobs,
      "token_logprobs",
      i,
      tokens.length,
      isLogProb,
      logProb,
    );
    const top = Array.isArray(logprobs.top_logprobs) ? logprobs.top_logprobs : [];
    // The extensions of `deno task serve`: absent from other servers, checked when present.
    const extension = (key: string, ok: (v: number) => boolean, wanted: string) =>
      logprobs[key] === undefined || logprobs[key] === null
        ? undefined
        : tokenNumbers(logprobs, key, i, tokens.length, ok, wanted);
    const index = c.index === undefined || c.index === null ? i : c.index;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= n) {
      throw new TypeError(
        `bad response: choice ${i} needs an index in 0..${n - 1}, got ${preview(c.index)}`,
      );
    }
    return {
      index,
      text: c.text,
      finishReason: String(c.finish_reason ?? "unknown"),
      tokens: tokens.map(String),
      tokenLogprobs,
      topLogprobs: tokens.map((_, t) => (top[t] ?? {}) as Record<string, number>),
      entropies: extension("entropies", (v) => v >= 0, "a finite entropy >= 0"),
      samplingLogprobs: extension("sampling_logprobs", isLogProb, logProb),
    };
  });
  // n choices with distinct indices in 0..n−1: each sample exactly once.
  const seen = new Map<number, number>();
  parsed.forEach(({ index }, i) => {
    const first = seen.get(index);
    if (first !== undefined) {
      throw new TypeError(
        `bad response: choices ${first} and ${i} both have index ${index}, expected each of 0..${
          n - 1
        } once`,
      );
    }
    seen.set(index, i);
  });
  return parsed.sort((a, b) => a.index - b.index);
}

/** `Retry-After` in milliseconds (delay-seconds or an HTTP date), or undefined if absent or bad. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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
  return parseChoices(body, request.n);
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
