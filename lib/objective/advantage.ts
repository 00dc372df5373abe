/**
 * Rewards → advantages, and which samples each objective trains on. Plain numbers, no tf.
 *
 * These follow the released code of Zhu et al. (2025), a verl fork
 * (`compute_psr_nsr_outcome_advantage`, `compute_grpo_outcome_advantage`,
 * `compute_gae_advantage_return`, `masked_whiten`):
 *
 * | kind          | kept samples      | advantage of a sample (broadcast to its tokens)      |
 * | ------------- | ----------------- | ---------------------------------------------------- |
 * | `psr`         | correct only      | A = +1                                               |
 * | `nsr`         | incorrect only    | A = −1                                               |
 * | `w-reinforce` | all               | A = +λ if correct, −1 if not                         |
 * | `reinforce`   | all               | A = +1 if correct, −1 if not                         |
 * | `grpo`        | all               | A = (r − mean_g) / (std_g + 1e-6), Bessel std        |
 * | `ppo`         | all               | GAE(γ, λ) on r_t = −β·(logπ_old − logπ_ref) + R·1[t=T], whitened over the batch |
 *
 * The four outcome objectives use no baseline, no normalisation and no whitening.
 *
 * @module
 */
import type { ObjectiveConfig } from "../config.ts";

/** GRPO's ε in (r − mean) / (std + ε), as in verl's `compute_grpo_outcome_advantage`. */
export const GRPO_EPSILON = 1e-6;
/** Added to the variance before whitening (verl's `masked_whiten`), so constant inputs stay finite. */
export const WHITEN_EPSILON = 1e-8;

/** Per-sample advantages and the samples the objective trains on. */
export type SampleAdvantages = {
  /** One advantage per sample (0 for samples that are not kept). */
  advantages: number[];
  /** `true` for the samples the objective trains on. */
  keep: boolean[];
};

/** Per-token advantages (and PPO's returns) for a batch, and the samples to train on. */
export type TokenAdvantages = {
  /** `advantages[i][t]`: advantage of response token t of sample i (empty row if not kept). */
  advantages: number[][];
  /** PPO's value targets `returns[i][t]` (GAE advantages + values); equal to `advantages` otherwise. */
  returns: number[][];
  /** `true` for the samples the objective trains on. */
  keep: boolean[];
};

/** What {@link computeAdvantages} reads for a batch of responses. */
export type AdvantageInput = {
  /** One verifier reward per sample; samples of a prompt are contiguous, `groupSize` each. */
  readonly rewards: readonly number[];
  /** Number of response tokens of each sample. */
  readonly responseLengths: readonly number[];
  /** PPO only: the critic's value of each response token, `values[i][t]`. */
  readonly values?: readonly (readonly number[])[];
  /** PPO only: per-token `logπ_old − logπ_ref` of each response token. */
  readonly klPenalties?: readonly (readonly number[])[];
};

function isCorrect(reward: number, what: string): boolean {
  if (reward !== 0 && reward !== 1) {
    throw new RangeError(
      `Cannot compute ${what} advantages: rewards must be 0 or 1, got ${reward}`,
    );
  }
  return reward === 1;
}

/**
 * Positive-sample reinforcement (PSR): train only on correct samples, with A = +1.
 *
 * @param rewards Verifier rewards, each 0 or 1.
 * @returns A = 1 and keep = true for correct samples; A = 0 and keep = false otherwise.
 * @throws {RangeError} If a reward is not 0 or 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(psrAdvantages([1, 0, 1]), { advantages: [1, 0, 1], keep: [true, false, true] });
 * ```
 */
export function psrAdvantages(rewards: readonly number[]): SampleAdvantages {
  const keep = rewards.map((r) => isCorrect(r, "PSR"));
  return { advantages: keep.map((k) => (k ? 1 : 0)), keep };
}

/**
 * Negative-sample reinforcement (NSR): train only on incorrect samples, with A = −1.
 *
 * @param rewards Verifier rewards, each 0 or 1.
 * @returns A = −1 and keep = true for incorrect samples; A = 0 and keep = false otherwise.
 * @throws {RangeError} If a reward is not 0 or 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(nsrAdvantages([1, 0, 1]), { advantages: [0, -1, 0], keep: [false, true, false] });
 * ```
 */
export function nsrAdvantages(rewards: readonly number[]): SampleAdvantages {
  const keep = rewards.map((r) => !isCorrect(r, "NSR"));
  return { advantages: keep.map((k) => (k ? -1 : 0)), keep };
}

/**
 * W-REINFORCE: every sample, A = +λ if correct and −1 if not. λ = 1 is REINFORCE with ±1
 * rewards; λ = 0 gives NSR's gradient (correct samples then contribute nothing but still count in
 * the token mean).
 *
 * @param rewards Verifier rewards, each 0 or 1.
 * @param options `lambda`, the weight λ ≥ 0 of correct samples.
 * @returns Advantages for all samples, all kept.
 * @throws {RangeError} If a reward is not 0 or 1, or λ is negative.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { advantages } = weightedReinforceAdvantages([1, 0], { lambda: 0.1 });
 * assert.deepEqual(advantages, [0.1, -1]);
 * ```
 */
