// deno-lint-ignore-file no-console -- a command prints where it listens
/**
 * `deno task serve`: exposes a local policy as an OpenAI-compatible `/v1/completions` server on
 * loopback, so the same rollout client drives it and real models (vLLM, SGLang, llama.cpp).
 *
 * Usage: `deno task serve [--checkpoint DIR] [--port 8000] [--model NAME] [--seed 0]
 * [--backend wasm|cpu|tensorflow|tensorflow-gpu|webgpu]` (`--help` lists them). Without a
 * checkpoint it serves the shipped base model (`data/base/`), never a random one.
 *
 * Requests: `prompt` (a string or an array of strings), `n`, `temperature` (0 = greedy),
 * `top_p`, `top_k` (vLLM's extension, -1 or 0 disables), `max_tokens`, `seed`, `logprobs`, and
 * `stop` (a string or an array of strings: each completion is cut before the first occurrence of
 * any of them, and its `finish_reason` is then `"stop"`). `stream: true` is refused with a 400:
 * the server answers whole completions only.
 *
 * Besides the OpenAI fields, each choice's `logprobs` carries two extensions the rollout
 * client reads: `entropies` (exact, nats) and `sampling_logprobs` (under the sampling
 * distribution). The EOS token, when generated, is reported as the token `""` with its
 * log-prob, so `text` is always the concatenation of `tokens`.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
import { BACKEND_NAMES, initBackend } from "../lib/engine/backend.ts";
import type { Policy } from "../lib/model/policy.ts";
import type { Tokenizer } from "../lib/model/tokenizer.ts";
import { type Rollout, sampleRollouts } from "../lib/rollout/sample_rollouts.ts";
import { BASE_MODEL_DIR, loadBaseModel, unfinishedPretraining } from "../lib/tasks/base_model.ts";

/** The command line of `deno task serve`. */
const FLAGS = {
  checkpoint: {
    type: "string",
    placeholder: "DIR",
    help: "Checkpoint to serve (with a tokenizer alphabet). Default: the shipped base, data/base.",
  },
  port: {
    type: "integer",
    default: 8000,
    min: 0,
    max: 65535,
    help: "Port on 127.0.0.1 (0: any free one).",
  },
  model: {
    type: "string",
    default: "rlvr-kit-policy",
    placeholder: "NAME",
    help: "Model name in responses and /v1/models.",
  },
  seed: {
    type: "integer",
    default: 0,
    min: 0,
    help: "Seed of the first request that sends none; each such request advances it.",
  },
  backend: { type: "enum", values: BACKEND_NAMES, default: "wasm", help: "TensorFlow.js backend." },
} as const;

/** Largest `n` one request may ask for. */
const MAX_N = 1024;

/** Options of {@link completionsHandler}. */
export type CompletionsHandlerOptions = {
  /** Name reported in responses and `/v1/models`. Default `"rlvr-kit-policy"`. */
  modelName?: string;
  /** Seed used when a request has none; each such request advances it. Default 0. */
  seed?: number;
};

function errorResponse(status: number, message: string): Response {
  return Response.json({ error: { message, type: "invalid_request_error" } }, { status });
}

