// The main job: runs every notebook in notebooks/ headless in the profile RLVR_PROFILE names
// (default full) and writes to out/: executed notebooks and their HTML exports, every figure as
// SVG, and report.html. Usage: deno task repro [--out DIR] [notebook-name-filter]
import { parseArgs } from "node:util";
import { missingNotebookTools, readProfile, reportHtml, runNotebook } from "../mod.ts";
import type { ReportEntry } from "../mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { out: { type: "string", default: "out" } },
  allowPositionals: true,
});
const outDir = values.out!;
const profile = readProfile();
const log = (line: string): void => {
  Deno.stderr.writeSync(new TextEncoder().encode(`[repro] ${line}\n`));
};

const missing = await missingNotebookTools();
if (missing !== undefined) {
  log(missing);
  Deno.exit(1);
}
const notebookDir = new URL("../notebooks/", import.meta.url).pathname;
const names = [...Deno.readDirSync(notebookDir)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ipynb") && positionals.every((p) => name.includes(p)))
  .sort();
await Deno.mkdir(`${outDir}/figures`, { recursive: true });

const started = performance.now();
const entries: ReportEntry[] = [];
for (const [i, name] of names.entries()) {
  log(`(${i + 1}/${names.length}) running ${name} in the ${profile} profile`);
  const run = await runNotebook(`${notebookDir}${name}`, {
    outDir: `${outDir}/notebooks`,
    profile,
    html: true,
  });
  const stem = name.replace(/\.ipynb$/, "");
  for (const fig of run.figures) {
    await Deno.writeTextFile(`${outDir}/figures/${stem}_${fig.name}.svg`, fig.svg);
  }
  const status = run.errors.length === 0 ? "ok" : `${run.errors.length} error(s)`;
  log(
    `(${i + 1}/${names.length}) ${name}: ${status}, ${run.seconds.toFixed(0)} s, ` +
      `${run.figures.length} figure(s)`,
  );
  entries.push({ name, run, htmlExport: `notebooks/${stem}.html` });
}
const minutes = (performance.now() - started) / 60_000;
const subtitle = `Profile ${profile}, ${new Date().toISOString()}, ` +
  `${names.length} notebook(s) in ${minutes.toFixed(1)} min`;
const tmp = `${outDir}/report.html.tmp`;
await Deno.writeTextFile(tmp, reportHtml(entries, { subtitle }));
await Deno.rename(tmp, `${outDir}/report.html`);
log(`wrote ${outDir}/report.html (${minutes.toFixed(1)} min)`);
if (entries.some((entry) => entry.run.errors.length > 0)) Deno.exit(1);
