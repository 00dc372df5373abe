import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/engine/backend.ts";
import { type Aggregation, type ObjectiveConfig, ObjectiveConfigSchema } from "../../lib/config.ts";
import {
  aggregate,
  lowVarKl,
  objectiveLoss,
  policyLoss,
  valueLoss,
} from "../../lib/objective/objective_loss.ts";
import { assertClose, assertNoLeak } from "../_helpers.ts";

await initBackend({ backend: "cpu" });

const MODES: Aggregation[] = ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"];
const objective = (input: Record<string, unknown>): ObjectiveConfig =>
  ObjectiveConfigSchema.parse(input);

/**
 * Central finite differences of a scalar function of one tensor, against tf.grad. float32 forces a
 * fairly large step; the points used below stay away from the kinks of max/clip.
 */
function checkGradient(
  f: (x: tf.Tensor) => tf.Scalar,
  x0: number[],
  shape: number[],
  { h = 1e-2, tol = 2e-3 } = {},
): void {
  const analytic = tf.tidy(() => Array.from(tf.grad(f)(tf.tensor(x0, shape)).dataSync()));
  for (let i = 0; i < x0.length; i++) {
    const at = (delta: number): number =>
      tf.tidy(() => {
        const x = x0.slice();
        x[i] += delta;
        return f(tf.tensor(x, shape)).dataSync()[0];
      });
    const numeric = (at(h) - at(-h)) / (2 * h);
    assertClose(analytic[i], numeric, tol * Math.max(1, Math.abs(numeric)), `d/dx[${i}]`);
  }
}

// A 2×3 batch: row 0 has two valid tokens, row 1 has three.
const MASK = [1, 1, 0, 1, 1, 1];
const OLD = [-1.0, -0.5, -2.0, -1.5, -0.3, -0.8];
const ADV = [1, 1, 1, -1, -1, -1];

Deno.test("aggregate() implements each documented mode", async (t) => {
  await assertNoLeak(async () => {
    await t.step("hand-computed values", () => {
      tf.tidy(() => {
        const loss = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
        const mask = tf.tensor2d([[1, 1, 0], [1, 0, 0]]);
        assertClose(aggregate(loss, mask, { mode: "token-mean" }).dataSync()[0], 7 / 3, 1e-6);
        assertClose(
          aggregate(loss, mask, { mode: "seq-mean-token-mean" }).dataSync()[0],
          2.75,
          1e-6,
        );
        assertClose(aggregate(loss, mask, { mode: "seq-mean-token-sum" }).dataSync()[0], 3.5, 1e-6);
      });
    });
    await t.step("a fully masked row contributes 0 and divides nothing by 0", () => {
      tf.tidy(() => {
        const loss = tf.tensor2d([[1, 2], [7, 7]]);
        const mask = tf.tensor2d([[1, 1], [0, 0]]);
        for (const mode of MODES) {
          assert.ok(Number.isFinite(aggregate(loss, mask, { mode }).dataSync()[0]), mode);
        }
        assertClose(
          aggregate(loss, mask, { mode: "seq-mean-token-mean" }).dataSync()[0],
          0.75,
          1e-6,
        );
      });
    });
    await t.step("mismatched shapes are rejected", () => {
      tf.tidy(() => {
        assert.throws(
          () =>
            aggregate(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D, {
              mode: "token-mean",
            }),
          /Unexpected shape for mask: expected \[2, 3\], got \[2, 2\]/,
        );
      });
    });
  });
});

