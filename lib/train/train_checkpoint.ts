/**
 * Training checkpoints: the policy's weights, the optimizers' moments, the step and the log so
 * far, written so that a crash at any moment leaves the previous checkpoint intact.
 *
 * Layout under a run's `outDir`:
 * ```
 * config.json                  the experiment config
 * metrics.jsonl                one TrainRecord per line (appended each step)
 * checkpoints/latest.json      {"step": s, "dir": "step-00000s"}, replaced atomically
 * checkpoints/step-00000s/     policy/ (savePolicy), optimizer.bin, state.json
 * ```
 * A checkpoint directory is written under a temporary name and renamed into place; only then
 * does `latest.json` point at it. PRNG positions need no saving: every random stream of step s
 * is derived from (seed, s).
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { AdamWState } from "../objective/adamw.ts";
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import type { EvalMetrics, StepMetrics } from "./metrics.ts";
import { loadPolicy, savePolicy } from "../model/checkpoint.ts";
import type { Policy } from "../model/policy.ts";

/** What a checkpoint restores besides the weights. */
export type TrainCheckpoint = {
  /** The last completed RL step. */
  step: number;
  /** Actor optimizer state. */
  actor: AdamWState;
  /** Critic optimizer state (PPO), else null. */
  critic: AdamWState | null;
  /** The log up to `step`, so the JSONL file can be rebuilt exactly. */
  log: { steps: StepMetrics[]; evals: EvalMetrics[] };
};

type StateFile = {
  step: number;
  actorStep: number;
  criticStep: number | null;
  actorSizes: number[];
  criticSizes: number[] | null;
  log: TrainCheckpoint["log"];
};

function momentsBytes(states: (AdamWState | null)[]): Uint8Array {
  const arrays = states.flatMap((s) => (s === null ? [] : [...s.firstMoments, ...s.secondMoments]));
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) (out.set(a, offset), offset += a.length);
  return new Uint8Array(out.buffer);
}

function readMoments(
  data: Float32Array,
  sizes: number[],
  offset: number,
): [AdamWState["firstMoments"], AdamWState["secondMoments"], number] {
  const take = (): Float32Array[] =>
    sizes.map((n) => {
      const a = data.slice(offset, offset + n);
      offset += n;
      return a;
    });
  const first = take();
  const second = take();
  return [first, second, offset];
}

/** Options of {@link saveTrainCheckpoint}. */
export type SaveTrainCheckpointOptions = {
  /**
   * The alphabet of the policy's `charTokenizer` (`charTokenizerAlphabet`), kept in the policy's
   * `config.json` so that the checkpoint can be loaded and served on its own.
   */
  tokenizerAlphabet?: string;
};

/**
 * Writes a checkpoint under `outDir/checkpoints/` and points `latest.json` at it.
 *
 * @param outDir The run directory (must exist).
 * @param policy The policy being trained.
 * @param checkpoint Step, optimizer states and the log so far.
 * @param options The tokenizer alphabet to keep beside the weights.
 * @returns A promise that resolves once `latest.json` names the new checkpoint.
 */
export async function saveTrainCheckpoint(
  outDir: string,
  policy: Policy,
  checkpoint: TrainCheckpoint,
  options: SaveTrainCheckpointOptions = {},
): Promise<void> {
  const { tokenizerAlphabet } = options;
  const { step, actor, critic, log } = checkpoint;
  const root = join(outDir, "checkpoints");
  await Deno.mkdir(root, { recursive: true });
  const name = `step-${String(step).padStart(6, "0")}`;
  const temporary = await Deno.makeTempDir({ dir: root, prefix: `.${name}.`, suffix: ".tmp" });
  try {
    await savePolicy(policy, join(temporary, "policy"), { tokenizerAlphabet, metadata: { step } });
    await Deno.writeFile(join(temporary, "optimizer.bin"), momentsBytes([actor, critic]));
    const state: StateFile = {
      step,
      actorStep: actor.step,
      criticStep: critic?.step ?? null,
      actorSizes: actor.firstMoments.map((m) => m.length),
      criticSizes: critic?.firstMoments.map((m) => m.length) ?? null,
      log,
    };
    await Deno.writeTextFile(join(temporary, "state.json"), JSON.stringify(state));
    await Deno.remove(join(root, name), { recursive: true }).catch(() => {});
    await Deno.rename(temporary, join(root, name));
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    throw error;
  }
  await writeTextFileAtomic(join(root, "latest.json"), JSON.stringify({ step, dir: name }) + "\n");
}

/**
 * Loads the checkpoint `latest.json` points at, if any.
 *
 * @param outDir The run directory.
 * @returns The policy (caller owns it) and the rest of the state, or null when there is none.
 * @throws {TypeError} If the checkpoint files are inconsistent.
 */
