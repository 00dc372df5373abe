/**
 * The step budget of one verification: every structure node, comparison and evaluation step
 * spends one step, so the work is bounded by counts, never by wall-clock time.
 *
 * @module
 */

/** A count of remaining evaluation steps, shared by everything one verification does. */
export type Budget = { steps: number };

/**
 * Thrown when a {@link Budget} runs out; `verify` turns it into `budget-exceeded`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(new BudgetExceededError("x").name, "BudgetExceededError");
 * ```
 */
export class BudgetExceededError extends Error {
  /**
   * Creates the error.
   *
   * @param what The work that ran out of steps.
   */
  constructor(what: string) {
    super(`Cannot finish ${what}: step budget exhausted`);
    this.name = "BudgetExceededError";
  }
}

/**
 * Spends `n` steps of a budget.
 *
 * @param budget The budget to charge.
 * @param n Steps to spend.
 * @throws {BudgetExceededError} When fewer than `n` steps are left.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const budget = { steps: 2 };
 * spend(budget);
 * assert.throws(() => spend(budget, 2), BudgetExceededError);
 * ```
 */
export function spend(budget: Budget, n: number = 1): void {
  budget.steps -= n;
  if (budget.steps < 0) throw new BudgetExceededError("the verification");
}
