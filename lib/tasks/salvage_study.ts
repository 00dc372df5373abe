/**
 * The salvage study (notebook 05): when does NSR keep coverage? Bases of the same task, tokenizer
 * and architecture that differ in how salvageable their errors are (tasks/corpus_errors.ts plants
 * late, salvageable errors in one and early dead ends in another) are screened before any RL run
 * (salvage_screen.ts: Pass@1 matched to the shipped base's, salvage shares measured), then the
 * main protocol of reproduction v3 runs on each: unfiltered pool, primary held-out set, cooled
 * base, checkpoints for matched movement; the study's methods and seeds, no ablations, and one
 * learning rate fixed for every base (`data/salvage_study.json`). Its hypotheses (a)-(d) are in
 * the claims registry (claims/salvage_rules.ts).
 *
 * @module
 */
import { z } from "zod";
import type { ProtocolConfig } from "../config.ts";
import { cached } from "../_io/cache.ts";
import { codeFingerprint } from "../_io/code_fingerprint.ts";
import type { Interval } from "../eval/passk.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";
import type { Progress } from "../progress.ts";
import { loadBaseModel } from "./base_model.ts";
import type { CountdownProblem } from "./countdown.ts";
import { type PlantedRegime, plantedRegime } from "./planted_regime.ts";
import { passAtKBootstrap, passAtKStatistic } from "../protocol/protocol_stats.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";
import { loadProfileFile } from "../protocol/protocol_file.ts";
import type { Profile } from "../protocol/profile.ts";
import { drawPrimary, runProtocol } from "../protocol/run_protocol.ts";
import { type BaseScreen, type ControlScreen, screenControls } from "./salvage_screen.ts";
import { COOLED_BASE, cooledBaseView, matchedView } from "../protocol/baseline_views.ts";
import { currentAttention, currentMatMul, kernelCacheKey } from "../engine/backend.ts";
import { startWorkers } from "../_io/start_workers.ts";
import { CoreGate } from "../schedule/core_gate.ts";
import type { ScreenRequest, ScreenResponse } from "./_screen_worker.ts";

/** Where the committed study lives. */
export const SALVAGE_STUDY_FILE: string =
  new URL("../../data/salvage_study.json", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A base's part in the study. */
export const SALVAGE_ROLES = ["reference", "positive", "between", "negative"] as const;

const count = () => z.number().int().positive();

/** The study file's shape (one profile). */
export const SalvageStudyConfigSchema = z.strictObject({
  /** The bases: a name, a checkpoint directory (relative to the repository) and a role. */
  bases: z.array(z.strictObject({
    name: z.string().min(1),
    dir: z.string().min(1),
    role: z.enum(SALVAGE_ROLES),
  })).min(2),
  /** The protocol's methods the study trains. */
  methods: z.array(z.string().min(1)).min(1),
  /** Training seeds per base. */
  seeds: z.array(z.number().int().nonnegative()).min(1),
  /** The one learning rate of every base and method. */
  learningRate: z.number().positive(),
  /** The salvage share the hypotheses use. */
  share: z.enum(["salvageShare", "successWeightedShare"]),
  /** The screen's sizes and seed (salvage_screen.ts). */
  screen: z.strictObject({
    samples: count(),
    kMax: count(),
    salvageProblems: count(),
    salvageSamples: count(),
    completions: count(),
    seed: z.number().int().nonnegative(),
  }),
  /** The rule that admits the controls, fixed before any RL run. */
  rule: z.strictObject({
    passAt1Tolerance: z.number().nonnegative(),
    minShareGap: z.number().nonnegative(),
  }),
});

/** One base of the study. */
export type SalvageStudyBase = {
  name: string;
  dir: string;
  role: typeof SALVAGE_ROLES[number];
};

/** The salvage study (fields documented on the schema). */
export type SalvageStudyConfig = {
  bases: SalvageStudyBase[];
  methods: string[];
  seeds: number[];
  learningRate: number;
  share: "salvageShare" | "successWeightedShare";
  screen: {
    samples: number;
    kMax: number;
    salvageProblems: number;
    salvageSamples: number;
    completions: number;
    seed: number;
  };
  rule: { passAt1Tolerance: number; minShareGap: number };
};
// The type and the schema describe the same thing.
const SCHEMA_MATCHES_TYPE: z.output<typeof SalvageStudyConfigSchema> extends SalvageStudyConfig
  ? SalvageStudyConfig extends z.output<typeof SalvageStudyConfigSchema> ? true : false
  : false = true;
void SCHEMA_MATCHES_TYPE;

/**
 * Parses one profile of the study file, and checks that the reference, the positive and the
 * negative control appear exactly once each.
 *
 * @param input Anything.
 * @returns The study.
 * @throws {TypeError} Naming each bad field and its value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => parseSalvageStudyConfig({ bases: [] }), /bases/);
 * ```
 */
export function parseSalvageStudyConfig(input: unknown): SalvageStudyConfig {
  const result = SalvageStudyConfigSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const lines = result.error.issues.map((i) =>
      `${i.path.join(".") || "(root)"}: ${i.message}${
        "input" in i ? `, got ${JSON.stringify(i.input)}` : ""
      }`
    );
    throw new TypeError(`Cannot parse salvage-study config: ${lines.join("; ")}`);
  }
  for (const role of ["reference", "positive", "negative"] as const) {
    const n = result.data.bases.filter((b) => b.role === role).length;
    if (n !== 1) {
      throw new TypeError(
        `Cannot parse salvage-study config: bases must have exactly one ${role}, got ${n}`,
      );
    }
  }
  return result.data;
}