function intField(
  body: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
): number {
  const v = body[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function numberField(body: Record<string, unknown>, key: string, fallback: number): number {
  const v = body[key] ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new RangeError(`${key} must be a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The request's stop strings: `stop` as a string or an array of non-empty strings. */
function stopField(body: Record<string, unknown>): string[] {
  const stop = body.stop;
  if (stop === undefined || stop === null) return [];
  const stops = typeof stop === "string" ? [stop] : stop;
  if (!Array.isArray(stops) || !stops.every((s) => typeof s === "string" && s !== "")) {
    throw new TypeError(
      `stop must be a non-empty string or an array of non-empty strings, got ${preview(stop)}`,
    );
  }
  return stops;
}

/** One completion as the server reports it. */
type Completion = {
  text: string;
  finishReason: "stop" | "length";
  tokens: string[];
  logProbs: number[];
  entropies: number[];
  samplingLogProbs: number[];
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
  };
}

/**
 * Builds the request handler of the server: `POST /v1/completions` and `GET /v1/models`.
 *
 * @param policy The local policy to sample from.
 * @param tokenizer Its tokenizer.
 * @param options Model name and default seed.
 * @returns A `Deno.serve` handler. Malformed requests (a body that is not a JSON object, a bad
 *   field, `stream: true`) get a 400 with an OpenAI-style `{ error: { message } }` body.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../lib/model/policy.ts";
 * import { charTokenizer } from "../lib/model/tokenizer.ts";
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
  const { modelName = "rlvr-kit-policy", seed = 0 } = options;
  let requestCount = 0;
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/v1/models") {
      return Response.json({ object: "list", data: [{ id: modelName, object: "model" }] });
    }
    if (pathname !== "/v1/completions") return errorResponse(404, `unknown path ${pathname}`);
    if (request.method !== "POST") return errorResponse(405, "use POST");
    let json: unknown;
    try {
      json = await request.json();
    } catch {
      return errorResponse(400, "body must be JSON");
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      return errorResponse(400, `body must be a JSON object, got ${preview(json)}`);
    }
    const body = json as Record<string, unknown>;
    if (body.stream !== undefined && body.stream !== null && body.stream !== false) {
      return errorResponse(
        400,
        `stream is not supported: this server answers whole completions, send "stream": false or leave it out, got ${
          preview(body.stream)
        }`,
      );
    }
    try {
      const prompts = typeof body.prompt === "string" ? [body.prompt] : body.prompt;
      if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === "string")) {
        throw new TypeError(`prompt must be a string or an array of strings`);
      }
      const n = intField(body, "n", 1, 1);
      if (n > MAX_N) throw new RangeError(`n must be <= ${MAX_N}, got ${n}`);
      const temperature = numberField(body, "temperature", 1);
      const topP = numberField(body, "top_p", 1);
      const topK = Math.max(0, intField(body, "top_k", 0, -1)); // vLLM: -1 disables
      const maxNewTokens = intField(body, "max_tokens", 16, 1);
      const requestSeed = intField(body, "seed", seed + requestCount++, 0);
      if (temperature < 0) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
      if (!(topP > 0 && topP <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${topP}`);
      const stops = stopField(body);
      const rollouts = await sampleRollouts(policy, prompts as string[], {
        samplesPerPrompt: n,
        temperature: temperature === 0 ? 1 : temperature,
        greedy: temperature === 0,
        topP,
        topK,
        maxNewTokens,
        seed: requestSeed,
        tokenizer,
      });
      const wantLogprobs = body.logprobs !== undefined && body.logprobs !== null;
      const completions = rollouts.map((r) => cutAtStop(r, tokenizer, stops));
      const choices = completions.map((c, index) => ({
        index,
        text: c.text,
        finish_reason: c.finishReason,
        logprobs: wantLogprobs
          ? {
            tokens: c.tokens,
            token_logprobs: c.logProbs,
            top_logprobs: null,
            entropies: c.entropies,
            sampling_logprobs: c.samplingLogProbs,
          }
          : null,
      }));
      const completionTokens = completions.reduce((s, c) => s + c.tokens.length, 0);
      const promptTokens = rollouts.reduce((s, r) => s + r.promptTokens.length, 0);
      return Response.json({
        id: `cmpl-${requestSeed}`,
        object: "text_completion",
        created: Math.floor(Date.now() / 1000),
        model: modelName,
        choices,
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
        },
      });
    } catch (error) {
      return errorResponse(400, error instanceof Error ? error.message : String(error));
    }
  };
}

if (import.meta.main) {
  const { values } = parseCommandLine(Deno.args, FLAGS, {
    usage: "deno task serve [--checkpoint DIR] [--port 8000] [--model NAME] [--seed 0] " +
      `[--backend ${BACKEND_NAMES.join("|")}]`,
    description: "Serves a policy as an OpenAI-compatible /v1/completions endpoint on 127.0.0.1.",
  });
  const backend = await initBackend({ backend: values.backend });
  if (backend.fallbackReason !== undefined) {
    console.error(`backend ${values.backend} unavailable, using cpu: ${backend.fallbackReason}`);
  }
  const dir = values.checkpoint ?? BASE_MODEL_DIR;
  // An unfinished pretraining checkpoint may be served (to inspect it), with a word.
  const { policy, tokenizer, metadata } = await loadBaseModel({ dir, allowUnfinished: true });
  const unfinished = unfinishedPretraining(metadata);
  if (unfinished !== null) {
    console.error(`serving ${dir}, whose pretraining did not finish (${unfinished})`);
  }
  Deno.serve(
    {
      hostname: "127.0.0.1",
      port: values.port,
      onListen: ({ hostname, port }) =>
        console.log(
          `serving ${values.model} (${dir}) on http://${hostname}:${port}/v1/completions`,
        ),
    },
    completionsHandler(policy, tokenizer, { modelName: values.model, seed: values.seed }),
  );
}
