/**
 * Where the salvage study's coverage moves: each method's Pass@k − Base on a planted base's
 * primary problems inside its planted regime and on the rest (planted_regime.ts). The study's bases
 * differ in salvage share mostly through the planted problems, so this tells a change there from
 * one on the problems every base shares.
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import { passAtKBootstrap, passAtKStatistic } from "../protocol/protocol_stats.ts";
import {
  BASE_METHOD,
  PRIMARY_SET,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";
import { primaryDifference, type SalvageStudyResults } from "./salvage_study.ts";

/** One method's coverage change on one side of a base's planted regime. */
export type RegimeRow = Interval & {
  /** The base. */
  readonly base: string;
  /** Inside the regime (the problems whose responses were planted) or outside it. */
  readonly regime: "planted" | "other";
  /** Primary problems on that side. */
  readonly problems: number;
  /** The method; the row is its Pass@k − the base's there. */
  readonly method: string;
  /** The base's own Pass@k on that side. */
  readonly basePassAtK: number;
};

/**
 * A base's results with the primary set cut to the problems `keep` admits (every method, every
 * seed, the primary setting); the other sets and settings as they are.
 */
function restrictPrimary(
  results: ProtocolResults,
  keep: (problemId: string) => boolean,
): ProtocolResults {
  const byMethod = results.evaluations[PRIMARY_SETTING]?.[PRIMARY_SET] ?? {};
  const cut = Object.fromEntries(
    Object.entries(byMethod).map(([method, evaluations]) => [
      method,
      evaluations.map((e) => ({ ...e, outcomes: e.outcomes.filter((o) => keep(o.problemId)) })),
    ]),
  );
  return {
    ...results,
    evaluations: {
      ...results.evaluations,
      [PRIMARY_SETTING]: { ...results.evaluations[PRIMARY_SETTING], [PRIMARY_SET]: cut },
    },
  };
}

/**
 * Where the coverage moves on each base with planted errors: every method's Pass@k − Base at k on
 * the primary problems inside the planted regime and on the rest (95% intervals, bootstrap over
 * that side's problems, paired, and seeds), with the base's own Pass@k there. The study's shares
 * differ mostly through the planted problems, so this tells a change on them from one on the
 * problems the bases share.
 *
 * @param study The study's results.
 * @param k The k.
 * @returns Per planted base, side and method, one row (bases without planted errors have none).
 */
export function regimeRows(study: SalvageStudyResults, k: number): RegimeRow[] {
  return study.bases.flatMap((base) => {
    if (base.planted === null) return [];
    const inside = new Set(base.planted.problemIds);
    return (["planted", "other"] as const).flatMap((regime) => {
      const view = restrictPrimary(
        base.results,
        (id) => inside.has(id) === (regime === "planted"),
      );
      const [first] = view.evaluations[PRIMARY_SETTING][PRIMARY_SET][BASE_METHOD];
      const problems = first.outcomes.length;
      if (problems === 0) return [];
      const boot = passAtKBootstrap(view, {
        setting: PRIMARY_SETTING,
        tier: PRIMARY_SET,
        methods: [BASE_METHOD],
      });
      const basePassAtK = passAtKStatistic(boot, (p) => p(BASE_METHOD, k)).estimate;
      return study.study.methods.map((method) => ({
        base: base.name,
        regime,
        problems,
        method,
        basePassAtK,
        ...primaryDifference(view, { x: method, y: BASE_METHOD, k })!,
      }));
    });
  });
}
