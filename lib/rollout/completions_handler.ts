/**
 * An OpenAI-compatible completions server for a local policy, as `deno task serve` runs it:
 * `POST /v1/completions`, `POST /v1/chat/completions` (with the policy's own template, see
 * chat_request.ts), `GET /v1/models` (and `/v1/models/{id}`), `GET /health`. It behaves
 * like the servers users know (OpenAI, vLLM): requests are checked field by field
 * (`parseCompletionRequest`), a wrong `model` is a 404, `max_tokens` beyond the context is a 400,
 * a request larger than the configured caps (completions = prompts × n, and tokens) is a 400,
 * errors carry `param` and `code` and never repeat the request's text, `usage` counts each prompt
 * once, and `logprobs: N` gives each token's N most likely alternatives (`top_logprobs`, with the
 * sampled token, so up to N + 1) and its `text_offset` in `text`.
 *
 * Sampling runs in batches, and between two batches the server answers other requests (other
 * routes stay responsive while a large request runs) and checks whether the client is still
 * there: a client that disconnects stops the work at the next batch. A request that needs more
 * than one batch is answered as a stream once its first batch is sampled (streamed_json.ts: how
 * Deno's server is then sure to notice a client that leaves): the head (200) goes out first and
 * the JSON body when sampling ends.
 *
 * Besides OpenAI's fields, each choice's `logprobs` carries two extensions the rollout client
 * reads: `entropies` (exact, nats) and `sampling_logprobs` (under the sampling distribution).
 * The EOS token, when generated, is reported as the token `""` with its log-prob, so `text` is
 * always the concatenation of `tokens`.
 *
 * @module
 */
import type { Policy } from "../model/policy.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import {
  chatAsCompletionRequest,
  chatCompletionBody,
  type CompletionsBody,
  type CompletionsLogprobs,
} from "./chat_request.ts";
import { ApiError, type CompletionRequest, parseCompletionRequest } from "./completion_request.ts";
import type { Rollout } from "./rollout.ts";
import { sampleRollouts } from "./sample_rollouts.ts";
import { type AnswerEnd, type StreamedAnswer, streamedJson } from "./streamed_json.ts";

/** Defaults of {@link CompletionsHandlerOptions}. */
export const SERVER_DEFAULTS = {
  modelName: "rlvr-kit-policy",
  maxSequences: 1024,
  maxTokens: 65_536,
  maxBodyBytes: 4 * 1024 * 1024,
  batchSize: 256,
} as const;
/** New tokens per completion when a request gives no `max_tokens` (OpenAI's default). */
const DEFAULT_MAX_TOKENS = 16;

/** One request as the server saw it, for its log. */
export type RequestLogEntry = {
  readonly method: string;
  readonly path: string;
  /** HTTP status answered (499: the client disconnected first). */
  readonly status: number;
  /** Milliseconds from arrival to answer (for a streamed answer, to the end of its body). */
  readonly ms: number;
  /** Completions asked for (prompts × n), for a checked completion request. */
  readonly sequences?: number;
  /** Completions sampled before the answer (fewer than asked when the client left). */
  readonly sampled?: number;
  /** The error code of a refused request. */
  readonly code?: string;
};

