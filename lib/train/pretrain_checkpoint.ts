/**
 * Pretraining checkpoints, so that a run never loses its work: every `checkpointEvery` steps and
 * at a stop, the weights, the optimizer state and the loss curve so far are written as one
 * directory, under a temporary name first and renamed into place, so a kill at any moment
 * leaves the previous checkpoint whole.
 *
 * Layout under a pretraining run's output folder:
 * ```
 * checkpoints/step-000200/   model.safetensors + config.json (savePolicy: the metadata says
 *                            which step of how many), pretrain_state.safetensors,
 *                            pretrain_history.json
 * ```
 * The newest {@link KEPT_CHECKPOINTS} are kept, so a corrupt newest one has an intact one before
 * it. The same four files directly in the folder are a stopped run's output (its metadata says
 * `interrupted`), which a resume may also continue.
 *
 * @module
 */
import { join } from "node:path";
import { readJsonFile } from "../_io/read_json_file.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import { loadCheckpoint, savePolicy } from "../model/checkpoint.ts";
import type { Policy } from "../model/policy.ts";
import { loadPretrainState, type PretrainState, savePretrainState } from "./pretrain.ts";

/** One row of the loss curve (`pretrain_history.json`). */
export type PretrainHistoryRow = {
  /** Step, counted over every stage of a staged base. */
  readonly step: number;
  /** Masked mean cross-entropy of the step's batch. */
  readonly loss: number;
  /** Seconds since the first stage started. */
  readonly seconds: number;
};

/** What a pretraining checkpoint holds besides the weights. */
export type PretrainCheckpoint = {
  /** Steps done and the optimizer's state. */
  readonly state: PretrainState;
  /** The loss curve so far. */
  readonly history: readonly PretrainHistoryRow[];
  /** The checkpoint's metadata (config.json): command, settings, which step of how many. */
  readonly metadata: Record<string, unknown>;
};

/** What {@link loadPretrainCheckpoint} returns. */
export type LoadedPretrainCheckpoint = PretrainCheckpoint & {
  /** The restored policy; the caller owns it. */
  readonly policy: Policy;
  /** The directory it came from. */
  readonly dir: string;
  /** Newer checkpoints passed over as corrupt, each with what is wrong (naming the file). */
  readonly skipped: readonly { readonly dir: string; readonly reason: string }[];
};

/** Checkpoint directories kept: the newest, and one before it should the newest be corrupt. */
export const KEPT_CHECKPOINTS = 2;
const HISTORY_FILE = "pretrain_history.json";
const CHECKPOINT_DIR = /^step-(\d+)$/;
const TEMPORARY = /^\..+\.tmp$/;

/**
 * Writes a checkpoint's four files into `dir` (created if needed), each atomically. Callers that
 * need the four to change together write into a fresh directory (as
 * {@link savePretrainCheckpoint} does).
 *
 * @param dir The folder.
 * @param policy The policy being trained.
 * @param checkpoint Its state, loss curve and metadata.
 * @param options The tokenizer alphabet to record.
 * @returns A promise that resolves once the files are in place.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Policy } from "../model/policy.ts";
 * const config = { vocabSize: 5, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * const dir = await Deno.makeTempDir();
 * const state = { step: 0, optimizer: { step: 0, firstMoments: [], secondMoments: [] } };
 * await writePretrainFiles(dir, policy, { state, history: [], metadata: {} });
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/pretrain_history.json`)), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writePretrainFiles(
  dir: string,
  policy: Policy,
  checkpoint: PretrainCheckpoint,
  options: { readonly tokenizerAlphabet?: string } = {},
): Promise<void> {
  const { state, history, metadata } = checkpoint;
  await Deno.mkdir(dir, { recursive: true });
  await savePretrainState(dir, state);
  await writeTextFileAtomic(join(dir, HISTORY_FILE), JSON.stringify(history) + "\n");
  // config.json last: it records the weights' fingerprint, so a save cut short before it fails
  // the fingerprint check at load instead of passing for a whole checkpoint.
  await savePolicy(policy, dir, { tokenizerAlphabet: options.tokenizerAlphabet, metadata });
}

/**
 * Writes a checkpoint as `<dir>/checkpoints/step-NNNNNN/` (a temporary directory renamed into
 * place), then removes all but the newest {@link KEPT_CHECKPOINTS}.
 *
 * @param dir The run's output folder (created if needed).
 * @param policy The policy being trained.
 * @param checkpoint Its state, loss curve and metadata.
 * @param options The tokenizer alphabet to record.
 * @returns The checkpoint's directory.
 * @throws {Deno.errors.PermissionDenied} (or another I/O error naming the path) when `dir` is
 *   not writable; the previous checkpoints are then untouched.
 */
