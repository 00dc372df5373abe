// deno-lint-ignore-file no-console -- a command prints where it listens
/**
 * `deno task serve`: exposes a local policy as an OpenAI-compatible `/v1/completions` server on
 * loopback, so the same rollout client drives it and real models (vLLM, SGLang, llama.cpp).
 *
 * Usage: `deno task serve [--checkpoint DIR] [--port 8000] [--model NAME] [--seed 0]
 * [--alphabet CHARS] [--backend wasm|cpu]`. Without a checkpoint it serves a randomly
 * initialised default-size model over `--alphabet` (vocab = alphabet length + 3).
 *
 * Besides the OpenAI fields, each choice's `logprobs` carries two extensions the rollout
 * client reads: `entropies` (exact, nats) and `sampling_logprobs` (under the sampling
 * distribution). The EOS token, when generated, is reported as the token `""` with its
 * log-prob, so `text` is always the concatenation of `tokens`.
 *
 * @module
 */
import { initBackend } from "../lib/engine/backend.ts";
import { parseExperimentConfig } from "../lib/config.ts";
import { loadCheckpoint } from "../lib/model/checkpoint.ts";
import { Policy } from "../lib/model/policy.ts";
import { charTokenizer, type Tokenizer } from "../lib/model/tokenizer.ts";
import { sampleRollouts } from "../lib/rollout/sample_rollouts.ts";

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

/**
 * Builds the request handler of the server: `POST /v1/completions` and `GET /v1/models`.
 *
 * @param policy The local policy to sample from.
 * @param tokenizer Its tokenizer.
 * @param options Model name and default seed.
 * @returns A `Deno.serve` handler.
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
    let body: Record<string, unknown>;
    try {
      body = await request.json();
    } catch {
      return errorResponse(400, "body must be JSON");
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
      const choices = rollouts.map((r, index) => ({
        index,
        text: r.response,
        finish_reason: r.truncated ? "length" : "stop",
        logprobs: wantLogprobs
          ? {
            tokens: r.responseTokens.map((id) => tokenizer.decode([id])),
            token_logprobs: r.logProbs,
            top_logprobs: null,
            entropies: r.entropies,
            sampling_logprobs: r.samplingLogProbs,
          }
          : null,
      }));
      const completionTokens = rollouts.reduce((s, r) => s + r.responseTokens.length, 0);
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

function parseArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i];
    if (!key.startsWith("--") || args[i + 1] === undefined) {
      throw new TypeError(`Cannot parse arguments: expected --name value pairs, got ${key}`);
    }
    out[key.slice(2)] = args[i + 1];
  }
  return out;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const backend = (args.backend ?? "wasm") as "wasm" | "cpu";
  await initBackend({ backend });
  let policy: Policy;
  let tokenizer: Tokenizer;
  if (args.checkpoint) {
    const loaded = await loadCheckpoint(args.checkpoint);
    if (loaded.tokenizerAlphabet === undefined) {
      throw new TypeError(`Cannot serve ${args.checkpoint}: it has no tokenizerAlphabet`);
    }
    policy = loaded.policy;
    tokenizer = charTokenizer(loaded.tokenizerAlphabet);
  } else {
    tokenizer = charTokenizer(args.alphabet ?? "0123456789+-*/=()., abcdefghijklmnopqrstuvwxyz");
    const model = parseExperimentConfig({ model: { vocabSize: tokenizer.vocabSize } }).model;
    policy = Policy.create(model, { seed: Number(args.seed ?? 0) });
  }
  const modelName = args.model ?? "rlvr-kit-policy";
  Deno.serve(
    {
      hostname: "127.0.0.1",
      port: Number(args.port ?? 8000),
      onListen: ({ hostname, port }) =>
        console.log(`serving ${modelName} on http://${hostname}:${port}/v1/completions`),
    },
    completionsHandler(policy, tokenizer, { modelName }),
  );
}
