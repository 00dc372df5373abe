import assert from "node:assert/strict";
import { requestCompletions } from "../../lib/rollout/openai_client.ts";
import { completionsBody, withFakeServer, withTokenLogprob } from "./_fake_openai.ts";

const REQUEST = { prompt: "abc", n: 2, temperature: 1, top_p: 1, max_tokens: 8, logprobs: 1 };

Deno.test("requestCompletions() parses choices in index order", async () => {
  await withFakeServer(() => {
    const body = completionsBody(REQUEST);
    return Response.json({ choices: [...body.choices].reverse() });
  }, async (endpoint) => {
    const choices = await requestCompletions(endpoint, REQUEST);
    assert.deepEqual(choices.map((c) => [c.index, c.text]), [[0, "cba0"], [1, "cba1"]]);
    assert.deepEqual(choices[0].tokenLogprobs, [-0.5, -0.5, -0.5, -0.5]);
  });
});

Deno.test("requestCompletions() rejects token_logprobs that are not log-probabilities", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ["null", null, /choice 1 token_logprobs\[2\] must be a finite log-probability <= 0, got null/],
    ["positive", 5, /choice 1 token_logprobs\[2\] must be .*, got 5$/],
    ["huge", 1e300, /choice 1 token_logprobs\[2\] must be .*, got 1e\+300$/],
    ["a string", "-1", /choice 1 token_logprobs\[2\] must be .*, got "-1"$/],
  ];
  for (const [name, value, pattern] of cases) {
    await t.step(name, async () => {
      await withFakeServer(
        (request) => Response.json(withTokenLogprob(request, 1, 2, value)),
        async (endpoint, requests) => {
          await assert.rejects(requestCompletions(endpoint, REQUEST), pattern);
          assert.equal(requests.length, 1, "malformed data is not retried");
        },
      );
    });
  }
  await t.step("infinite (a literal that overflows)", async () => {
    await withFakeServer(
      (request) => {
        const text = JSON.stringify(withTokenLogprob(request, 0, 1, "INF")).replace(
          '"INF"',
          "-1e999",
        );
        return new Response(text, { headers: { "content-type": "application/json" } });
      },
      async (endpoint) => {
        await assert.rejects(
          requestCompletions(endpoint, REQUEST),
          /choice 0 token_logprobs\[1\] must be a finite log-probability <= 0, got -Infinity/,
        );
      },
    );
  });
  await t.step("0 is a log-probability (a certain token)", async () => {
    await withFakeServer(
      (request) => Response.json(withTokenLogprob(request, 1, 2, 0)),
      async (endpoint) => {
        const choices = await requestCompletions(endpoint, REQUEST);
        assert.equal(choices[1].tokenLogprobs[2], 0);
      },
    );
  });
});

Deno.test("requestCompletions() rejects duplicate or out-of-range choice indices", async (t) => {
  await t.step("duplicates", async () => {
    await withFakeServer((request) => {
      const body = completionsBody(request);
      body.choices[1].index = 0;
      return Response.json(body);
    }, async (endpoint) => {
      await assert.rejects(
        requestCompletions(endpoint, REQUEST),
        /bad response: choices 0 and 1 both have index 0, expected each of 0\.\.1 once/,
      );
    });
  });
  await t.step("out of range", async () => {
    await withFakeServer((request) => {
      const body = completionsBody(request);
      body.choices[1].index = 2;
      return Response.json(body);
    }, async (endpoint) => {
      await assert.rejects(
        requestCompletions(endpoint, REQUEST),
        /bad response: choice 1 needs an index in 0\.\.1, got 2/,
      );
    });
  });
});

