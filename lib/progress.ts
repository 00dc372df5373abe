/**
 * Progress display for long work (training, sampling thousands of rollouts). lib/ functions take
 * an `onProgress` callback; this file is the one place that renders it: in Deno's Jupyter kernel
 * a single display that updates in place, in a terminal one line on stderr.
 *
 * @module
 */

/** One progress report: `done` of `total` units, with optional text such as the latest loss. */
export type Progress = {
  /** Units finished so far. */
  done: number;
  /** Units in all. */
  total: number;
  /** Short text shown after the counts. */
  detail?: string;
  /** The reporter's own estimate of the seconds left (else one is made from done / total). */
  remainingSeconds?: number | null;
};

/** Options of {@link progressReporter}. */
export type ProgressReporterOptions = {
  /** Where to render: Jupyter display, stderr, or nowhere. Default: Jupyter when in its kernel. */
  target?: "jupyter" | "stderr" | "none";
  /** Fewest milliseconds between two renders (the last report always renders). Default 250. */
  intervalMs?: number;
  /** Clock in milliseconds, for tests. Default `performance.now`. */
  now?: () => number;
};

/** A callback for `onProgress` options, plus the latest rendered line (for tests and logs). */
export type ProgressReporter = ((progress: Progress) => void) & { readonly lastLine: string };

type JupyterNamespace = {
  display: (
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ) => Promise<void>;
};

function jupyter(): JupyterNamespace | undefined {
  // Outside `deno jupyter` the getter throws rather than returning undefined.
  try {
    return (Deno as unknown as { jupyter?: JupyterNamespace }).jupyter;
  } catch {
    return undefined;
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
}

/**
 * Formats a progress line: label, bar, counts, elapsed time, remaining-time estimate, detail.
 * The estimate is the rate since the first report applied to what is left: units done before it
 * (`doneAtStart`, e.g. the steps of a resumed run) took none of the elapsed time, so they do not
 * count; before any unit has been done since, the estimate is unknown (`~? left`).
 *
 * @param label What is progressing.
 * @param progress The latest report.
 * @param elapsedMs Milliseconds since the first report.
 * @param options `doneAtStart`: units done at the first report (default 0).
 * @returns One line of text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   formatProgress("train", { done: 5, total: 10, detail: "loss 0.1" }, 10_000),
 *   "train [##########..........] 5/10 10s, ~10s left, loss 0.1",
 * );
 * assert.match(formatProgress("train", { done: 34, total: 50 }, 4_000, { doneAtStart: 32 }), /~32s left/);
 * ```
 */
export function formatProgress(
  label: string,
  progress: Progress,
  elapsedMs: number,
  options: { doneAtStart?: number } = {},
): string {
  const { doneAtStart = 0 } = options;
  const { done, total, detail, remainingSeconds } = progress;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * 20);
  const bar = "#".repeat(filled) + ".".repeat(20 - filled);
  const elapsed = elapsedMs / 1000;
  const doneSince = done - doneAtStart;
  const left = remainingSeconds ??
    (doneSince > 0 ? (elapsed * (total - done)) / doneSince : Infinity);
  const eta = done >= total ? "done" : `~${formatSeconds(left)} left`;
  const tail = detail === undefined ? "" : `, ${detail}`;
  return `${label} [${bar}] ${done}/${total} ${formatSeconds(elapsed)}, ${eta}${tail}`;
}

let displayCounter = 0;

/** The environment variable naming a file that receives every rendered progress line. */
export const PROGRESS_FILE_ENV = "RLVR_PROGRESS_FILE";

/**
 * Makes an `onProgress` callback that renders progress in place: inside Deno's Jupyter kernel as
 * one display updated by its display id, elsewhere as a line on stderr (rewritten in place on a
 * terminal, printed at most every 5 s otherwise, as in CI logs). When the environment variable
 * `RLVR_PROGRESS_FILE` names a file, every rendered line is also written there (replacing the
 * last), so a job running notebooks headless can show what they are doing. The clock starts at
 * the first report, and the estimate of time left counts only the units done since (report
 * `{ done: 0 }`, or the resumed step, before the work starts).
 *
 * @param label What is progressing, e.g. `"pretrain"`.
 * @param options Target, render interval and clock.
 * @returns The callback; `lastLine` holds the latest line.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const report = progressReporter("eval", { target: "none" });
 * report({ done: 1, total: 2 });
 * assert.match(report.lastLine, /^eval .* 1\/2/);
 * ```
 */
export function progressReporter(
  label: string,
  options: ProgressReporterOptions = {},
): ProgressReporter {
  const kernel = jupyter();
  const {
    target = kernel === undefined ? "stderr" : "jupyter",
    intervalMs = 250,
    now = () => performance.now(),
  } = options;
  const isTerminal = target === "stderr" && Deno.stderr.isTerminal();
  const minGap = target === "stderr" && !isTerminal ? Math.max(intervalMs, 5000) : intervalMs;
  const displayId = `rlvr-progress-${++displayCounter}`;
  const encoder = new TextEncoder();
  let start: number | undefined;
  let doneAtStart = 0;
  let lastRender = -Infinity;
  let shown = false;
  let lastLine = "";

  const progressFile = Deno.env.get(PROGRESS_FILE_ENV);
  const render = (line: string, fraction: number, finished: boolean): void => {
    if (progressFile !== undefined && progressFile !== "") {
      try {
        Deno.writeTextFileSync(progressFile, `${line}\n`);
      } catch {
        // A progress line is a courtesy: never fail the work for it.
      }
    }
    if (target === "jupyter" && kernel !== undefined) {
      const html = `<div style="font-family:monospace"><progress value="${fraction}" max="1" ` +
        `style="width:200px"></progress> ${line.replace(/</g, "&lt;")}</div>`;
      void kernel.display({ "text/plain": line, "text/html": html }, {
        raw: true,
        display_id: displayId,
        update: shown,
      });
      shown = true;
    } else if (target === "stderr") {
      const text = isTerminal ? `\r\x1b[2K${line}${finished ? "\n" : ""}` : `${line}\n`;
      Deno.stderr.writeSync(encoder.encode(text));
    }
  };

  const report = (progress: Progress): void => {
    const t = now();
    if (start === undefined) [start, doneAtStart] = [t, progress.done];
    const finished = progress.done >= progress.total;
    lastLine = formatProgress(label, progress, t - start, { doneAtStart });
    if (!finished && t - lastRender < minGap) return;
    lastRender = t;
    render(lastLine, progress.total > 0 ? progress.done / progress.total : 0, finished);
  };
  return Object.defineProperty(report, "lastLine", { get: () => lastLine }) as ProgressReporter;
}

/**
 * One output of a Jupyter cell that is replaced in place, e.g. a figure redrawn as training goes
 * (Deno's Jupyter kernel, a display id per call). Outside the kernel there is nothing to update,
 * and this returns `undefined`.
 *
 * @returns A function that shows a MIME bundle (`{ "text/html": …, "text/plain": … }`) in place
 *   of the previous one, or `undefined` outside Jupyter.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(liveDisplay(), undefined); // not in a Jupyter kernel
 * ```
 */
export function liveDisplay(): ((bundle: Record<string, string>) => void) | undefined {
  const kernel = jupyter();
  if (kernel === undefined) return undefined;
  const displayId = `rlvr-live-${++displayCounter}`;
  let shown = false;
  return (bundle) => {
    void kernel.display(bundle, { raw: true, display_id: displayId, update: shown });
    shown = true;
  };
}
