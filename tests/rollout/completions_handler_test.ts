// The completions server (lib/rollout/completions_handler.ts) on a real loopback server with the
// shipped base model: OpenAI's and vLLM's behaviour, request caps, disconnects, and other
// requests answered while a large one runs.
// deno-lint-ignore-file no-console -- the load test prints its latencies
import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import {
  completionsHandler,
  type CompletionsHandlerOptions,
  type RequestLogEntry,
} from "../../lib/rollout/completions_handler.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { countdownPrompt } from "../../lib/tasks/countdown.ts";

await initBackend();

const PROMPT = countdownPrompt({ digits: [3, 9, 2, 5], target: 42 }); // 8 characters
const PROMPT_TOKENS = PROMPT.length + 1; // BOS

type Server = {
  url: string;
  post: (body: unknown, init?: RequestInit) => Promise<Response>;
  log: RequestLogEntry[];
};

async function withServer(
  options: CompletionsHandlerOptions,
  fn: (server: Server) => Promise<void>,
): Promise<void> {
  const base = await loadBaseModel();
  using policy = base.policy;
  const log: RequestLogEntry[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    completionsHandler(policy, base.tokenizer, {
      modelName: "base",
      ...options,
      onRequest: (entry) => log.push(entry),
    }),
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  const post = (body: unknown, init: RequestInit = {}) =>
    fetch(`${url}/v1/completions`, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    });
  try {
    await fn({ url, post, log });
  } finally {
    await server.shutdown();
  }
}

/** The error body of a refused request, checked for OpenAI's shape and no echoed payload. */
async function refused(
  response: Response,
  status: number,
  expected: { param: string | null; code: string; message: RegExp },
): Promise<string> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const { error } = JSON.parse(text);
  assert.deepEqual(Object.keys(error).sort(), ["code", "message", "param", "type"]);
  assert.equal(error.param, expected.param);
  assert.equal(error.code, expected.code);
  assert.match(error.message, expected.message);
  return text;
}

