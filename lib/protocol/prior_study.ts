/**
 * The prior-strength study: does NSR's edge grow with the base model's prior, as the paper's own
 * explanation says? The same protocol (run_protocol.ts: the pool rule, GRPO calibration, the
 * movement gate, the evaluation) runs on each of several bases of the same task, tokenizer and
 * architecture that differ in prior strength, with the study's seeds and methods and no
 * ablations (`data/prior_study.json`). The study's claims (a), (b) and (c) and their rules are
 * in the claims registry (lib/claims/), judged from {@link PriorStudyResults}.
 *
 * @module
 */
import { parsePriorStudyConfig, type PriorStudyConfig, type ProtocolConfig } from "../config.ts";
import type { Interval } from "../eval/passk.ts";
import type { Progress } from "../progress.ts";
import { loadProfileFile } from "./protocol_file.ts";
import {
  metricBootstrap,
  metricStatistic,
  passAtKBootstrap,
  passAtKStatistic,
} from "./protocol_stats.ts";
import { BASE_METHOD, PRIMARY_SETTING, type ProtocolResults } from "./protocol_results.ts";
import { runProtocol } from "./run_protocol.ts";
import type { Profile } from "./profile.ts";
import type { ProtocolProblem, ProtocolTask } from "../eval/task.ts";

/** Where the committed study lives. */
export const PRIOR_STUDY_FILE: string =
  new URL("../../data/prior_study.json", import.meta.url).pathname;
/** The repository root, against which the study's base directories are resolved. */
const ROOT = new URL("../../", import.meta.url).pathname;
/**
 * A study base's checkpoint directory, absolute: a relative `dir` in the study file is relative
 * to the repository root.
 *
 * @param base A base of the study.
 * @returns Its directory.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(priorBaseDir({ dir: "data/base" }).endsWith("/data/base"));
 * assert.equal(priorBaseDir({ dir: "/x/base" }), "/x/base");
 * ```
 */
export function priorBaseDir(base: { readonly dir: string }): string {
  return base.dir.startsWith("/") ? base.dir : `${ROOT}${base.dir}`;
}

