/**
 * {@link Policy}: the object that owns a transformer's tf.Variables.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config.ts";
import { initParams, type Params, paramSpecs, type TfTensor, type TfVariable } from "./params.ts";

/**
 * A decoder-only transformer policy (and, when `config.valueHead` is not `"none"`, its critic).
 * It owns its variables: call `dispose()` (or declare it with `using`) when done.
 *
 * Value head: `"shared"` puts a scalar head on the policy's own trunk (the value loss then
 * also moves the trunk, since the trunk is in `actorVariables`); `"separate"` gives the critic
 * its own trunk of the same shape, so actor and critic never share weights.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "shared" } as const;
 * using policy = Policy.create(config, { seed: 0 });
 * assert.equal(policy.criticVariables.length, 2);
 * using frozen = policy.clone();
 * assert.equal(frozen.actorVariables[0].trainable, false);
 * ```
 */
export class Policy {
  /** Model sizes. */
  readonly config: ModelConfig;
  /** Every weight by name (actor and critic); see params.ts for the layout. */
  readonly params: Readonly<Params>;
  /** The policy's weights: trunk, embeddings and output projection. */
  readonly actorVariables: TfVariable[];
  /** The value head, plus the critic trunk when `valueHead = "separate"`; empty for `"none"`. */
  readonly criticVariables: TfVariable[];
  #disposed = false;

  private constructor(config: ModelConfig, params: Params) {
    this.config = config;
    this.params = params;
    const specs = paramSpecs(config);
    this.actorVariables = specs.filter((s) => s.group === "actor").map((s) => params[s.name]);
    this.criticVariables = specs.filter((s) => s.group === "critic").map((s) => params[s.name]);
  }

  /**
   * Creates a policy with freshly initialised, trainable weights.
   *
   * @param config Model sizes.
   * @param options `seed` of the initialisation.
   * @returns A new policy; the caller owns it.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
   * using policy = Policy.create(config, { seed: 0 });
   * assert.equal(policy.criticVariables.length, 0);
   * ```
   */
  static create(config: ModelConfig, options: { seed: number }): Policy {
    const { seed } = options;
    return new Policy(config, initParams(config, { seed }));
  }

  /**
   * Creates a policy from given weight values (copied). Used by checkpoint loading and `clone`.
   *
   * @param config Model sizes.
   * @param values One tensor per name of `paramSpecs(config)`, with that shape.
   * @param options `trainable`: whether the new variables are trainable (default true).
   * @returns A new policy; the caller owns it; `values` stay owned by the caller.
   * @throws {TypeError} If a name is missing or extra, or a shape differs.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
   * using a = Policy.create(config, { seed: 0 });
   * using b = Policy.fromWeights(config, a.params);
   * assert.deepEqual(b.params["wte"].dataSync(), a.params["wte"].dataSync());
   * ```
   */
  static fromWeights(
    config: ModelConfig,
    values: Readonly<Record<string, TfTensor>>,
    options: { trainable?: boolean } = {},
  ): Policy {
    const { trainable = true } = options;
    const specs = paramSpecs(config);
    const problems: string[] = [];
    for (const spec of specs) {
      const t = values[spec.name];
      if (t === undefined) problems.push(`missing ${spec.name}`);
      else if (t.shape.join(",") !== spec.shape.join(",")) {
        problems.push(`${spec.name} has shape [${t.shape}], expected [${spec.shape}]`);
      }
    }
    const known = new Set(specs.map((s) => s.name));
    for (const name of Object.keys(values)) {
      if (!known.has(name)) problems.push(`unexpected ${name}`);
    }
    if (problems.length > 0) {
      throw new TypeError(`Cannot create a policy from weights: ${problems.join("; ")}`);
    }
    const params: Params = {};
    for (const spec of specs) {
      params[spec.name] = tf.variable(
        values[spec.name] as tf.Tensor,
        trainable,
        undefined,
        "float32",
      );
    }
    return new Policy(config, params);
  }

  /**
   * A frozen copy (non-trainable variables), e.g. the reference or old policy.
   *
   * @returns A new policy with the same weights; the caller owns it.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const config = { vocabSize: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 8, valueHead: "none" } as const;
   * using policy = Policy.create(config, { seed: 0 });
   * using ref = policy.clone();
   * assert.notEqual(ref.params["wte"], policy.params["wte"]);
   * ```
   */
  clone(): Policy {
    this.#assertAlive("clone");
    return Policy.fromWeights(this.config, this.params, { trainable: false });
  }

  /** Whether {@link Policy.dispose} has run. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Frees every variable. Safe to call twice. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const v of Object.values(this.params)) v.dispose();
  }

  /** Same as {@link Policy.dispose}, for `using`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  #assertAlive(action: string): void {
    if (this.#disposed) throw new TypeError(`Cannot ${action}: the policy was disposed`);
  }
}
