/**
 * Experiment configuration: zod schemas with their defaults, the inferred types, and
 * {@link parseExperimentConfig}, the one place where untyped input becomes a typed config.
 *
 * Defaults live only here. A lib/ function receives the typed slice it needs (for example
 * `RolloutConfig`), never the whole tree, and never re-applies a default.
 *
 * @module
 */
import * as z from "zod";

const positive = (): z.ZodNumber => z.number().gt(0);
const positiveInt = (): z.ZodNumber => z.number().int().gt(0);
const probability = (): z.ZodNumber => z.number().min(0).max(1);

/**
 * Sizes of the decoder-only transformer policy. Defaults are the shipped base model
 * (`data/base`: the Countdown alphabet's 25 symbols plus PAD, BOS and EOS, 0.2M parameters).
 */
export const ModelConfigSchema = z.strictObject({
  vocabSize: positiveInt().default(28).describe("Number of token ids, special tokens included."),
  width: positiveInt().default(64).describe("Residual stream width D."),
  layers: positiveInt().default(4).describe("Number of transformer blocks."),
  heads: positiveInt().default(4).describe("Attention heads H; must divide `width`."),
  mlpWidth: positiveInt().default(256).describe("Hidden width of each block's MLP."),
  context: positiveInt().default(48).describe(
    "Maximum sequence length (prompt + response) in tokens.",
  ),
  valueHead: z.enum(["none", "shared", "separate"]).default("none").describe(
    "PPO's critic: `none`, a scalar head on the policy's own trunk (`shared`), or a separate trunk of the same shape (`separate`, the paper's). PPO needs `shared` or `separate`; the other objectives take `none`.",
  ),
}).superRefine((m, ctx) => {
  if (m.width % m.heads !== 0) {
    ctx.addIssue({
      code: "custom",
      path: ["heads"],
      message: `must divide model.width, got heads=${m.heads} and width=${m.width}`,
    });
  }
});
/** Sizes of the transformer policy, defaults applied (fields documented on the schema). */
export type ModelConfig = {
  vocabSize: number;
  width: number;
  layers: number;
  heads: number;
  mlpWidth: number;
  context: number;
  valueHead: "none" | "shared" | "separate";
};

/** How responses are sampled. */
export const RolloutConfigSchema = z.strictObject({
  samplesPerPrompt: positiveInt().default(8).describe(
    "Responses sampled per prompt (the group size G).",
  ),
  temperature: positive().default(1).describe(
    "Sampling temperature; the paper's rollouts use 1.0.",
  ),
  topP: z.number().gt(0).max(1).default(1).describe("Nucleus threshold in (0, 1]; 1 disables it."),
  topK: z.number().int().min(0).default(0).describe(
    "Keep only the k most likely tokens; 0 disables it.",
  ),
  greedy: z.boolean().default(false).describe("Take the arg-max token instead of sampling."),
  maxNewTokens: positiveInt().default(39).describe(
    "Maximum number of generated tokens per response (a Countdown response and its EOS).",
  ),
});
/** Sampling settings, defaults applied (fields documented on the schema). */
export type RolloutConfig = {
  samplesPerPrompt: number;
  temperature: number;
  topP: number;
  topK: number;
  greedy: boolean;
  maxNewTokens: number;
};

const aggregation = z.enum(["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"]);

/** Settings every objective shares: the paper's PPO-style update. */
const commonObjective = {
  clipRatio: positive().default(0.2).describe("PPO clip range ε in min(ρA, clip(ρ, 1−ε, 1+ε)A)."),
  entropyCoef: z.number().min(0).default(1e-3).describe(
    "Entropy bonus coefficient c (the released code's default; the paper's text says 1e-4).",
  ),
  aggregation: aggregation.default("token-mean").describe(
    "How per-token losses become one scalar.",
  ),
  surrogate: z.enum(["ratio", "probability"]).default("ratio").describe(
    "`ratio` is the PPO surrogate; `probability` is the paper's §4 surrogate −R·(1/T)·Σπ(y_t).",
  ),
};