Deno.test("policyLoss() is PPO's clipped surrogate", async (t) => {
  await assertNoLeak(async () => {
    await t.step("hand-computed: clipping binds only where it should", () => {
      tf.tidy(() => {
        const ratios = [1.5, 0.5, 1.1, 1.5, 0.5];
        const adv = [1, 1, 1, -1, -1];
        const { lossBT, clippedBT } = policyLoss({
          logProbs: tf.tensor2d([ratios.map(Math.log)]),
          oldLogProbs: tf.zeros([1, 5]) as tf.Tensor2D,
          advantages: tf.tensor2d([adv]),
        }, { clipRatio: 0.2, surrogate: "ratio" });
        // A>0: max(−1.5, −1.2) = −1.2 (clipped); max(−0.5, −0.8) = −0.5; max(−1.1, −1.1) = −1.1.
        // A<0: max(1.5, 1.2) = 1.5; max(0.5, 0.8) = 0.8 (clipped).
        const want = [-1.2, -0.5, -1.1, 1.5, 0.8];
        Array.from(lossBT.dataSync()).forEach((x, i) =>
          assertClose(x, want[i], 1e-6, `loss[${i}]`)
        );
        assert.deepEqual(Array.from(clippedBT.dataSync()), [1, 0, 0, 0, 1]);
      });
    });
    for (const mode of MODES) {
      await t.step(`finite-difference gradient, ${mode}`, () => {
        const mask = tf.tensor2d(MASK, [2, 3]);
        const old = tf.tensor2d(OLD, [2, 3]);
        const adv = tf.tensor2d(ADV, [2, 3]);
        // log ρ offsets 0.1 / −0.1 stay inside (1 − ε, 1 + ε); ±0.5 are clipped on one side.
        const x0 = OLD.map((o, i) => o + [0.1, -0.1, 0.5, 0.05, -0.5, 0.3][i]);
        checkGradient(
          (x) =>
            aggregate(
              policyLoss({ logProbs: x as tf.Tensor2D, oldLogProbs: old, advantages: adv }, {
                clipRatio: 0.2,
                surrogate: "ratio",
              }).lossBT,
              mask,
              { mode },
            ),
          x0,
          [2, 3],
        );
        tf.dispose([mask, old, adv]);
      });
    }
    await t.step("probability surrogate: seq-mean-token-mean is −R·(1/T)·Σπ(y_t)", () => {
      tf.tidy(() => {
        const logProbs = tf.tensor2d(OLD, [2, 3]);
        const { lossBT } = policyLoss(
          { logProbs, oldLogProbs: logProbs, advantages: tf.tensor2d(ADV, [2, 3]) },
          { clipRatio: 0.2, surrogate: "probability" },
        );
        const got = aggregate(lossBT, tf.tensor2d(MASK, [2, 3]), { mode: "seq-mean-token-mean" });
        const row0 = -1 * (Math.exp(-1) + Math.exp(-0.5)) / 2;
        const row1 = 1 * (Math.exp(-1.5) + Math.exp(-0.3) + Math.exp(-0.8)) / 3;
        assertClose(got.dataSync()[0], (row0 + row1) / 2, 1e-6);
      });
    });
  });
});

Deno.test("lowVarKl() is the clamped k3 estimator", async (t) => {
  await assertNoLeak(async () => {
    await t.step("hand-computed and non-negative", () => {
      tf.tidy(() => {
        const kl = lowVarKl(tf.tensor2d([[-1, -2, -0.5]]), tf.tensor2d([[-1.5, -1, -0.5]]));
        const r = [-0.5, 1, 0];
        Array.from(kl.dataSync()).forEach((x, i) => {
          assertClose(x, Math.exp(r[i]) - r[i] - 1, 1e-6);
          assert.ok(x >= 0);
        });
      });
    });
    await t.step("clamped to 10 for extreme ratios", () => {
      tf.tidy(() =>
        assert.equal(lowVarKl(tf.tensor2d([[-20]]), tf.tensor2d([[0]])).dataSync()[0], 10)
      );
    });
    await t.step("finite-difference gradient through aggregate", () => {
      const ref = tf.tensor2d([-1.2, -0.4, -2.1, -1.0, -0.6, -0.5], [2, 3]);
      const mask = tf.tensor2d(MASK, [2, 3]);
      checkGradient(
        (x) => aggregate(lowVarKl(x as tf.Tensor2D, ref), mask, { mode: "token-mean" }),
        OLD,
        [2, 3],
      );
      tf.dispose([ref, mask]);
    });
  });
});