export function weightedReinforceAdvantages(
  rewards: readonly number[],
  options: { lambda: number },
): SampleAdvantages {
  const { lambda } = options;
  if (!(lambda >= 0)) {
    throw new RangeError(
      `Cannot compute W-REINFORCE advantages: lambda must be >= 0, got ${lambda}`,
    );
  }
  const advantages = rewards.map((r) => (isCorrect(r, "W-REINFORCE") ? lambda : -1));
  return { advantages, keep: rewards.map(() => true) };
}

/**
 * GRPO's group-relative advantage: A_i = (r_i − mean_g) / (std_g + ε) within each group of
 * `groupSize` consecutive samples (one prompt), with the unbiased (Bessel, n − 1) standard
 * deviation and ε = {@link GRPO_EPSILON}. A group of one sample gets mean 0 and std 1, as in verl.
 * (Shao et al. 2024, arXiv:2402.03300; verl `compute_grpo_outcome_advantage`.)
 *
 * @param rewards Rewards, any real numbers; samples of a prompt are contiguous.
 * @param options `groupSize` G (samples per prompt); `rewards.length` must be a multiple of it.
 * @returns Advantages for all samples, all kept.
 * @throws {RangeError} If `groupSize` is not a positive integer dividing `rewards.length`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { advantages } = groupAdvantages([1, 0, 0, 0], { groupSize: 4 });
 * assert.ok(Math.abs(advantages[0] - 1.5) < 1e-5); // (1 − 0.25) / 0.5
 * ```
 */
export function groupAdvantages(
  rewards: readonly number[],
  options: { groupSize: number },
): SampleAdvantages {
  const { groupSize } = options;
  if (!Number.isInteger(groupSize) || groupSize < 1 || rewards.length % groupSize !== 0) {
    throw new RangeError(
      `Cannot compute GRPO advantages: groupSize must be a positive integer dividing the number of rewards, got groupSize=${groupSize} and ${rewards.length} rewards`,
    );
  }
  const advantages: number[] = [];
  for (let start = 0; start < rewards.length; start += groupSize) {
    const group = rewards.slice(start, start + groupSize);
    let mean = 0;
    let std = 1;
    if (groupSize > 1) {
      mean = group.reduce((s, r) => s + r, 0) / groupSize;
      const squares = group.reduce((s, r) => s + (r - mean) ** 2, 0);
      std = Math.sqrt(squares / (groupSize - 1));
    }
    for (const r of group) advantages.push((r - mean) / (std + GRPO_EPSILON));
  }
  return { advantages, keep: rewards.map(() => true) };
}

/**
 * Generalized advantage estimation (Schulman et al. 2016, arXiv:1506.02438) on one response:
 * δ_t = r_t + γ·V_{t+1} − V_t (V_T = 0), A_t = δ_t + γλ·A_{t+1}, and returns R_t = A_t + V_t.
 * With γ = λ = 1 this is A_t = Σ_{s≥t} r_s − V_t (verl `compute_gae_advantage_return`).
 *
 * @param tokenRewards Per-token rewards r_t of one response.
 * @param values Per-token critic values V_t, same length.
 * @param options `gamma` (γ) and `lambda` (λ), both in [0, 1].
 * @returns Per-token advantages and returns, not whitened.
 * @throws {RangeError} If the two arrays differ in length.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { advantages, returns } = gaeAdvantages([0, 1], [0.5, 0.25], { gamma: 1, lambda: 1 });
 * assert.deepEqual(advantages, [0.5, 0.75]);
 * assert.deepEqual(returns, [1, 1]);
 * ```
 */
export function gaeAdvantages(
  tokenRewards: readonly number[],
  values: readonly number[],
  options: { gamma: number; lambda: number },
): { advantages: number[]; returns: number[] } {
  const { gamma, lambda } = options;
  if (tokenRewards.length !== values.length) {
    throw new RangeError(
      `Cannot compute GAE: rewards and values must have the same length, got ${tokenRewards.length} and ${values.length}`,
    );
  }
  const T = tokenRewards.length;
  const advantages = new Array<number>(T);
  let next = 0; // A_{t+1}
  for (let t = T - 1; t >= 0; t--) {
    const nextValue = t + 1 < T ? values[t + 1] : 0;
    const delta = tokenRewards[t] + gamma * nextValue - values[t];
    next = delta + gamma * lambda * next;
    advantages[t] = next;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]) };
}