/** The RL objective, a discriminated union on `kind`. */
export const ObjectiveConfigSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("psr"), ...commonObjective }).describe(
    "Positive sample reinforcement: trains on correct samples only, A = +1.",
  ),
  z.strictObject({ kind: z.literal("nsr"), ...commonObjective }).describe(
    "Negative sample reinforcement: trains on incorrect samples only, A = −1.",
  ),
  z.strictObject({
    kind: z.literal("w-reinforce"),
    ...commonObjective,
    lambda: z.number().min(0).default(0.1).describe(
      "Weight λ of correct samples: A = +λ if correct, −1 if not.",
    ),
  }).describe("Weighted REINFORCE: every sample, A = +λ if correct, −1 if not."),
  z.strictObject({ kind: z.literal("reinforce"), ...commonObjective }).describe(
    "Every sample, A = +1 if correct, −1 if not.",
  ),
  z.strictObject({
    kind: z.literal("grpo"),
    ...commonObjective,
    klCoef: z.number().min(0).default(1e-3).describe(
      "Coefficient of the k3 KL loss to the reference policy.",
    ),
  }).describe(
    "Every sample, A = (r − group mean) / group std, plus a k3 KL loss to the reference.",
  ),
  z.strictObject({
    kind: z.literal("ppo"),
    ...commonObjective,
    klCoef: z.number().min(0).default(1e-3).describe(
      "Coefficient of the per-token KL penalty inside the reward.",
    ),
    gamma: probability().default(1).describe("GAE discount γ."),
    gaeLambda: probability().default(1).describe("GAE λ."),
    valueClip: positive().default(0.5).describe("Clip range of the value loss."),
    criticLearningRateScale: positive().default(10).describe(
      "Critic learning rate as a multiple of the actor's.",
    ),
  }).describe(
    "GAE advantages from a critic (needs `model.valueHead` shared or separate), KL penalty in the reward.",
  ),
]);
/** How per-token losses are reduced to one scalar (see `aggregate` in objective/objective_loss.ts). */
export type Aggregation = "token-mean" | "seq-mean-token-mean" | "seq-mean-token-sum";

/** Settings every objective shares (fields documented on the schema). */
export type CommonObjectiveConfig = {
  clipRatio: number;
  entropyCoef: number;
  aggregation: Aggregation;
  surrogate: "ratio" | "probability";
};

/** The RL objective, defaults applied: a discriminated union on `kind`. */
export type ObjectiveConfig =
  | CommonObjectiveConfig & { kind: "psr" }
  | CommonObjectiveConfig & { kind: "nsr" }
  | CommonObjectiveConfig & { kind: "w-reinforce"; lambda: number }
  | CommonObjectiveConfig & { kind: "reinforce" }
  | CommonObjectiveConfig & { kind: "grpo"; klCoef: number }
  | CommonObjectiveConfig & {
    kind: "ppo";
    klCoef: number;
    gamma: number;
    gaeLambda: number;
    valueClip: number;
    criticLearningRateScale: number;
  };
/** One of the objective names. */
export type ObjectiveKind = ObjectiveConfig["kind"];
/** Every objective name, in the order the paper introduces them. */
export const OBJECTIVE_KINDS: readonly ObjectiveKind[] = ObjectiveConfigSchema.options.map(
  (option) => option.shape.kind.value,
);

/** The optimisation loop. */
export const TrainConfigSchema = z.strictObject({
  steps: positiveInt().default(200).describe("Number of rollout batches (RL steps)."),
  promptsPerStep: positiveInt().default(64).describe(
    "Prompts per rollout batch; each gets `rollout.samplesPerPrompt` responses.",
  ),
  miniBatches: positiveInt().default(4).describe(
    "Optimizer steps per rollout batch (the batch is split into this many mini-batches).",
  ),
  microBatchSize: positiveInt().default(64).describe(
    "Largest number of sequences in one forward/backward pass (gradients accumulate).",
  ),
  learningRate: positive().default(1e-4).describe(
    "AdamW learning rate (constant). The reproduction protocol (data/protocol.json) calibrates its own and chose 3e-5 for the shipped base.",
  ),
  weightDecay: z.number().min(0).default(0.01).describe("AdamW decoupled weight decay."),
  beta1: z.number().min(0).lt(1).default(0.9).describe("AdamW β1."),
  beta2: z.number().min(0).lt(1).default(0.999).describe("AdamW β2."),
  gradClip: positive().default(1).describe("Global gradient-norm clip."),
  evalEvery: positiveInt().default(25).describe(
    "Evaluate greedy accuracy and entropy on held-out prompts every this many steps.",
  ),
  checkpointEvery: positiveInt().default(50).describe("Save a checkpoint every this many steps."),
});
/** The optimisation loop, defaults applied (fields documented on the schema). */
export type TrainConfig = {
  steps: number;
  promptsPerStep: number;
  miniBatches: number;
  microBatchSize: number;
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  gradClip: number;
  evalEvery: number;
  checkpointEvery: number;
};

