import assert from "node:assert/strict";
import { byProfile, PROFILE_ENV, readProfile } from "../../lib/protocol/profile.ts";

Deno.test("readProfile() reads RLVR_PROFILE and rejects unknown values", () => {
  const saved = Deno.env.get(PROFILE_ENV);
  try {
    Deno.env.delete(PROFILE_ENV);
    assert.equal(readProfile(), "full");
    Deno.env.set(PROFILE_ENV, "smoke");
    assert.equal(readProfile(), "smoke");
    assert.equal(byProfile({ full: 1, smoke: 2 }), 2);
    Deno.env.set(PROFILE_ENV, "fast");
    assert.throws(() => readProfile(), /RLVR_PROFILE must be full or smoke, got fast/);
  } finally {
    if (saved === undefined) Deno.env.delete(PROFILE_ENV);
    else Deno.env.set(PROFILE_ENV, saved);
  }
});