/**
 * Reads the study file and returns one profile (`smoke`: `full` with the smoke changes).
 *
 * @param profile `full` or `smoke`.
 * @param options `path` of another study file.
 * @returns The study.
 * @throws {TypeError} If the file is not JSON or a field is invalid.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const study = await loadSalvageStudy("full");
 * assert.ok(study.bases.length >= 4);
 * ```
 */
export async function loadSalvageStudy(
  profile: Profile,
  options: { path?: string } = {},
): Promise<SalvageStudyConfig> {
  const { path = SALVAGE_STUDY_FILE } = options;
  return await loadProfileFile(path, profile, parseSalvageStudyConfig, "salvage study");
}

/**
 * A study base's checkpoint directory, absolute (a relative `dir` is relative to the repository).
 *
 * @param base A base of the study.
 * @returns Its directory.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(studyBaseDir({ dir: "data/base" }).endsWith("/data/base"));
 * ```
 */
export function studyBaseDir(base: { readonly dir: string }): string {
  return base.dir.startsWith("/") ? base.dir : `${ROOT}${base.dir}`;
}

/**
 * The protocol the study runs on every base: the main protocol (v3) with the study's seeds and
 * methods, no ablations, and the study's one learning rate (a single calibration candidate, so no
 * calibration run).
 *
 * @param protocol The main protocol.
 * @param study The study.
 * @returns The study's protocol.
 * @throws {RangeError} If the study names a method the protocol does not define.
 */
export function salvageProtocol(
  protocol: ProtocolConfig,
  study: SalvageStudyConfig,
): ProtocolConfig {
  const missing = study.methods.filter((m) => !(m in protocol.methods));
  if (missing.length > 0) {
    throw new RangeError(
      `Cannot set up the salvage study: the protocol does not define ${missing.join(", ")}`,
    );
  }
  const names = [...new Set([...study.methods, protocol.calibration.method])];
  return {
    ...protocol,
    seeds: [...study.seeds],
    methods: Object.fromEntries(names.map((m) => [m, protocol.methods[m]])),
    ablations: {},
    calibration: { ...protocol.calibration, rates: [study.learningRate] },
  };
}

/** One base with its screen and its protocol results. */
export type SalvageBaseResults = SalvageStudyBase & {
  /** Its checkpoint directory (absolute). */
  readonly path: string;
  /** The screen, before any RL run. */
  readonly screen: BaseScreen;
  /** The protocol on it. */
  readonly results: ProtocolResults;
  /** Its planted errors and the primary problems in their regime (null: none planted). */
  readonly planted: PlantedRegime | null;
};

/** What {@link runSalvageStudy} returns. */
export type SalvageStudyResults = {
  /** The study. */
  readonly study: SalvageStudyConfig;
  /** The bases, in the study's order. */
  readonly bases: readonly SalvageBaseResults[];
  /** The control rule on the screens. */
  readonly controls: ControlScreen;
};