/** A whole experiment: everything a run needs, JSON-serializable, saved beside its results. */
export const ExperimentConfigSchema = z.strictObject({
  seed: z.number().int().min(0).default(0).describe(
    "Root seed; every random choice of the run derives from it.",
  ),
  model: ModelConfigSchema.default(ModelConfigSchema.parse({})).describe(
    "Sizes of the policy; the defaults are the shipped base model's (data/base).",
  ),
  rollout: RolloutConfigSchema.default(RolloutConfigSchema.parse({})).describe(
    "How responses are sampled during training.",
  ),
  objective: ObjectiveConfigSchema.default(ObjectiveConfigSchema.parse({ kind: "w-reinforce" }))
    .describe(
      "The RL objective, chosen by `kind`; each kind has the shared fields and its own.",
    ),
  train: TrainConfigSchema.default(TrainConfigSchema.parse({})).describe("The optimisation loop."),
});
/** A whole experiment, defaults applied. */
export type ExperimentConfig = {
  seed: number;
  model: ModelConfig;
  rollout: RolloutConfig;
  objective: ObjectiveConfig;
  train: TrainConfig;
};

// The explicit types above document the API; these checks keep them equal to the schemas.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SCHEMAS_MATCH_TYPES: [
  Same<ModelConfig, z.output<typeof ModelConfigSchema>>,
  Same<RolloutConfig, z.output<typeof RolloutConfigSchema>>,
  Same<ObjectiveConfig, z.output<typeof ObjectiveConfigSchema>>,
  Same<TrainConfig, z.output<typeof TrainConfigSchema>>,
  Same<ExperimentConfig, z.output<typeof ExperimentConfigSchema>>,
] = [true, true, true, true, true];
void SCHEMAS_MATCH_TYPES;

// JSON.stringify writes NaN and ±Infinity as "null": name them as they are.
function describeValue(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.join(".") : "config";
  const got = "input" in issue ? `, got ${describeValue(issue.input)}` : "";
  switch (issue.code) {
    case "too_small": {
      const op = issue.inclusive ? ">=" : ">";
      return `${path} must be ${op} ${issue.minimum}${got}`;
    }
    case "too_big": {
      const op = issue.inclusive ? "<=" : "<";
      return `${path} must be ${op} ${issue.maximum}${got}`;
    }
    case "invalid_type":
      return `${path} must be ${
        issue.expected === "int" ? "an integer" : `a ${issue.expected}`
      }${got}`;
    case "invalid_value":
      return `${path} must be one of ${
        issue.values.map((v) => JSON.stringify(v)).join(", ")
      }${got}`;
    case "unrecognized_keys":
      return `${path} has unknown key(s) ${issue.keys.join(", ")}`;
    case "invalid_union": {
      if ("discriminator" in issue && typeof issue.input === "object" && issue.input !== null) {
        const value = (issue.input as Record<string, unknown>)[String(issue.discriminator)];
        return `${path} must be one of ${OBJECTIVE_KINDS.join(", ")}, got ${JSON.stringify(value)}`;
      }
      return `${path} is invalid${got}: ${issue.message}`;
    }
    case "custom":
      return `${path} ${issue.message}`;
    default:
      return `${path}: ${issue.message}${got}`;
  }
}

// A config file may name its JSON Schema (`"$schema": "…"`) so that editors complete and check
// it; the link is not part of the experiment (nor of a run's key), so parsing drops it.
function withoutSchemaLink(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  if (!Object.hasOwn(input, "$schema")) return input;
  const { $schema: _, ...rest } = input as Record<string, unknown>;
  return rest;
}

/**
 * Parses untyped input (a notebook literal, a JSON file) into an {@link ExperimentConfig} with
 * every default applied. A top-level `"$schema"` (the link to {@link experimentConfigJsonSchema}'s
 * file that editors read) is ignored.
 *
 * @param input Anything; missing fields take their defaults.
 * @returns The typed config.
 * @throws {TypeError} Naming each bad field and its value, e.g.
 *   `rollout.temperature must be > 0, got -1`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const config = parseExperimentConfig({ seed: 3, objective: { kind: "nsr" } });
 * assert.equal(config.rollout.temperature, 1);
 * assert.throws(() => parseExperimentConfig({ rollout: { temperature: -1 } }), /temperature must be > 0, got -1/);
 * ```
 */
