import assert from "node:assert/strict";
import { codeFingerprint, moduleGraph } from "../../lib/_io/code_fingerprint.ts";

async function withModules(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rlvr_code_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const FILES = {
  "a.ts": 'import { b } from "./b.ts";\nexport const a = b + 1;\n',
  "b.ts": 'export { c } from "./sub/c.ts";\nexport const b = 1;\n',
  "sub/c.ts": 'const w = new URL("./_worker.ts", import.meta.url);\nexport const c = w;\n',
  "sub/_worker.ts": 'const m = await import("../d.ts");\n',
  "d.ts": "export const d = 4;\n",
  "unused.ts": "export const u = 0;\n",
};

Deno.test("moduleGraph() follows static, re-export, dynamic and worker imports, once each", async () => {
  await withModules(FILES, async (dir) => {
    const modules = await moduleGraph([`file://${dir}/a.ts`]);
    assert.deepEqual(
      modules.map((m) => m.url.slice(`file://${dir}/`.length)),
      ["a.ts", "b.ts", "d.ts", "sub/_worker.ts", "sub/c.ts"],
    );
  });
});

Deno.test("codeFingerprint() changes when any module in the graph changes, and only then", async () => {
  await withModules(FILES, async (dir) => {
    const entry = [`file://${dir}/a.ts`];
    const before = await codeFingerprint(entry);
    assert.equal(await codeFingerprint(entry), before);
    await Deno.writeTextFile(`${dir}/unused.ts`, "export const u = 1;\n");
    assert.equal(await codeFingerprint(entry), before, "a module outside the graph");
    await Deno.writeTextFile(`${dir}/d.ts`, "export const d = 5;\n");
    const after = await codeFingerprint(entry);
    assert.notEqual(after, before, "a module three imports away, behind a worker");
  });
});

Deno.test("codeFingerprint() names a module it cannot read", async () => {
  await withModules({ "a.ts": 'import "./missing.ts";\n' }, async (dir) => {
    await assert.rejects(codeFingerprint([`file://${dir}/a.ts`]), /cannot read .*missing\.ts/);
  });
});