export async function loadTrainCheckpoint(
  outDir: string,
): Promise<{ policy: Policy; checkpoint: TrainCheckpoint } | null> {
  const root = join(outDir, "checkpoints");
  let latest: { step: number; dir: string };
  try {
    latest = JSON.parse(await Deno.readTextFile(join(root, "latest.json")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const dir = join(root, latest.dir);
  const state: StateFile = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
  const bytes = await Deno.readFile(join(dir, "optimizer.bin"));
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const [actorFirst, actorSecond, offset] = readMoments(data, state.actorSizes, 0);
  let critic: AdamWState | null = null;
  let end = offset;
  if (state.criticSizes !== null && state.criticStep !== null) {
    const [first, second, after] = readMoments(data, state.criticSizes, offset);
    critic = { step: state.criticStep, firstMoments: first, secondMoments: second };
    end = after;
  }
  if (end !== data.length) {
    throw new TypeError(
      `Cannot load the training checkpoint: optimizer.bin holds ${data.length} numbers, expected ${end}`,
    );
  }
  const policy = await loadPolicy(join(dir, "policy"));
  return {
    policy,
    checkpoint: {
      step: state.step,
      actor: { step: state.actorStep, firstMoments: actorFirst, secondMoments: actorSecond },
      critic,
      log: state.log,
    },
  };
}

/**
 * Seeds an empty run directory with another run's latest checkpoint (and its log), so that
 * `train` there resumes from it: how a longer run of the same config continues a shorter one
 * instead of redoing its steps. Copies under a temporary name, then renames, as a checkpoint
 * is written. Does nothing when `to` already holds a checkpoint.
 *
 * @param from A run directory with a checkpoint.
 * @param to The run directory to seed (created if needed).
 * @returns The step the copied checkpoint holds, or null when `to` had its own.
 * @throws {RangeError} If `from` holds no checkpoint.
 */
export async function copyLatestCheckpoint(from: string, to: string): Promise<number | null> {
  const target = join(to, "checkpoints");
  try {
    await Deno.stat(join(target, "latest.json"));
    return null;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  let latest: { step: number; dir: string };
  try {
    latest = JSON.parse(await Deno.readTextFile(join(from, "checkpoints", "latest.json")));
  } catch {
    throw new RangeError(`Cannot continue a run: ${from} holds no checkpoint`);
  }
  await Deno.mkdir(target, { recursive: true });
  const temporary = await Deno.makeTempDir({
    dir: target,
    prefix: `.${latest.dir}.`,
    suffix: ".tmp",
  });
  try {
    await copyTree(join(from, "checkpoints", latest.dir), temporary);
    await Deno.remove(join(target, latest.dir), { recursive: true }).catch(() => {});
    await Deno.rename(temporary, join(target, latest.dir));
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    throw error;
  }
  for (const file of ["metrics.jsonl", "config.json"]) {
    await Deno.copyFile(join(from, file), join(to, file));
  }
  await writeTextFileAtomic(join(target, "latest.json"), JSON.stringify(latest) + "\n");
  return latest.step;
}

async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/**
 * The step of a run directory's latest checkpoint (`checkpoints/latest.json`), 0 when it has none.
 *
 * @param outDir The run directory.
 * @returns The step.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(await latestCheckpointStep("/nonexistent"), 0);
 * ```
 */
export async function latestCheckpointStep(outDir: string): Promise<number> {
  try {
    const latest = JSON.parse(await Deno.readTextFile(join(outDir, "checkpoints", "latest.json")));
    return latest.step;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

/** Where {@link findCheckpoint} found a policy. */
export type FoundCheckpoint = {
  /** The policy directory (`config.json` and `model.safetensors`). */
  policyDir: string;
  /** The RL step it was saved at (0 for a policy that is no run's checkpoint, such as a base). */
  step: number;
  /** The run directory it belongs to, or null when it is no run's checkpoint. */
  runDir: string | null;
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return false;
    }
    throw error;
  }
}

/**
 * Finds the policy a path names, whichever level of a run it points at: a run directory (its
 * latest checkpoint), its `checkpoints/` folder (the latest), one checkpoint
 * (`checkpoints/step-000050`), that checkpoint's `policy/`, or a policy checkpoint that belongs to
 * no run (a base model such as `data/base`).
 *
 * @param path The path.
 * @returns The policy directory, its step and its run directory.
 * @throws {RangeError} If the path is none of these (the message says what is missing).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const found = await findCheckpoint(new URL("../../data/base", import.meta.url).pathname);
 * assert.deepEqual([found.step, found.runDir], [0, null]);
 * await assert.rejects(findCheckpoint("/nonexistent"), /Cannot find a checkpoint/);
 * ```
 */
export async function findCheckpoint(path: string): Promise<FoundCheckpoint> {
  const dir = path.replace(/\/+$/, "") || "/";
  const latestOf = async (root: string): Promise<{ step: number; dir: string }> =>
    JSON.parse(await Deno.readTextFile(join(root, "latest.json")));
  if (await isFile(join(dir, "checkpoints", "latest.json"))) {
    const latest = await latestOf(join(dir, "checkpoints"));
    return {
      policyDir: join(dir, "checkpoints", latest.dir, "policy"),
      step: latest.step,
      runDir: dir,
    };
  }
  if (await isFile(join(dir, "latest.json"))) {
    const latest = await latestOf(dir);
    return { policyDir: join(dir, latest.dir, "policy"), step: latest.step, runDir: dirname(dir) };
  }
  if (await isFile(join(dir, "state.json")) && await isFile(join(dir, "policy", "config.json"))) {
    const state: StateFile = JSON.parse(await Deno.readTextFile(join(dir, "state.json")));
    return { policyDir: join(dir, "policy"), step: state.step, runDir: dirname(dirname(dir)) };
  }
  if (await isFile(join(dir, "config.json"))) {
    const checkpoint = dirname(dir);
    if (basename(dir) === "policy" && await isFile(join(checkpoint, "state.json"))) {
      const state: StateFile = JSON.parse(await Deno.readTextFile(join(checkpoint, "state.json")));
      return { policyDir: dir, step: state.step, runDir: dirname(dirname(checkpoint)) };
    }
    return { policyDir: dir, step: 0, runDir: null };
  }
  throw new RangeError(
    `Cannot find a checkpoint: ${path} must be a run directory, one of its checkpoints or a ` +
      `policy directory, got a path without checkpoints/latest.json, latest.json, state.json or ` +
      `config.json`,
  );
}