Deno.test("completionsHandler() refuses what OpenAI and vLLM refuse, naming the field", async (t) => {
  await withServer({}, async ({ url, post }) => {
    await t.step("unknown fields are a 400 naming them (a typo is not ignored)", async () => {
      await refused(await post({ prompt: PROMPT, max_token: 5 }), 400, {
        param: "max_token",
        code: "unknown_parameter",
        message:
          /^Unrecognized request argument supplied: max_token \(did you mean max_tokens\?\)$/,
      });
      await refused(await post({ prompt: PROMPT, foo: 1, bar: 2 }), 400, {
        param: "foo",
        code: "unknown_parameter",
        message: /^Unrecognized request arguments supplied: foo, bar$/,
      });
    });
    await t.step("known fields this server cannot honour are a 400 unless neutral", async () => {
      for (
        const [field, value] of [
          ["echo", true],
          ["best_of", 3],
          ["frequency_penalty", 0.5],
          ["presence_penalty", -1],
          ["logit_bias", { "5": 100 }],
          ["suffix", "x"],
          ["stream", true],
        ] as const
      ) {
        await refused(await post({ prompt: PROMPT, [field]: value }), 400, {
          param: field,
          code: "unsupported_parameter",
          message: new RegExp(`^${field} is not supported: `),
        });
      }
      const neutral = {
        prompt: PROMPT,
        max_tokens: 2,
        n: 2,
        echo: false,
        best_of: 2,
        frequency_penalty: 0,
        presence_penalty: 0,
        logit_bias: {},
        stream: false,
        user: "someone",
      };
      const ok = await post(neutral);
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).choices.length, 2);
    });
    await t.step("a wrong model is a 404; the served one or none is fine", async () => {
      await refused(await post({ model: "gpt-4", prompt: PROMPT }), 404, {
        param: "model",
        code: "model_not_found",
        message: /^The model `gpt-4` does not exist; this server serves `base`$/,
      });
      for (const model of ["base", undefined]) {
        const ok = await post({ model, prompt: PROMPT, max_tokens: 1 });
        assert.equal(ok.status, 200);
        await ok.body?.cancel();
      }
      await refused(await fetch(`${url}/v1/models/gpt-4`), 404, {
        param: "model",
        code: "model_not_found",
        message: /does not exist/,
      });
    });
    await t.step("max_tokens beyond the context is a 400, never clipped", async () => {
      await refused(await post({ prompt: PROMPT, max_tokens: 5000 }), 400, {
        param: "max_tokens",
        code: "context_length_exceeded",
        message: new RegExp(
          `maximum context length is 48 tokens. However, you requested ${
            5000 + PROMPT_TOKENS
          } tokens \\(${PROMPT_TOKENS} in the prompt, 5000 in the completion\\)`,
        ),
      });
      const fits = await post({ prompt: PROMPT, max_tokens: 48 - PROMPT_TOKENS });
      assert.equal(fits.status, 200);
      await fits.body?.cancel();
    });
    await t.step("a 1 MB prompt gets a short 400 that does not repeat it", async () => {
      for (const prompt of ["1".repeat(1_000_000), "#".repeat(1_000_000)]) {
        const text = await refused(await post({ prompt }), 400, {
          param: "prompt",
          code: prompt[0] === "1" ? "context_length_exceeded" : "invalid_value",
          message: /prompt 0/,
        });
        assert.ok(text.length < 400, `${text.length} bytes`);
      }
      await refused(await post({ prompt: PROMPT, n: "1".repeat(100_000) }), 400, {
        param: "n",
        code: "invalid_type",
        message: /^n must be an integer >= 1, got "1{39}… \(100002 chars\)$/,
      });
    });
    await t.step("bad bodies, paths and methods", async () => {
      await refused(await post("{"), 400, { param: null, code: "invalid_json", message: /JSON/ });
      await refused(await post("[1]"), 400, {
        param: null,
        code: "invalid_type",
        message: /body must be a JSON object, got \[1\]/,
      });
      await refused(await fetch(`${url}/v1/chat`), 404, {
        param: null,
        code: "not_found",
        message: /unknown path/,
      });
      const get = await fetch(`${url}/v1/completions`);
      await refused(get, 405, { param: null, code: "method_not_allowed", message: /takes POST/ });
      assert.equal(get.headers.get("allow"), "POST");
    });
  });
});

Deno.test("completionsHandler() caps a request's completions and tokens, configurably", async (t) => {
  await t.step("the defaults: 1024 completions per request", async () => {
    await withServer({}, async ({ post }) => {
      // The probe of issue 30: 64 prompts × n = 1,024 held the server for 68 s.
      await refused(await post({ prompt: Array(64).fill(PROMPT), n: 1024 }), 400, {
        param: "n",
        code: "request_too_large",
        message:
          /^This request asks for 65536 completions \(64 prompts × n = 1024\), more than this server's limit of 1024 per request; split it$/,
      });
    });
  });
  await t.step("caps set lower", async () => {
    await withServer({ maxSequences: 4, maxTokens: 100 }, async ({ post }) => {
      await refused(await post({ prompt: [PROMPT, PROMPT], n: 3 }), 400, {
        param: "n",
        code: "request_too_large",
        message: /limit of 4 per request/,
      });
      // 4 × (9 + 16) = 100 tokens fit; 4 × (9 + 17) do not.
      const fits = await post({ prompt: [PROMPT, PROMPT], n: 2 });
      assert.equal(fits.status, 200);
      await fits.body?.cancel();
      await refused(await post({ prompt: [PROMPT, PROMPT], n: 2, max_tokens: 17 }), 400, {
        param: "max_tokens",
        code: "request_too_large",
        message: /asks for up to 104 tokens .* limit of 100 per request/,
      });
    });
  });
});

