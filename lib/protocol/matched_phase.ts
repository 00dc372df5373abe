/**
 * Phase 4 of the protocol (with `evaluation.checkpoints`): matched movement. The checkpoint
 * evaluations of the main grid (small n) pick, by the rule of baselines.ts, each method's and
 * seed's checkpoint at the common Pass@1 gain; each picked checkpoint is then evaluated on the
 * primary set at the full primary setting, on the same sampling stream as the final policies,
 * so the judged points use the full n.
 *
 * @module
 */
import type { ProtocolConfig } from "../config.ts";
import type { ProtocolProblem } from "../eval/task.ts";
import type { Scheduler } from "../schedule/scheduler.ts";
import {
  type CheckpointEvaluation,
  evaluationSeed,
  type PolicyEvaluation,
  type RunRecord,
  type WorkItem,
} from "../schedule/work.ts";
import { matchMovement, meanPassAtK } from "./baselines.ts";
import { labelOf } from "./grid.ts";
import {
  BASE_METHOD,
  type MatchedMovementResults,
  PRIMARY_SET,
  PRIMARY_SETTING,
} from "./protocol_results.ts";

/**
 * Picks and evaluates the checkpoints at matched movement (module doc).
 *
 * @param scheduler The scheduler.
 * @param protocol The protocol.
 * @param primary The primary set's problems.
 * @param measured The main grid's runs, evaluations and checkpoint evaluations.
 * @returns The rule, the target, each method's steps and gains, and their full evaluations.
 * @throws {RangeError} If a main method lacks its primary-set evaluations.
 */
export async function matchedMovementPhase<P extends ProtocolProblem>(
  scheduler: Scheduler<P>,
  protocol: ProtocolConfig,
  primary: readonly P[],
  measured: {
    readonly runs: Readonly<Record<string, readonly RunRecord[]>>;
    readonly evaluations: Readonly<Record<string, readonly PolicyEvaluation[]>>;
    readonly checkpoints: Readonly<Record<string, readonly (readonly CheckpointEvaluation[])[]>>;
  },
): Promise<MatchedMovementResults> {
  const methods = Object.keys(protocol.methods);
  const finals = (method: string) => {
    const evaluations = measured.evaluations[method];
    if (evaluations === undefined || evaluations.length !== protocol.seeds.length) {
      throw new RangeError(
        `Cannot match movement: ${method} has no primary-set evaluation for every seed`,
      );
    }
    return evaluations;
  };
  const steps = protocol.experiment.train.steps;
  const matched = matchMovement(
    Object.fromEntries(methods.map((method) => [
      method,
      finals(method).map((final, s) => ({
        final: { step: steps, outcomes: final.outcomes },
        checkpoints: measured.checkpoints[method]?.[s] ?? [],
      })),
    ])),
    finals(BASE_METHOD).map((e) => meanPassAtK(e.outcomes, 1)),
  );
  const { samples, temperature, topP } = protocol.evaluation;
  const items: WorkItem<P>[] = [];
  for (const method of methods) {
    matched.methods[method].steps.forEach((step, s) => {
      if (step === steps) return;
      const seed = protocol.seeds[s];
      items.push({
        kind: "evaluate",
        label: `${labelOf(method, seed)}@${step}`,
        method,
        seed,
        checkpoint: { dir: measured.runs[method][s].dir, step },
        evaluations: [{
          tier: PRIMARY_SET,
          settingName: PRIMARY_SETTING,
          setting: { samples, temperature, topP },
          seed: evaluationSeed(seed, PRIMARY_SET, PRIMARY_SETTING),
          problems: primary,
        }],
      });
    });
  }
  const results = await scheduler.run("matched movement", items);
  const evaluations: Record<string, CheckpointEvaluation[]> = {};
  for (const method of methods) {
    evaluations[method] = matched.methods[method].steps.map((step, s) => {
      if (step === steps) return { ...finals(method)[s], step };
      const label = `${labelOf(method, protocol.seeds[s])}@${step}`;
      const result = results.find((r) => r.label === label);
      if (result === undefined || result.kind === "screen") {
        throw new RangeError(`Cannot match movement: no evaluation of ${label}`);
      }
      return result.checkpoints[0];
    });
  }
  const seconds = results.reduce(
    (t, r) => t + (r.kind === "screen" ? 0 : r.checkpoints.reduce((u, c) => u + c.seconds, 0)),
    0,
  );
  return { ...matched, evaluations, seconds };
}