Deno.test("requestCompletions() honours Retry-After on 429 and 503", async (t) => {
  await t.step("in seconds", async () => {
    await withFakeServer(
      ({ attempt }) =>
        attempt === 1
          ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
          : undefined,
      async (endpoint, requests) => {
        const started = performance.now();
        const choices = await requestCompletions({ ...endpoint, retryDelayMs: 1 }, REQUEST);
        assert.ok(performance.now() - started >= 990, "waited the second the server asked");
        assert.equal(choices.length, 2);
        assert.equal(requests.length, 2);
      },
    );
  });
  await t.step("as an HTTP date", async () => {
    await withFakeServer(
      ({ attempt }) => {
        if (attempt > 1) return undefined;
        const date = new Date(Date.now() + 2500).toUTCString(); // whole seconds: 1.5 to 2.5 s
        return new Response("busy", { status: 503, headers: { "retry-after": date } });
      },
      async (endpoint) => {
        const started = performance.now();
        await requestCompletions({ ...endpoint, retryDelayMs: 1 }, REQUEST);
        assert.ok(performance.now() - started >= 1400, "waited until the date");
      },
    );
  });
  await t.step("instead of the backoff, so a short one is not stretched", async () => {
    // The default budget: 5 retries (6 attempts), whose backoff would wait 1+2+4+8+16 s.
    await withFakeServer(
      ({ attempt }) =>
        attempt <= 5
          ? new Response("busy", { status: 503, headers: { "retry-after": "0" } })
          : undefined,
      async (endpoint, requests) => {
        const { maxRetries: _, retryDelayMs: __, ...defaults } = endpoint;
        const started = performance.now();
        await requestCompletions(defaults, REQUEST);
        assert.ok(performance.now() - started < 5000);
        assert.equal(requests.length, 6);
      },
    );
  });
  await t.step("capped by maxRetryAfterMs", async () => {
    await withFakeServer(
      ({ attempt }) =>
        attempt === 1
          ? new Response("busy", { status: 429, headers: { "retry-after": "3600" } })
          : undefined,
      async (endpoint) => {
        const started = performance.now();
        await requestCompletions({ ...endpoint, maxRetryAfterMs: 20 }, REQUEST);
        assert.ok(performance.now() - started < 2000);
      },
    );
  });
});

Deno.test("requestCompletions() retries 6 times by default, then names every cause", async () => {
  await withFakeServer(
    () => new Response("down", { status: 500, headers: { "retry-after": "0" } }),
    async (endpoint, requests) => {
      // A 500's Retry-After is not honoured: only 429 and 503 say when to come back. With a
      // tiny backoff the default count of attempts shows quickly.
      const { maxRetries: _, ...defaults } = endpoint;
      await assert.rejects(
        requestCompletions({ ...defaults, retryDelayMs: 1 }, REQUEST),
        /gave up after 6 attempt\(s\): HTTP 500: down( \| HTTP 500: down){5}$/,
      );
      assert.equal(requests.length, 6);
    },
  );
});

Deno.test("requestCompletions() speaks /v1/chat/completions as the openai SDK writes it", async (t) => {
  const seen: { path: string; body: Record<string, unknown> }[] = [];
  let logprobs: unknown = null;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    seen.push({ path: new URL(r.url).pathname, body: await r.json() });
    return Response.json({
      choices: [{
        index: 0,
        message: { role: "assistant", content: "4" },
        finish_reason: "stop",
        logprobs,
      }],
    });
  });
  const endpoint = {
    kind: "openai",
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    model: "chat-model",
    api: "chat",
    system: "Answer in \\boxed{}.",
    maxRetries: 0,
  } as const;
  const request = {
    prompt: "2+2?",
    n: 1,
    temperature: 0.6,
    top_p: 0.95,
    max_tokens: 8,
    logprobs: 3,
  };
  try {
    await t.step(
      "the prompt goes as a user message after the system one, log-probs asked for",
      async () => {
        const [choice] = await requestCompletions(endpoint, request);
        assert.equal(seen[0].path, "/v1/chat/completions");
        assert.deepEqual(seen[0].body, {
          model: "chat-model",
          messages: [
            { role: "system", content: "Answer in \\boxed{}." },
            { role: "user", content: "2+2?" },
          ],
          n: 1,
          temperature: 0.6,
          top_p: 0.95,
          max_tokens: 8,
          logprobs: true,
          top_logprobs: 3,
        });
        assert.equal(choice.text, "4");
        assert.deepEqual(
          [choice.tokens, choice.tokenLogprobs],
          [[], []],
          "no log-probs given, none",
        );
      },
    );
    await t.step("log-probs in the chat layout become the completions layout", async () => {
      logprobs = {
        content: [{
          token: "4",
          logprob: -0.1,
          top_logprobs: [{ token: "4", logprob: -0.1 }, { token: "5", logprob: -2.4 }],
        }],
      };
      const [choice] = await requestCompletions(endpoint, request);
      assert.deepEqual(choice.tokens, ["4"]);
      assert.deepEqual(choice.tokenLogprobs, [-0.1]);
      assert.deepEqual(choice.topLogprobs, [{ "4": -0.1, "5": -2.4 }]);
    });
    await t.step("a positive chat log-prob is refused like a completions one", async () => {
      logprobs = { content: [{ token: "4", logprob: 0.5, top_logprobs: [] }] };
      await assert.rejects(
        requestCompletions(endpoint, request),
        /choice 0 token_logprobs\[0\] must be a finite log-probability <= 0, got 0\.5/,
      );
    });
  } finally {
    await server.shutdown();
  }
});