/** Options of {@link completionsHandler}. */
export type CompletionsHandlerOptions = {
  /** Name reported in responses and `/v1/models`, and the only `model` accepted. */
  readonly modelName?: string;
  /** Seed used when a request has none; each such request advances it. Default 0. */
  readonly seed?: number;
  /** Most completions (prompts × n) one request may ask for. Default 1024. */
  readonly maxSequences?: number;
  /**
   * Most tokens one request may ask for: the sum over its completions of prompt tokens plus
   * `max_tokens`. Default 65,536.
   */
  readonly maxTokens?: number;
  /** Largest request body, in bytes (a larger one is a 413). Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /**
   * Completions sampled between two looks at other requests and at the client. Smaller answers
   * other requests sooner and samples slower. Default 256 (the sampler's own).
   */
  readonly batchSize?: number;
  /** `created` of the model in `/v1/models` (Unix seconds). Default: when the handler is made. */
  readonly created?: number;
  /** Called once per request when it is answered (a streamed one: when its body is written). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
};

/** One completion as the server reports it. */
type Completion = {
  text: string;
  finishReason: "stop" | "length";
  tokens: string[];
  logProbs: number[];
  entropies: number[];
  samplingLogProbs: number[];
  topLogProbs: { id: number; logProb: number }[][];
};

/**
 * A rollout as a completion, cut before the first occurrence of any stop string (the stop string
 * and everything after it, EOS included, are dropped; `finishReason` is then `"stop"`). Tokens are
 * kept while they end at or before the cut, so `text` stays the concatenation of `tokens` (a stop
 * string always starts before the end of the text, so a non-empty token follows the cut and the
 * EOS, the last token, never survives it).
 */
function cutAtStop(rollout: Rollout, tokenizer: Tokenizer, stops: readonly string[]): Completion {
  const tokens = rollout.responseTokens.map((id) => tokenizer.decode([id]));
  const at = stops.map((s) => rollout.response.indexOf(s)).filter((i) => i >= 0);
  let kept = tokens.length;
  if (at.length > 0) {
    const cut = Math.min(...at);
    let end = 0;
    kept = 0;
    while (kept < tokens.length && end + tokens[kept].length <= cut) end += tokens[kept++].length;
  }
  const stopped = at.length > 0 || !rollout.truncated;
  return {
    text: at.length > 0 ? tokens.slice(0, kept).join("") : rollout.response,
    finishReason: stopped ? "stop" : "length",
    tokens: tokens.slice(0, kept),
    logProbs: rollout.logProbs.slice(0, kept),
    entropies: rollout.entropies.slice(0, kept),
    samplingLogProbs: rollout.samplingLogProbs.slice(0, kept),
    topLogProbs: (rollout.topLogProbs ?? []).slice(0, kept),
  };
}

/** The body, read up to `limit` bytes. */
async function readBody(request: Request, limit: number): Promise<string> {
  const tooLarge = (): ApiError =>
    new ApiError(413, `the request body must be at most ${limit} bytes`, {
      code: "request_too_large",
    });
  if (Number(request.headers.get("content-length") ?? 0) > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body ?? []) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) (bytes.set(chunk, at), at += chunk.length);
  return new TextDecoder().decode(bytes);
}

/** Prompt tokens (BOS included) of each prompt; a character outside the alphabet is a 400. */
function promptTokens(prompts: readonly string[], tokenizer: Tokenizer): number[] {
  return prompts.map((prompt, i) => {
    try {
      return 1 + tokenizer.encode(prompt).length;
    } catch {
      const chars = [...prompt];
      const at = chars.findIndex((ch) => {
        try {
          tokenizer.encode(ch);
          return false;
        } catch {
          return true;
        }
      });
      throw new ApiError(
        400,
        `prompt ${i} has a character the model's tokenizer does not know, got ${
          JSON.stringify(chars[at] ?? "")
        } at position ${at}`,
        { param: "prompt", code: "invalid_value" },
      );
    }
  });
}

/** OpenAI's `logprobs` object of a completion, with the two extensions. */
function logprobsOf(
  c: Completion,
  alternatives: number,
  tokenizer: Tokenizer,
): CompletionsLogprobs {
  const textOffset: number[] = [];
  let offset = 0;
  for (const token of c.tokens) (textOffset.push(offset), offset += token.length);
  const topLogprobs = c.tokens.map((token, i) => {
    const entries: Record<string, number> = {};
    // Special ids all decode to "": the most likely one keeps the key.
    for (const { id, logProb } of (c.topLogProbs[i] ?? []).slice(0, alternatives)) {
      entries[tokenizer.decode([id])] ??= logProb;
    }
    entries[token] ??= c.logProbs[i]; // the sampled token, always (OpenAI: up to N + 1)
    return entries;
  });
  return {
    tokens: c.tokens,
    token_logprobs: c.logProbs,
    top_logprobs: topLogprobs,
    text_offset: textOffset,
    entropies: c.entropies,
    sampling_logprobs: c.samplingLogProbs,
  };
}

