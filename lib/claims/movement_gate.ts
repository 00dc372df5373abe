/**
 * The movement gate: a comparison of methods is only a test of the paper's claims when the
 * policies moved as the paper's did. The calibration method (GRPO) must beat the base at Pass@1
 * significantly (95% interval above 0) on each of the gate's sets, raise greedy accuracy
 * significantly on them pooled (so the movement is more than cooling the sampler: greedy decoding
 * is at temperature 0 already), and its KL to the base at the last step (mean over seeds) must be
 * at least `gate.minKl`. Otherwise every paper claim is "not tested", with the gate's numbers as
 * the reason.
 *
 * @module
 */
import type { Interval } from "../eval/passk.ts";
import { formatInterval } from "./verdict.ts";
import {
  metricBootstrap,
  metricStatistic,
  passAtKBootstrap,
  passAtKStatistic,
} from "../protocol/protocol_stats.ts";
import {
  BASE_METHOD,
  PRIMARY_SETTING,
  type ProtocolResults,
} from "../protocol/protocol_results.ts";
import { lastKlToInitial } from "../train/metrics.ts";

/** The outcome of the movement gate. */
export type MovementGate = {
  /** Whether the comparisons are tests. */
  readonly passed: boolean;
  /** The numbers, in words. */
  readonly evidence: string;
  /** Calibration method − Base at k = 1, per gate tier. */
  readonly passAt1: Readonly<Record<string, Interval>>;
  /** Calibration method − Base greedy accuracy, the gate's sets pooled. */
  readonly greedyAccuracy: Interval;
  /** Its mean KL to the base at the last step. */
  readonly kl: number;
};

/**
 * The movement gate of the module doc.
 *
 * @param results The protocol's results.
 * @returns Whether it passed, and why.
 */
export function movementGate(results: ProtocolResults): MovementGate {
  const method = results.calibration.method;
  const { tiers, minKl } = results.protocol.gate;
  const passAt1: Record<string, Interval> = {};
  for (const tier of tiers) {
    const boot = passAtKBootstrap(results, {
      setting: PRIMARY_SETTING,
      tier,
      methods: [method, BASE_METHOD],
    });
    passAt1[tier] = passAtKStatistic(boot, (p) => p(method, 1) - p(BASE_METHOD, 1));
  }
  const runs = results.runs[method] ?? [];
  const kl = runs.reduce((s, r) => s + (lastKlToInitial(r.steps)), 0) /
    Math.max(runs.length, 1);
  const greedy = metricBootstrap(results, {
    setting: PRIMARY_SETTING,
    tiers,
    methods: [method, BASE_METHOD],
    metrics: ["greedyCorrect"],
  });
  const greedyAccuracy = metricStatistic(
    greedy,
    (v) => v(method, "greedyCorrect") - v(BASE_METHOD, "greedyCorrect"),
  );
  const significant = Object.values(passAt1).every((i) => i.lower > 0) &&
    greedyAccuracy.lower > 0;
  const evidence = `${method} − Base Pass@1: ` +
    Object.entries(passAt1).map(([tier, i]) => `${tier} ${formatInterval(i, "percent")}`).join(
      ", ",
    ) +
    `; greedy accuracy ${formatInterval(greedyAccuracy, "percent")}` +
    `; ${method} KL to the base ${
      kl.toPrecision(3)
    } nats/token (gate: Pass@1 and greedy-accuracy gains significant, KL >= ${minKl})`;
  return { passed: significant && kl >= minKl, evidence, passAt1, greedyAccuracy, kl };
}
