import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import type { ModelConfig, RolloutConfig } from "../../lib/config.ts";
import { Policy } from "../../lib/model/policy.ts";
import { charTokenizer } from "../../lib/model/tokenizer.ts";
import type { OpenAiEndpoint } from "../../lib/rollout/openai_client.ts";
import { PartialSamplingError, sampleRollouts } from "../../lib/rollout/sample_rollouts.ts";
import { completionsHandler } from "../../lib/rollout/completions_handler.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";
import { withFakeServer, withTokenLogprob } from "./_fake_openai.ts";

await initBackend();

const tokenizer = charTokenizer("0123456789+=");
const CONFIG: ModelConfig = {
  vocabSize: tokenizer.vocabSize,
  width: 16,
  layers: 1,
  heads: 2,
  mlpWidth: 32,
  context: 14,
  valueHead: "none",
};
const ROLLOUT: RolloutConfig = {
  samplesPerPrompt: 3,
  temperature: 1,
  topP: 1,
  topK: 0,
  greedy: false,
  maxNewTokens: 5,
};
const PROMPTS = ["1+2=", "34+5=", "7="];

Deno.test("sampleRollouts() on a local policy", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 2 });
  const run = (extra = {}) =>
    sampleRollouts(policy, PROMPTS, { ...ROLLOUT, seed: 5, tokenizer, ...extra });
  await t.step("returns every sample in order, leaking no tensor", async () => {
    const progress: number[] = [];
    const rollouts = await assertNoLeak(() =>
      run({ onProgress: (p: { done: number }) => progress.push(p.done) })
    );
    assert.deepEqual(
      rollouts.map((r) => [r.promptIndex, r.sampleIndex]),
      [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [i, j])),
    );
    assert.deepEqual(progress, [9]);
    for (const r of rollouts) {
      assert.deepEqual(r.promptTokens, [tokenizer.bos, ...tokenizer.encode(r.prompt)]);
      assert.equal(r.logProbs.length, r.responseTokens.length);
      assert.equal(r.entropies.length, r.responseTokens.length);
      const stopped = r.responseTokens.at(-1) === tokenizer.eos;
      assert.equal(r.truncated, !stopped);
      assert.equal(r.response, tokenizer.decode(r.responseTokens)); // EOS not in the text
      if (stopped) assert.ok(!r.response.includes("\u0000"));
    }
  });
  await t.step("the same seed gives the same rollouts whatever the batch size", async () => {
    const [all, pairs] = [await run(), await run({ batchSize: 2 })];
    assert.deepEqual(await run(), all, "bit for bit at the same batch size");
    // Another batch size may step a prompt position that was prefilled: the same tokens, and
    // the same numbers to float rounding.
    assert.deepEqual(pairs.map((r) => r.responseTokens), all.map((r) => r.responseTokens));
    for (const [i, r] of pairs.entries()) {
      for (const key of ["logProbs", "samplingLogProbs", "entropies"] as const) {
        r[key].forEach((x, j) => assertClose(x, all[i][key][j], 1e-5, `${i} ${key}[${j}]`));
      }
    }
    const other = await sampleRollouts(policy, PROMPTS, { ...ROLLOUT, seed: 6, tokenizer });
    assert.notDeepEqual(
      other.map((r) => r.responseTokens),
      (await run()).map((r) => r.responseTokens),
    );
  });
  await t.step("rejects a prompt that fills the context, naming it", async () => {
    await assert.rejects(
      sampleRollouts(policy, ["1", "1234567890123"], { ...ROLLOUT, seed: 5, tokenizer }),
      /prompt 1 leaves no room in the context of 14 tokens, got 14 tokens \(BOS included\) for "1234567890123"/,
    );
  });
  await t.step("needs a matching tokenizer", async () => {
    await assert.rejects(
      sampleRollouts(policy, PROMPTS, { ...ROLLOUT, seed: 5 }),
      /needs options\.tokenizer/,
    );
    await assert.rejects(
      sampleRollouts(policy, PROMPTS, { ...ROLLOUT, seed: 5, tokenizer: charTokenizer("01") }),
      /vocabSize must equal the model's, got 5 and 15/,
    );
  });
});

/** Serves the real completions handler, optionally behind a fault injector. */
async function withServer(
  policy: Policy,
  fault: (attempt: number, forward: () => Promise<Response>) => Promise<Response>,
  fn: (endpoint: OpenAiEndpoint, attempts: () => number) => Promise<void>,
): Promise<void> {
  const handler = completionsHandler(policy, tokenizer, { modelName: "tiny" });
  let attempts = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => fault(++attempts, () => handler(request)),
  );
  const endpoint: OpenAiEndpoint = {
    kind: "openai",
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    model: "tiny",
    timeoutMs: 2000,
    maxRetries: 2,
    retryDelayMs: 10,
    concurrency: 2,
  };
  try {
    await fn(endpoint, () => attempts);
  } finally {
    await server.shutdown();
  }
}

const passThrough = (_: number, forward: () => Promise<Response>) => forward();

