// The main job: runs every notebook in notebooks/ headless in the profile RLVR_PROFILE names
// (default full) and writes to out/: executed notebooks and their HTML exports, every figure as
// SVG, and report.html. Usage: deno task repro [--out DIR] [--jobs N] [notebook-name-filter]
// --jobs N runs up to N notebooks side by side (default: one per core); a notebook that reuses
// another's cached runs (metadata rlvr.after) runs after it in the same lane (lib/notebook_lanes.ts).
import { parseArgs } from "node:util";
import {
  missingNotebookTools,
  planLanes,
  readLaneNotebook,
  readProfile,
  reportHtml,
  runNotebook,
} from "../mod.ts";
import type { ReportEntry } from "../mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    out: { type: "string", default: "out" },
    jobs: { type: "string", default: String(navigator.hardwareConcurrency) },
  },
  allowPositionals: true,
});
const outDir = values.out!;
const CELL_TIMEOUT_SECONDS = 6 * 3600;
const jobs = Number(values.jobs);
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

const lanes = planLanes(
  await Promise.all(names.map((name) => readLaneNotebook(`${notebookDir}${name}`))),
  jobs,
);
log(
  `${names.length} notebook(s) in ${lanes.length} lane(s): ${
    lanes.map((l) => l.join(" → ")).join(" | ")
  }`,
);
const started = performance.now();
const byName = new Map<string, ReportEntry>();
let startedCount = 0;
await Promise.all(lanes.map(async (lane) => {
  for (const name of lane) {
    const i = startedCount++;
    log(`(${i + 1}/${names.length}) running ${name} in the ${profile} profile`);
    const run = await runNotebook(`${notebookDir}${name}`, {
      outDir: `${outDir}/notebooks`,
      profile,
      html: true,
      // One cell of the full profile trains and evaluates every method × seed: allow hours.
      cellTimeoutSeconds: CELL_TIMEOUT_SECONDS,
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
    for (const error of run.errors) log(`${name}: ${error}`);
    byName.set(name, { name, run, htmlExport: `notebooks/${stem}.html` });
  }
}));
const entries = names.map((name) => byName.get(name)!);
const minutes = (performance.now() - started) / 60_000;
const subtitle = `Profile ${profile}, ${new Date().toISOString()}, ` +
  `${names.length} notebook(s) in ${minutes.toFixed(1)} min (${lanes.length} lane(s))`;
const tmp = `${outDir}/report.html.tmp`;
await Deno.writeTextFile(tmp, reportHtml(entries, { subtitle }));
await Deno.rename(tmp, `${outDir}/report.html`);
log(`wrote ${outDir}/report.html (${minutes.toFixed(1)} min)`);
if (entries.some((entry) => entry.run.errors.length > 0)) Deno.exit(1);