/**
 * Whitens every number of a ragged batch together: (x − mean) / √(var + 1e-8), with the unbiased
 * variance over all entries (verl `masked_whiten` over the valid response tokens).
 *
 * @param rows Ragged rows of numbers (one per sample).
 * @returns Rows of the same shapes, mean 0 and unit variance overall.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [[a], [b, c]] = whiten([[1], [2, 3]]);
 * assert.ok(Math.abs(a + 1) < 1e-6 && Math.abs(b) < 1e-12 && Math.abs(c - 1) < 1e-6);
 * ```
 */
export function whiten(rows: readonly (readonly number[])[]): number[][] {
  let count = 0;
  let sum = 0;
  for (const row of rows) for (const x of row) (count++, sum += x);
  if (count === 0) return rows.map(() => []);
  const mean = sum / count;
  let squares = 0;
  for (const row of rows) for (const x of row) squares += (x - mean) ** 2;
  const variance = count > 1 ? squares / (count - 1) : 0;
  const scale = 1 / Math.sqrt(variance + WHITEN_EPSILON);
  return rows.map((row) => row.map((x) => (x - mean) * scale));
}

function broadcast(
  { advantages, keep }: SampleAdvantages,
  responseLengths: readonly number[],
): TokenAdvantages {
  const rows = advantages.map((
    a,
    i,
  ) => (keep[i] ? new Array<number>(responseLengths[i]).fill(a) : []));
  return { advantages: rows, returns: rows, keep };
}

/**
 * The advantage of every response token for any objective, and which samples it trains on: the
 * one dispatch on `objective.kind` for advantages (see the module table).
 *
 * PPO needs `values` and `klPenalties`: its per-token reward is r_t = −β·(logπ_old − logπ_ref),
 * plus the verifier reward on the last token; advantages are GAE(γ, λ), then whitened over all
 * tokens of the batch; returns (the critic's targets) are taken before whitening.
 *
 * @param input Rewards and response lengths (and, for PPO, values and KL penalties).
 * @param objective The objective config (its kind and its own scalars).
 * @param options `groupSize`, the samples per prompt (GRPO's group).
 * @returns Per-token advantages and returns, and the kept-sample mask.
 * @throws {RangeError} If the inputs disagree in length, PPO inputs are missing, or rewards are
 *   not 0/1 for the outcome objectives.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const out = computeAdvantages({ rewards: [1, 0], responseLengths: [2, 1] }, {
 *   kind: "nsr", clipRatio: 0.2, entropyCoef: 0, aggregation: "token-mean", surrogate: "ratio",
 * }, { groupSize: 2 });
 * assert.deepEqual(out.advantages, [[], [-1]]);
 * assert.deepEqual(out.keep, [false, true]);
 * ```
 */
export function computeAdvantages(
  input: AdvantageInput,
  objective: ObjectiveConfig,
  options: { groupSize: number },
): TokenAdvantages {
  const { groupSize } = options;
  const { rewards, responseLengths } = input;
  if (rewards.length !== responseLengths.length) {
    throw new RangeError(
      `Cannot compute advantages: one response length per reward is needed, got ${rewards.length} rewards and ${responseLengths.length} lengths`,
    );
  }
  switch (objective.kind) {
    case "psr":
      return broadcast(psrAdvantages(rewards), responseLengths);
    case "nsr":
      return broadcast(nsrAdvantages(rewards), responseLengths);
    case "w-reinforce":
      return broadcast(
        weightedReinforceAdvantages(rewards, { lambda: objective.lambda }),
        responseLengths,
      );
    case "reinforce":
      return broadcast(weightedReinforceAdvantages(rewards, { lambda: 1 }), responseLengths);
    case "grpo":
      return broadcast(groupAdvantages(rewards, { groupSize }), responseLengths);
    case "ppo": {
      const { values, klPenalties } = input;
      if (values === undefined || klPenalties === undefined) {
        throw new RangeError(
          `Cannot compute PPO advantages: values and klPenalties are required, got ${
            values === undefined ? "no values" : "no klPenalties"
          }`,
        );
      }
      const raw = rewards.map((reward, i) => {
        const T = responseLengths[i];
        if (values[i]?.length !== T || klPenalties[i]?.length !== T) {
          throw new RangeError(
            `Cannot compute PPO advantages: sample ${i} needs ${T} values and KL penalties, got ${
              values[i]?.length
            } and ${klPenalties[i]?.length}`,
          );
        }
        const tokenRewards = klPenalties[i].map((kl) => -objective.klCoef * kl);
        if (T > 0) tokenRewards[T - 1] += reward;
        return gaeAdvantages(tokenRewards, values[i], {
          gamma: objective.gamma,
          lambda: objective.gaeLambda,
        });
      });
      return {
        advantages: whiten(raw.map((r) => r.advantages)),
        returns: raw.map((r) => r.returns),
        keep: rewards.map(() => true),
      };
    }
    default: {
      const unknown: never = objective;
      throw new RangeError(
        `Cannot compute advantages: unknown objective kind, got ${JSON.stringify(unknown)}`,
      );
    }
  }
}
