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
import type { AdamWState } from "./adamw.ts";
import { readJsonFile } from "../_io/read_json_file.ts";
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

/** A checkpoint that {@link loadTrainCheckpoint} passed over, and why. */
export type SkippedCheckpoint = {
  /** Its directory, e.g. `runs/x/checkpoints/step-000004`. */
  readonly dir: string;
  /** What is wrong with it, naming the file. */
  readonly reason: string;
};

/** What {@link loadTrainCheckpoint} returns. */
export type LoadedTrainCheckpoint = {
  /** The restored policy; the caller owns it. */
  policy: Policy;
  /** Step, optimizer states and log. */
  checkpoint: TrainCheckpoint;
  /** The checkpoint directory it came from. */
  dir: string;
  /** Newer checkpoints that are corrupt, newest first (empty when the newest loaded). */
  skipped: SkippedCheckpoint[];
};

/** `step-000004` and the like: the directories {@link saveTrainCheckpoint} renames into place. */
const CHECKPOINT_DIR = /^step-(\d+)$/;
/** Temporaries of an interrupted save: `.step-000004.<random>.tmp`, `.latest.json.<random>.tmp`. */
const TEMPORARY = /^\..+\.tmp$/;

async function loadCheckpointDir(
  dir: string,
): Promise<{ policy: Policy; checkpoint: TrainCheckpoint }> {
  const statePath = join(dir, "state.json");
  const state = await readJsonFile(statePath) as StateFile;
  if (
    typeof state !== "object" || state === null || !Number.isInteger(state.step) ||
    !Array.isArray(state.actorSizes) || typeof state.log !== "object" || state.log === null
  ) {
    throw new TypeError(
      `Cannot load ${statePath}: it must hold step, actorSizes and log, got keys ${
        JSON.stringify(Object.keys(state ?? {}))
      }`,
    );
  }
  const optimizerPath = join(dir, "optimizer.bin");
  const bytes = await Deno.readFile(optimizerPath);
  if (bytes.byteLength % 4 !== 0) {
    throw new TypeError(
      `Cannot load ${optimizerPath}: it must hold float32 numbers, got ${bytes.byteLength} bytes`,
    );
  }
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
      `Cannot load ${optimizerPath}: it holds ${data.length} numbers, expected ${end}`,
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
 * Loads a run's newest intact checkpoint, if any, and heals what an interrupted save left: the
 * temporaries of a save cut short (a double Ctrl-C, a kill) are removed, and a corrupt newest
 * checkpoint (a truncated `state.json`, a short `optimizer.bin`, weights that fail their
 * fingerprint) is passed over for the next newest that loads, reported in `skipped`. Every
 * `step-*` directory is complete (each is renamed into place only once written), so the newest is
 * tried first even when `latest.json` names an older one (a save cut short between the two
 * renames) or is itself unreadable (then it is reported in `skipped`, and the next save
 * rewrites it).
 *
 * @param outDir The run directory.
 * @returns The policy (caller owns it), the rest of the state, where it came from and what was
 *   passed over, or null when the run has no checkpoint.
 * @throws {TypeError} If checkpoints exist but none loads (each one's reason, naming its file).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/checkpoints/.step-000002.x1.tmp`, { recursive: true });
 * assert.equal(await loadTrainCheckpoint(dir), null);
 * assert.deepEqual([...Deno.readDirSync(`${dir}/checkpoints`)], []); // the orphan is gone
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadTrainCheckpoint(outDir: string): Promise<LoadedTrainCheckpoint | null> {
  const root = join(outDir, "checkpoints");
  const steps = new Map<string, number>();
  try {
    for await (const entry of Deno.readDir(root)) {
      if (TEMPORARY.test(entry.name)) {
        await Deno.remove(join(root, entry.name), { recursive: true }).catch(() => {});
      }
      const match = CHECKPOINT_DIR.exec(entry.name);
      if (match !== null && entry.isDirectory) steps.set(entry.name, Number(match[1]));
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const skipped: SkippedCheckpoint[] = [];
  try {
    const latest = await readJsonFile(join(root, "latest.json")) as { dir?: unknown } | null;
    if (typeof latest?.dir !== "string" || !steps.has(latest.dir)) {
      skipped.push({
        dir: join(root, "latest.json"),
        reason: `${join(root, "latest.json")} names no checkpoint directory of this run, got ${
          JSON.stringify(latest).slice(0, 200)
        }`,
      });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      skipped.push({ dir: join(root, "latest.json"), reason: messageOf(error) });
    }
  }
  // Newest first: a directory newer than the one latest.json names is a save cut short between
  // its rename and latest.json's, complete all the same.
  const order = [...steps].sort(([, a], [, b]) => b - a).map(([name]) => name);
  for (const name of order) {
    const dir = join(root, name);
    try {
      return { ...await loadCheckpointDir(dir), dir, skipped };
    } catch (error) {
      skipped.push({ dir, reason: messageOf(error) });
    }
  }
  if (order.length === 0) return null;
  throw new TypeError(
    `Cannot resume training in ${outDir}: no checkpoint loads, got ${
      skipped.map((s) => `${s.dir}: ${s.reason}`).join("; ")
    }`,
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    latest = await readJsonFile(join(from, "checkpoints", "latest.json")) as typeof latest;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
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
 * When `latest.json` is missing, truncated or names no step (a save cut short), the newest
 * `step-*` directory's step: {@link loadTrainCheckpoint} resumes from there (or, if that one is
 * corrupt too, from the newest intact one) and says why.
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
  const root = join(outDir, "checkpoints");
  const latest = await readJsonFile(join(root, "latest.json")).catch(() => null);
  const step = (latest as { step?: unknown } | null)?.step;
  if (Number.isInteger(step)) return step as number;
  let newest = 0;
  try {
    for await (const entry of Deno.readDir(root)) {
      const match = CHECKPOINT_DIR.exec(entry.name);
      if (match !== null && entry.isDirectory) newest = Math.max(newest, Number(match[1]));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return newest;
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