Deno.test("valueLoss() is PPO's clipped value loss", async (t) => {
  await assertNoLeak(async () => {
    await t.step("hand-computed", () => {
      tf.tidy(() => {
        const { lossBT, clippedBT } = valueLoss({
          values: tf.tensor2d([[1, 0.2]]),
          oldValues: tf.tensor2d([[0, 0]]),
          returns: tf.tensor2d([[0, 1]]),
        }, { valueClip: 0.5 });
        // Token 0: max(1, 0.25)/2 = 0.5. Token 1: V clipped 0.2 → 0.2 (inside): 0.64/2 = 0.32.
        assertClose(lossBT.dataSync()[0], 0.5, 1e-6);
        assertClose(lossBT.dataSync()[1], 0.32, 1e-6);
        assert.deepEqual(Array.from(clippedBT.dataSync()), [0, 0]);
      });
    });
    await t.step("finite-difference gradient", () => {
      const oldValues = tf.tensor2d([0, 0, 0, 0.5, 0.5, 0.5], [2, 3]);
      const returns = tf.tensor2d([1, -1, 0.3, 2, 0, 0.4], [2, 3]);
      const mask = tf.tensor2d(MASK, [2, 3]);
      checkGradient(
        (x) =>
          aggregate(
            valueLoss({ values: x as tf.Tensor2D, oldValues, returns }, { valueClip: 0.5 }).lossBT,
            mask,
            { mode: "token-mean" },
          ),
        [0.2, -0.3, 0.7, 1.3, 0.1, 0.45],
        [2, 3],
      );
      tf.dispose([oldValues, returns, mask]);
    });
  });
});

/** Entropy of softmax(logits) per row, the way sequenceLogProbs computes it. */
function entropyOf(logits: tf.Tensor): tf.Tensor2D {
  const logSoftmax = tf.logSoftmax(logits);
  return tf.neg(tf.sum(tf.mul(tf.exp(logSoftmax), logSoftmax), -1)) as tf.Tensor2D;
}

Deno.test("objectiveLoss() adds each kind's terms", async (t) => {
  await assertNoLeak(async () => {
    await t.step("entropy bonus: finite-difference gradient w.r.t. logits", () => {
      const mask = tf.tensor2d([[1, 1]]);
      const zero = tf.zeros([1, 2]) as tf.Tensor2D;
      const nsr = objective({ kind: "nsr", entropyCoef: 0.5 });
      checkGradient(
        (logits) =>
          objectiveLoss({
            logProbs: zero,
            oldLogProbs: zero,
            advantages: zero,
            mask,
            entropies: entropyOf(logits),
          }, nsr).loss,
        [0.3, -1.2, 0.8, 0.1, 2.0, -0.4, 0.0, 0.5],
        [1, 2, 4],
      );
      tf.dispose([mask, zero]);
    });
    await t.step("GRPO adds klCoef·k3 and needs refLogProbs", () => {
      tf.tidy(() => {
        const logProbs = tf.tensor2d([[-1, -2]]);
        const refLogProbs = tf.tensor2d([[-1.5, -1]]);
        const batch = {
          logProbs,
          oldLogProbs: logProbs,
          advantages: tf.tensor2d([[0.5, 0.5]]),
          mask: tf.tensor2d([[1, 1]]),
          entropies: tf.tensor2d([[1, 1]]),
        };
        const grpo = objective({ kind: "grpo", klCoef: 0.1, entropyCoef: 0 });
        const terms = objectiveLoss({ ...batch, refLogProbs }, grpo);
        const k3 = ((Math.exp(-0.5) + 0.5 - 1) + (Math.exp(1) - 1 - 1)) / 2;
        assertClose(terms.kl.dataSync()[0], k3, 1e-6);
        assertClose(terms.loss.dataSync()[0], -0.5 + 0.1 * k3, 1e-6);
        assert.throws(() => objectiveLoss(batch, grpo), /refLogProbs is required/);
      });
    });
    await t.step("PPO adds the value loss and needs values", () => {
      tf.tidy(() => {
        const z = tf.zeros([1, 1]) as tf.Tensor2D;
        const batch = {
          logProbs: z,
          oldLogProbs: z,
          advantages: tf.tensor2d([[1]]),
          mask: tf.tensor2d([[1]]),
          entropies: z,
        };
        const ppo = objective({ kind: "ppo" });
        const terms = objectiveLoss({
          ...batch,
          values: z,
          oldValues: z,
          returns: tf.tensor2d([[1]]),
        }, ppo);
        assertClose(terms.valueLoss.dataSync()[0], 0.5, 1e-6);
        assertClose(terms.loss.dataSync()[0], -1 + 0.5, 1e-6);
        assert.throws(() => objectiveLoss(batch, ppo), /values is required/);
      });
    });
    await t.step("tokens outside the mask get exactly zero gradient", () => {
      tf.tidy(() => {
        const old = tf.tensor2d(OLD, [2, 3]);
        const at = tf.tensor2d(OLD.map((o) => o + 0.05), [2, 3]);
        const grad = tf.grad((x) =>
          objectiveLoss({
            logProbs: x as tf.Tensor2D,
            oldLogProbs: old,
            advantages: tf.tensor2d(ADV, [2, 3]),
            mask: tf.tensor2d(MASK, [2, 3]),
            entropies: tf.zeros([2, 3]) as tf.Tensor2D,
          }, objective({ kind: "w-reinforce" })).loss
        )(at);
        assert.equal(Math.abs(grad.dataSync()[2]), 0);
        assert.ok(Math.abs(grad.dataSync()[0]) > 0);
      });
    });
  });
});

