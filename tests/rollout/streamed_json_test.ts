import assert from "node:assert/strict";
import { type AnswerEnd, streamedJson } from "../../lib/rollout/streamed_json.ts";

const FAILURE = (): AnswerEnd => ({ status: 500, code: "internal_error" });
const NEVER = new Promise<void>(() => {});

/** Work that resolves to `value` once `release` is called. */
function pending(value: unknown): { work: Promise<unknown>; release: () => void } {
  const { promise, resolve } = Promise.withResolvers<unknown>();
  return { work: promise, release: () => resolve(value) };
}

Deno.test("streamedJson() answers at once, or as a stream that notices a client that leaves", async (t) => {
  await t.step("work done before it started: a whole answer", async () => {
    const stop = new AbortController();
    const { response, ended } = await streamedJson(Promise.resolve({ a: 1 }), {
      started: NEVER,
      stop,
      failure: FAILURE,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { a: 1 });
    assert.deepEqual(await ended, { status: 200 });
  });

  await t.step("a failure before it started is thrown, for the caller's own status", async () => {
    const stop = new AbortController();
    const work = Promise.reject(new RangeError("bad request"));
    await assert.rejects(
      streamedJson(work, { started: NEVER, stop, failure: FAILURE }),
      /bad request/,
    );
  });

  await t.step("work that goes on: the head first, the JSON when it is done", async () => {
    const stop = new AbortController();
    const { work, release } = pending({ b: 2 });
    const { response, ended } = await streamedJson(work, {
      started: Promise.resolve(),
      stop,
      failure: FAILURE,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json");
    release();
    assert.deepEqual(await response.json(), { b: 2 });
    assert.deepEqual(await ended, { status: 200 });
    assert.equal(stop.signal.aborted, false);
  });

  await t.step("a client that leaves cancels the stream, which aborts the work", async () => {
    const stop = new AbortController();
    const work = new Promise((_, reject) =>
      stop.signal.addEventListener("abort", () => reject(stop.signal.reason))
    );
    const { response, ended } = await streamedJson(work, {
      started: Promise.resolve(),
      stop,
      failure: FAILURE,
    });
    await response.body?.cancel();
    assert.equal(stop.signal.aborted, true);
    assert.deepEqual(await ended, { status: 499, code: "client_disconnected" });
  });

  await t.step("a failure after the head cuts the stream short and is logged", async () => {
    const stop = new AbortController();
    const { promise: work, reject } = Promise.withResolvers<unknown>();
    const { response, ended } = await streamedJson(work, {
      started: Promise.resolve(),
      stop,
      failure: FAILURE,
    });
    reject(new Error("non-finite log-probs"));
    await assert.rejects(response.json(), /non-finite log-probs/);
    assert.deepEqual(await ended, { status: 500, code: "internal_error" });
  });
});