Deno.test("sampleRollouts() through an OpenAI endpoint served by `serve`", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 2 });
  await t.step(
    "greedy rollouts equal the local policy's, with log-probs and entropies",
    async () => {
      await withServer(policy, passThrough, async (endpoint) => {
        const options = { ...ROLLOUT, greedy: true, seed: 1, tokenizer };
        const remote = await sampleRollouts(endpoint, PROMPTS, options);
        const local = await sampleRollouts(policy, PROMPTS, options);
        assert.equal(remote.length, 9);
        remote.forEach((r, i) => {
          assert.equal(r.response, local[i].response);
          // an endpoint returns text: ids are re-encoded, so special ids other than EOS vanish
          const stopped = local[i].responseTokens.at(-1) === tokenizer.eos;
          const reencoded = [
            ...tokenizer.encode(local[i].response),
            ...(stopped ? [tokenizer.eos] : []),
          ];
          assert.deepEqual(r.responseTokens, reencoded);
          assert.equal(r.truncated, local[i].truncated);
          r.logProbs.forEach((v, k) => assertClose(v, local[i].logProbs[k], 1e-6));
          r.entropies.forEach((v, k) => assertClose(v, local[i].entropies[k], 1e-6));
        });
      });
    },
  );
  await t.step("sampled rollouts: n per prompt, seeded", async () => {
    await withServer(policy, passThrough, async (endpoint) => {
      const a = await sampleRollouts(endpoint, PROMPTS, { ...ROLLOUT, seed: 3 });
      const b = await sampleRollouts(endpoint, PROMPTS, { ...ROLLOUT, seed: 3 });
      assert.deepEqual(a, b);
      assert.deepEqual(a.map((r) => r.promptIndex), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
      assert.ok(a.every((r) => r.logProbs.length > 0 && r.responseTokens.length === 0));
    });
  });
  await t.step("retries 503s with backoff, then succeeds", async () => {
    const flaky = (attempt: number, forward: () => Promise<Response>) =>
      attempt <= 2 ? Promise.resolve(new Response("busy", { status: 503 })) : forward();
    await withServer(policy, flaky, async (endpoint, attempts) => {
      const t0 = performance.now();
      const rollouts = await sampleRollouts(endpoint, ["1="], { ...ROLLOUT, seed: 3 });
      assert.ok(performance.now() - t0 >= 10 + 20, "backoff waits 10 ms, then 20 ms");
      assert.equal(rollouts.length, 3);
      assert.equal(attempts(), 3);
    });
  });
  await t.step("a request that times out is retried", async () => {
    const slow = async (attempt: number, forward: () => Promise<Response>) => {
      if (attempt === 1) await new Promise((r) => setTimeout(r, 400));
      return forward();
    };
    await withServer(policy, slow, async (endpoint, attempts) => {
      const rollouts = await sampleRollouts({ ...endpoint, timeoutMs: 150 }, ["1="], {
        ...ROLLOUT,
        seed: 3,
      });
      assert.equal(rollouts.length, 3);
      assert.equal(attempts(), 2);
    });
  });
  await t.step("gives up after maxRetries with every cause", async () => {
    const down = () => Promise.resolve(new Response("oops", { status: 500 }));
    await withServer(policy, down, async (endpoint, attempts) => {
      await assert.rejects(
        sampleRollouts(endpoint, ["1="], { ...ROLLOUT, seed: 3 }),
        /gave up after 3 attempt\(s\): HTTP 500: oops \| HTTP 500: oops \| HTTP 500: oops/,
      );
      assert.equal(attempts(), 3);
    });
  });
  await t.step("a missing sample is an error, not a gap", async () => {
    const drops = async (_: number, forward: () => Promise<Response>) => {
      const body = await (await forward()).json();
      return Response.json({ ...body, choices: body.choices.slice(1) });
    };
    await withServer(policy, drops, async (endpoint) => {
      await assert.rejects(
        sampleRollouts(endpoint, ["1="], { ...ROLLOUT, seed: 3 }),
        /bad response: expected 3 choices, got 2/,
      );
    });
  });
  await t.step("a malformed body or a 400 fails at once with the server's message", async () => {
    const garbage = () => Promise.resolve(new Response("<html>", { status: 200 }));
    await withServer(policy, garbage, async (endpoint, attempts) => {
      await assert.rejects(
        sampleRollouts(endpoint, ["1="], { ...ROLLOUT, seed: 3 }),
        /bad response: body is not JSON, got "<html>"/,
      );
      assert.equal(attempts(), 1);
    });
    await withServer(policy, passThrough, async (endpoint, attempts) => {
      await assert.rejects(
        sampleRollouts(endpoint, ["1x"], { ...ROLLOUT, seed: 3 }),
        /HTTP 400: .*character the model.s tokenizer does not know, got \\"x\\" at position 1/,
      );
      assert.equal(attempts(), 1);
    });
  });
});

