/**
 * Why a Countdown response is graded as it is, in words: the grade of `gradeCountdown` plus the
 * value the working actually derives, so an example table can show what a wrong response got
 * wrong (a wrong boxed answer, a working that breaks the rules, or a working that claims the
 * target but computes something else).
 *
 * @module
 */
import { extractAnswer } from "../verifier/extract.ts";
import { BOX_OPEN, type CountdownProblem } from "./countdown.ts";
import { type CountdownGrade, gradeCountdown } from "./countdown_grade.ts";
import { exprInfix, exprValue } from "./expression.ts";
import { parseWorking } from "./working.ts";

/** A graded response with its explanation. */
export type CountdownExplanation = {
  /** The grade's verdict. */
  readonly correct: boolean;
  /** The grade's reason (`correct`, `not-equivalent`, `wrong-working`, …). */
  readonly reason: CountdownGrade["reason"];
  /** The boxed answer as extracted, or null. */
  readonly boxed: string | null;
  /** The expression the working derives (plain `*`), or null when the working breaks the rules. */
  readonly derived: string | null;
  /** The true value of `derived`, or null. */
  readonly derivedValue: number | null;
  /** One sentence: why the response is right or wrong. */
  readonly why: string;
};

/**
 * Grades a response and explains the grade.
 *
 * @param problem The problem.
 * @param response The response text (without BOS/EOS).
 * @returns The grade and its explanation; never throws on garbage.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * const e = explainCountdownResponse(problem, "9*5=45,45-2=42\\boxed{42}");
 * assert.equal(e.reason, "wrong-working");
 * assert.equal(e.derivedValue, 43);
 * assert.equal(e.why, "the working claims 42 but computes 9*5-2 = 43");
 * ```
 */
export function explainCountdownResponse(
  problem: CountdownProblem,
  response: string,
): CountdownExplanation {
  const grade = gradeCountdown(problem, response);
  const boxed = extractAnswer(response);
  const boxAt = response.lastIndexOf(BOX_OPEN);
  const parsed = parseWorking(boxAt < 0 ? response : response.slice(0, boxAt), problem.digits);
  const derived = parsed.ok ? exprInfix(parsed.expr) : null;
  const derivedValue = parsed.ok ? exprValue(parsed.expr) : null;
  const target = problem.target;
  let why: string;
  if (grade.correct) why = `the working computes ${derived} = ${target} and boxes it`;
  else if (boxed === null) why = "no boxed answer (cut off or malformed)";
  else if (grade.reason !== "invalid-working" && grade.reason !== "wrong-working") {
    why = `boxed ${boxed}, not ${target}` +
      (derived === null ? "" : ` (the working computes ${derived} = ${derivedValue})`);
  } else if (!parsed.ok) why = `boxes ${target} but the working breaks the rules: ${parsed.error}`;
  else why = `the working claims ${target} but computes ${derived} = ${derivedValue}`;
  return { correct: grade.correct, reason: grade.reason, boxed, derived, derivedValue, why };
}