/** The name of the pooled tier (every tier's problems as one set). */
export const POOLED_TIER = "all tiers";

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
 * const study = await loadPriorStudy("full");
 * assert.ok(study.bases.length >= 3);
 * ```
 */
export async function loadPriorStudy(
  profile: Profile,
  options: { path?: string } = {},
): Promise<PriorStudyConfig> {
  const { path = PRIOR_STUDY_FILE } = options;
  return await loadProfileFile(path, profile, parsePriorStudyConfig, "prior study");
}

/**
 * The pool threshold and gate tiers of protocol v2, which this study keeps: it compares bases by
 * their pass rate on the screened candidates, and the salvage study (issue #28) replaces it.
 */
const V2_POOL_MIN_PASS_RATE = 0.25;
const V2_GATE_TIERS = ["tierA", "tierB"];

/**
 * The protocol the study runs on every base: the main protocol with the study's seeds and
 * methods (the calibration method always kept), no ablations, the Table-1 setting on the
 * study's first seed, and protocol v2's screened pool, tiers-only evaluation and gate (no primary
 * set, cooled base or checkpoints).
 *
 * @param protocol The main protocol.
 * @param study The study.
 * @returns The study's protocol.
 * @throws {RangeError} If the study names a method the protocol does not define.
 */
export function studyProtocol(protocol: ProtocolConfig, study: PriorStudyConfig): ProtocolConfig {
  const names = [...new Set([...study.methods, protocol.calibration.method])];
  const missing = names.filter((m) => !(m in protocol.methods));
  if (missing.length > 0) {
    throw new RangeError(
      `Cannot set up the prior study: the protocol does not define ${missing.join(", ")}`,
    );
  }
  return {
    ...protocol,
    seeds: [...study.seeds],
    methods: Object.fromEntries(names.map((m) => [m, protocol.methods[m]])),
    ablations: {},
    pool: {
      ...protocol.pool,
      minPassRate: protocol.pool.minPassRate > 0
        ? protocol.pool.minPassRate
        : V2_POOL_MIN_PASS_RATE,
    },
    evaluation: {
      ...protocol.evaluation,
      table: { ...protocol.evaluation.table, seeds: [study.seeds[0]] },
      primary: undefined,
      cooledBase: undefined,
      checkpoints: undefined,
    },
    gate: { ...protocol.gate, tiers: V2_GATE_TIERS },
  };
}

/** One base of the study, with what the protocol measured on it. */
export type StudyBase = {
  /** Its name. */
  readonly name: string;
  /** Its checkpoint directory (absolute). */
  readonly dir: string;
  /** The protocol's results on it. */
  readonly results: ProtocolResults;
  /** Prior strength: the base's Pass@1 on tier A at T = 1.0 (mean over seeds). */
  readonly passAt1: number;
  /** The base's mean pass rate on the screened training candidates (the same problems for every base; each base's pool is those it passes by the pool rule). */
  readonly trainPassRate: number;
};

/** What {@link runPriorStudy} returns. */
export type PriorStudyResults = {
  /** The study. */
  readonly study: PriorStudyConfig;
  /** The bases, in the study's order (weakest prior first). */
  readonly bases: readonly StudyBase[];
};

/**
 * Runs the protocol on every base of the study, one base after another (each uses every worker),
 * or reads it back from the cache (the shipped base's runs are the main job's when the seeds
 * and methods are a subset of its own).
 *
 * @param study The study.
 * @param protocol The main protocol.
 * @param options Task, cache, workers, progress.
 * @returns Per base, its results and prior strength.
 */
export async function runPriorStudy<P extends ProtocolProblem>(
  study: PriorStudyConfig,
  protocol: ProtocolConfig,
  options: {
    task: ProtocolTask<P>;
    cacheDir: string;
    workers?: number;
    onProgress?: (progress: Progress) => void;
  },
): Promise<PriorStudyResults> {
  const { task, cacheDir, workers, onProgress } = options;
  const own = studyProtocol(protocol, study);
  const bases: StudyBase[] = [];
  for (const [b, base] of study.bases.entries()) {
    const dir = priorBaseDir(base);
    const results = await runProtocol(own, {
      task,
      baseDir: dir,
      cacheDir,
      workers,
      onProgress: onProgress === undefined ? undefined : (p) =>
        onProgress({
          ...p,
          detail: `base ${b + 1}/${study.bases.length} (${base.name}): ${p.detail ?? ""}`,
        }),
    });
    const tierA = task.tiers[0];
    const passAt1 = passAtKBootstrap(results, {
      setting: PRIMARY_SETTING,
      tier: tierA,
      methods: [BASE_METHOD],
      resamples: 0,
    }).estimates[BASE_METHOD][0];
    const rates = results.pool.passRates;
    if (rates.length === 0) {
      throw new RangeError(
        `Cannot run the prior-strength study: it compares bases by their pass rate on the screened candidates, got an unscreened pool (pool.minPassRate 0)`,
      );
    }
    bases.push({
      name: base.name,
      dir,
      results,
      passAt1,
      trainPassRate: rates.reduce((a, r) => a + r, 0) / rates.length,
    });
  }
  return { study, bases };
}

/**
 * A base's results with its tiers pooled into one problem set ({@link POOLED_TIER}), for
 * statistics over every held-out problem at once.
 *
 * @param results A protocol's results.
 * @param options `setting` (default the primary one).
 * @returns The same results with one tier.
 */
export function poolTiers(
  results: ProtocolResults,
  options: { setting?: string } = {},
): ProtocolResults {
  const { setting = PRIMARY_SETTING } = options;
  const byTier = results.evaluations[setting] ?? {};
  const tiers = Object.keys(byTier);
  const methods = Object.keys(byTier[tiers[0]] ?? {}).filter((m) =>
    tiers.every((t) => byTier[t][m])
  );
  const pooled = Object.fromEntries(methods.map((method) => [
    method,
    byTier[tiers[0]][method].map((first, s) => ({
      ...first,
      tier: POOLED_TIER,
      outcomes: tiers.flatMap((tier) => byTier[tier][method][s].outcomes),
      seconds: tiers.reduce((t, tier) => t + byTier[tier][method][s].seconds, 0),
    })),
  ]));
  return { ...results, evaluations: { [setting]: { [POOLED_TIER]: pooled } } };
}

/** One point of the study's answer figure: a quantity of one base with its interval. */
export type PriorStudyRow = Interval & {
  /** The base. */
  readonly base: string;
  /** Its prior strength (the base's tier-A Pass@1). */
  readonly prior: number;
  /** What is measured, e.g. "NSR − PSR at k=64". */
  readonly quantity: string;
};

/**
 * Pass@k of x − y at k with a base's tiers pooled (95% interval, bootstrap over problems paired
 * across the two methods, and seeds).
 *
 * @param results A base's results.
 * @param pair The methods x and y, and k.
 * @returns The difference with its interval.
 */
export function pooledDifference(
  results: ProtocolResults,
  pair: { readonly x: string; readonly y: string; readonly k: number },
): Interval {
  const { x, y, k } = pair;
  const boot = passAtKBootstrap(poolTiers(results), {
    setting: PRIMARY_SETTING,
    tier: POOLED_TIER,
    methods: [x, y],
  });
  return passAtKStatistic(boot, (p) => p(x, k) - p(y, k));
}

/**
 * The study's answer in rows: per base, NSR − PSR and NSR − Base at large k, and NSR − Base at
 * k = 1 (tiers pooled, 95% intervals), against the base's prior strength.
 *
 * @param study The study's results.
 * @returns One row per base and quantity.
 */
export function priorStudyRows(study: PriorStudyResults): PriorStudyRow[] {
  return study.bases.flatMap((base) => {
    const k = base.results.protocol.evaluation.samples;
    return [
      {
        quantity: `NSR − PSR at k=${k}`,
        ...pooledDifference(base.results, { x: "NSR", y: "PSR", k }),
      },
      {
        quantity: `NSR − Base at k=${k}`,
        ...pooledDifference(base.results, { x: "NSR", y: BASE_METHOD, k }),
      },
      {
        quantity: "NSR − Base at k=1",
        ...pooledDifference(base.results, { x: "NSR", y: BASE_METHOD, k: 1 }),
      },
    ].map((row) => ({ ...row, base: base.name, prior: base.passAt1 }));
  });
}

/**
 * The greedy-response entropy each method keeps (tiers pooled, 95% interval over problems and
 * seeds), per base, against the base's prior strength.
 *
 * @param study The study's results.
 * @returns One row per base and method (`quantity` is the method).
 */
export function priorEntropyRows(study: PriorStudyResults): PriorStudyRow[] {
  return study.bases.flatMap((base) => {
    const methods = [BASE_METHOD, ...study.study.methods];
    const tiers = Object.keys(base.results.evaluations[PRIMARY_SETTING]);
    const boot = metricBootstrap(base.results, {
      setting: PRIMARY_SETTING,
      tiers,
      methods,
      metrics: ["greedyEntropy"],
    });
    return methods.map((method) => ({
      base: base.name,
      prior: base.passAt1,
      quantity: method,
      ...metricStatistic(boot, (v) => v(method, "greedyEntropy")),
    }));
  });
}
