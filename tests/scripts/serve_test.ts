// `deno task serve` (scripts/serve.ts): the handler on a real loopback server, and the command
// itself as a subprocess (flags, and the model it serves without --checkpoint).
import assert from "node:assert/strict";
import { initBackend } from "../../lib/engine/backend.ts";
import { sampleRollouts } from "../../lib/rollout/sample_rollouts.ts";
import { loadBaseModel } from "../../lib/tasks/base_model.ts";
import { countdownPrompt } from "../../lib/tasks/countdown.ts";
import { completionsHandler } from "../../lib/rollout/completions_handler.ts";
import { assertClose } from "../_helpers.ts";

await initBackend();

const ROOT = new URL("../../", import.meta.url).pathname;
const PROMPT = countdownPrompt({ digits: [3, 9, 2, 5], target: 42 });

type Choice = {
  text: string;
  finish_reason: string;
  logprobs: { tokens: string[]; token_logprobs: number[]; entropies: number[] };
};

async function withHandlerServer(
  fn: (post: (body: string) => Promise<Response>) => Promise<void>,
): Promise<void> {
  const base = await loadBaseModel();
  using policy = base.policy;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    completionsHandler(policy, base.tokenizer),
  );
  const url = `http://127.0.0.1:${server.addr.port}/v1/completions`;
  try {
    await fn((body) => fetch(url, { method: "POST", body }));
  } finally {
    await server.shutdown();
  }
}

async function expectBadRequest(response: Response, pattern: RegExp): Promise<void> {
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.equal(body.error.type, "invalid_request_error");
  assert.ok("param" in body.error && typeof body.error.code === "string", JSON.stringify(body));
  assert.match(body.error.message, pattern);
  assert.doesNotMatch(body.error.message, /Cannot read properties/);
}

Deno.test("completionsHandler() honours stop strings", async (t) => {
  await withHandlerServer(async (post) => {
    const request = { prompt: PROMPT, n: 4, max_tokens: 30, seed: 7, logprobs: 1 };
    const full: Choice[] = (await (await post(JSON.stringify(request))).json()).choices;
    // The base model's working is steps separated by commas, then the boxed answer.
    const stop = ",";
    assert.ok(full.some((c) => c.text.includes(stop)), JSON.stringify(full.map((c) => c.text)));
    await t.step("a string: each completion is cut before its first occurrence", async () => {
      const response = await post(JSON.stringify({ ...request, stop }));
      assert.equal(response.status, 200);
      const cut: Choice[] = (await response.json()).choices;
      cut.forEach((c, i) => {
        const at = full[i].text.indexOf(stop);
        const expected = at < 0 ? full[i].text : full[i].text.slice(0, at);
        assert.equal(c.text, expected, `choice ${i}`);
        assert.ok(!c.text.includes(stop));
        assert.equal(c.finish_reason, at < 0 ? full[i].finish_reason : "stop");
        assert.equal(c.logprobs.tokens.join(""), c.text);
        assert.equal(c.logprobs.token_logprobs.length, c.logprobs.tokens.length);
        assert.equal(c.logprobs.entropies.length, c.logprobs.tokens.length);
        assert.deepEqual(
          c.logprobs.token_logprobs,
          full[i].logprobs.token_logprobs.slice(0, c.logprobs.tokens.length),
        );
      });
      assert.ok(cut.some((c, i) => c.text.length < full[i].text.length), "something was cut");
    });
    await t.step("a list: the earliest occurrence of any of them wins", async () => {
      const other = "=";
      const response = await post(JSON.stringify({ ...request, stop: ["zzz", stop, other] }));
      const cut: Choice[] = (await response.json()).choices;
      cut.forEach((c, i) => {
        const at = [stop, other].map((s) => full[i].text.indexOf(s)).filter((k) => k >= 0);
        const expected = at.length === 0 ? full[i].text : full[i].text.slice(0, Math.min(...at));
        assert.equal(c.text, expected, `choice ${i}`);
      });
    });
    await t.step("a stop string that never occurs changes nothing", async () => {
      const response = await post(JSON.stringify({ ...request, stop: "zzz" }));
      assert.deepEqual((await response.json()).choices, full);
    });
    await t.step("a malformed stop is a 400 naming it", async () => {
      for (const stop of [3, [""], [",", 1], ""]) {
        await expectBadRequest(
          await post(JSON.stringify({ ...request, stop })),
          /stop must be a non-empty string or an array of non-empty strings, got /,
        );
      }
    });
  });
});