/** The handler's settings, its options with their defaults. */
type Served = {
  readonly policy: Policy;
  readonly tokenizer: Tokenizer;
  readonly modelName: string;
  readonly maxSequences: number;
  readonly maxTokens: number;
  readonly maxBodyBytes: number;
  readonly batchSize: number;
  /** The seed of a request: its own, else the next default one. */
  readonly seedOf: (requested: number | null) => number;
};

/** What the request log learns while a request is answered. */
type RequestProgress = { sequences?: number; sampled?: number };

/** The body, read (up to the size limit) and parsed as JSON. */
async function readJson(request: Request, limit: number): Promise<unknown> {
  const text = await readBody(request, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "body must be JSON", { code: "invalid_json" });
  }
}

/**
 * The request checked against the model and the server's caps: the model's name, the context
 * (each prompt, and prompt plus `max_tokens`), completions and tokens per request.
 *
 * @returns The prompts' token counts and the new tokens per completion.
 */
function checkRequestSize(
  served: Served,
  body: CompletionRequest,
  progress: RequestProgress,
): { lengths: number[]; maxNewTokens: number } {
  const { modelName, tokenizer, maxSequences, maxTokens } = served;
  const { context } = served.policy.config;
  if (body.model !== undefined && body.model !== modelName) {
    throw new ApiError(
      404,
      `The model \`${
        body.model.slice(0, 80)
      }\` does not exist; this server serves \`${modelName}\``,
      { param: "model", code: "model_not_found" },
    );
  }
  const lengths = promptTokens(body.prompts, tokenizer);
  const longest = Math.max(...lengths);
  const full = lengths.findIndex((length) => length >= context);
  if (full >= 0) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${context} tokens, and prompt ${full} is ${
        lengths[full]
      } tokens (BOS included), which leaves no room for a completion`,
      { param: "prompt", code: "context_length_exceeded" },
    );
  }
  if (body.maxTokens !== null && longest + body.maxTokens > context) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${context} tokens. However, you requested ${
        longest + body.maxTokens
      } tokens (${longest} in the prompt, ${body.maxTokens} in the completion). Please reduce ` +
        `the prompt or max_tokens`,
      { param: "max_tokens", code: "context_length_exceeded" },
    );
  }
  const maxNewTokens = body.maxTokens ?? DEFAULT_MAX_TOKENS;
  const sequences = body.prompts.length * body.n;
  progress.sequences = sequences;
  if (sequences > maxSequences) {
    throw new ApiError(
      400,
      `This request asks for ${sequences} completions (${body.prompts.length} prompts × n = ` +
        `${body.n}), more than this server's limit of ${maxSequences} per request; split it`,
      { param: "n", code: "request_too_large" },
    );
  }
  const tokens = lengths.reduce((sum, length) => sum + body.n * (length + maxNewTokens), 0);
  if (tokens > maxTokens) {
    throw new ApiError(
      400,
      `This request asks for up to ${tokens} tokens (prompt plus max_tokens over its ` +
        `${sequences} completions), more than this server's limit of ${maxTokens} per ` +
        `request; split it or lower max_tokens`,
      { param: "max_tokens", code: "request_too_large" },
    );
  }
  return { lengths, maxNewTokens };
}

/**
 * Answers a completion request: checks it, samples it in batches (stopping when `signal` says
 * the client left; `moreToCome` is called after each batch but the last), and writes OpenAI's
 * completion body.
 */