Deno.test("sampleRollouts() through the chat route of `serve`, and base URLs with /v1", async (t) => {
  using policy = Policy.create(CONFIG, { seed: 2 });
  await t.step("chat gives the completions route's rollouts: same text and log-probs", async () => {
    await withServer(policy, passThrough, async (endpoint) => {
      const options = { ...ROLLOUT, seed: 5, tokenizer };
      const completions = await sampleRollouts(endpoint, PROMPTS, options);
      for (
        const baseUrl of [endpoint.baseUrl, `${endpoint.baseUrl}/v1`, `${endpoint.baseUrl}/v1/`]
      ) {
        const chat = await sampleRollouts({ ...endpoint, baseUrl, api: "chat" }, PROMPTS, options);
        assert.deepEqual(chat, completions, baseUrl);
      }
      assert.ok(completions.some((r) => r.logProbs.length > 0));
    });
  });
  await t.step("the openai SDK's base URL, http://host/v1, works for completions", async () => {
    await withServer(policy, passThrough, async (endpoint) => {
      const options = { ...ROLLOUT, seed: 5 };
      const root = await sampleRollouts(endpoint, PROMPTS, options);
      const v1 = await sampleRollouts(
        { ...endpoint, baseUrl: `${endpoint.baseUrl}/v1` },
        PROMPTS,
        options,
      );
      assert.deepEqual(v1, root);
    });
  });
  await t.step(
    "the policy's template takes one user message: a system message is a 400",
    async () => {
      await withServer(policy, passThrough, async (endpoint, attempts) => {
        await assert.rejects(
          sampleRollouts({ ...endpoint, api: "chat", system: "Be brief." }, ["1="], {
            ...ROLLOUT,
            seed: 3,
          }),
          /HTTP 400: .*messages must be one user message.*got roles \\"system\\", \\"user\\"/,
        );
        assert.equal(attempts(), 1);
      });
    },
  );
});

Deno.test("sampleRollouts() from an endpoint keeps the prompts that completed", async (t) => {
  const prompts = ["p0", "p1", "p2", "p3", "p4"];
  await t.step("failed prompts are named, the others' rollouts are kept", async () => {
    await withFakeServer(
      ({ prompt }) => {
        if (prompt === "p1") return new Response("overloaded", { status: 500 });
        if (prompt === "p3") return Response.json({ choices: [] });
        return undefined;
      },
      async (endpoint) => {
        const progress: number[] = [];
        const options = {
          ...ROLLOUT,
          seed: 3,
          onProgress: (p: { done: number }) => progress.push(p.done),
        };
        const error = await sampleRollouts(endpoint, prompts, options).then(
          () => assert.fail("expected a PartialSamplingError"),
          (e) => e,
        );
        assert.ok(error instanceof PartialSamplingError, String(error));
        assert.match(error.message, /2 of 5 prompt\(s\) failed/);
        assert.match(error.message, /prompt 1 \("p1"\): .*gave up after 3 attempt\(s\): HTTP 500/);
        assert.match(error.message, /prompt 3 \("p3"\): .*expected 3 choices, got 0/);
        assert.deepEqual(error.failures.map((f) => [f.promptIndex, f.prompt]), [[1, "p1"], [
          3,
          "p3",
        ]]);
        assert.deepEqual(
          error.rollouts.map((r) => [r.promptIndex, r.sampleIndex, r.response]),
          [0, 2, 4].flatMap((i) => [0, 1, 2].map((j) => [i, j, `${i}p${j}`])),
        );
        assert.equal(progress.at(-1), 9);
      },
    );
  });
  await t.step("a malformed log-prob names the prompt and the token position", async () => {
    await withFakeServer(
      (request) =>
        request.prompt === "p2" ? Response.json(withTokenLogprob(request, 1, 0, 5)) : undefined,
      async (endpoint) => {
        await assert.rejects(
          sampleRollouts(endpoint, prompts, { ...ROLLOUT, seed: 3 }),
          (error) => {
            assert.ok(error instanceof PartialSamplingError);
            assert.match(
              error.message,
              /1 of 5 prompt\(s\) failed .*prompt 2 \("p2"\): .*choice 1 token_logprobs\[0\] must be a finite log-probability <= 0, got 5/,
            );
            assert.equal(error.rollouts.length, 12);
            return true;
          },
        );
      },
    );
  });
  await t.step("a dead server stops being asked after maxConsecutiveFailures", async () => {
    await withFakeServer(
      () => new Response("down", { status: 502 }),
      async (endpoint, requests) => {
        const dead = { ...endpoint, maxRetries: 0, concurrency: 1, maxConsecutiveFailures: 3 };
        await assert.rejects(
          sampleRollouts(dead, prompts, { ...ROLLOUT, seed: 3 }),
          (error) => {
            assert.ok(error instanceof PartialSamplingError);
            assert.equal(error.failures.length, 5);
            assert.match(error.failures[3].error, /not sent: the 3 prompts before it failed/);
            return true;
          },
        );
        assert.equal(requests.length, 3);
      },
    );
  });
});