Deno.test("completionsHandler() answers malformed requests with a 400 and a clear message", async (t) => {
  await withHandlerServer(async (post) => {
    await t.step("stream: true is refused", async () => {
      await expectBadRequest(
        await post(JSON.stringify({ prompt: PROMPT, stream: true })),
        /stream is not supported/,
      );
      const ok = await post(JSON.stringify({ prompt: PROMPT, stream: false, max_tokens: 2 }));
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    });
    await t.step("a body that is not a JSON object names what it is", async () => {
      await expectBadRequest(await post("null"), /body must be a JSON object, got null/);
      await expectBadRequest(await post("[1]"), /body must be a JSON object, got \[1\]/);
      await expectBadRequest(await post('"a"'), /body must be a JSON object, got "a"/);
      await expectBadRequest(await post("7"), /body must be a JSON object, got 7/);
      await expectBadRequest(await post("{"), /body must be JSON/);
    });
  });
});

async function runServe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/serve.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000), // a flag the script ignored would start a server
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("scripts/serve.ts rejects bad flags, naming them, and prints its usage", async (t) => {
  await t.step("a misspelt flag exits 2 naming it", async () => {
    const { code, stderr } = await runServe(["--chekpoint", "x"]);
    assert.equal(code, 2);
    assert.match(stderr, /unknown flag --chekpoint \(did you mean --checkpoint\?\)/);
    assert.match(stderr, /Usage: deno task serve/);
  });
  await t.step("an unknown backend exits 2 naming the value and the valid ones", async () => {
    const { code, stderr } = await runServe(["--backend", "foo"]);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /--backend must be one of wasm, cpu, tensorflow, tensorflow-gpu, webgpu, got "foo"/,
    );
  });
  await t.step("a bad port and stray arguments exit 2", async () => {
    assert.match((await runServe(["--port", "http"])).stderr, /--port must be an integer .*"http"/);
    assert.equal((await runServe(["8000"])).code, 2);
  });
  await t.step("--help prints every flag and exits 0", async () => {
    const { code, stdout } = await runServe(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: deno task serve/);
    for (
      const flag of [
        "checkpoint",
        "port",
        "model",
        "seed",
        "max-sequences",
        "max-request-tokens",
        "batch-size",
        "backend",
      ]
    ) {
      assert.match(stdout, new RegExp(`--${flag}\\b`));
    }
  });
});

Deno.test("scripts/serve.ts serves the shipped base model without --checkpoint", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/serve.ts", "--port", "0", "--model", "base"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    while (!/\n/.test(printed)) {
      const { value, done } = await reader.read();
      if (done) break;
      printed += value;
    }
    reader.releaseLock();
    const match = printed.match(/on (http:\/\/127\.0\.0\.1:\d+)\/v1\/completions/);
    assert.ok(match, `the server says where it listens, got ${JSON.stringify(printed)}`);
    const base = await loadBaseModel();
    using policy = base.policy;
    const prompt = PROMPT;
    const response = await fetch(`${match[1]}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({ prompt, n: 2, temperature: 0, max_tokens: 30, logprobs: 1 }),
    });
    assert.equal(response.status, 200);
    const choices: Choice[] = (await response.json()).choices;
    const local = await sampleRollouts(policy, [prompt], {
      samplesPerPrompt: 2,
      temperature: 1,
      topP: 1,
      topK: 0,
      greedy: true,
      maxNewTokens: 30,
      seed: 0,
      tokenizer: base.tokenizer,
    });
    // Greedy decoding of the base model: the same text and log-probs as loading it here. A
    // randomly initialised model would answer with other characters (or fail on the alphabet).
    choices.forEach((c, i) => {
      assert.equal(c.text, local[i].response);
      c.logprobs.token_logprobs.forEach((v, k) => assertClose(v, local[i].logProbs[k], 1e-4));
    });
    assert.match(choices[0].text, /\\boxed\{/);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await stderrText;
  }
});