export async function savePretrainCheckpoint(
  dir: string,
  policy: Policy,
  checkpoint: PretrainCheckpoint,
  options: { readonly tokenizerAlphabet?: string } = {},
): Promise<string> {
  const root = join(dir, "checkpoints");
  await Deno.mkdir(root, { recursive: true });
  const name = `step-${String(checkpoint.state.step).padStart(6, "0")}`;
  const temporary = await Deno.makeTempDir({ dir: root, prefix: `.${name}.`, suffix: ".tmp" });
  try {
    await writePretrainFiles(temporary, policy, checkpoint, options);
    await Deno.remove(join(root, name), { recursive: true }).catch(() => {});
    await Deno.rename(temporary, join(root, name));
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    throw error;
  }
  // Checkpoints of later steps predate a resume that passed over them as corrupt: they go, so
  // that they never take the place of an intact one among the newest kept.
  const steps = await checkpointSteps(root);
  const stale = steps.filter(([, step]) => step > checkpoint.state.step);
  const older = steps.filter(([, step]) => step <= checkpoint.state.step).slice(KEPT_CHECKPOINTS);
  for (const [old] of [...stale, ...older]) await Deno.remove(join(root, old), { recursive: true });
  return join(root, name);
}

/** The checkpoint directories under `root`, newest first (orphan temporaries removed). */
async function checkpointSteps(root: string): Promise<[string, number][]> {
  const steps: [string, number][] = [];
  try {
    for await (const entry of Deno.readDir(root)) {
      if (TEMPORARY.test(entry.name)) {
        await Deno.remove(join(root, entry.name), { recursive: true }).catch(() => {});
      }
      const match = CHECKPOINT_DIR.exec(entry.name);
      if (match !== null && entry.isDirectory) steps.push([entry.name, Number(match[1])]);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return steps.sort(([, a], [, b]) => b - a);
}

/**
 * Reads the four files {@link writePretrainFiles} wrote, checking that they agree.
 *
 * @param dir The folder.
 * @returns The checkpoint (the caller owns its policy), or null when `dir` holds no optimizer
 *   state (a finished run's output, or nothing).
 * @throws {TypeError} If a file is malformed or the files disagree on the step (naming them).
 */
export async function readPretrainFiles(
  dir: string,
): Promise<(PretrainCheckpoint & { policy: Policy }) | null> {
  const state = await loadPretrainState(dir);
  if (state === null) return null;
  const historyPath = join(dir, HISTORY_FILE);
  const history = await readJsonFile(historyPath);
  if (!Array.isArray(history)) {
    throw new TypeError(`Cannot load ${historyPath}: it must be an array, got ${typeof history}`);
  }
  const { policy, metadata } = await loadCheckpoint(dir);
  const marked = (metadata.interrupted ?? metadata.checkpoint) as { step?: unknown } | undefined;
  if (marked?.step !== state.step) {
    policy.dispose();
    throw new TypeError(
      `Cannot load the pretraining checkpoint in ${dir}: config.json records step ${
        JSON.stringify(marked?.step)
      }, pretrain_state.safetensors step ${state.step}`,
    );
  }
  return { policy, state, history: history as PretrainHistoryRow[], metadata };
}

/**
 * Loads the newest intact pretraining checkpoint of a run: the newest of
 * `<dir>/checkpoints/step-*` that loads, else a stopped run's files in `dir` itself. Orphan
 * temporaries of a save cut short are removed, and corrupt checkpoints passed over are reported
 * in `skipped`.
 *
 * @param dir The run's output folder.
 * @returns The checkpoint (the caller owns its policy), or null when there is none to resume.
 * @throws {TypeError} If checkpoints exist but none loads (each one's reason, naming its file).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await loadPretrainCheckpoint(await Deno.makeTempDir()), null);
 * ```
 */
export async function loadPretrainCheckpoint(
  dir: string,
): Promise<LoadedPretrainCheckpoint | null> {
  const root = join(dir, "checkpoints");
  const candidates = [...(await checkpointSteps(root)).map(([name]) => join(root, name)), dir];
  const skipped: { dir: string; reason: string }[] = [];
  for (const candidate of candidates) {
    try {
      const loaded = await readPretrainFiles(candidate);
      if (loaded !== null) return { ...loaded, dir: candidate, skipped };
      if (candidate !== dir) skipped.push({ dir: candidate, reason: "no pretrain state" });
    } catch (error) {
      if (candidate === dir && error instanceof Deno.errors.NotFound) continue;
      skipped.push({ dir: candidate, reason: error instanceof Error ? error.message : `${error}` });
    }
  }
  if (skipped.length === 0) return null;
  throw new TypeError(
    `Cannot resume pretraining from ${dir}: no checkpoint loads, got ${
      skipped.map((s) => `${s.dir}: ${s.reason}`).join("; ")
    }`,
  );
}
