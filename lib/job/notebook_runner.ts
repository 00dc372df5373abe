/**
 * Runs notebooks headless with nbclient (notebook_executor.py) and Deno's kernel, and reads back what they
 * produced: error outputs, figures and timing. The notebook test and `deno task repro` both use it.
 *
 * @module
 */
import type { Profile } from "../protocol/profile.ts";
import { PROFILE_ENV } from "../protocol/profile.ts";

/** One output figure found in an executed notebook. */
export type NotebookFigure = {
  /** Cell index (0-based) and output index, e.g. `cell07-1`. */
  name: string;
  /** The `image/svg+xml` payload. */
  svg: string;
};

/** One rich output of an executed notebook: HTML (tables, figures) or a standalone SVG. */
export type NotebookDisplay = {
  /** Cell index, 0-based. */
  cell: number;
  /** `text/html` when the output has it, else `image/svg+xml`. */
  mime: "text/html" | "image/svg+xml";
  /** The payload. */
  content: string;
};

/** What {@link runNotebook} found. */
export type NotebookRun = {
  /** Path of the executed copy. */
  executedPath: string;
  /** One line per error output: `cell N: ename: evalue`. Empty when the notebook ran clean. */
  errors: string[];
  /** Every SVG figure the notebook displayed, in order. */
  figures: NotebookFigure[];
  /** Every rich (HTML or SVG) output, in order, for reports. */
  displays: NotebookDisplay[];
  /** Wall-clock seconds of the execution. */
  seconds: number;
};

/** Options of {@link runNotebook}. */
export type RunNotebookOptions = {
  /** Directory for the executed copy (created if missing). */
  outDir: string;
  /** Profile the notebook reads through `RLVR_PROFILE`. Default `smoke`. */
  profile?: Profile;
  /** Per-cell timeout in seconds. Default 600. */
  cellTimeoutSeconds?: number;
  /** Also export the executed notebook as HTML beside it. Default false. */
  html?: boolean;
  /**
   * Re-runs after a run whose only faults are dropped displays (see {@link droppedDisplays}).
   * Default 1. Cached training runs make a re-run cheap.
   */
  retries?: number;
  /** More environment variables for the kernel (e.g. `RLVR_PROGRESS_FILE`). Default none. */
  env?: Record<string, string>;
};

type Cell = { cell_type: string; source?: string | string[]; outputs?: Output[] };
type Output = {
  output_type: string;
  ename?: string;
  evalue?: string;
  data?: Record<string, string | string[]>;
};

async function output(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  const command = new Deno.Command(args[0], {
    args: args.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stderr } = await command.output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

async function run(args: string[], env: Record<string, string>): Promise<string> {
  const { code, stderr } = await output(args, env);
  if (code !== 0) {
    throw new Error(`Cannot run ${args.slice(0, 3).join(" ")}: exit ${code}\n${stderr}`);
  }
  return stderr;
}

// The executor: nbclient plus a grace period for outputs published after a cell's idle status.
const EXECUTOR = new URL("./notebook_executor.py", import.meta.url).pathname;

/**
 * The Python that runs Jupyter here: the interpreter named by the `jupyter` launcher's shebang
 * (apt's is `/usr/bin/python3`), which has nbclient; a `python3` earlier on PATH (pyenv, a venv)
 * may not. Falls back to `python3`.
 */
async function jupyterPython(): Promise<string> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const head = (await Deno.readTextFile(`${dir}/jupyter`)).split("\n", 1)[0];
      if (!head.startsWith("#!")) continue;
      const [interpreter, argument] = head.slice(2).trim().split(/\s+/);
      return interpreter.endsWith("/env") ? argument ?? "python3" : interpreter;
    } catch {
      continue;
    }
  }
  return "python3";
}

// Seconds to wait for a cell's outputs after its execute_reply.
const IOPUB_TIMEOUT_SECONDS = 120;

// nbclient's message for a failing cell: the cell's source and the kernel's error.
const CELL_ERROR_MARKER = "CellExecutionError: ";

/**
 * Says what is missing to execute notebooks (Jupyter's nbconvert, the Deno kernel), with the
 * exact command that installs it, or `undefined` when everything is there.
 *
 * @returns A message naming the missing piece and its install command, or undefined.
 * @example
 * ```ts
 * const missing = await missingNotebookTools();
 * if (missing !== undefined) console.log(missing);
 * ```
 */
export async function missingNotebookTools(): Promise<string | undefined> {
  try {
    await run(["jupyter", "nbconvert", "--version"], {});
    await run([await jupyterPython(), "-c", "import nbclient, nbformat"], {});
  } catch {
    return "Jupyter's nbconvert or nbclient is missing: run `sudo apt-get install -y jupyter-nbconvert " +
      "python3-nbclient jupyter-client` (or `bash scripts/run.sh test`, which installs it)";
  }
  const command = new Deno.Command("jupyter", { args: ["kernelspec", "list"], stdout: "piped" });
  const listing = new TextDecoder().decode((await command.output()).stdout);
  if (!/^\s*deno\s/m.test(listing)) {
    return "The Deno Jupyter kernel is not registered: run `deno jupyter --install`";
  }
  return undefined;
}

function joinText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : value ?? "";
}

