import assert from "node:assert/strict";
import { readJsonFile } from "../../lib/_io/read_json_file.ts";

Deno.test("readJsonFile() names the file it cannot parse and accepts a byte-order mark", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/state.json`, '{"step": 4, "log": {"st');
    await assert.rejects(
      readJsonFile(`${dir}/state.json`),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.startsWith(`Cannot parse ${dir}/state.json: not JSON (`),
    );
    await Deno.writeTextFile(`${dir}/bom.json`, '\uFEFF{"seed": 1}');
    assert.deepEqual(await readJsonFile(`${dir}/bom.json`), { seed: 1 });
    await assert.rejects(readJsonFile(`${dir}/missing.json`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
