import assert from "node:assert/strict";
import { writeTextFileAtomic } from "../../lib/_io/write_atomic.ts";

Deno.test("writeTextFileAtomic() replaces a file and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/r.json`, "old");
    await writeTextFileAtomic(`${dir}/r.json`, "new");
    assert.equal(await Deno.readTextFile(`${dir}/r.json`), "new");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["r.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTextFileAtomic() fails without touching anything when the target is a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/keep`, "x");
    await assert.rejects(() => writeTextFileAtomic(`${dir}/taken`, "new"));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["taken"]);
    assert.equal(await Deno.readTextFile(`${dir}/taken/keep`), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeTextFileAtomic() rejects a missing directory", async () => {
  await assert.rejects(
    () => writeTextFileAtomic("/nonexistent-dir-rlvr/r.json", "x"),
    Deno.errors.NotFound,
  );
});

Deno.test({
  name: "writeTextFileAtomic() gives a new file 0644 and keeps a replaced file's mode",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/passk.json`;
      await writeTextFileAtomic(path, "{}\n");
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
      await Deno.chmod(path, 0o640);
      await writeTextFileAtomic(path, "[]\n");
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o640);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