async function complete(
  served: Served,
  json: unknown,
  signal: AbortSignal,
  progress: RequestProgress,
  moreToCome: () => void,
): Promise<CompletionsBody> {
  const { policy, tokenizer, modelName, batchSize } = served;
  const body = parseCompletionRequest(json);
  const { lengths, maxNewTokens } = checkRequestSize(served, body, progress);
  const requestSeed = served.seedOf(body.seed);
  const rollouts = await sampleRollouts(policy, body.prompts, {
    samplesPerPrompt: body.n,
    temperature: body.temperature === 0 ? 1 : body.temperature,
    greedy: body.temperature === 0,
    topP: body.topP,
    topK: body.topK,
    maxNewTokens,
    seed: requestSeed,
    tokenizer,
    batchSize,
    topLogProbs: body.logprobs ?? 0,
    signal,
    onProgress: ({ done, total }) => {
      progress.sampled = done;
      if (done < total) moreToCome();
    },
  });
  const completions = rollouts.map((r) => cutAtStop(r, tokenizer, body.stops));
  if (!completions.every((c) => c.logProbs.every(Number.isFinite))) {
    throw new ApiError(
      500,
      "the model produced non-finite log-probabilities (its weights overflow float32)",
      { code: "internal_error", type: "server_error" },
    );
  }
  const choices = completions.map((c, index) => ({
    index,
    text: c.text,
    finish_reason: c.finishReason,
    logprobs: body.logprobs === null ? null : logprobsOf(c, body.logprobs, tokenizer),
  }));
  const completionTokens = completions.reduce((s, c) => s + c.tokens.length, 0);
  // Each prompt counts once, however many completions it has (as OpenAI and vLLM count).
  const promptTokenCount = lengths.reduce((s, length) => s + length, 0);
  return {
    id: `cmpl-${requestSeed}`,
    object: "text_completion",
    created: Math.floor(Date.now() / 1000),
    model: modelName,
    choices,
    usage: {
      prompt_tokens: promptTokenCount,
      completion_tokens: completionTokens,
      total_tokens: promptTokenCount + completionTokens,
    },
  };
}

/** The method a known path takes, or undefined for an unknown path. */
function methodOf(pathname: string): string | undefined {
  if (pathname === "/v1/completions" || pathname === "/v1/chat/completions") return "POST";
  if (pathname === "/v1/models" || pathname.startsWith("/v1/models/")) return "GET";
  return pathname === "/health" ? "GET" : undefined;
}

/** A response answered at once, as it ended. */
function answered(response: Response): StreamedAnswer {
  return { response, ended: Promise.resolve({ status: response.status }) };
}

/**
 * The answer to a completion request (its JSON shaped by `shape`): a whole one when it takes one
 * batch, else a stream after the first batch (see the module doc). A client that leaves aborts
 * the sampling, whether `request.signal` or the stream's cancel says so first.
 */
async function answerCompletion(
  served: Served,
  json: unknown,
  request: Request,
  progress: RequestProgress,
  shape: (body: CompletionsBody) => unknown,
): Promise<StreamedAnswer> {
  const stop = new AbortController();
  request.signal.addEventListener("abort", () => stop.abort(), { once: true });
  const started = Promise.withResolvers<void>();
  const work = complete(served, json, stop.signal, progress, started.resolve).then(shape);
  return await streamedJson(work, {
    started: started.promise,
    stop,
    failure: (error) => {
      const api = apiErrorOf(error);
      return { status: api.status, code: api.code };
    },
  });
}

/** The answer to one request on its route; a refused one throws its {@link ApiError}. */
async function route(
  served: Served,
  model: Record<string, unknown>,
  request: Request,
  progress: RequestProgress,
): Promise<StreamedAnswer> {
  const { pathname } = new URL(request.url);
  const method = methodOf(pathname);
  if (method === undefined) {
    throw new ApiError(404, `unknown path ${pathname.slice(0, 80)}`, { code: "not_found" });
  }
  if (request.method !== method) {
    throw new ApiError(405, `${pathname} takes ${method}, got ${request.method}`, {
      code: "method_not_allowed",
    });
  }
  if (pathname === "/v1/models") return answered(Response.json({ object: "list", data: [model] }));
  if (pathname.startsWith("/v1/models/")) {
    const id = decodeURIComponent(pathname.slice("/v1/models/".length));
    if (id === served.modelName) return answered(Response.json(model));
    throw new ApiError(404, `The model \`${id.slice(0, 80)}\` does not exist`, {
      param: "model",
      code: "model_not_found",
    });
  }
  if (pathname === "/health") return answered(new Response(null, { status: 200 }));
  const json = await readJson(request, served.maxBodyBytes);
  if (pathname === "/v1/chat/completions") {
    const completion = chatAsCompletionRequest(json);
    return await answerCompletion(served, completion, request, progress, chatCompletionBody);
  }
  return await answerCompletion(served, json, request, progress, (body) => body);
}

