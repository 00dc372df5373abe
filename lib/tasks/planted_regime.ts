/**
 * A study base's planted errors (tasks/corpus_errors.ts), as the pretraining stage that made it
 * recorded them in its checkpoint's `config.json`, and which of a set of problems lie inside their
 * regime: the salvage study reads its bases' shares and coverage on either side of it.
 *
 * @module
 */
import { z } from "zod";
import { readJsonFile } from "../_io/read_json_file.ts";
import type { CountdownProblem } from "./countdown.ts";
import { inPlantedRegime, PLANTED_ERRORS, type PlantedErrorOptions } from "./corpus_errors.ts";

/** A base's planted errors, and which primary problems they were planted on. */
export type PlantedRegime = {
  /** Kind, rate and regime, as its checkpoint's metadata records them. */
  readonly errors: PlantedErrorOptions;
  /** Ids of the primary problems inside the regime (the rest are outside it). */
  readonly problemIds: readonly string[];
};

const PlantedSchema = z.object({
  metadata: z.object({
    pretrain: z.object({
      planted: z.strictObject({
        kind: z.enum(PLANTED_ERRORS),
        rate: z.number().min(0).max(1),
        unitsBelow: z.number().int().min(0).max(10),
      }).optional(),
    }).optional(),
  }).optional(),
});

/**
 * The errors planted in a base, read from its checkpoint's `config.json` (the pretraining stage
 * that made it records them; `deno task pretrain --plant`).
 *
 * @param dir The base's checkpoint directory.
 * @returns Kind, rate and regime, or null when its last stage planted none.
 * @throws {TypeError} If config.json's `metadata.pretrain.planted` is malformed, naming the field.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const root = new URL("../../", import.meta.url).pathname;
 * assert.equal(await plantedErrorsOf(`${root}data/base`), null);
 * assert.equal((await plantedErrorsOf(`${root}data/bases/dead_end`))?.unitsBelow, 3);
 * ```
 */
export async function plantedErrorsOf(dir: string): Promise<PlantedErrorOptions | null> {
  const path = `${dir}/config.json`;
  const parsed = PlantedSchema.safeParse(await readJsonFile(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`Cannot read ${path}: ${issue.path.join(".")}: ${issue.message}`);
  }
  const planted = parsed.data.metadata?.pretrain?.planted;
  return planted === undefined || planted.kind === "none" ? null : planted;
}

/**
 * A base's planted errors and the problems inside their regime.
 *
 * @param dir The base's checkpoint directory.
 * @param problems The problems to split (e.g. the primary set).
 * @returns The errors and the ids of the problems inside the regime, or null when none were planted.
 * @throws {TypeError} If config.json's `metadata.pretrain.planted` is malformed, naming the field.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = new URL("../../data/bases/dead_end", import.meta.url).pathname;
 * const problems = [{ id: "a", target: 12, digits: [3, 4, 1, 2] }, { id: "b", target: 17, digits: [3, 4, 1, 2] }];
 * assert.deepEqual((await plantedRegime(dir, problems))?.problemIds, ["a"]);
 * ```
 */
export async function plantedRegime(
  dir: string,
  problems: readonly (CountdownProblem & { readonly id: string })[],
): Promise<PlantedRegime | null> {
  const errors = await plantedErrorsOf(dir);
  if (errors === null) return null;
  const problemIds = problems.filter((p) => inPlantedRegime(p, errors.unitsBelow)).map((p) => p.id);
  return { errors, problemIds };
}