/**
 * Executes a notebook headless with the Deno kernel under a profile and reads back errors and
 * figures. Execution stops at the first failing cell, whose source and error are reported (the
 * executed copy is then not written).
 *
 * @param path The `.ipynb` to run.
 * @param options Output directory, profile, timeouts, HTML export.
 * @returns Errors, figures, the executed copy's path and the time taken.
 * @throws {Error} If the HTML export cannot run (errors inside the notebook are returned).
 * @example
 * ```ts ignore
 * const result = await runNotebook("notebooks/00_quickstart.ipynb", { outDir: "out" });
 * console.log(result.errors.length === 0 ? "ok" : result.errors.join("\n"));
 * ```
 */
export async function runNotebook(path: string, options: RunNotebookOptions): Promise<NotebookRun> {
  const { retries = 1 } = options;
  let run = await runOnce(path, options);
  for (let attempt = 0; attempt < retries; attempt++) {
    const onlyDropped = run.errors.length > 0 && run.errors.every((e) => e.includes(DROPPED));
    if (!onlyDropped) break;
    run = await runOnce(path, options);
  }
  return run;
}

// The marker of a dropped-display error.
const DROPPED = "no output from its display call";

// A cell whose last top-level statement starts with one of these calls displays something.
// (`figure(…)`, `passAtKFigure(…)`, `curvesFigure(…)`, `table(…)`, `movementTable(…)`, …).
const DISPLAY_CALL = /^([a-zA-Z]*(Figure|Table)|figure|table)\(/;

/**
 * The code cells of an executed notebook that end in a display call (a figure or a table:
 * `figure(…)`, `…Figure(…)`, `table(…)`, `…Table(…)` as the last statement starting in column 0) yet have no
 * output: a loaded Deno kernel has been seen to report such a cell idle without its result, and
 * nbclient then saves the cell empty without an error.
 *
 * @param cells The executed notebook's cells.
 * @returns One message per such cell: `cell N: no output from its display call …`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cells = [
 *   { cell_type: "code", source: "const x = 1;\npassAtKFigure(rows)", outputs: [] },
 *   { cell_type: "code", source: "table(rows)", outputs: [{ output_type: "execute_result" }] },
 *   { cell_type: "code", source: "const t = table(rows);", outputs: [] },
 * ];
 * assert.deepEqual(droppedDisplays(cells).map((m) => m.slice(0, 7)), ["cell 0:"]);
 * ```
 */
export function droppedDisplays(
  cells: readonly { cell_type: string; source?: string | string[]; outputs?: unknown[] }[],
): string[] {
  return cells.flatMap((cell, index) => {
    if (cell.cell_type !== "code" || (cell.outputs ?? []).length > 0) return [];
    const lines = joinText(cell.source).split("\n").filter((line) => /^[^\s})\]]/.test(line));
    const last = lines.at(-1) ?? "";
    // (A trailing semicolon does not stop Deno's kernel from displaying the value; deno fmt adds one.)
    return DISPLAY_CALL.test(last)
      ? [
        `cell ${index}: ${DROPPED} (${last.slice(0, 40)}…): the kernel reported it idle without it`,
      ]
      : [];
  });
}

async function runOnce(path: string, options: RunNotebookOptions): Promise<NotebookRun> {
  const { outDir, profile = "smoke", cellTimeoutSeconds = 600, html = false } = options;
  await Deno.mkdir(outDir, { recursive: true });
  const name = path.split("/").pop()!.replace(/\.ipynb$/, "");
  const started = performance.now();
  // notebook_executor.py runs nbclient without allow-errors, so a failing cell fails on the
  // kernel's execute_reply status (reliable) rather than on an error output, and it keeps the
  // outputs Deno's kernel publishes just after a cell's idle status, which nbconvert drops.
  const executedPath = `${outDir}/${name}.ipynb`;
  const execution = await output([
    await jupyterPython(),
    EXECUTOR,
    path,
    executedPath,
    "--kernel",
    "deno",
    "--timeout",
    String(cellTimeoutSeconds),
    "--iopub-timeout",
    String(IOPUB_TIMEOUT_SECONDS),
  ], { ...options.env, [PROFILE_ENV]: profile });
  const seconds = (performance.now() - started) / 1000;
  if (execution.code !== 0) {
    const at = execution.stderr.indexOf(CELL_ERROR_MARKER);
    const message = at >= 0
      ? execution.stderr.slice(at + CELL_ERROR_MARKER.length).trim()
      : `the notebook executor exited with code ${execution.code}: ${
        execution.stderr.slice(-2000).trim()
      }`;
    return { executedPath, errors: [message], figures: [], displays: [], seconds };
  }
  if (html) await run(["jupyter", "nbconvert", "--to", "html", executedPath], {});
  const notebook = JSON.parse(await Deno.readTextFile(executedPath)) as { cells: Cell[] };
  const errors: string[] = [];
  const figures: NotebookFigure[] = [];
  const displays: NotebookDisplay[] = [];
  notebook.cells.forEach((cell, index) => {
    (cell.outputs ?? []).forEach((output, outputIndex) => {
      if (output.output_type === "error") {
        errors.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      }
      const html = joinText(output.data?.["text/html"]);
      const svg = joinText(output.data?.["image/svg+xml"]);
      if (html !== "") displays.push({ cell: index, mime: "text/html", content: html });
      else if (svg !== "") displays.push({ cell: index, mime: "image/svg+xml", content: svg });
      if (svg !== "") {
        const id = `cell${String(index).padStart(2, "0")}-${outputIndex}`;
        figures.push({ name: id, svg });
      }
    });
  });
  errors.push(...droppedDisplays(notebook.cells));
  return { executedPath, errors, figures, displays, seconds };
}
