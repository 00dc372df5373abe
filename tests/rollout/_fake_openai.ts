// A fake OpenAI-compatible /v1/completions server on loopback, for client tests: by default each
// choice's text is the prompt reversed plus the sample index, one token per character, each token
// with log-prob −0.5; `respond` may replace the response per request.
import type { OpenAiEndpoint } from "../../lib/rollout/openai_client.ts";

/** What a fake server saw: every request body, in arrival order. */
export type FakeRequest = { prompt: string; n: number; seed?: number; attempt: number };

/** A correct completions body for `request`. */
export function completionsBody(request: { prompt: string; n: number }): {
  choices: Record<string, unknown>[];
} {
  return {
    choices: Array.from({ length: request.n }, (_, index) => {
      const text = `${[...request.prompt].reverse().join("")}${index}`;
      return {
        index,
        text,
        finish_reason: "stop",
        logprobs: {
          tokens: [...text],
          token_logprobs: [...text].map(() => -0.5),
          top_logprobs: null,
        },
      };
    }),
  };
}

/**
 * Runs `fn` against a fake server. `respond` gets each request and how many times its prompt was
 * asked for (1 = first attempt) and returns a Response, or undefined for the correct body.
 */
export async function withFakeServer(
  respond: (request: FakeRequest) => Response | undefined | Promise<Response | undefined>,
  fn: (endpoint: OpenAiEndpoint, requests: FakeRequest[]) => Promise<void>,
): Promise<void> {
  const requests: FakeRequest[] = [];
  const attempts = new Map<string, number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (http) => {
      const body = await http.json();
      const attempt = (attempts.get(body.prompt) ?? 0) + 1;
      attempts.set(body.prompt, attempt);
      const request = { prompt: body.prompt, n: body.n, seed: body.seed, attempt };
      requests.push(request);
      return (await respond(request)) ?? Response.json(completionsBody(request));
    },
  );
  const endpoint: OpenAiEndpoint = {
    kind: "openai",
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    model: "fake",
    timeoutMs: 5000,
    maxRetries: 2,
    retryDelayMs: 5,
    concurrency: 2,
  };
  try {
    await fn(endpoint, requests);
  } finally {
    await server.shutdown();
  }
}

/** A body whose choice `choice` has `value` as its token log-prob at `position`. */
export function withTokenLogprob(
  request: { prompt: string; n: number },
  choice: number,
  position: number,
  value: unknown,
): Record<string, unknown> {
  const body = completionsBody(request);
  const logprobs = body.choices[choice].logprobs as { token_logprobs: unknown[] };
  logprobs.token_logprobs[position] = value;
  return body;
}
