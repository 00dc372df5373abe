// deno-lint-ignore-file no-console -- a command reports what it checked
/**
 * deno task check:notebooks — type-checks every notebook's code, as `deno check` does for the
 * library (it cannot read .ipynb files): the code cells of each notebook, in order, become one
 * module in a temporary folder (its `../mod.ts` import pointed at this checkout), checked with
 * this project's config. It also checks that each notebook is formatted: `deno fmt` on a copy
 * must leave it unchanged (`deno fmt --check` on a .ipynb reports every notebook as unformatted
 * while its incremental cache is cold, on a clean machine, even when formatting changes nothing;
 * so `deno task ok` runs `deno fmt --check` with notebooks/ ignored, and this). Part of
 * `deno task ok`.
 *
 * @module
 */
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url);
const notebookDir = new URL("notebooks/", ROOT).pathname;
const mod = new URL("mod.ts", ROOT).href;
const dir = await Deno.makeTempDir({ prefix: "rlvr_notebooks_" });
try {
  const files: string[] = [];
  for (const entry of [...Deno.readDirSync(notebookDir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (!entry.name.endsWith(".ipynb")) continue;
    const notebook = JSON.parse(await Deno.readTextFile(join(notebookDir, entry.name)));
    const code = (notebook.cells as { cell_type: string; source: string | string[] }[])
      .filter((cell) => cell.cell_type === "code")
      .map((cell, i) =>
        `// cell ${i}\n${Array.isArray(cell.source) ? cell.source.join("") : cell.source}`
      )
      .join("\n\n")
      .replaceAll('"../mod.ts"', JSON.stringify(mod));
    const file = join(dir, entry.name.replace(/\.ipynb$/, ".ts"));
    await Deno.writeTextFile(file, `${code}\nexport {};\n`);
    files.push(file);
  }
  // Formatting: the notebooks, copied, formatted with this project's config, compared.
  const copies = join(dir, "formatted");
  await Deno.mkdir(copies);
  const names = [...Deno.readDirSync(notebookDir)].map((e) => e.name).filter((n) =>
    n.endsWith(".ipynb")
  );
  for (const name of names) await Deno.copyFile(join(notebookDir, name), join(copies, name));
  const format = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", new URL("deno.json", ROOT).pathname, copies],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const unformatted: string[] = [];
  for (const name of names) {
    const [original, formatted] = await Promise.all([
      Deno.readTextFile(join(notebookDir, name)),
      Deno.readTextFile(join(copies, name)),
    ]);
    if (original !== formatted) unformatted.push(`notebooks/${name}`);
  }
  if (format.code !== 0 || unformatted.length > 0) {
    console.error(
      `Notebooks not formatted: ${unformatted.join(", ") || "deno fmt failed"} (run: deno fmt)`,
    );
    Deno.exit(1);
  }
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--config", new URL("deno.json", ROOT).pathname, ...files],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (check.code !== 0) {
    console.error(
      `Cannot type-check the notebooks: deno check failed on ${files.length} notebook(s)`,
    );
    Deno.exit(1);
  }
  console.error(`type-checked and format-checked ${files.length} notebook(s)`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