/**
 * Screens the bases one after another on a worker of their own (so the screens share the cores
 * with the protocol runs instead of holding them up; each screen holds one of the gate's cores),
 * each cached under `cacheDir`, keyed by its weights, the problems, the screen's settings, the
 * kernels and the code the screen runs.
 */
async function screenBases(
  study: SalvageStudyConfig,
  problems: readonly (CountdownProblem & { readonly id: string })[],
  cacheDir: string,
  gate: CoreGate,
): Promise<BaseScreen[]> {
  let worker: Worker | undefined;
  try {
    const screens: BaseScreen[] = [];
    const code = await codeFingerprint([new URL("./salvage_screen.ts", import.meta.url)]);
    for (const base of study.bases) {
      const dir = studyBaseDir(base);
      const loaded = await loadBaseModel({ dir });
      loaded.policy.dispose();
      const key = {
        weights: loaded.id,
        problems: problems.map((p) => p.id),
        screen: study.screen,
        kernels: kernelCacheKey(),
        code,
      };
      const { value } = await cached(key, async () => {
        worker ??= (await startWorkers(
          new URL("./_screen_worker.ts", import.meta.url).href,
          1,
          {
            type: "init",
            matmul: currentMatMul(),
            attention: currentAttention(),
          } satisfies ScreenRequest,
          "salvage-screen",
        ))[0];
        const screenWorker = worker;
        // The sampler's 39 new tokens, one of them EOS (the protocol's rollout budget).
        return await gate.run(() =>
          screenInWorker(screenWorker, {
            type: "screen",
            dir,
            problems: [...problems],
            options: { ...study.screen, maxChars: 38 },
          })
        );
      }, { dir: cacheDir, label: "salvage-screen" });
      screens.push(value);
    }
    return screens;
  } finally {
    worker?.terminate();
  }
}

/** One screen on the worker. */
function screenInWorker(
  worker: Worker,
  request: Extract<ScreenRequest, { type: "screen" }>,
): Promise<BaseScreen> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ScreenResponse>) => {
      const reply = event.data;
      if (reply.type === "result") resolve(reply.screen);
      else if (reply.type === "error") {
        reject(new Error(`Cannot screen the base in ${request.dir}: ${reply.message}`));
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      reject(new Error(`The salvage-screen worker failed: ${event.message}`));
    };
    worker.postMessage(request);
  });
}

/**
 * Screens every base (on a worker of its own), and runs the study's protocol on every base side
 * by side, each with a worker per core and all behind one {@link CoreGate}: no more items run
 * than there are cores, and no core waits at one base's phase boundaries while any base has an
 * item ready; or reads them back from the cache (the shipped base's runs are the main job's).
 * Every result is the same whatever the workers.
 *
 * @param study The study.
 * @param protocol The main protocol.
 * @param options Task, cache, workers (the cores the study may use; default 2), progress.
 * @returns The bases' screens and results, and the control rule's finding.
 */
export async function runSalvageStudy<P extends ProtocolProblem & CountdownProblem>(
  study: SalvageStudyConfig,
  protocol: ProtocolConfig,
  options: {
    task: ProtocolTask<P>;
    cacheDir: string;
    workers?: number;
    onProgress?: (progress: Progress) => void;
  },
): Promise<SalvageStudyResults> {
  const { task, cacheDir, workers = 2, onProgress } = options;
  const own = salvageProtocol(protocol, study);
  const { primary } = drawPrimary(own, await task.loadProblems("train"));
  if (primary === undefined) {
    throw new RangeError("Cannot run the salvage study: the protocol has no primary set");
  }
  const gate = new CoreGate(Math.max(1, workers));
  const [screens, bases] = await Promise.all([
    screenBases(study, primary, cacheDir, gate),
    Promise.all(study.bases.map(async (base, b) => {
      const path = studyBaseDir(base);
      const results = await runProtocol(own, {
        task,
        baseDir: path,
        cacheDir,
        workers,
        gate,
        // The study reads the primary set alone: no secondary tiers, no table.
        sets: [PRIMARY_SET],
        onProgress: onProgress === undefined ? undefined : (p) =>
          onProgress({
            ...p,
            detail: `base ${b + 1}/${study.bases.length} (${base.name}): ${p.detail ?? ""}`,
          }),
      });
      const planted = await plantedRegime(path, primary);
      return { path, results, planted };
    })),
  ]);
  const withScreens: SalvageBaseResults[] = study.bases.map((base, i) => ({
    ...base,
    path: bases[i].path,
    screen: screens[i],
    results: bases[i].results,
    planted: bases[i].planted,
  }));
  const named = (role: string) => study.bases.find((b) => b.role === role)!.name;
  const controls = screenControls(
    Object.fromEntries(withScreens.map((b) => [b.name, b.screen])),
    { reference: named("reference"), positive: named("positive"), negative: named("negative") },
    study.rule,
    study.share,
  );
  return { study, bases: withScreens, controls };
}