export function parseExperimentConfig(input: unknown): ExperimentConfig {
  const result = ExperimentConfigSchema.safeParse(withoutSchemaLink(input), { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.map(describeIssue);
  throw new TypeError(`Cannot parse experiment config: ${lines.join("; ")}`);
}

/** Where the committed JSON Schema of experiment configs lives, relative to the repository root. */
export const EXPERIMENT_CONFIG_SCHEMA_PATH = "schema/experiment_config.schema.json";

/**
 * The JSON Schema (draft 2020-12) of an experiment config file, generated from
 * `ExperimentConfigSchema`: every field with its type, bounds, default and description, so an
 * editor completes and checks a config file that names it in `"$schema"`. It describes the
 * input (fields with defaults are optional). `deno task build:schema` writes it to
 * {@link EXPERIMENT_CONFIG_SCHEMA_PATH}; a test keeps that file equal to this.
 *
 * @returns The schema as plain JSON data.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const schema = experimentConfigJsonSchema() as { properties: Record<string, { properties?: Record<string, { default?: unknown }> }> };
 * assert.equal(schema.properties.train.properties?.steps.default, 200);
 * ```
 */
export function experimentConfigJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ExperimentConfigSchema, { io: "input" }) as Record<
    string,
    unknown
  >;
  const { $schema, properties, ...rest } = generated as {
    $schema: string;
    properties: Record<string, unknown>;
  };
  return {
    $schema,
    title: "rlvr-kit experiment config",
    description:
      "An experiment config for parseExperimentConfig and `deno task train --config FILE`; omitted fields take their defaults.",
    ...rest,
    properties: {
      $schema: { type: "string", description: "This schema's location, for editors." },
      ...properties,
    },
  };
}

// --- the reproduction protocol ------------------------------------------------------------------

const seedList = (): z.ZodArray<z.ZodNumber> => z.array(z.number().int().min(0)).min(1);
const changes = (): z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>> =>
  z.record(z.string(), z.unknown()).optional();

/** One method of a protocol: its changes to the shared experiment config, section by section. */
export const MethodChangesSchema = z.strictObject({
  /** The objective: `kind` and its own fields (the shared clip, entropy bonus, aggregation stay). */
  objective: z.record(z.string(), z.unknown()),
  /** Changes to the model (PPO: `valueHead: "separate"`). */
  model: changes(),
  /** Changes to the rollouts. */
  rollout: changes(),
  /** Changes to the training loop (e.g. `miniBatches`). */
  train: changes(),
});
/** One method's changes (fields documented on the schema). */
export type MethodChanges = {
  objective: Record<string, unknown>;
  model?: Record<string, unknown>;
  rollout?: Record<string, unknown>;
  train?: Record<string, unknown>;
};

/**
 * The reproduction protocol (lib/protocol/run_protocol.ts documents each step): which problems
 * train, how the one learning rate is chosen, the methods, the ablations, the evaluation, and the
 * movement gate. Notebooks 02 and 04 share one, committed as `data/protocol.json`.
 */
