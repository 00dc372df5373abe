/**
 * A notebook's study session: {@link openStudy} opens it (the backend, the run profile, the
 * protocol of that profile) and {@link Study.finish} closes it (the notebook's part of the
 * summary, and in the `smoke` profile the regression check of its key numbers against the
 * committed reference). Between the two, a notebook's cells are the method, the figures and the
 * claims: no paths, no files, no plumbing.
 *
 * Paths are the kit's own (`out/`, `data/reference/`), whatever the working directory.
 *
 * @module
 */
import type { ProtocolConfig } from "../config.ts";
import { type BackendInfo, initBackend } from "../engine/backend.ts";
import { progressReporter } from "../progress.ts";
import type { ClaimRecord } from "../claims/verdict.ts";
import { type Profile, readProfile } from "../protocol/profile.ts";
import { loadProtocol } from "../protocol/protocol_file.ts";
import type { ProtocolResults } from "../protocol/protocol_results.ts";
import { checkAgainstReference } from "../protocol/regression.ts";
import { runProtocol } from "../protocol/run_protocol.ts";
import { writeSummaryPart } from "../protocol/summary.ts";
import { BASE_MODEL_DIR } from "../tasks/base_model.ts";
import { COUNTDOWN_TASK } from "../tasks/countdown_task.ts";
import { type Table, table } from "../present/table.ts";

/** The kit's root directory (with `out/` and `data/`). */
const ROOT = new URL("../../", import.meta.url).pathname;

/** Tolerance of a key number without its own in the reference file. */
const DEFAULT_TOLERANCE = 1e-3;

/** Options of {@link openStudy}. */
export type OpenStudyOptions = {
  /** The run profile (default: `RLVR_PROFILE`, else `full`). */
  readonly profile?: Profile;
  /** Root of the output folders `summary/` and `cache/` (default: the kit's `out/`). */
  readonly outDir?: string;
  /** Folder of the committed references (default: the kit's `data/reference/`). */
  readonly referenceDir?: string;
};

/** What a notebook hands to {@link Study.finish}. */
export type StudyRecord = {
  /** The claims it judged (they go to the summary). */
  readonly claims?: readonly ClaimRecord[];
  /** Other summary fields (e.g. `protocol`, `gate`). */
  readonly summary?: Readonly<Record<string, unknown>>;
  /** Its key numbers, checked against the reference in the `smoke` profile. */
  readonly keyNumbers: Readonly<Record<string, number>>;
};

/** An open study; see the module doc. */
export class Study {
  /** The notebook's name, e.g. `02_psr_vs_nsr`. */
  readonly notebook: string;
  /** The run profile. */
  readonly profile: Profile;
  /** The backend and engines in use. */
  readonly backend: BackendInfo;
  readonly #outDir: string;
  readonly #referenceDir: string;
  readonly #started = performance.now();
  #protocol: ProtocolConfig | undefined;

  /** Use {@link openStudy}. */
  constructor(
    notebook: string,
    profile: Profile,
    backend: BackendInfo,
    dirs: { outDir: string; referenceDir: string },
  ) {
    this.notebook = notebook;
    this.profile = profile;
    this.backend = backend;
    this.#outDir = dirs.outDir;
    this.#referenceDir = dirs.referenceDir;
  }

  /**
   * The value for this study's profile.
   *
   * @param values One value per profile.
   * @returns `values[profile]`.
   */
  byProfile<T>(values: { readonly full: T; readonly smoke: T }): T {
    return values[this.profile];
  }

  /** The cache of runs and evaluations (`out/cache/`). */
  get cacheDir(): string {
    return `${this.#outDir}cache`;
  }

  /**
   * The reproduction protocol of this profile (`data/protocol.json`).
   *
   * @returns The protocol.
   */
  async protocol(): Promise<ProtocolConfig> {
    return this.#protocol ??= await loadProtocol(this.profile);
  }

  /**
   * Runs (or reads back from the cache) the protocol on Countdown from the shipped base, with
   * progress under the notebook's name.
   *
   * @param protocol The protocol (default: this profile's).
   * @returns Everything measured.
   */
  async runProtocol(protocol?: ProtocolConfig): Promise<ProtocolResults> {
    return await runProtocol(protocol ?? await this.protocol(), {
      task: COUNTDOWN_TASK,
      baseDir: BASE_MODEL_DIR,
      cacheDir: this.cacheDir,
      onProgress: progressReporter(`${this.notebook} · protocol`),
    });
  }

  /**
   * Ends the study: writes the notebook's summary part (`out/summary/<profile>/<NN>.json`) and, in
   * the `smoke` profile, checks its key numbers against `data/reference/<notebook>.smoke.json`
   * (with `RLVR_UPDATE_REFERENCE=1` it rewrites the reference instead).
   *
   * @param record Claims, summary fields and key numbers.
   * @returns A table of the key numbers (and of the check, in `smoke`), captioned with the time.
   * @throws {Error} In `smoke`, listing every key number outside its tolerance.
   */
  async finish(record: StudyRecord): Promise<Table> {
    const part = { ...record.summary, ...(record.claims ? { claims: record.claims } : {}) };
    const prefix = this.notebook.slice(0, 2);
    await writeSummaryPart(`${this.#outDir}summary/${this.profile}/${prefix}.json`, part);
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(0);
    if (this.profile !== "smoke") {
      const rows = Object.entries(record.keyNumbers).map(([name, value]) => ({ name, value }));
      return table(rows, {
        caption: `Key numbers (checked against a reference in the smoke profile); ${seconds} s`,
      });
    }
    const path = `${this.#referenceDir}${this.notebook}.smoke.json`;
    const checks = await checkAgainstReference(record.keyNumbers, path, {
      defaultTolerance: DEFAULT_TOLERANCE,
    });
    return table(checks, { caption: `Key numbers against the reference; ${seconds} s (smoke)` });
  }
}

/**
 * Opens a notebook's study: initialises the backend (as `initBackend`) and reads the profile.
 *
 * @param notebook The notebook's name, e.g. `02_psr_vs_nsr` (its first two characters name its
 *   summary part).
 * @param options Profile and folders (defaults: `RLVR_PROFILE`, the kit's `out/` and
 *   `data/reference/`).
 * @returns The study.
 * @throws {RangeError} If the name does not start with two digits, or the profile is invalid.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const outDir = await Deno.makeTempDir() + "/";
 * const study = await openStudy("09_example", { profile: "full", outDir });
 * await study.finish({ claims: [], keyNumbers: { answer: 42 } });
 * const part = JSON.parse(await Deno.readTextFile(`${outDir}summary/full/09.json`));
 * assert.deepEqual(part, { claims: [] });
 * ```
 */
export async function openStudy(notebook: string, options: OpenStudyOptions = {}): Promise<Study> {
  if (!/^\d\d/.test(notebook)) {
    throw new RangeError(
      `Cannot open a study: notebook must start with its two-digit number, got ${
        JSON.stringify(notebook)
      }`,
    );
  }
  const profile = options.profile ?? readProfile();
  const backend = await initBackend();
  return new Study(notebook, profile, backend, {
    outDir: withSlash(options.outDir ?? `${ROOT}out/`),
    referenceDir: withSlash(options.referenceDir ?? `${ROOT}data/reference/`),
  });
}

const withSlash = (dir: string): string => dir.endsWith("/") ? dir : `${dir}/`;