Deno.test("completionsHandler() reports usage, logprobs and models as OpenAI does", async (t) => {
  await withServer({}, async ({ url, post }) => {
    await t.step("usage counts each prompt once, however large n is", async () => {
      const body = await (await post({ prompt: [PROMPT, "12>3:"], n: 3, max_tokens: 4 })).json();
      const completionTokens = body.choices.reduce(
        (s: number, c: { text: string; finish_reason: string }) => s + [...c.text].length,
        0,
      );
      assert.equal(body.usage.prompt_tokens, PROMPT_TOKENS + 6);
      assert.ok(body.usage.completion_tokens >= completionTokens); // EOS is a token, ""
      assert.equal(
        body.usage.total_tokens,
        body.usage.prompt_tokens + body.usage.completion_tokens,
      );
    });
    await t.step(
      "logprobs: N gives top_logprobs (N + the sampled token) and text_offset",
      async () => {
        for (const temperature of [0, 1]) {
          const request = {
            prompt: PROMPT,
            n: 3,
            max_tokens: 20,
            logprobs: 3,
            temperature,
            seed: 5,
          };
          const body = await (await post(request)).json();
          for (const { text, logprobs } of body.choices) {
            const { tokens, token_logprobs, top_logprobs, text_offset } = logprobs;
            assert.equal(top_logprobs.length, tokens.length);
            assert.deepEqual(
              text_offset,
              tokens.map((_: string, i: number) => tokens.slice(0, i).join("").length),
            );
            assert.equal(tokens.join(""), text);
            top_logprobs.forEach((top: Record<string, number>, i: number) => {
              const values = Object.values(top);
              assert.ok(values.length >= 3 && values.length <= 4, JSON.stringify(top));
              assert.equal(top[tokens[i]], token_logprobs[i], "the sampled token, same number");
              assert.ok(values.every((v) => v <= 0));
              const best = Math.max(...values);
              if (temperature === 0) assert.equal(token_logprobs[i], best, "greedy takes the top");
              // The top three are the three most likely: none of the others beats them.
              const third = values.sort((a, b) => b - a)[2];
              assert.ok(Object.values(top).every((v) => v >= third || v === token_logprobs[i]));
            });
          }
        }
        const none = await (await post({ prompt: PROMPT, max_tokens: 3, logprobs: 0 })).json();
        const [choice] = none.choices;
        assert.deepEqual(
          choice.logprobs.top_logprobs,
          choice.logprobs.tokens.map((token: string, i: number) => ({
            [token]: choice.logprobs.token_logprobs[i],
          })),
        );
        await refused(await post({ prompt: PROMPT, logprobs: 21 }), 400, {
          param: "logprobs",
          code: "invalid_value",
          message: /logprobs must be an integer in \[0, 20\], got 21/,
        });
        const without = await (await post({ prompt: PROMPT, max_tokens: 2 })).json();
        assert.equal(without.choices[0].logprobs, null);
      },
    );
    await t.step("/v1/models entries are complete", async () => {
      const { object, data } = await (await fetch(`${url}/v1/models`)).json();
      assert.equal(object, "list");
      assert.equal(data.length, 1);
      const [model] = data;
      assert.equal(model.id, "base");
      assert.equal(model.object, "model");
      assert.ok(Number.isInteger(model.created) && model.created > 1.7e9, `${model.created}`);
      assert.equal(model.owned_by, "rlvr-kit");
      assert.equal(model.max_model_len, 48);
      assert.deepEqual(await (await fetch(`${url}/v1/models/base`)).json(), model);
    });
  });
});