/** A failure as the {@link ApiError} it is answered with (a 500 for anything unexpected). */
function apiErrorOf(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(
    500,
    `the server failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 200)}`,
    { code: "internal_error", type: "server_error" },
  );
}

/** The response to a request that failed: 499 when its client left, else its error's body. */
function errorResponse(request: Request, error: unknown): { response: Response; code: string } {
  if (request.signal.aborted) {
    // Nobody is there to read it.
    return { response: new Response(null, { status: 499 }), code: "client_disconnected" };
  }
  const api = apiErrorOf(error);
  const response = Response.json(api.body(), { status: api.status });
  if (api.status === 405) {
    response.headers.set("allow", methodOf(new URL(request.url).pathname) ?? "GET");
  }
  return { response, code: api.code };
}

/**
 * Builds the request handler of the server (see the module doc): `POST /v1/completions`,
 * `POST /v1/chat/completions` (the policy's template, see `chat_request.ts`), `GET /v1/models`
 * and `/v1/models/{id}`, `GET /health`.
 *
 * @param policy The local policy to sample from.
 * @param tokenizer Its tokenizer.
 * @param options Model name, default seed, request caps, batch size, request log.
 * @returns A `Deno.serve` handler. Refused requests get OpenAI's error body
 *   `{ error: { message, type, param, code } }`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * import { charTokenizer } from "../model/tokenizer.ts";
 * const tokenizer = charTokenizer("ab");
 * const config = { vocabSize: 5, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const handler = completionsHandler(policy, tokenizer);
 * const body = JSON.stringify({ prompt: "ab", n: 2, max_tokens: 3 });
 * const res = await handler(new Request("http://x/v1/completions", { method: "POST", body }));
 * assert.equal((await res.json()).choices.length, 2);
 * ```
 */
export function completionsHandler(
  policy: Policy,
  tokenizer: Tokenizer,
  options: CompletionsHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const {
    modelName = SERVER_DEFAULTS.modelName,
    seed = 0,
    maxSequences = SERVER_DEFAULTS.maxSequences,
    maxTokens = SERVER_DEFAULTS.maxTokens,
    maxBodyBytes = SERVER_DEFAULTS.maxBodyBytes,
    batchSize = SERVER_DEFAULTS.batchSize,
    created = Math.floor(Date.now() / 1000),
    onRequest,
  } = options;
  const model = {
    id: modelName,
    object: "model",
    created,
    owned_by: "rlvr-kit",
    root: modelName,
    parent: null,
    max_model_len: policy.config.context,
  };
  let requestCount = 0;
  const served: Served = {
    policy,
    tokenizer,
    modelName,
    maxSequences,
    maxTokens,
    maxBodyBytes,
    batchSize,
    seedOf: (requested) => requested ?? seed + requestCount++,
  };
  return async (request: Request): Promise<Response> => {
    const started = performance.now();
    const progress: RequestProgress = {};
    let answer: StreamedAnswer;
    try {
      answer = await route(served, model, request, progress);
    } catch (error) {
      const { response, code } = errorResponse(request, error);
      answer = { response, ended: Promise.resolve({ status: response.status, code }) };
    }
    answer.ended.then(({ status, code }: AnswerEnd) =>
      onRequest?.({
        method: request.method,
        path: new URL(request.url).pathname,
        status,
        ms: performance.now() - started,
        ...progress,
        ...(code === undefined ? {} : { code }),
      })
    );
    return answer.response;
  };
}
