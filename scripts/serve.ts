// deno-lint-ignore-file no-console -- a command prints where it listens
/**
 * `deno task serve`: exposes a local policy as an OpenAI-compatible `/v1/completions` server on
 * loopback, so the same rollout client drives it and real models (vLLM, SGLang, llama.cpp), and
 * `/v1/chat/completions` with the policy's own template (lib/rollout/chat_request.ts). The
 * server itself is lib/rollout/completions_handler.ts; this command loads the policy, serves it
 * and logs each request on stderr.
 *
 * Usage: `deno task serve [--checkpoint DIR] [--port 8000] [--model NAME] [--seed 0]
 * [--max-sequences 1024] [--max-request-tokens 65536] [--batch-size 256]
 * [--backend wasm|cpu|tensorflow|tensorflow-gpu|webgpu]` (`--help` lists them). `--checkpoint`
 * takes a training run's directory (its latest checkpoint), any of its checkpoints, or a policy
 * directory (a base, a pretraining checkpoint); without it the server serves the shipped base
 * model (`data/base/`), never a random one.
 *
 * Requests: `model` (the served name, or left out; another is a 404), `prompt` (a string or an
 * array of strings), `n`, `temperature` (0 = greedy), `top_p`, `top_k` (vLLM's extension, -1 or
 * 0 disables), `max_tokens` (prompt plus max_tokens must fit the context, else a 400), `seed`,
 * `logprobs` (0 to 20 alternatives per token, with `top_logprobs` and `text_offset`), `stop` and
 * `user`. `stream`, `echo`, `best_of`, the penalties, `logit_bias` and `suffix` are refused with a
 * 400 unless at their neutral value, and so is any unknown field (naming it). A request of more
 * than --max-sequences completions (prompts × n) or --max-request-tokens tokens is a 400. Other
 * requests are answered while a large one runs, and a client that disconnects stops its work.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
import { BACKEND_NAMES, initBackend } from "../lib/engine/backend.ts";
import { completionsHandler, SERVER_DEFAULTS } from "../lib/rollout/completions_handler.ts";
import type { Policy } from "../lib/model/policy.ts";
import type { Tokenizer } from "../lib/model/tokenizer.ts";
import { BASE_MODEL_DIR, loadBaseModel, unfinishedPretraining } from "../lib/tasks/base_model.ts";
import { loadRunPolicy } from "../lib/train/run_training.ts";
import { findCheckpoint } from "../lib/train/train_checkpoint.ts";

/** The command line of `deno task serve`. */
const FLAGS = {
  checkpoint: {
    type: "string",
    placeholder: "DIR",
    help: "A run directory, one of its checkpoints, or a policy directory (with a tokenizer " +
      "alphabet). Default: the shipped base, data/base.",
  },
  port: {
    type: "integer",
    default: 8000,
    min: 0,
    max: 65535,
    help: "Port on 127.0.0.1 (0: any free one).",
  },
  model: {
    type: "string",
    default: "rlvr-kit-policy",
    placeholder: "NAME",
    help: "Model name in responses and /v1/models.",
  },
  seed: {
    type: "integer",
    default: 0,
    min: 0,
    help: "Seed of the first request that sends none; each such request advances it.",
  },
  "max-sequences": {
    type: "integer",
    default: SERVER_DEFAULTS.maxSequences,
    min: 1,
    help: "Most completions (prompts × n) one request may ask for.",
  },
  "max-request-tokens": {
    type: "integer",
    default: SERVER_DEFAULTS.maxTokens,
    min: 1,
    help: "Most tokens (prompt plus max_tokens, over its completions) one request may ask for.",
  },
  "batch-size": {
    type: "integer",
    default: SERVER_DEFAULTS.batchSize,
    min: 1,
    help: "Completions sampled between two looks at other requests and at disconnects.",
  },
  backend: { type: "enum", values: BACKEND_NAMES, default: "wasm", help: "TensorFlow.js backend." },
} as const;

/**
 * The policy `--checkpoint` names: a run's checkpoint (`loadRunPolicy`), else a base or a
 * pretraining checkpoint (an unfinished one may be served, to inspect it, with a word). A path
 * that holds neither is its message and exit status 1.
 */
async function loadServedPolicy(
  dir: string,
): Promise<{ policy: Policy; tokenizer: Tokenizer; step: number }> {
  try {
    if ((await findCheckpoint(dir)).runDir !== null) return await loadRunPolicy({ dir });
    const { policy, tokenizer, metadata } = await loadBaseModel({ dir, allowUnfinished: true });
    const unfinished = unfinishedPretraining(metadata);
    if (unfinished !== null) {
      console.error(`serving ${dir}, whose pretraining did not finish (${unfinished})`);
    }
    return { policy, tokenizer, step: 0 };
  } catch (error) {
    if (!(error instanceof RangeError || error instanceof TypeError)) throw error;
    console.error(error.message);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  const { values } = parseCommandLine(Deno.args, FLAGS, {
    usage: "deno task serve [--checkpoint DIR] [--port 8000] [--model NAME] [--seed 0] " +
      "[--max-sequences 1024] [--max-request-tokens 65536] [--batch-size 256] " +
      `[--backend ${BACKEND_NAMES.join("|")}]`,
    description: "Serves a policy as an OpenAI-compatible /v1/completions and " +
      "/v1/chat/completions endpoint on 127.0.0.1.",
  });
  const backend = await initBackend({ backend: values.backend });
  if (backend.fallbackReason !== undefined) {
    console.error(`backend ${values.backend} unavailable, using cpu: ${backend.fallbackReason}`);
  }
  const dir = values.checkpoint ?? BASE_MODEL_DIR;
  const { policy, tokenizer, step } = await loadServedPolicy(dir);
  Deno.serve(
    {
      hostname: "127.0.0.1",
      port: values.port,
      onListen: ({ hostname, port }) =>
        console.log(
          `serving ${values.model} (${dir}${step > 0 ? `, step ${step}` : ""}) on ` +
            `http://${hostname}:${port}/v1/completions and /v1/chat/completions`,
        ),
    },
    completionsHandler(policy, tokenizer, {
      modelName: values.model,
      seed: values.seed,
      maxSequences: values["max-sequences"],
      maxTokens: values["max-request-tokens"],
      batchSize: values["batch-size"],
      onRequest: ({ method, path, status, ms, sequences, sampled, code }) =>
        console.error(
          `${method} ${path} ${status}${code === undefined ? "" : ` ${code}`}${
            sequences === undefined ? "" : ` ${sampled ?? 0}/${sequences} completions`
          } ${ms.toFixed(0)} ms`,
        ),
    }),
  );
}