/**
 * The base of a role.
 *
 * @param study The study's results.
 * @param role The role.
 * @returns The (first) base with that role.
 * @throws {RangeError} If no base has it.
 */
export function baseOfRole(
  study: SalvageStudyResults,
  role: typeof SALVAGE_ROLES[number],
): SalvageBaseResults {
  const base = study.bases.find((b) => b.role === role);
  if (base === undefined) {
    throw new RangeError(
      `Cannot find the ${role} base: the study's roles are ${
        study.bases.map((b) => b.role).join(", ")
      }`,
    );
  }
  return base;
}

/** The share the study's hypotheses use, of one base. */
export function studyShare(study: SalvageStudyResults, base: SalvageBaseResults): Interval {
  return base.screen[study.study.share];
}

/** One point of the study's answer: a quantity of one base with its interval. */
export type SalvageRow = Interval & {
  /** The base. */
  readonly base: string;
  /** Its salvage share (the hypotheses' share, point estimate). */
  readonly share: number;
  /** What is measured, e.g. "NSR − Base at k=16". */
  readonly quantity: string;
};

/**
 * x − y in Pass@k at k on a base's primary set (95% interval: bootstrap over problems, paired
 * across methods, and seeds); y may be the cooled base of x, and `matched` reads every method at
 * its matched-movement checkpoint.
 *
 * @param results A base's protocol results.
 * @param pair x, y and k.
 * @param options `matched`: at matched movement.
 * @returns The difference, or null when the view is missing (no cooled base, no checkpoints).
 */
export function primaryDifference(
  results: ProtocolResults,
  pair: { readonly x: string; readonly y: string; readonly k: number },
  options: { readonly matched?: boolean } = {},
): Interval | null {
  const { x, y, k } = pair;
  let view: ProtocolResults | null = results;
  if (options.matched) view = matchedView(results);
  if (view !== null && y === COOLED_BASE) {
    view = cooledBaseView(view, x, { set: PRIMARY_SET, kMax: k })?.results ?? null;
  }
  if (view === null) return null;
  const boot = passAtKBootstrap(view, {
    setting: PRIMARY_SETTING,
    tier: PRIMARY_SET,
    methods: [x, y],
  });
  return passAtKStatistic(boot, (p) => p(x, k) - p(y, k));
}

/**
 * The study's answer in rows: per base, NSR − Base, NSR − its cooled base and PSR − Base at the
 * largest judged k, and NSR − PSR there at matched movement, against the base's salvage share.
 *
 * @param study The study's results.
 * @param kMax The largest judged k.
 * @returns One row per base and quantity (a quantity whose view is missing is left out).
 */
export function salvageRows(study: SalvageStudyResults, kMax: number): SalvageRow[] {
  return study.bases.flatMap((base) => {
    const share = studyShare(study, base).estimate;
    const rows: [string, Interval | null][] = [
      [
        `NSR − Base at k=${kMax}`,
        primaryDifference(base.results, { x: "NSR", y: BASE_METHOD, k: kMax }),
      ],
      [
        `NSR − cooled base at k=${kMax}`,
        primaryDifference(base.results, { x: "NSR", y: COOLED_BASE, k: kMax }),
      ],
      [
        `PSR − Base at k=${kMax}`,
        primaryDifference(base.results, { x: "PSR", y: BASE_METHOD, k: kMax }),
      ],
      [
        `NSR − PSR at k=${kMax}, matched movement`,
        primaryDifference(base.results, { x: "NSR", y: "PSR", k: kMax }, { matched: true }),
      ],
    ];
    return rows.filter((r): r is [string, Interval] => r[1] !== null)
      .map(([quantity, interval]) => ({ base: base.name, share, quantity, ...interval }));
  });
}
