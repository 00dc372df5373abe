/**
 * Starting a pool of module Web Workers (the sampling, gradient and protocol job pools): each
 * gets an `init` message and must answer `{ type: "ready" }` before the pool is used.
 *
 * @module
 */

/**
 * Starts `count` module workers from `url`, sends each `init`, and waits until each answers
 * `{ type: "ready" }`. An `{ type: "error", message }` answer or a start-up error rejects, and
 * then every worker is terminated, so a failed start leaves nothing running.
 *
 * @param url The worker module.
 * @param count How many workers.
 * @param init The first message each receives.
 * @param label What the workers are for, in error messages (e.g. "sampling").
 * @returns The ready workers; the caller terminates them.
 * @throws {Error} If a worker fails to start or answers with an error (its message is kept).
 */
export async function startWorkers(
  url: string,
  count: number,
  init: unknown,
  label: string,
): Promise<Worker[]> {
  const list = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  try {
    await Promise.all(list.map((worker) =>
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<{ type: string; message?: string }>) => {
          if (event.data.type === "ready") resolve();
          else if (event.data.type === "error") {
            reject(new Error(`Cannot start a ${label} worker: ${event.data.message}`));
          }
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          reject(new Error(`Cannot start a ${label} worker: ${event.message}`));
        };
        worker.postMessage(init);
      })
    ));
  } catch (error) {
    list.forEach((worker) => worker.terminate());
    throw error;
  }
  return list;
}