const softmax = (z: number[]): number[] => {
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
/**
 * One SGD step on the logits z of a single softmax π = softmax(z) with the objective's loss for a
 * sampled token y (ρ = 1: the old policy is the current one). Returns z' − z.
 */
function logitStep(
  z: number[],
  y: number,
  { advantage, entropyCoef = 0, lr = 0.1 }: {
    advantage: number;
    entropyCoef?: number;
    lr?: number;
  },
): number[] {
  const oldLogProb = Math.log(softmax(z)[y]); // a constant: the policy before the step
  return tf.tidy(() => {
    const grad = tf.grad((logits) => {
      const logSoftmax = tf.logSoftmax(logits.reshape([1, z.length]));
      const logProb = tf.sum(tf.mul(logSoftmax, tf.oneHot([y], z.length).cast("float32")), 1);
      const logProbs = logProb.reshape([1, 1]) as tf.Tensor2D;
      return objectiveLoss({
        logProbs,
        oldLogProbs: tf.tensor2d([[oldLogProb]]),
        advantages: tf.tensor2d([[advantage]]),
        mask: tf.tensor2d([[1]]),
        entropies: entropyOf(logSoftmax).reshape([1, 1]) as tf.Tensor2D,
      }, objective({ kind: "w-reinforce", entropyCoef })).loss;
    })(tf.tensor1d(z));
    return Array.from(grad.dataSync()).map((g) => -lr * g);
  });
}

const order = (xs: number[]): number[] =>
  xs.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);

Deno.test("logit gradients on a single softmax match the paper's Eqs. 7–8", async (t) => {
  const z = [1.5, 0.2, -0.7, 0.9, -1.3];
  const y = 3;
  const pi = softmax(z);
  const lr = 0.1;
  await assertNoLeak(async () => {
    await t.step("NSR lowers z_y by lr·(1 − π_y) and raises every other z_v by lr·π_v", () => {
      const delta = logitStep(z, y, { advantage: -1, lr });
      assertClose(delta[y], -lr * (1 - pi[y]), 1e-6);
      for (let v = 0; v < z.length; v++) if (v !== y) assertClose(delta[v], lr * pi[v], 1e-6);
      // The unsampled tokens keep their order and together gain the mass y loses.
      const after = softmax(z.map((x, v) => x + delta[v]));
      const others = (p: number[]): number[] => p.filter((_, v) => v !== y);
      assert.deepEqual(order(others(after)), order(others(pi)));
      assert.ok(after[y] < pi[y]);
    });
    await t.step("PSR does the opposite", () => {
      const delta = logitStep(z, y, { advantage: 1, lr });
      assertClose(delta[y], lr * (1 - pi[y]), 1e-6);
      for (let v = 0; v < z.length; v++) if (v !== y) assertClose(delta[v], -lr * pi[v], 1e-6);
    });
    await t.step("NSR's update shrinks as the sampled token's probability → 1", () => {
      const confident = [8, 0, 0, 0, 0];
      const delta = logitStep(confident, 0, { advantage: -1, lr });
      assert.ok(Math.abs(delta[0]) < 1e-3 * lr * 2);
    });
    await t.step(
      "the entropy bonus raises below-average tokens and lowers above-average ones",
      () => {
        const c = 1;
        const delta = logitStep(z, y, { advantage: 0, entropyCoef: c, lr });
        const H = -pi.reduce((s, p) => s + p * Math.log(p), 0);
        for (let v = 0; v < z.length; v++) {
          // ∂H/∂z_v = −π_v (log π_v + H); a step on −c·H moves z_v by lr·c·∂H/∂z_v.
          assertClose(delta[v], -lr * c * pi[v] * (Math.log(pi[v]) + H), 1e-6);
          assert.equal(Math.sign(delta[v]), Math.log(pi[v]) < -H ? 1 : -1);
        }
      },
    );
  });
});
