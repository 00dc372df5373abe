/**
 * Grading a Countdown response through the real verifier, twice: the boxed answer must equal the
 * target, and the expression the working derives must equal the target. The second check is what
 * stops a response that boxes the target after a fudged step (`9*5=45,45-2=42\\boxed{42}`): a
 * grader that reads only the box would be reward-hacked by it.
 *
 * @module
 */
import { type Verdict, verify } from "../verifier/verify.ts";
import { BOX_OPEN, type CountdownProblem } from "./countdown.ts";
import { exprInfix } from "./expression.ts";
import { parseWorking } from "./working.ts";

/** The verdict of {@link gradeCountdown}. */
export type CountdownGrade = {
  /** True iff the boxed answer and the working's expression both equal the target. */
  readonly correct: boolean;
  /** `correct`; the verifier's reason for the boxed answer; or why the working fails. */
  readonly reason:
    | "correct"
    | Exclude<Verdict["reason"], "equivalent">
    | "invalid-working"
    | "wrong-working";
  /** The expression the working derives, as the verifier saw it; null if it has none. */
  readonly expression: string | null;
  /** The verifier's verdict on the boxed answer. */
  readonly verdict: Verdict;
};

/**
 * Grades a response with the real verifier: (1) `verify(response, target)` on the boxed answer;
 * (2) the working must follow the rules ({@link parseWorking}: given digits at most once, every
 * result used); (3) `verify("\boxed{<derived expression>}", target)`: the verifier evaluates the
 * expression the working actually derives, whatever values the steps claim.
 *
 * @param problem The problem.
 * @param response The response text (without BOS/EOS).
 * @returns The grade; never throws on garbage.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * assert.equal(gradeCountdown(problem, "9*5=45,45-3=42\\boxed{42}").correct, true);
 * assert.equal(gradeCountdown(problem, "9*5=45,45-2=42\\boxed{42}").reason, "wrong-working");
 * ```
 */
export function gradeCountdown(problem: CountdownProblem, response: string): CountdownGrade {
  const gold = String(problem.target);
  const verdict = verify(response, gold);
  if (!verdict.correct) {
    return {
      correct: false,
      reason: verdict.reason as CountdownGrade["reason"],
      expression: null,
      verdict,
    };
  }
  const boxAt = response.lastIndexOf(BOX_OPEN);
  const parsed = parseWorking(boxAt < 0 ? "" : response.slice(0, boxAt), problem.digits);
  if (!parsed.ok) return { correct: false, reason: "invalid-working", expression: null, verdict };
  const expression = exprInfix(parsed.expr, { times: "\\times " });
  const reached = verify(`${BOX_OPEN}${expression}}`, gold).correct;
  return { correct: reached, reason: reached ? "correct" : "wrong-working", expression, verdict };
}

/**
 * The task reward: 1 iff {@link gradeCountdown} says correct.
 *
 * @param problem The problem.
 * @param response The response text.
 * @returns 0 or 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(countdownReward({ digits: [3, 9, 2, 5], target: 42 }, "42\\boxed{42}"), 0);
 * ```
 */
export function countdownReward(problem: CountdownProblem, response: string): 0 | 1 {
  return gradeCountdown(problem, response).correct ? 1 : 0;
}