Deno.test("completionsHandler() stops sampling when the client disconnects", async () => {
  await withServer({ batchSize: 32 }, async ({ post, log }) => {
    const client = new AbortController();
    // The head comes after the first batch, the body when sampling ends: the client waits for it.
    const request = post(
      { prompt: PROMPT, n: 1024, max_tokens: 39, temperature: 1 },
      { signal: client.signal },
    ).then((response) => response.json()).catch((error) => error.name);
    await new Promise((resolve) => setTimeout(resolve, 300));
    client.abort();
    assert.equal(await request, "AbortError");
    const aborted = performance.now();
    while (log.length === 0 && performance.now() - aborted < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [entry] = log;
    assert.equal(entry.status, 499, JSON.stringify(entry));
    assert.equal(entry.code, "client_disconnected");
    assert.equal(entry.sequences, 1024);
    assert.ok((entry.sampled ?? 0) < 1024, `stopped early: ${entry.sampled} of 1024 sampled`);
    assert.ok(performance.now() - aborted < 2_000, "within a batch or two of the disconnect");
  });
});

Deno.test("completionsHandler() stops sampling when a client with a large request body disconnects", async () => {
  // Deno's HTTP/1.1 server notices a client that left while the handler runs only when the
  // request's body came in with its head (a few hundred bytes), so 128 prompts (1.5 KB, as curl,
  // Python or the OpenAI SDK send them) are the case the test above cannot see.
  await withServer({ batchSize: 32 }, async ({ url, log }) => {
    const body = JSON.stringify({ prompt: Array(128).fill(PROMPT), n: 8, max_tokens: 39 });
    assert.ok(body.length > 1024, `a large body: ${body.length} bytes`);
    const { port } = new URL(url);
    const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
    const head = `POST /v1/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
      `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    await connection.write(new TextEncoder().encode(head + body));
    await new Promise((resolve) => setTimeout(resolve, 300));
    connection.close();
    const left = performance.now();
    while (log.length === 0 && performance.now() - left < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [entry] = log;
    assert.equal(entry.status, 499, JSON.stringify(entry));
    assert.equal(entry.code, "client_disconnected");
    assert.equal(entry.sequences, 1024);
    assert.ok((entry.sampled ?? 0) < 1024, `stopped early: ${entry.sampled} of 1024 sampled`);
    assert.ok(performance.now() - left < 2_000, "within a batch or two of the disconnect");
  });
});

Deno.test("completionsHandler() answers other routes and 20 clients while a large request runs", async () => {
  await withServer({ batchSize: 64 }, async ({ url, post }) => {
    const t0 = performance.now();
    let largeDone = Infinity;
    const large = post({ prompt: PROMPT, n: 1024, max_tokens: 39, temperature: 1 }).then(
      async (response) => {
        const body = await response.json();
        largeDone = performance.now();
        return body;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const m0 = performance.now();
    const models = await fetch(`${url}/v1/models`);
    await models.body?.cancel();
    const modelsMs = performance.now() - m0;
    const modelsDone = performance.now();
    const small = { prompt: PROMPT, n: 1, max_tokens: 8, logprobs: 1 };
    const clients = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const c0 = performance.now();
      const response = await post({ ...small, seed: i });
      const body = await response.json();
      return {
        status: response.status,
        choices: body.choices?.length,
        done: performance.now(),
        ms: performance.now() - c0,
      };
    }));
    const body = await large;
    assert.equal(models.status, 200);
    assert.ok(modelsDone < largeDone, "GET /v1/models answered while the large request ran");
    assert.deepEqual(clients.map((c) => [c.status, c.choices]), clients.map(() => [200, 1]));
    assert.ok(clients.every((c) => c.done < largeDone), "every client answered before it");
    assert.equal(body.choices.length, 1024);
    const latencies = clients.map((c) => c.ms).sort((a, b) => a - b);
    console.log(
      `large request ${(largeDone - t0).toFixed(0)} ms; GET /v1/models during it ${
        modelsMs.toFixed(0)
      } ms; 20 clients: median ${latencies[10].toFixed(0)} ms, max ${latencies[19].toFixed(0)} ms`,
    );
  });
});