export const ProtocolConfigSchema = z.strictObject({
  /** Training seeds of the main grid. */
  seeds: seedList(),
  /** The shared experiment config every method starts from (its learning rate is replaced). */
  experiment: ExperimentConfigSchema,
  /** The training pool: train-split problems the base solves often enough. */
  pool: z.strictObject({
    /** How many train-split problems (from the start of the split) are screened. */
    candidates: positiveInt(),
    /** Samples per problem (T = 1) that estimate the base's pass rate. */
    samples: positiveInt().default(16),
    /**
     * A problem joins the pool when its estimated pass rate is at least this; 0 keeps every
     * candidate and skips the screening (the pool is then the evaluated distribution).
     */
    minPassRate: probability().default(0.25),
    /** Seed of the screening samples. */
    seed: z.number().int().min(0).default(0),
  }),
  /** The learning rate: standard RL (the calibration method) must clearly learn at it. */
  calibration: z.strictObject({
    /** The method calibrated on (standard RL, not a method under test). */
    method: z.string().default("GRPO"),
    /** Candidate rates, ascending; the smallest that qualifies is chosen. */
    rates: z.array(positive()).min(1),
    /** RL steps of each calibration run. */
    steps: positiveInt(),
    /** Seed of the calibration runs. */
    seed: z.number().int().min(0).default(0),
    /** A rate qualifies when the training correct ratio rises by at least this. */
    minRise: probability().default(0.1),
  }),
  /** The main grid: method name → its changes. */
  methods: z.record(z.string(), MethodChangesSchema),
  /** Ablations, each on its own seeds; each may be left out (the prior-strength study runs none). */
  ablations: z.strictObject({
    /** W-REINFORCE's λ (the main run is λ = its own). */
    lambda: z.strictObject({
      method: z.string().default("W-REINFORCE"),
      values: z.array(z.number().min(0)).min(1),
      seeds: seedList(),
    }).optional(),
    /** Long runs: `factor` × the main runs' steps. */
    long: z.strictObject({
      methods: z.array(z.string()).min(1),
      factor: z.number().int().min(2),
      seeds: seedList(),
    }).optional(),
    /** The same methods with another number of mini-batches per rollout batch. */
    miniBatches: z.strictObject({
      methods: z.array(z.string()).min(1),
      value: positiveInt(),
      seeds: seedList(),
    }).optional(),
  }),
  /** Held-out evaluation. */
  evaluation: z.strictObject({
    /** Problems per tier (from the start of each tier). */
    problemsPerTier: positiveInt(),
    /** Held-out problems for greedy accuracy during training (the end of tier A). */
    validationProblems: positiveInt(),
    /** Samples per problem at the primary setting. */
    samples: positiveInt(),
    /** The primary setting's temperature (1.0: the tiny model's tail lives there). */
    temperature: positive().default(1),
    /** The primary setting's nucleus threshold. */
    topP: z.number().gt(0).max(1).default(1),
    /** The paper's setting, for a Table-1-style table on some seeds of the main grid. */
    table: z.strictObject({
      samples: positiveInt(),
      temperature: positive().default(0.6),
      topP: z.number().gt(0).max(1).default(0.95),
      seeds: seedList(),
    }),
    /**
     * The primary held-out set, evaluated first under the name `primary`: a seeded draw of
     * `problems` train-split problems, never trained on (the pool's candidates exclude them), so
     * it is the distribution RL trains on. Left out: the tiers alone are evaluated.
     */
    primary: z.strictObject({
      problems: positiveInt(),
      seed: z.number().int().min(0).default(0),
    }).optional(),
    /**
     * The cooled base: the base on the primary set at each temperature (top-p 1, n = `samples`),
     * on the first seed, so a method can be set against plain sharpening. Needs `primary`.
     */
    cooledBase: z.strictObject({
      temperatures: z.array(z.number().gt(0).lt(1)).min(1),
    }).optional(),
    /**
     * Checkpoint evaluations of the main grid on the primary set, every `every` steps before the
     * last (for comparisons at matched movement), with `samples` per problem. Needs `primary`.
     */
    checkpoints: z.strictObject({
      every: positiveInt(),
      samples: positiveInt(),
    }).optional(),
  }),
  /** Comparison claims are judged only when the calibration method moved this much. */
  gate: z.strictObject({
    /** Its KL to the base (nats per token, last step) must be at least this. */
    minKl: z.number().min(0),
    /** Its Pass@1 gain over the base must be significant on these tiers. */
    tiers: z.array(z.string()).min(1),
  }),
  /** Bootstrap resamples of every interval. */
  resamples: positiveInt().default(1000),
});
/** The reproduction protocol, defaults applied (fields documented on the schema). */
export type ProtocolConfig = {
  seeds: number[];
  experiment: ExperimentConfig;
  pool: { candidates: number; samples: number; minPassRate: number; seed: number };
  calibration: { method: string; rates: number[]; steps: number; seed: number; minRise: number };
  methods: Record<string, MethodChanges>;
  ablations: {
    lambda?: { method: string; values: number[]; seeds: number[] };
    long?: { methods: string[]; factor: number; seeds: number[] };
    miniBatches?: { methods: string[]; value: number; seeds: number[] };
  };
  evaluation: {
    problemsPerTier: number;
    validationProblems: number;
    samples: number;
    temperature: number;
    topP: number;
    table: { samples: number; temperature: number; topP: number; seeds: number[] };
    primary?: { problems: number; seed: number };
    cooledBase?: { temperatures: number[] };
    checkpoints?: { every: number; samples: number };
  };
  gate: { minKl: number; tiers: string[] };
  resamples: number;
};
const PROTOCOL_MATCHES_TYPE: [
  Same<ProtocolConfig, z.output<typeof ProtocolConfigSchema>>,
  Same<MethodChanges, z.output<typeof MethodChangesSchema>>,
] = [true, true];
void PROTOCOL_MATCHES_TYPE;

/**
 * Parses untyped input (e.g. one profile of `data/protocol.json`) into a {@link ProtocolConfig}.
 *
 * @param input Anything.
 * @returns The typed protocol.
 * @throws {TypeError} Naming each bad field and its value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => parseProtocolConfig({ seeds: [] }), /seeds must be >= 1/);
 * ```
 */
export function parseProtocolConfig(input: unknown): ProtocolConfig {
  const result = ProtocolConfigSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.map(describeIssue);
  throw new TypeError(`Cannot parse protocol config: ${lines.join("; ")}`);
}
