// Executes every notebooks/*.ipynb headless (Deno kernel, smoke profile) and fails on any error
// output. A notebook that no test executes is a defect, so this test discovers them all.
import assert from "node:assert/strict";
import { missingNotebookTools, runNotebook } from "../lib/notebook_runner.ts";

const NOTEBOOK_DIR = new URL("../notebooks/", import.meta.url).pathname;
// The smoke profile promises each notebook runs in at most 3 minutes.
const SMOKE_LIMIT_SECONDS = 180;

const notebooks = [...Deno.readDirSync(NOTEBOOK_DIR)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ipynb"))
  .sort();

Deno.test("notebooks/ holds at least the quickstart", () => {
  assert.ok(notebooks.includes("00_quickstart.ipynb"), `found ${notebooks.join(", ")}`);
});

for (const name of notebooks) {
  Deno.test({
    name: `notebook ${name} runs clean in the smoke profile`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const missing = await missingNotebookTools();
      assert.equal(missing, undefined, missing);
      const outDir = await Deno.makeTempDir({ prefix: "rlvr-notebooks-" });
      const result = await runNotebook(`${NOTEBOOK_DIR}${name}`, { outDir, profile: "smoke" });
      assert.deepEqual(result.errors, [], `errors in ${name}:\n${result.errors.join("\n")}`);
      assert.ok(
        result.seconds <= SMOKE_LIMIT_SECONDS,
        `${name} took ${
          result.seconds.toFixed(0)
        } s in the smoke profile (limit ${SMOKE_LIMIT_SECONDS} s)`,
      );
      await Deno.remove(outDir, { recursive: true });
    },
  });
}
