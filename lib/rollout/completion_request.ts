/**
 * The body of a `POST /v1/completions` request, read as OpenAI's API reads it: every field is
 * checked, an unknown one is refused naming it (`max_token` is a typo, not a field to ignore),
 * and a known one this server cannot honour (`echo`, `best_of`, penalties, `logit_bias`,
 * `suffix`, `stream`) is refused unless it has its neutral value. Errors are
 * {@link ApiError}s with OpenAI's `param` and `code`, and their messages never repeat the
 * request's text (a 1 MB prompt gets a short answer).
 *
 * @module
 */

/**
 * A request the server refuses: the HTTP status and OpenAI's error fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const error = new ApiError(404, "The model `x` does not exist", { param: "model", code: "model_not_found" });
 * assert.deepEqual(error.body(), { error: { message: "The model `x` does not exist", type: "invalid_request_error", param: "model", code: "model_not_found" } });
 * ```
 */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The request field at fault, or null. */
  readonly param: string | null;
  /** A machine-readable code, e.g. `unknown_parameter`. */
  readonly code: string;
  /** OpenAI's error type. */
  readonly type: string;

  /**
   * Creates the error.
   *
   * @param status HTTP status.
   * @param message What is wrong, without the request's payload.
   * @param fields `param`, `code`, and `type` (default `invalid_request_error`).
   */
  constructor(
    status: number,
    message: string,
    fields: { param?: string | null; code: string; type?: string },
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.param = fields.param ?? null;
    this.code = fields.code;
    this.type = fields.type ?? "invalid_request_error";
  }

  /**
   * The response body, OpenAI's shape.
   *
   * @returns `{ error: { message, type, param, code } }`.
   */
  body(): { error: { message: string; type: string; param: string | null; code: string } } {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

/** A checked completion request. */
export type CompletionRequest = {
  /** The `model` field, when given. */
  readonly model: string | undefined;
  /** The prompts (a string prompt is one). */
  readonly prompts: readonly string[];
  /** Completions per prompt. */
  readonly n: number;
  /** Sampling temperature; 0 is greedy. */
  readonly temperature: number;
  /** Nucleus mass in (0, 1]. */
  readonly topP: number;
  /** vLLM's top-k; 0 disables it (so does -1 in the request). */
  readonly topK: number;
  /** New tokens per completion, or null for the server's default. */
  readonly maxTokens: number | null;
  /** The request's seed, or null for the server's. */
  readonly seed: number | null;
  /** Alternatives per token in `logprobs`, or null for no `logprobs` at all. */
  readonly logprobs: number | null;
  /** Stop strings. */
  readonly stops: readonly string[];
};

/** Most alternatives `logprobs` may ask for per token (vLLM's default `max_logprobs`). */
export const MAX_LOGPROBS = 20;
/** Longest preview of a bad value in a message. */
const PREVIEW_CHARS = 40;

/**
 * Fields this server reads, and known OpenAI fields it accepts only at their neutral value
 * (`null` always is): the function says whether a value is neutral.
 */
const READ = new Set([
  "model",
  "prompt",
  "n",
  "temperature",
  "top_p",
  "top_k",
  "max_tokens",
  "seed",
  "logprobs",
  "stop",
  "user",
]);
const NEUTRAL: Readonly<
  Record<string, (value: unknown, body: Record<string, unknown>) => boolean>
> = {
  stream: (v) => v === false,
  stream_options: () => false,
  echo: (v) => v === false,
  best_of: (v, body) => v === 1 || v === (body.n ?? 1),
  frequency_penalty: (v) => v === 0,
  presence_penalty: (v) => v === 0,
  logit_bias: (v) =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0,
  suffix: (v) => v === "",
};
const WHY_UNSUPPORTED: Readonly<Record<string, string>> = {
  stream: "this server answers whole completions",
  stream_options: "this server answers whole completions",
  echo: "completions never repeat the prompt here",
  best_of: "every completion sampled is returned (use n)",
  frequency_penalty: "the sampler applies no penalties",
  presence_penalty: "the sampler applies no penalties",
  logit_bias: "the sampler applies no bias",
  suffix: "the model has no insertion mode",
};

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW_CHARS
    ? `${text.slice(0, PREVIEW_CHARS)}… (${text.length} chars)`
    : text;
}

function invalid(param: string, message: string, code = "invalid_value"): ApiError {
  return new ApiError(400, message, { param, code });
}

function integerField(
  body: Record<string, unknown>,
  key: string,
  range: { min: number; max?: number },
): number | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  const { min, max = Number.MAX_SAFE_INTEGER } = range;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const bounds = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw invalid(
      key,
      `${key} must be an integer ${bounds}, got ${preview(value)}`,
      typeof value === "number" ? "invalid_value" : "invalid_type",
    );
  }
  return value;
}

