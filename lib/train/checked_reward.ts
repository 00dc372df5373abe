/**
 * A reward's declared parameters, and the run-time check that keeps its cache identity honest.
 *
 * A run's cache key holds its reward's name, the source of its `grade` and (for a reward defined
 * in a module) that module's code, but a value `grade` closes over (`len > t`) is in none of them:
 * two rewards named "threshold", run with t = 5 and t = 1000, would share a key and the second
 * would get the first one's cached run. So a reward declares such values in `params`, which are
 * part of its identity, and {@link checkedReward} checks the declaration at every grading: the
 * grader is rebuilt from its source with only its declared params in scope, and must give what
 * the original gives. A value it closes over without declaring it, or one whose declaration
 * differs from the value it closes over, is refused with an error naming it.
 *
 * The check applies to rewards without `module` (a notebook's or script's function). A reward
 * defined in a module reaches that module's imports, which its code fingerprint covers; values a
 * factory in it captures (`thresholdReward(t)`) must still be declared in `params`.
 *
 * @module
 */

/** A JSON value: what a reward parameter may be (it goes into cache keys as JSON). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** The values a reward's `grade` closes over, by the names it uses for them. */
export type RewardParams = { readonly [name: string]: JsonValue };

/** What {@link checkedReward} needs of a reward. */
export type GradedReward = {
  /** A short name, e.g. `"countdown"`. */
  readonly name: string;
  /** The module that defines `grade`, when it has one. */
  readonly module?: string;
  /** The values `grade` closes over, by name. */
  readonly params?: RewardParams;
  /** The grader. */
  readonly grade: (...args: never[]) => number;
};

/**
 * Checks that reward params are JSON data (finite numbers, strings, booleans, null, arrays and
 * plain objects of them), so that they can be part of a cache key.
 *
 * @param reward The reward.
 * @returns The params, `{}` when none are declared.
 * @throws {TypeError} Naming the first param that is not JSON data.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rewardParams({ name: "r", params: { t: 5 }, grade: () => 1 }), { t: 5 });
 * assert.throws(() => rewardParams({ name: "r", params: { f: NaN }, grade: () => 1 }), /params\.f must be JSON data .*got NaN/);
 * ```
 */
export function rewardParams(reward: GradedReward): RewardParams {
  const { name, params = {} } = reward;
  const check = (value: unknown, path: string): void => {
    const fail = (): never => {
      throw new TypeError(
        `Cannot use reward ${JSON.stringify(name)}: ${path} must be JSON data (a finite ` +
          `number, string, boolean, null, or an array or plain object of them), got ${
            typeof value === "function" ? "a function" : String(value)
          }`,
      );
    };
    if (value === null || typeof value === "string" || typeof value === "boolean") return;
    if (typeof value === "number") return Number.isFinite(value) ? undefined : fail();
    if (Array.isArray(value)) return value.forEach((item, i) => check(item, `${path}[${i}]`));
    if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) fail();
    for (const [key, item] of Object.entries(value as object)) check(item, `${path}.${key}`);
  };
  check(params, "params");
  return params;
}

/**
 * The grader rebuilt from its source in a scope holding only `params` (and the globals), or null
 * when its source cannot be read (a bound or built-in function).
 */
function rebuild(
  grade: (...args: never[]) => number,
  params: RewardParams,
): ((...args: unknown[]) => unknown) | null {
  const source = grade.toString();
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) return null;
  const names = Object.keys(params);
  // A function expression (`(r) => …`, `function (r) {…}`), else a method (`grade(r) {…}`).
  for (const expression of [`(${source})`, `({ ${source} })[${JSON.stringify(grade.name)}]`]) {
    try {
      return new Function(...names, `"use strict"; return ${expression};`)(
        ...names.map((name) => params[name]),
      );
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return null;
}

/**
 * The reward with its declaration checked at every grading (see the module doc): its `grade`
 * runs as given and as rebuilt from its source with only `params` in scope, and the two must
 * agree. A reward with a `module` is returned as it is.
 *
 * @param reward The reward.
 * @returns A reward that grades as `reward` does, or throws when `reward` closes over a value it
 *   does not declare.
 * @throws {TypeError} At once if a param is not JSON data, or if `grade`'s source cannot be read
 *   (a bound function); when grading, if `grade` reads a value it does not declare (named), or
 *   if a declared value differs from the one it closes over.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const t = 5;
 * const declared = checkedReward({ name: "threshold", params: { t }, grade: (r: string) => r.length > t ? 1 : 0 });
 * assert.equal(declared.grade("abcdef"), 1);
 * const undeclared = checkedReward({ name: "threshold", grade: (r: string) => r.length > t ? 1 : 0 });
 * assert.throws(() => undeclared.grade("abcdef"), /its grade reads t, a value it closes over/);
 * ```
 */
export function checkedReward<R extends GradedReward>(reward: R): R {
  const params = rewardParams(reward);
  if (reward.module !== undefined) return reward;
  const { name, grade } = reward;
  const rebuilt = rebuild(grade, params);
  if (rebuilt === null) {
    throw new TypeError(
      `Cannot use reward ${JSON.stringify(name)}: the source of its grade cannot be read (a ` +
        `bound or built-in function), so its identity cannot include what it does, got ${
          grade.toString().slice(0, 80)
        }; write grade as a function or give the module that defines it`,
    );
  }
  const declared = JSON.stringify(params);
  const checked = function (this: unknown, ...args: never[]): number {
    const value = grade.apply(this, args);
    let again: unknown;
    try {
      again = rebuilt.apply(this, args);
    } catch (error) {
      const undeclared = error instanceof ReferenceError
        ? /^(\S+) is not defined/.exec(error.message)?.[1]
        : undefined;
      if (undeclared === undefined) throw error;
      throw new TypeError(
        `Cannot grade with reward ${JSON.stringify(name)}: its grade reads ${undeclared}, a ` +
          `value it closes over without declaring it, got params ${declared}; declare it ` +
          `(params: { ${undeclared} }) so that it is part of the reward's identity and a cached ` +
          `run of another ${undeclared} is never returned for this one`,
      );
    }
    if (!Object.is(value, again)) {
      throw new TypeError(
        `Cannot grade with reward ${JSON.stringify(name)}: its grade gave ${value} with the ` +
          `values it closes over but ${again} with its declared params ${declared}; a value it ` +
          `closes over differs from its declaration, so its cache identity would be wrong`,
      );
    }
    return value;
  };
  return { ...reward, grade: checked as R["grade"] };
}
