// Web Worker behind screenInWorker (salvage_study.ts): screens a study base on its own core while
// the bases' protocols run on the scheduler's workers. Its own tfjs + wasm instance, initialised
// with the caller's kernels, so a screen here computes what it would on the caller's thread.
// Private file.
import { initBackend } from "../engine/backend.ts";
import type { AttentionChoice, MatMulChoice } from "../engine/backend.ts";
import { loadBaseModel } from "./base_model.ts";
import type { CountdownProblem } from "./countdown.ts";
import { type BaseScreen, screenBase, type ScreenOptions } from "./salvage_screen.ts";

/** Messages the caller sends. */
export type ScreenRequest =
  | { type: "init"; matmul: MatMulChoice; attention: AttentionChoice }
  | {
    type: "screen";
    /** The base's checkpoint directory (absolute). */
    dir: string;
    problems: (CountdownProblem & { id: string })[];
    options: Omit<ScreenOptions, "tokenizer">;
  };

/** Messages the worker sends back. */
export type ScreenResponse =
  | { type: "ready" }
  | { type: "result"; screen: BaseScreen }
  | { type: "error"; message: string };

function post(message: ScreenResponse): void {
  (self as unknown as { postMessage(m: ScreenResponse): void }).postMessage(message);
}

self.onmessage = async (event: MessageEvent<ScreenRequest>) => {
  const message = event.data;
  try {
    if (message.type === "init") {
      await initBackend({ backend: "wasm", matmul: message.matmul, attention: message.attention });
      post({ type: "ready" });
      return;
    }
    const loaded = await loadBaseModel({ dir: message.dir });
    try {
      const screen = await screenBase(loaded.policy, message.problems, {
        ...message.options,
        tokenizer: loaded.tokenizer,
      });
      post({ type: "result", screen });
    } finally {
      loaded.policy.dispose();
    }
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
};
