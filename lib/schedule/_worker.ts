// Web Worker behind WorkerPool (worker_pool.ts): its own tfjs + wasm instance, the task imported from
// its module, the base model loaded from disk; it runs one item at a time. Private file.
import { type AttentionChoice, initBackend, type MatMulChoice } from "../engine/backend.ts";
import { loadCheckpoint } from "../model/checkpoint.ts";
import { charTokenizer } from "../model/tokenizer.ts";
import type { Policy } from "../model/policy.ts";
import type { Tokenizer } from "../model/tokenizer.ts";
import { runWork, type WorkItem, type WorkProgress, type WorkResult } from "./work.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";

/** Messages the pool sends. */
export type WorkerRequest =
  | {
    type: "init";
    matmul: MatMulChoice;
    attention: AttentionChoice;
    task: { module: string; exportName: string };
    baseDir: string;
    baseId: string;
    cacheDir: string;
  }
  | { type: "work"; id: number; item: WorkItem };

/** Messages the worker sends back. */
export type WorkerResponse =
  | { type: "ready" }
  | { type: "progress"; id: number; progress: WorkProgress }
  | { type: "result"; id: number; result: WorkResult }
  | { type: "error"; id?: number; message: string };

let context:
  | {
    task: ProtocolTask<ProtocolProblem>;
    base: { policy: Policy; tokenizer: Tokenizer };
    cacheDir: string;
  }
  | undefined;

function post(message: WorkerResponse): void {
  (self as unknown as { postMessage(m: WorkerResponse): void }).postMessage(message);
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === "init") {
    try {
      await initBackend({ matmul: message.matmul, attention: message.attention });
      const module = await import(message.task.module);
      const task = module[message.task.exportName] as ProtocolTask<ProtocolProblem> | undefined;
      if (task === undefined) {
        throw new Error(`${message.task.module} has no export ${message.task.exportName}`);
      }
      const loaded = await loadCheckpoint(message.baseDir);
      if (loaded.fingerprint !== message.baseId || loaded.tokenizerAlphabet === undefined) {
        loaded.policy.dispose();
        throw new Error(
          `the base model in ${message.baseDir} is not the one the pool was given (fingerprint ` +
            `${loaded.fingerprint}, expected ${message.baseId})`,
        );
      }
      context = {
        task,
        base: { policy: loaded.policy, tokenizer: charTokenizer(loaded.tokenizerAlphabet) },
        cacheDir: message.cacheDir,
      };
      post({ type: "ready" });
    } catch (error) {
      post({ type: "error", message: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  const { id, item } = message;
  try {
    if (context === undefined) throw new Error("the worker was not initialised");
    const result = await runWork(item, {
      ...context,
      onProgress: (progress) => post({ type: "progress", id, progress }),
    });
    post({ type: "result", id, result });
  } catch (error) {
    post({ type: "error", id, message: error instanceof Error ? error.message : String(error) });
  }
};
