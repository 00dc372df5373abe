import assert from "node:assert/strict";
import { cached, canonicalJson, hashKey } from "../../lib/_io/cache.ts";

Deno.test("canonicalJson() sorts keys at every depth and keeps array order", () => {
  assert.equal(
    canonicalJson({ z: { y: 1, x: [3, 1] }, a: null }),
    '{"a":null,"z":{"x":[3,1],"y":1}}',
  );
});

Deno.test("hashKey() depends on values, not key order", async () => {
  assert.equal(
    await hashKey({ a: 1, b: { c: 2, d: 3 } }),
    await hashKey({ b: { d: 3, c: 2 }, a: 1 }),
  );
  assert.notEqual(await hashKey({ a: 1 }), await hashKey({ a: 2 }));
  assert.match(await hashKey({}), /^[0-9a-f]{16}$/);
});

Deno.test("cached() computes once per key and recomputes on refresh", async (t) => {
  const dir = await Deno.makeTempDir();
  let calls = 0;
  const compute = () => Promise.resolve(++calls);
  await t.step("first call computes", async () => {
    assert.deepEqual(await cached({ lr: 1e-4 }, compute, { dir }), { value: 1, hit: false });
  });
  await t.step("same key hits", async () => {
    assert.deepEqual(await cached({ lr: 1e-4 }, compute, { dir }), { value: 1, hit: true });
  });
  await t.step("another key computes", async () => {
    assert.deepEqual(await cached({ lr: 3e-4 }, compute, { dir }), { value: 2, hit: false });
  });
  await t.step("refresh recomputes and overwrites", async () => {
    assert.deepEqual(await cached({ lr: 1e-4 }, compute, { dir, refresh: true }), {
      value: 3,
      hit: false,
    });
    assert.deepEqual(await cached({ lr: 1e-4 }, compute, { dir }), { value: 3, hit: true });
  });
  await t.step("a failed computation stores nothing", async () => {
    await assert.rejects(
      () => cached({ lr: 1 }, () => Promise.reject(new Error("boom")), { dir }),
      /boom/,
    );
    assert.deepEqual(await cached({ lr: 1 }, compute, { dir }), { value: 4, hit: false });
  });
  await Deno.remove(dir, { recursive: true });
});
