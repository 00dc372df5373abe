// deno-lint-ignore-file no-console -- a command reports its progress
// The main job: runs the notebooks in notebooks/ headless in the profile RLVR_PROFILE names
// (default full) and writes to out/: executed notebooks and their HTML exports, every figure as
// SVG, report.html and summary.json. Usage: deno task repro [--out DIR] [--jobs N] [filter...]
// Extended studies (metadata rlvr.extended, e.g. 05) run only when a filter names them. The report
// and summary.json cover every notebook's last run in the profile (out/runs/<profile>/ and the
// parts in out/summary/<profile>/), so `repro 05` after the main job adds the study to both.
// --jobs N runs up to N notebooks side by side; a notebook that reuses another's cached runs
// (metadata rlvr.after) runs after it in the same lane (lib/job/notebook_lanes.ts). While they
// run, a line per running notebook is printed at least every 30 s (what it is doing, elapsed,
// time left), from the progress file each notebook's reporter writes.
import { resolve } from "node:path";
import { parseCommandLine } from "../lib/_io/cli.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { planLanes, readLaneNotebook } from "../lib/job/notebook_lanes.ts";
import { missingNotebookTools, runNotebook } from "../lib/job/notebook_runner.ts";
import { type ReportEntry, reportHtml } from "../lib/job/report.ts";
import { mainJobTiming, mergeSummary } from "../lib/job/summary.ts";
import { PROGRESS_FILE_ENV } from "../lib/progress.ts";
import { readProfile } from "../lib/protocol/profile.ts";

