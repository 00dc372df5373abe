/**
 * The main job's machine-readable summary (`out/summary.json`; the README's tables come from
 * it): how long the work took, how far the policies moved, and every claim's verdict. Notebooks
 * write their parts (`writeSummaryPart`); `deno task repro` merges them with the run's time.
 *
 * @module
 */
import { writeTextFileAtomic } from "../_io/write_atomic.ts";
import { movementRows } from "./protocol_rows.ts";
import {
  BASE_METHOD,
  judgedKMax,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "./protocol_results.ts";
import { chooseCooledBase } from "./baselines.ts";
import { cooledGrid, matchedView } from "./baseline_views.ts";
import { passAtKBootstrap, passAtKStatistic } from "./protocol_stats.ts";

/** A Pass@1 difference with its interval, as the summary writes it. */
export type SummaryDifference = { difference: number; lower: number; upper: number };

/** One method's movement in the summary. */
export type SummaryMethod = {
  klToBase: number;
  correctRatioFirst: number;
  correctRatioLast: number;
  entropy: number;
  updates: number;
  passAt1VsBase: Record<string, SummaryDifference>;
  /** Greedy accuracy on the primary set (every tier pooled without one), mean over seeds. */
  greedyAccuracy: number;
  /** Pass@k at the largest judged k − base's, per set, at the last step (95% interval). */
  passAtKmaxVsBase: Record<string, SummaryDifference>;
  /** Pass@1 and Pass@k at the largest judged k on the primary set (means; null without one). */
  primary: { passAt1: number; passAtKmax: number } | null;
};

/** The v3 baselines and matched movement, as the summary writes them (null without them). */
export type SummaryBaselines = {
  /** The primary held-out set. */
  primarySet: { name: string; problems: number } | null;
  /** The largest judged k. */
  kMax: number;
  /** Method → its cooled base (the base's temperature closest to its primary-set Pass@1). */
  baselines: {
    cooledBase: Record<string, { temperature: number; passAt1: number; passAtKmax: number }>;
  } | null;
  /** The checkpoints at matched movement and each method's Pass@kMax against the base there. */
  matchedMovement: {
    rule: string;
    target: number;
    methods: Record<
      string,
      { steps: number[]; passAt1Gain: number; passAtKmaxVsBase: SummaryDifference }
    >;
  } | null;
};

/** The summary of a protocol run (without the run's wall time, which the main job adds). */
export type ProtocolSummary = {
  /** Core-minutes of RL training (calibration included). */
  trainingMinutes: number;
  /** Core-minutes of evaluation (pool screening included). */
  evaluationMinutes: number;
  /** Training seeds of the main grid. */
  seeds: number[];
  /** RL steps of each main run. */
  rlSteps: number;
  /** The calibrated learning rate. */
  learningRate: number;
  /** Held-out problems per tier. */
  problemsPerTier: Record<string, number>;
  /** The training pool: size, filter and the base's mean pass rate on it (null if unscreened). */
  pool: {
    problems: number;
    filter: "minPassRate" | "none";
    meanPassRate: number | null;
    correctRatioAtStep1: number;
  };
  /**
   * Positive share of W-REINFORCE's gradient mass, λr / (λr + 1 − r) at its training correct
   * ratio r, over its first 5 and last 10 steps (null without a W-REINFORCE run).
   */
  wReinforcePositiveShare: { first: number; last: number } | null;
  /** Main method → movement. */
  methods: Record<string, SummaryMethod>;
} & SummaryBaselines;

/**
 * The protocol part of the summary, from a protocol run.
 *
 * @param results The protocol's results.
 * @returns Times, settings and each main method's movement.
 */
export function summarizeProtocol(results: ProtocolResults): ProtocolSummary {
  const { protocol, seconds, evaluations, calibration, groups, runs } = results;
  const tiers = Object.entries(evaluations["T=1.0"] ?? {});
  const methods: Record<string, SummaryMethod> = {};
  for (const row of movementRows(results)) {
    methods[row.method] = {
      klToBase: row.klToBase,
      correctRatioFirst: row.correctRatioFirst,
      correctRatioLast: row.correctRatioLast,
      entropy: row.entropy,
      updates: row.updates,
      passAt1VsBase: Object.fromEntries(
        Object.entries(row.passAt1VsBase).map(([tier, i]) => [tier, difference(i)]),
      ),
      greedyAccuracy: greedyAccuracy(results, row.method),
      ...largestK(results, row.method),
    };
  }
  const firstSteps = groups.main.flatMap((m) =>
    (runs[m] ?? []).map((r) => r.steps[0]?.correctRatio ?? NaN)
  );
  const r = firstSteps.reduce((a, x) => a + x, 0) / Math.max(firstSteps.length, 1);
  const wRuns = runs["W-REINFORCE"] ?? [];
  const wConfig = protocol.methods["W-REINFORCE"]?.objective;
  const lambda = typeof wConfig?.lambda === "number" ? wConfig.lambda : 0.1;
  const meanRatio = (
    pick: (steps: readonly { correctRatio: number }[]) => readonly { correctRatio: number }[],
  ) => {
    const values = wRuns.flatMap((run) => pick(run.steps).map((s) => s.correctRatio));
    return values.reduce((a, x) => a + x, 0) / Math.max(values.length, 1);
  };
  const share = (ratio: number) => (lambda * ratio) / (lambda * ratio + 1 - ratio);
  return {
    trainingMinutes: seconds.training / 60,
    evaluationMinutes: (seconds.evaluation + seconds.screening) / 60,
    seeds: [...protocol.seeds],
    rlSteps: protocol.experiment.train.steps,
    learningRate: calibration.chosen,
    problemsPerTier: Object.fromEntries(
      tiers.map(([tier, byMethod]) => [tier, byMethod["Base"]?.[0]?.outcomes.length ?? 0]),
    ),
    pool: {
      problems: results.pool.problemIds.length,
      filter: results.pool.filter,
      meanPassRate: results.pool.meanPassRate,
      correctRatioAtStep1: r,
    },
    wReinforcePositiveShare: wRuns.length === 0 ? null : {
      first: share(meanRatio((steps) => steps.slice(0, 5))),
      last: share(meanRatio((steps) => steps.slice(-10))),
    },
    methods,
    ...summarizeBaselines(results),
  };
}

const difference = (i: { estimate: number; lower: number; upper: number }) => ({
  difference: i.estimate,
  lower: i.lower,
  upper: i.upper,
});

/** A method's Pass@kMax against the base per set, and its primary-set Pass@1 and Pass@kMax. */
function largestK(
  results: ProtocolResults,
  method: string,
): Pick<SummaryMethod, "passAtKmaxVsBase" | "primary"> {
  const kMax = judgedKMax(results.protocol.evaluation.samples);
  const sets = Object.entries(results.evaluations[PRIMARY_SETTING] ?? {}).filter(([, byMethod]) =>
    method in byMethod && BASE_METHOD in byMethod
  );
  const passAtKmaxVsBase: Record<string, SummaryDifference> = {};
  let primary: SummaryMethod["primary"] = null;
  for (const [set] of sets) {
    const boot = passAtKBootstrap(results, {
      setting: PRIMARY_SETTING,
      tier: set,
      methods: method === BASE_METHOD ? [method] : [method, BASE_METHOD],
    });
    passAtKmaxVsBase[set] = difference(
      passAtKStatistic(boot, (p) => p(method, kMax) - p(BASE_METHOD, kMax)),
    );
    if (set === PRIMARY_SET) {
      primary = {
        passAt1: passAtKStatistic(boot, (p) => p(method, 1)).estimate,
        passAtKmax: passAtKStatistic(boot, (p) => p(method, kMax)).estimate,
      };
    }
  }
  return { passAtKmaxVsBase, primary };
}

/** Mean greedy accuracy of a method on the primary set (all tiers without one). */
function greedyAccuracy(results: ProtocolResults, method: string): number {
  const sets = results.evaluations[PRIMARY_SETTING] ?? {};
  const names = PRIMARY_SET in sets ? [PRIMARY_SET] : Object.keys(sets);
  const values = names.flatMap((set) =>
    (sets[set]?.[method] ?? []).flatMap((e) => e.outcomes.map((o) => o.greedyCorrect))
  );
  return values.reduce((a, x) => a + x, 0) / Math.max(values.length, 1);
}

/** The v3 part of the summary: primary set, cooled bases, matched movement. */
function summarizeBaselines(results: ProtocolResults): SummaryBaselines {
  const kMax = judgedKMax(results.protocol.evaluation.samples);
  const primary = results.evaluations[PRIMARY_SETTING]?.[PRIMARY_SET];
  const primarySet = primary === undefined
    ? null
    : { name: PRIMARY_SET, problems: primary[BASE_METHOD]?.[0]?.outcomes.length ?? 0 };
  const grid = cooledGrid(results, PRIMARY_SET);
  const rl = results.groups.main.filter((m) => m !== BASE_METHOD && primary?.[m] !== undefined);
  const baselines = grid.size === 0 || primary === undefined ? null : {
    cooledBase: Object.fromEntries(
      Object.entries(
        chooseCooledBase(
          grid,
          Object.fromEntries(rl.map((m) => [m, primary[m].map((e) => e.outcomes)])),
          kMax,
        ),
      ).map((
        [m, c],
      ) => [m, { temperature: c.temperature, passAt1: c.passAt1, passAtKmax: c.passAtKmax }]),
    ),
  };
  const view = matchedView(results);
  const matched = results.matchedMovement;
  const matchedMovement = view === null || matched === undefined ? null : {
    rule: matched.rule,
    target: matched.target,
    methods: Object.fromEntries(
      Object.entries(matched.methods).map(([m, c]) => {
        const boot = passAtKBootstrap(view, {
          setting: PRIMARY_SETTING,
          tier: PRIMARY_SET,
          methods: [m, BASE_METHOD],
        });
        const vsBase = passAtKStatistic(boot, (p) => p(m, kMax) - p(BASE_METHOD, kMax));
        const gain = c.gains.reduce((a, x) => a + x, 0) / Math.max(c.gains.length, 1);
        return [m, {
          steps: [...c.steps],
          passAt1Gain: gain,
          passAtKmaxVsBase: difference(vsBase),
        }];
      }),
    ),
  };
  return { primarySet, kMax, baselines, matchedMovement };
}

/**
 * Writes one notebook's part of the summary (atomically), for `deno task repro` to merge.
 *
 * @param path The file, e.g. `../out/summary/full/02.json` (`deno task repro` merges a profile's parts).
 * @param part What the notebook contributes: `claims` (the claims registry's records), and any
 *   summary fields.
 * @returns Resolves when written.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeSummaryPart(`${dir}/part.json`, { claims: [] });
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/part.json`)), { claims: [] });
 * ```
 */
export async function writeSummaryPart(
  path: string,
  part: Readonly<Record<string, unknown>>,
): Promise<void> {
  await Deno.mkdir(path.replace(/\/[^/]*$/, "") || ".", { recursive: true });
  await writeTextFileAtomic(path, JSON.stringify(part, null, 2) + "\n");
}
