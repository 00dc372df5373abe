import assert from "node:assert/strict";
import { checkAgainstReference, UPDATE_REFERENCE_ENV } from "../../lib/protocol/regression.ts";

Deno.test("checkAgainstReference() passes within tolerance and names what fails", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/ref.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({ values: { a: 1, b: 2 }, tolerances: { a: 0.1 } }),
  );
  await t.step("within tolerance", async () => {
    const checks = await checkAgainstReference({ a: 1.09, b: 2 }, path);
    assert.deepEqual(checks.map((c) => c.ok), [true, true]);
  });
  await t.step("outside tolerance, and missing names, are listed", async () => {
    await assert.rejects(
      () => checkAgainstReference({ a: 1.2, c: 3 }, path),
      /a = 1\.2, reference 1 ± 0\.1; b = NaN, reference 2 ± 0\.000001; c = 3, reference NaN/,
    );
  });
  await t.step("RLVR_UPDATE_REFERENCE=1 rewrites the reference, keeping tolerances", async () => {
    Deno.env.set(UPDATE_REFERENCE_ENV, "1");
    try {
      await checkAgainstReference({ a: 5, c: 3 }, path);
    } finally {
      Deno.env.delete(UPDATE_REFERENCE_ENV);
    }
    const stored = JSON.parse(await Deno.readTextFile(path));
    assert.deepEqual(stored, { values: { a: 5, c: 3 }, tolerances: { a: 0.1, c: 0.000001 } });
    await checkAgainstReference({ a: 5.05, c: 3 }, path);
  });
  await Deno.remove(dir, { recursive: true });
});