const { values, positionals } = parseCommandLine(Deno.args, {
  out: { type: "string", default: "out", placeholder: "DIR", help: "Output folder." },
  jobs: {
    type: "integer",
    default: navigator.hardwareConcurrency,
    min: 1,
    help: "Notebooks run side by side (the default is one per core).",
  },
}, {
  usage: "deno task repro [--out DIR] [--jobs N] [notebook-name-filter...]",
  description: "Runs notebooks 00-04 (or those whose names contain all the filters, extended " +
    "studies such as 05 included) in the RLVR_PROFILE profile (default full), and writes the " +
    "executed notebooks, figures, report.html and summary.json.",
  positionals: {
    name: "notebook-name-filter...",
    help: "Run only notebooks whose names contain these.",
  },
});
const outDir = values.out;
const CELL_TIMEOUT_SECONDS = 6 * 3600;
const PRINT_EVERY_MS = 30_000;
const profile = readProfile();
const log = (line: string): void => console.error(`[repro] ${line}`);
const minutes = (ms: number): string =>
  `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;

const missing = await missingNotebookTools();
if (missing !== undefined) {
  log(missing);
  Deno.exit(1);
}
const notebookDir = new URL("../notebooks/", import.meta.url).pathname;
// Notebooks write their summary parts per profile (a smoke test never overwrites a full part).
const summaryDir = new URL(`../out/summary/${profile}/`, import.meta.url).pathname;
// Each notebook's last run in this profile, so the report and summary cover every notebook that
// has run (e.g. the main job's, then `repro 05`), not only this invocation's.
const runsDir = `${outDir}/runs/${profile}`;
const notebooks = await Promise.all(
  [...Deno.readDirSync(notebookDir)]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".ipynb"))
    .sort()
    .map((name) => readLaneNotebook(`${notebookDir}${name}`)),
);
const candidates = notebooks.filter((n) => positionals.every((p) => n.name.includes(p)));
const chosen = candidates.filter((n) => !n.extended || positionals.length > 0);
const names = chosen.map((n) => n.name);
await Deno.mkdir(`${outDir}/figures`, { recursive: true });
await Deno.mkdir(`${outDir}/progress`, { recursive: true });
await Deno.mkdir(runsDir, { recursive: true });
for (const name of names) {
  await Deno.remove(`${summaryDir}${name.slice(0, 2)}.json`).catch(() => {});
}

const lanes = planLanes(chosen, values.jobs);
log(
  `${names.length} notebook(s) in ${lanes.length} lane(s): ${
    lanes.map((l) => l.join(" → ")).join(" | ")
  }`,
);
const started = performance.now();
const running = new Map<string, { file: string; since: number }>();
const lastPrinted = new Map<string, { line: string; at: number }>();
const ticker = setInterval(() => {
  const now = performance.now();
  for (const [name, { file, since }] of running) {
    let line = "";
    try {
      line = Deno.readTextFileSync(file).trim();
    } catch {
      line = "starting";
    }
    // A changed line every 15 s at most, an unchanged one again after 30 s.
    const previous = lastPrinted.get(name);
    const gap = previous === undefined ? Infinity : now - previous.at;
    if (gap < PRINT_EVERY_MS / 2 || (previous?.line === line && gap < PRINT_EVERY_MS)) continue;
    lastPrinted.set(name, { line, at: now });
    log(`${minutes(now - started)} ${name} (${minutes(now - since)}): ${line}`);
  }
}, 5_000);

const byName = new Map<string, ReportEntry>();
let startedCount = 0;
try {
  await Promise.all(lanes.map(async (lane) => {
    for (const name of lane) {
      const i = startedCount++;
      const stem = name.replace(/\.ipynb$/, "");
      const progressFile = resolve(outDir, "progress", `${stem}.txt`);
      log(`(${i + 1}/${names.length}) running ${name} in the ${profile} profile`);
      running.set(name, { file: progressFile, since: performance.now() });
      const run = await runNotebook(`${notebookDir}${name}`, {
        outDir: `${outDir}/notebooks`,
        profile,
        html: true,
        // One cell of the full profile runs the whole protocol: allow hours.
        cellTimeoutSeconds: CELL_TIMEOUT_SECONDS,
        env: { [PROGRESS_FILE_ENV]: progressFile },
      });
      running.delete(name);
      for (const fig of run.figures) {
        await Deno.writeTextFile(`${outDir}/figures/${stem}_${fig.name}.svg`, fig.svg);
      }
      const status = run.errors.length === 0 ? "ok" : `${run.errors.length} error(s)`;
      log(
        `(${i + 1}/${names.length}) ${name}: ${status}, ${run.seconds.toFixed(0)} s, ` +
          `${run.figures.length} figure(s)`,
      );
      for (const error of run.errors) log(`${name}: ${error}`);
      const entry = { name, run, htmlExport: `notebooks/${stem}.html` };
      byName.set(name, entry);
      await writeTextFileAtomic(`${runsDir}/${stem}.json`, JSON.stringify(entry));
    }
  }));
} finally {
  clearInterval(ticker);
}
const elapsedMinutes = (performance.now() - started) / 60_000;
// This run's notebooks, and the last run of every other notebook in this profile.
const entries: ReportEntry[] = [];
for (const file of [...Deno.readDirSync(runsDir)].map((e) => e.name).sort()) {
  if (!file.endsWith(".json")) continue;
  const name = file.replace(/\.json$/, ".ipynb");
  entries.push(byName.get(name) ?? JSON.parse(await Deno.readTextFile(`${runsDir}/${file}`)));
}
const earlier = entries.filter((e) => !byName.has(e.name)).map((e) => e.name);
const subtitle = `Profile ${profile}, ${new Date().toISOString()}, ` +
  `${names.length} notebook(s) in ${elapsedMinutes.toFixed(1)} min (${lanes.length} lane(s))` +
  (earlier.length === 0 ? "" : `; from earlier runs: ${earlier.join(", ")}`);
await writeTextFileAtomic(`${outDir}/report.html`, reportHtml(entries, { subtitle }));

const parts: Record<string, Record<string, unknown>> = {};
for (const { name } of entries) {
  const path = `${summaryDir}${name.slice(0, 2)}.json`;
  try {
    parts[name.slice(0, 2)] = JSON.parse(await Deno.readTextFile(path));
  } catch {
    // A notebook that tests no claim writes no part.
  }
}
// The summary's date and runtime are the main job's (every notebook but the extended studies),
// kept by a later invocation that ran only a study (`repro 05`).
const mainJobFile = `${outDir}/runs/${profile}.main_job.json`;
const thisRun = { date: new Date().toISOString(), runtimeMinutes: elapsedMinutes };
const ranMainJob = notebooks.every((n) => n.extended || byName.has(n.name));
const mainJob = await mainJobTiming(mainJobFile, thisRun, ranMainJob);
if (mainJob === undefined) {
  log(`no main job recorded in ${mainJobFile}: the summary's runtime is this run's`);
}
const summary = mergeSummary(parts, {
  profile,
  ...(mainJob ?? thisRun),
  notebookSeconds: Object.fromEntries(entries.map((e) => [e.name, e.run.seconds])),
});
await writeTextFileAtomic(`${outDir}/summary.json`, JSON.stringify(summary, null, 2) + "\n");
log(`wrote ${outDir}/report.html and ${outDir}/summary.json (${elapsedMinutes.toFixed(1)} min)`);
if (entries.some((entry) => entry.run.errors.length > 0)) Deno.exit(1);