function numberField(body: Record<string, unknown>, key: string): number | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(key, `${key} must be a number, got ${preview(value)}`, "invalid_type");
  }
  return value;
}

/** ` (did you mean max_tokens?)` for the field closest to a mistyped one, within 2 edits. */
function suggestion(name: string): string {
  const fields = [...READ, ...Object.keys(NEUTRAL)];
  const distance = (a: string, b: string): number => {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const row = [i];
      for (let j = 1; j <= b.length; j++) {
        row.push(
          Math.min(
            previous[j] + 1,
            row[j - 1] + 1,
            previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
          ),
        );
      }
      previous = row;
    }
    return previous[b.length];
  };
  const best = fields.map((f) => [f, distance(name, f)] as const).sort((x, y) => x[1] - y[1])[0];
  return best[1] <= 2 ? ` (did you mean ${best[0]}?)` : "";
}

/**
 * Reads and checks a completion request body.
 *
 * @param json The parsed JSON body.
 * @returns The checked request.
 * @throws {ApiError} A 400 naming the field (`param`) for an unknown field, a field this
 *   server cannot honour at a non-neutral value, or a value of the wrong type or out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const request = parseCompletionRequest({ prompt: "1+1=", n: 2, max_tokens: 4, logprobs: 1 });
 * assert.deepEqual([request.prompts, request.n, request.maxTokens, request.logprobs], [["1+1="], 2, 4, 1]);
 * assert.throws(() => parseCompletionRequest({ prompt: "1+1=", max_token: 4 }), /Unrecognized request argument supplied: max_token \(did you mean max_tokens\?\)/);
 * assert.throws(() => parseCompletionRequest({ prompt: "1+1=", echo: true }), /echo is not supported/);
 * ```
 */
export function parseCompletionRequest(json: unknown): CompletionRequest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ApiError(400, `body must be a JSON object, got ${preview(json)}`, {
      code: "invalid_type",
    });
  }
  const body = json as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => !READ.has(key) && !(key in NEUTRAL));
  if (unknown.length > 0) {
    const names = unknown.map((key) => key.slice(0, PREVIEW_CHARS));
    throw new ApiError(
      400,
      `Unrecognized request argument${names.length > 1 ? "s" : ""} supplied: ${names.join(", ")}${
        names.length === 1 ? suggestion(names[0]) : ""
      }`,
      { param: names[0], code: "unknown_parameter" },
    );
  }
  for (const [key, isNeutral] of Object.entries(NEUTRAL)) {
    const value = body[key];
    if (value === undefined || value === null || isNeutral(value, body)) continue;
    throw new ApiError(
      400,
      `${key} is not supported: ${WHY_UNSUPPORTED[key]}; leave it out, got ${preview(value)}`,
      { param: key, code: "unsupported_parameter" },
    );
  }
  const model = body.model;
  if (model !== undefined && model !== null && typeof model !== "string") {
    throw invalid("model", `model must be a string, got ${preview(model)}`, "invalid_type");
  }
  if (body.user !== undefined && body.user !== null && typeof body.user !== "string") {
    throw invalid("user", `user must be a string, got ${preview(body.user)}`, "invalid_type");
  }
  const prompt = body.prompt;
  const prompts = typeof prompt === "string" ? [prompt] : prompt;
  if (
    !Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => typeof p === "string")
  ) {
    throw invalid(
      "prompt",
      "prompt must be a string or a non-empty array of strings (token-id prompts are not " +
        `supported), got ${
          Array.isArray(prompts) ? `an array of ${prompts.length}` : typeof prompt
        }`,
      "invalid_type",
    );
  }
  const temperature = numberField(body, "temperature") ?? 1;
  if (temperature < 0) {
    throw invalid("temperature", `temperature must be >= 0, got ${preview(temperature)}`);
  }
  const topP = numberField(body, "top_p") ?? 1;
  if (!(topP > 0 && topP <= 1)) throw invalid("top_p", `top_p must be in (0, 1], got ${topP}`);
  const stop = body.stop;
  const stops = stop === undefined || stop === null ? [] : typeof stop === "string" ? [stop] : stop;
  if (!Array.isArray(stops) || !stops.every((s) => typeof s === "string" && s !== "")) {
    throw invalid(
      "stop",
      `stop must be a non-empty string or an array of non-empty strings, got ${preview(stop)}`,
    );
  }
  return {
    model: typeof model === "string" ? model : undefined,
    prompts: prompts as string[],
    n: integerField(body, "n", { min: 1 }) ?? 1,
    temperature,
    topP,
    topK: Math.max(0, integerField(body, "top_k", { min: -1 }) ?? 0), // vLLM: -1 disables
    maxTokens: integerField(body, "max_tokens", { min: 1 }),
    seed: integerField(body, "seed", { min: 0 }),
    logprobs: integerField(body, "logprobs", { min: 0, max: MAX_LOGPROBS }),
    stops: stops as string[],
  };
}
