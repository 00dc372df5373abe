/**
 * Parameter layout and initialisation of the decoder-only transformer.
 *
 * Dimension glossary (all of lib/model/): B batch, T tokens, V vocab, D width, H heads,
 * M MLP width, C context, L layers.
 *
 * Names (GPT-2 style, `<trunk>` is `""` for the policy and `"critic."` for a separate critic):
 * `<trunk>wte [V, D]`, `<trunk>wpe [C, D]`, per block l:
 * `<trunk>h.l.ln1.g/b [D]`, `<trunk>h.l.attn.qkv.w [D, 3D]`, `.qkv.b [3D]`,
 * `<trunk>h.l.attn.proj.w [D, D]`, `.proj.b [D]`, `<trunk>h.l.ln2.g/b [D]`,
 * `<trunk>h.l.mlp.fc.w [D, M]`, `.fc.b [M]`, `<trunk>h.l.mlp.proj.w [M, D]`, `.proj.b [D]`,
 * then `<trunk>lnf.g/b [D]`; the policy's untied output projection `head.w [D, V]`; and the
 * value head `value.w [D, 1]`, `value.b [1]` (applied to the policy trunk when
 * `valueHead = "shared"`, to the critic trunk when `"separate"`, absent when `"none"`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../config.ts";
import { deriveSeed, type Prng, seededPrng } from "../random.ts";

/** A tfjs variable (alias so the public API documents it). */
export type TfVariable = tf.Variable;
/** A tfjs tensor of any rank (alias so the public API documents it). */
export type TfTensor = tf.Tensor;
/** A rank-2 tfjs tensor (alias so the public API documents it). */
export type TfTensor2D = tf.Tensor2D;
/** A rank-3 tfjs tensor (alias so the public API documents it). */
export type TfTensor3D = tf.Tensor3D;

/** The model's weights by name; see the module doc for the layout. */
export type Params = Record<string, TfVariable>;

/** How one parameter is initialised. */
export type ParamInit = "normal" | "residual" | "ones" | "zeros";

/** Name, shape, owner and initialiser of one parameter. */
export type ParamSpec = {
  name: string;
  shape: number[];
  /** `actor` weights are the policy; `critic` weights are the value head and critic trunk. */
  group: "actor" | "critic";
  init: ParamInit;
};

/** Standard deviation of the normal initialiser (GPT-2). */
export const INIT_STD = 0.02;

function trunkSpecs(config: ModelConfig, prefix: string, group: ParamSpec["group"]): ParamSpec[] {
  const { vocabSize: V, width: D, layers, mlpWidth: M, context: C } = config;
  const specs: ParamSpec[] = [
    { name: `${prefix}wte`, shape: [V, D], group, init: "normal" },
    { name: `${prefix}wpe`, shape: [C, D], group, init: "normal" },
  ];
  for (let l = 0; l < layers; l++) {
    const h = `${prefix}h.${l}.`;
    specs.push(
      { name: `${h}ln1.g`, shape: [D], group, init: "ones" },
      { name: `${h}ln1.b`, shape: [D], group, init: "zeros" },
      { name: `${h}attn.qkv.w`, shape: [D, 3 * D], group, init: "normal" },
      { name: `${h}attn.qkv.b`, shape: [3 * D], group, init: "zeros" },
      { name: `${h}attn.proj.w`, shape: [D, D], group, init: "residual" },
      { name: `${h}attn.proj.b`, shape: [D], group, init: "zeros" },
      { name: `${h}ln2.g`, shape: [D], group, init: "ones" },
      { name: `${h}ln2.b`, shape: [D], group, init: "zeros" },
      { name: `${h}mlp.fc.w`, shape: [D, M], group, init: "normal" },
      { name: `${h}mlp.fc.b`, shape: [M], group, init: "zeros" },
      { name: `${h}mlp.proj.w`, shape: [M, D], group, init: "residual" },
      { name: `${h}mlp.proj.b`, shape: [D], group, init: "zeros" },
    );
  }
  specs.push(
    { name: `${prefix}lnf.g`, shape: [D], group, init: "ones" },
    { name: `${prefix}lnf.b`, shape: [D], group, init: "zeros" },
  );
  return specs;
}

