/**
 * Reading what an OpenAI-compatible server answered: the choices of a `/v1/completions` or a
 * `/v1/chat/completions` response, each checked (every sample once, a finite log-probability
 * <= 0 per token) and recast in one layout, {@link CompletionChoice}.
 *
 * @module
 */

/** One parsed choice of a completion (or chat completion) response. */
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

/**
 * The `n` choices of a `/v1/completions` (`api: "completions"`) or `/v1/chat/completions`
 * (`api: "chat"`) response body, checked (see `requestCompletions`) and ordered by index.
 */
export function parseChoices(
  body: unknown,
  n: number,
  api: "completions" | "chat" = "completions",
): CompletionChoice[] {
  const choices = (body as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) {
    throw new TypeError(`bad response: expected a "choices" array, got ${preview(body)}`);
  }
  if (choices.length !== n) {
    throw new TypeError(`bad response: expected ${n} choices, got ${choices.length}`);
  }
  const parsed = choices.map((raw, i): CompletionChoice => {
    const c = (raw ?? {}) as Record<string, unknown>;
    const { text, logprobs, tokens } = api === "chat" ? chatParts(c, i) : completionParts(c, i);
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
      text,
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

/** One choice's text, the record holding its per-token arrays, and its tokens. */
type ChoiceParts = { text: string; logprobs: Record<string, unknown>; tokens: unknown[] };

// `/v1/completions`: `text`, and `logprobs` with `tokens`, `token_logprobs`, `top_logprobs`.
function completionParts(c: Record<string, unknown>, i: number): ChoiceParts {
  const logprobs = c.logprobs as Record<string, unknown> | null | undefined;
  if (typeof c.text !== "string" || !logprobs || !Array.isArray(logprobs.tokens)) {
    throw new TypeError(
      `bad response: choice ${i} needs "text" and "logprobs.tokens", got ${preview(c)}`,
    );
  }
  return { text: c.text, logprobs, tokens: logprobs.tokens };
}

// `/v1/chat/completions`: `message.content`, and `logprobs.content`, one entry per token with
// `token`, `logprob` and `top_logprobs` (a list of `{ token, logprob }`), recast in the
// completions layout. A server that sends no log-probs (`logprobs` null) gives none: a chat
// rollout then has empty `logProbs`. The extension fields of `deno task serve` (`entropies`,
// `sampling_logprobs`) sit beside `content`, as in the completions layout.
function chatParts(c: Record<string, unknown>, i: number): ChoiceParts {
  const message = c.message as Record<string, unknown> | null | undefined;
  if (typeof message?.content !== "string") {
    throw new TypeError(`bad response: choice ${i} needs "message.content", got ${preview(c)}`);
  }
  const raw = c.logprobs as Record<string, unknown> | null | undefined;
  if (raw === null || raw === undefined) {
    return { text: message.content, logprobs: { token_logprobs: [] }, tokens: [] };
  }
  const content = raw.content;
  if (!Array.isArray(content)) {
    throw new TypeError(
      `bad response: choice ${i} needs "logprobs.content" (a list), got ${preview(raw)}`,
    );
  }
  const entries = content.map((e) => (e ?? {}) as Record<string, unknown>);
  const logprobs: Record<string, unknown> = {
    ...raw,
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) =>
      Array.isArray(e.top_logprobs)
        ? Object.fromEntries(
          e.top_logprobs.map((t: { token?: unknown; logprob?: unknown }) => [
            String(t?.token),
            t?.logprob,
          ]),
        )
        : {}
    ),
  };
  return { text: message.content, logprobs, tokens: entries.map((e) => e.token) };
}

/** Text for an error message, cut at 200 characters. */
export function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
