/**
 * A JSON answer to a long request that notices when its client leaves.
 *
 * Deno's HTTP/1.1 server (2.9) aborts `request.signal` while the handler runs only when the
 * request's body came in with its head, a few hundred bytes at most: a larger request (curl,
 * Python or the OpenAI SDK posting 32 prompts) whose client leaves is never seen to leave, and its
 * work runs to the end. While a response is being written, the server does notice, and cancels
 * the response's body stream. So work that outlasts its first part is answered as a stream: the
 * head (200) goes out, the JSON follows when the work is done, and a client that leaves cancels
 * the stream, which aborts the work.
 *
 * @module
 */

/** How an answer ended, for a request log: its status (499: the client left first) and code. */
export type AnswerEnd = { readonly status: number; readonly code?: string };

/** A response and how it ended (a promise: a streamed one ends after it is returned). */
export type StreamedAnswer = { readonly response: Response; readonly ended: Promise<AnswerEnd> };

/** Options of {@link streamedJson}. */
export type StreamedJsonOptions = {
  /** Resolves once the work has done its first part and more remains: then the answer streams. */
  readonly started: Promise<void>;
  /** Aborted when the client leaves (by the stream's cancel); the work stops on its signal. */
  readonly stop: AbortController;
  /** The status and code of a failure after the head was sent (then the stream is cut short). */
  readonly failure: (error: unknown) => AnswerEnd;
};

/** The end logged for a client that left before its answer was written. */
const CLIENT_LEFT: AnswerEnd = { status: 499, code: "client_disconnected" };

/**
 * Answers with the JSON value `work` resolves to: as a whole (`Response.json`) when it is done
 * before `started` resolves, else as a stream (see the module doc). A failure before `started` is
 * thrown, so the caller answers it with its own status; one after it ends the stream early, so
 * the client sees a broken response rather than a wrong one, and `ended` gives `failure`'s status
 * and code.
 *
 * @param work The answer's JSON value; it should stop when `stop` is aborted.
 * @param options When to stream, the controller the stream's cancel aborts, and how to log a
 *   failure.
 * @returns The response, and a promise of how it ended.
 * @throws What `work` throws before `started` resolves.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const options = { stop: new AbortController(), failure: () => ({ status: 500 }) };
 * const quick = await streamedJson(Promise.resolve({ a: 1 }), { ...options, started: new Promise(() => {}) });
 * assert.deepEqual([await quick.response.json(), await quick.ended], [{ a: 1 }, { status: 200 }]);
 * const slow = new Promise((resolve) => setTimeout(() => resolve({ a: 2 }), 10));
 * const streamed = await streamedJson(slow, { ...options, started: Promise.resolve() });
 * assert.deepEqual([await streamed.response.json(), await streamed.ended], [{ a: 2 }, { status: 200 }]);
 * ```
 */
export async function streamedJson(
  work: Promise<unknown>,
  options: StreamedJsonOptions,
): Promise<StreamedAnswer> {
  const { started, stop, failure } = options;
  const whole = await Promise.race([work.then((value) => ({ value })), started.then(() => null)]);
  if (whole !== null) {
    return { response: Response.json(whole.value), ended: Promise.resolve({ status: 200 }) };
  }
  const { promise: ended, resolve: end } = Promise.withResolvers<AnswerEnd>();
  const body = new ReadableStream<Uint8Array>({
    start(controller): void {
      work.then((value) => {
        if (stop.signal.aborted) return end(CLIENT_LEFT);
        controller.enqueue(new TextEncoder().encode(JSON.stringify(value)));
        controller.close();
        end({ status: 200 });
      }, (error) => {
        if (stop.signal.aborted) return end(CLIENT_LEFT);
        controller.error(error);
        end(failure(error));
      });
    },
    cancel(): void {
      stop.abort();
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "application/json" } }),
    ended,
  };
}