/**
 * Lists every parameter of a model config, in a fixed order (the checkpoint order).
 *
 * @param config Model sizes.
 * @returns One {@link ParamSpec} per weight.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = { vocabSize: 8, width: 4, layers: 1, heads: 2, mlpWidth: 8, context: 6, valueHead: "none" } as const;
 * const specs = paramSpecs(config);
 * assert.deepEqual(specs[0], { name: "wte", shape: [8, 4], group: "actor", init: "normal" });
 * assert.equal(specs.at(-1)?.name, "head.w");
 * ```
 */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { width: D, vocabSize: V } = config;
  const specs = trunkSpecs(config, "", "actor");
  specs.push({ name: "head.w", shape: [D, V], group: "actor", init: "normal" });
  if (config.valueHead === "separate") specs.push(...trunkSpecs(config, "critic.", "critic"));
  if (config.valueHead !== "none") {
    specs.push(
      { name: "value.w", shape: [D, 1], group: "critic", init: "normal" },
      { name: "value.b", shape: [1], group: "critic", init: "zeros" },
    );
  }
  return specs;
}

/**
 * Counts the parameters of a config (actor and critic).
 *
 * @param config Model sizes.
 * @returns The number of scalar weights.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const reference = { vocabSize: 32, width: 128, layers: 4, heads: 4, mlpWidth: 512, context: 48, valueHead: "none" } as const;
 * assert.equal(countParams(reference), 807_680); // ≈ 0.8M
 * ```
 */
export function countParams(config: ModelConfig): number {
  return paramSpecs(config).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}

function normals(prng: Prng, size: number, std: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // Box–Muller; 1 − u keeps the log argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - prng())) * std;
    const angle = 2 * Math.PI * prng();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < size) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/**
 * Draws the initial values of one parameter: N(0, 0.02²) weights, N(0, (0.02/√(2L))²) for
 * the projections into the residual stream (GPT-2), ones for layer-norm gains, zeros for
 * biases. Each parameter has its own stream, `deriveSeed(seed, name)`, so values do not
 * depend on the order of creation.
 *
 * @param spec The parameter.
 * @param options `layers` (for the residual scale) and `seed`.
 * @returns The values, row-major.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const spec: ParamSpec = { name: "x", shape: [2], group: "actor", init: "ones" };
 * assert.deepEqual([...initValues(spec, { layers: 1, seed: 0 })], [1, 1]);
 * ```
 */
export function initValues(
  spec: ParamSpec,
  options: { layers: number; seed: number },
): Float32Array {
  const { layers, seed } = options;
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const prng = seededPrng(deriveSeed(seed, spec.name));
  switch (spec.init) {
    case "normal":
      return normals(prng, size, INIT_STD);
    case "residual":
      return normals(prng, size, INIT_STD / Math.sqrt(2 * layers));
    case "ones":
      return new Float32Array(size).fill(1);
    case "zeros":
      return new Float32Array(size);
    default: {
      const unknown: never = spec.init;
      throw new RangeError(`Cannot initialise a parameter: unknown init, got ${unknown}`);
    }
  }
}

/**
 * Creates the model's variables, seeded. The caller owns them (a {@link Params} is normally
 * held by a `Policy`, which disposes it).
 *
 * @param config Model sizes.
 * @param options `seed` of the initialisation.
 * @returns Trainable variables by name.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = { vocabSize: 8, width: 4, layers: 1, heads: 2, mlpWidth: 8, context: 6, valueHead: "none" } as const;
 * const params = initParams(config, { seed: 1 });
 * assert.deepEqual(params["h.0.mlp.fc.w"].shape, [4, 8]);
 * Object.values(params).forEach((v) => v.dispose());
 * ```
 */
export function initParams(config: ModelConfig, options: { seed: number }): Params {
  const { seed } = options;
  const params: Params = {};
  for (const spec of paramSpecs(config)) {
    const values = initValues(spec, { layers: config.layers, seed });
    const initial = tf.tensor(values, spec.shape, "float32");
    params[spec.name] = tf.variable(initial, true);
    initial.dispose();
  }
  return params;
}
