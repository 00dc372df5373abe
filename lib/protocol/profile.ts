/**
 * The run profile notebooks and scripts read: `full` (default, the real experiment) or `smoke`
 * (tiny sizes, for the tests). It comes from the `RLVR_PROFILE` environment variable so the same
 * notebook runs either way without edits.
 *
 * @module
 */

/** A run profile. */
export type Profile = "full" | "smoke";

/** The environment variable {@link readProfile} reads. */
export const PROFILE_ENV = "RLVR_PROFILE";

/**
 * Reads the run profile from `RLVR_PROFILE` (unset or empty means `full`).
 *
 * @returns `"full"` or `"smoke"`.
 * @throws {RangeError} If the variable holds anything else.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(["full", "smoke"].includes(readProfile()));
 * ```
 */
export function readProfile(): Profile {
  const value = Deno.env.get(PROFILE_ENV) ?? "";
  if (value === "" || value === "full") return "full";
  if (value === "smoke") return "smoke";
  throw new RangeError(
    `Cannot read the run profile: ${PROFILE_ENV} must be full or smoke, got ${value}`,
  );
}

/**
 * Picks the value for the active profile: `byProfile({ full: 200, smoke: 3 })`.
 *
 * @param values One value per profile.
 * @param profile The profile; default {@link readProfile}().
 * @returns The value for that profile.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(byProfile({ full: 200, smoke: 3 }, "smoke"), 3);
 * ```
 */
export function byProfile<T>(values: { full: T; smoke: T }, profile: Profile = readProfile()): T {
  return values[profile];
}
