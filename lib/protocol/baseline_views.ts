/**
 * Views of a protocol run that put a method against the baselines that could explain it, as
 * ordinary results the claims' rules read unchanged:
 *
 * - **The cooled base** ({@link cooledBaseView}): the base at the grid temperature whose Pass@1
 *   on the judged set matches the method's (baselines.ts's rule), added as the method
 *   {@link COOLED_BASE}. A method at or below it has done no more than cool the base.
 * - **Matched movement** ({@link matchedView}): each main method's primary-set evaluations
 *   replaced by those of its checkpoints at the common Pass@1 gain (matched_phase.ts), so a
 *   method that moved least is not rewarded for it.
 *
 * @module
 */
import type { ProblemCounts } from "../eval/passk.ts";
import { chooseCooledBase, type CooledBase } from "./baselines.ts";
import { cooledSetting } from "./grid.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "./protocol_results.ts";

/** The cooled base's name among a view's methods. */
export const COOLED_BASE = "Cooled base";

type Evaluations = ProtocolResults["evaluations"];

/** `evaluations` with one set's methods at the primary setting changed. */
function withMethods(
  evaluations: Evaluations,
  set: string,
  methods: Readonly<Record<string, ProtocolResults["evaluations"][string][string][string]>>,
): Evaluations {
  const primary = evaluations[PRIMARY_SETTING] ?? {};
  return {
    ...evaluations,
    [PRIMARY_SETTING]: { ...primary, [set]: { ...(primary[set] ?? {}), ...methods } },
  };
}

/**
 * The base's evaluations of the cooled-base grid on a set, by temperature (the primary
 * setting's T = 1 included, so an unmoved method matches it); empty without a cooled base.
 *
 * @param results The run.
 * @param set The judged set.
 * @returns Temperature → the base's per-problem counts (first seed).
 */
export function cooledGrid(
  results: ProtocolResults,
  set: string,
): Map<number, readonly ProblemCounts[]> {
  const grid = new Map<number, readonly ProblemCounts[]>();
  const temperatures = results.protocol.evaluation.cooledBase?.temperatures ?? [];
  const base = results.evaluations[PRIMARY_SETTING]?.[set]?.[BASE_METHOD]?.[0];
  if (temperatures.length === 0 || base === undefined) return grid;
  grid.set(results.protocol.evaluation.temperature, base.outcomes);
  for (const t of temperatures) {
    const e = results.evaluations[cooledSetting(t)]?.[set]?.[BASE_METHOD]?.[0];
    if (e !== undefined) grid.set(t, e.outcomes);
  }
  return grid;
}

/**
 * A view of the run with `method`'s cooled base added as {@link COOLED_BASE} on `set`, or null
 * when the run evaluated no cooled base there.
 *
 * @param results The run.
 * @param method The method.
 * @param options The judged `set` and the largest judged `kMax`.
 * @returns The view and the chosen cooled base.
 * @throws {RangeError} If the method has no evaluation on the set.
 */
export function cooledBaseView(
  results: ProtocolResults,
  method: string,
  options: { readonly set: string; readonly kMax: number },
): { results: ProtocolResults; cooled: CooledBase } | null {
  const { set, kMax } = options;
  const grid = cooledGrid(results, set);
  if (grid.size === 0) return null;
  const evaluations = results.evaluations[PRIMARY_SETTING]?.[set]?.[method];
  if (evaluations === undefined || evaluations.length === 0) {
    throw new RangeError(`Cannot find ${method}'s cooled base: it has no evaluation on ${set}`);
  }
  const cooled = chooseCooledBase(grid, { [method]: evaluations.map((e) => e.outcomes) }, kMax)[
    method
  ];
  const setting = cooled.temperature === results.protocol.evaluation.temperature
    ? PRIMARY_SETTING
    : cooledSetting(cooled.temperature);
  const chosen = results.evaluations[setting][set][BASE_METHOD].slice(0, 1);
  return {
    results: {
      ...results,
      evaluations: withMethods(results.evaluations, set, { [COOLED_BASE]: chosen }),
    },
    cooled,
  };
}

/**
 * A view of the run at matched movement: each matched method's primary-set evaluations are
 * those of its checkpoints at the common Pass@1 gain; null when the run has no matched
 * movement.
 *
 * @param results The run.
 * @returns The view.
 */
export function matchedView(results: ProtocolResults): ProtocolResults | null {
  const matched = results.matchedMovement;
  if (matched === undefined) return null;
  return {
    ...results,
    evaluations: withMethods(results.evaluations, PRIMARY_SET, matched.evaluations),
  };
}
