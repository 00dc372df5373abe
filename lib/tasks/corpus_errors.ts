/**
 * Planted errors: corpus variants whose base models err in a chosen way, for the salvage study
 * (notebook 05). Each kind rewrites a right teacher response on the problems of one *regime* (a
 * surface feature the model can see: the target's units digit below a bound), at a rate high
 * enough that on those problems the wrong continuation is the model's mode (cooling does not fix
 * it) while the right one stays in its distribution:
 * - `late-flip` (salvageable): the last step's operator is flipped (`+` ↔ `-`, `*` → `+`), its
 *   claimed value kept. The error comes late, and the runner-up at the flipped token is the right
 *   operator: an NSR step there hands most of the mass it removes to a continuation that succeeds.
 * - `dead-start` (dead end): the first digit is replaced by a digit the problem does not have,
 *   drawn uniformly. The error comes first, and the other wrong digits share the mass with the
 *   right ones: an NSR step there hands most of what it removes to other dead ends.
 * - `mixed`: each rewritten response gets one of the two, with equal chance.
 *
 * @module
 */
import type { Prng } from "../random.ts";
import { BOX_OPEN, type CountdownProblem } from "./countdown.ts";

/** The kinds of planted error. */
export const PLANTED_ERRORS = ["none", "late-flip", "dead-start", "mixed"] as const;

/** One of {@link PLANTED_ERRORS}. */
export type PlantedError = typeof PLANTED_ERRORS[number];

/** Where and how often errors are planted. */
export type PlantedErrorOptions = {
  /** The kind of error. */
  readonly kind: PlantedError;
  /** Chance that a right response to a problem of the regime is rewritten, in [0, 1]. */
  readonly rate: number;
  /** The regime: problems whose target's units digit is below this (0 to 10). */
  readonly unitsBelow: number;
};

/**
 * Whether a problem is in the regime where errors are planted.
 *
 * @param problem The problem.
 * @param unitsBelow The bound on the target's units digit.
 * @returns `target mod 10 < unitsBelow`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(inPlantedRegime({ digits: [3, 9, 2, 5], target: 42 }, 4), true);
 * assert.equal(inPlantedRegime({ digits: [3, 9, 2, 5], target: 47 }, 4), false);
 * ```
 */
export function inPlantedRegime(problem: CountdownProblem, unitsBelow: number): boolean {
  return problem.target % 10 < unitsBelow;
}

/**
 * The response with its last step's operator flipped (`+` → `-`, `-` → `+`, `*` → `+`), its
 * claimed value and box kept.
 *
 * @param response A response `working\boxed{n}`.
 * @returns The rewritten response.
 * @throws {TypeError} If the response has no step with an operator before its box.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(flipLastOperator("9*5=45,45-3=42\\boxed{42}"), "9*5=45,45+3=42\\boxed{42}");
 * ```
 */
export function flipLastOperator(response: string): string {
  const box = response.indexOf(BOX_OPEN);
  const working = box < 0 ? response : response.slice(0, box);
  const stepStart = working.lastIndexOf(",") + 1;
  // The operator follows the left operand's digits (operands are non-negative numerals).
  let at = stepStart;
  while (at < working.length && working[at] >= "0" && working[at] <= "9") at++;
  const op = working[at];
  if (at === stepStart || (op !== "+" && op !== "-" && op !== "*")) {
    throw new TypeError(
      `Cannot flip the last operator: no step "a op b=c" before the box in ${
        JSON.stringify(response)
      }`,
    );
  }
  return `${response.slice(0, at)}${op === "+" ? "-" : "+"}${response.slice(at + 1)}`;
}

/**
 * The response with its first digit replaced by a digit the problem does not have.
 *
 * @param response A response starting with a digit.
 * @param problem Its problem.
 * @param prng Draws the replacement, uniformly over the absent digits 1 to 9.
 * @returns The rewritten response.
 * @throws {TypeError} If the response does not start with a digit, or the problem has every digit.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * const out = replaceFirstDigit("9*5=45,45-3=42\\boxed{42}", { digits: [3, 9, 2, 5], target: 42 }, seededPrng(0));
 * assert.ok(!"3925".includes(out[0]) && out.slice(1) === "*5=45,45-3=42\\boxed{42}");
 * ```
 */
export function replaceFirstDigit(
  response: string,
  problem: CountdownProblem,
  prng: Prng,
): string {
  if (!(response[0] >= "0" && response[0] <= "9")) {
    throw new TypeError(
      `Cannot replace the first digit: ${JSON.stringify(response)} does not start with one`,
    );
  }
  const absent = [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((d) => !problem.digits.includes(d));
  if (absent.length === 0) {
    throw new TypeError(
      `Cannot replace the first digit: problem ${
        JSON.stringify(problem.digits)
      } has every digit 1-9`,
    );
  }
  return `${absent[Math.floor(prng() * absent.length)]}${response.slice(1)}`;
}

/**
 * Plants an error in a right response, or leaves it: rewritten with chance `rate` when the problem
 * is in the regime (see the module doc for the kinds).
 *
 * @param problem The problem.
 * @param response A right response to it.
 * @param options The {@link PlantedErrorOptions} and the `prng` that draws every choice.
 * @returns The response, rewritten or not.
 * @throws {RangeError} If `kind`, `rate` or `unitsBelow` is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededPrng } from "../random.ts";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * const out = plantError(problem, "9*5=45,45-3=42\\boxed{42}", { kind: "late-flip", rate: 1, unitsBelow: 10, prng: seededPrng(0) });
 * assert.equal(out, "9*5=45,45+3=42\\boxed{42}");
 * ```
 */
export function plantError(
  problem: CountdownProblem,
  response: string,
  options: PlantedErrorOptions & { prng: Prng },
): string {
  const { kind, rate, unitsBelow, prng } = options;
  checkPlantedErrors({ kind, rate, unitsBelow });
  if (kind === "none" || !inPlantedRegime(problem, unitsBelow) || prng() >= rate) return response;
  const late = kind === "late-flip" || (kind === "mixed" && prng() < 0.5);
  return late ? flipLastOperator(response) : replaceFirstDigit(response, problem, prng);
}

/**
 * Checks planted-error options, naming the field and the value.
 *
 * @param options The options.
 * @throws {RangeError} If a field is out of range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.throws(() => checkPlantedErrors({ kind: "none", rate: 2, unitsBelow: 4 }), /rate/);
 * ```
 */
export function checkPlantedErrors(options: PlantedErrorOptions): void {
  const { kind, rate, unitsBelow } = options;
  if (!PLANTED_ERRORS.includes(kind)) {
    throw new RangeError(
      `Cannot plant errors: kind must be one of ${PLANTED_ERRORS.join(", ")}, got ${
        JSON.stringify(kind)
      }`,
    );
  }
  if (!(rate >= 0 && rate <= 1)) {
    throw new RangeError(`Cannot plant errors: rate must be in [0, 1], got ${rate}`);
  }
  if (!(Number.isInteger(unitsBelow) && unitsBelow >= 0 && unitsBelow <= 10)) {
    throw new RangeError(
      `Cannot plant errors: unitsBelow must be an integer from 0 to 10, got ${unitsBelow}`,
    );
  }
}
