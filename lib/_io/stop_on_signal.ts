/**
 * Ctrl-C for a long command: the first SIGINT (or SIGTERM) asks it to stop and save, and only a
 * second one within a grace period exits at once without saving.
 *
 * One Ctrl-C can arrive twice. In a terminal the signal goes to the whole foreground process
 * group, and `deno task` also forwards the one it receives to its child, so the child gets two
 * SIGINTs a fraction of a millisecond apart (or one, when the runtime merges them). Read naively,
 * the second is "Ctrl-C again" and the command exits without saving. So a signal counts as a new
 * one only once the first has been taken in: {@link DUPLICATE_MS} have passed and the event loop
 * has turned {@link SETTLE_TURNS} times since. The turns matter when a long synchronous step
 * holds the loop: the duplicate, pending since the first, is then delivered after that step, and
 * so are expired timers; counting turns puts it before the grace period opens, however long the
 * step was.
 *
 * @module
 */

/** Signals within this many milliseconds of the first are the same one delivered twice. */
export const DUPLICATE_MS = 500;
/** Event-loop turns after {@link DUPLICATE_MS} before a signal counts as a new one. */
const SETTLE_TURNS = 3;
/** Default grace period: a second signal this soon after the first exits without saving. */
const DEFAULT_GRACE_MS = 5_000;

/** Exit status after a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
const EXIT_CODES: Readonly<Partial<Record<Deno.Signal, number>>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGQUIT: 131,
  SIGUSR1: 138,
  SIGUSR2: 140,
  SIGTERM: 143,
};

/**
 * The exit status a command stopped by `signal` reports, as shells do: 128 + its number.
 *
 * @param signal The signal.
 * @returns 130 for SIGINT, 143 for SIGTERM, …; 1 for a signal not in the table.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(signalExitCode("SIGINT"), 130);
 * assert.equal(signalExitCode("SIGTERM"), 143);
 * ```
 */
export function signalExitCode(signal: Deno.Signal): number {
  return EXIT_CODES[signal] ?? 1;
}

/** What happened on a signal, for the command to report. */
export type StopEvent =
  | {
    /** A stop was asked for (`repeat`: again, after the grace period of an earlier one ran out). */
    readonly kind: "stopping";
    readonly signal: Deno.Signal;
    readonly repeat: boolean;
    readonly graceMs: number;
  }
  | {
    /** The same signal delivered twice (see the module doc): still stopping and saving. */
    readonly kind: "duplicate";
    readonly signal: Deno.Signal;
  }
  | {
    /** A second signal within the grace period: the command exits now, without saving. */
    readonly kind: "exiting";
    readonly signal: Deno.Signal;
    readonly code: number;
    readonly graceMs: number;
  };

/** Options of {@link stopOnSignal}. */
export type StopOnSignalOptions = {
  /** The signals listened to. Default SIGINT and SIGTERM (SIGINT only on Windows). */
  readonly signals?: readonly Deno.Signal[];
  /** How soon after the first a second signal exits without saving. Default 5,000 ms. */
  readonly graceMs?: number;
  /** Told of every signal, before anything else happens (the command prints it). */
  readonly onEvent?: (event: StopEvent) => void;
  /** Exits the process. Default `Deno.exit`. */
  readonly exit?: (code: number) => void;
};

/** A stop request: aborted by the first signal; dispose it to stop listening. */
export type SignalStop = Disposable & {
  /** Aborted by the first signal: pass it to the loop that should stop after its step. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: Deno.Signal | undefined;
};

/**
 * Listens for SIGINT and SIGTERM (see the module doc): the first aborts `signal` so the command
 * stops after its step and saves; the same signal delivered twice is taken once; a second
 * signal within `graceMs` of the first calls `exit` with 128 + its number; one after the grace
 * period is a new first.
 *
 * @param options Signals, grace period, event callback and exit function.
 * @returns The stop request; dispose it (or declare it with `using`) when the work is done.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * using stop = stopOnSignal({ signals: ["SIGUSR2"] });
 * assert.equal(stop.signal.aborted, false);
 * assert.equal(stop.received, undefined);
 * ```
 */
export function stopOnSignal(options: StopOnSignalOptions = {}): SignalStop {
  const {
    signals = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"],
    graceMs = DEFAULT_GRACE_MS,
    onEvent,
    exit = Deno.exit,
  } = options;
  const controller = new AbortController();
  let received: Deno.Signal | undefined;
  let firstAt = -Infinity;
  let settled = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settleAfter = (turns: number, delay: number): void => {
    const id = setTimeout(() => {
      if (turns === 0) settled = true;
      else settleAfter(turns - 1, 0);
    }, delay);
    Deno.unrefTimer(id);
    timer = id;
  };
  const handlers = signals.map((signal) => {
    const handler = (): void => {
      if (!settled) {
        onEvent?.({ kind: "duplicate", signal });
        return;
      }
      const now = performance.now();
      if (now - firstAt <= graceMs) {
        const code = signalExitCode(signal);
        onEvent?.({ kind: "exiting", signal, code, graceMs });
        exit(code);
        return;
      }
      const repeat = received !== undefined;
      received ??= signal;
      firstAt = now;
      settled = false;
      settleAfter(SETTLE_TURNS, DUPLICATE_MS);
      onEvent?.({ kind: "stopping", signal, repeat, graceMs });
      controller.abort();
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return {
    signal: controller.signal,
    get received(): Deno.Signal | undefined {
      return received;
    },
    [Symbol.dispose](): void {
      clearTimeout(timer);
      for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
    },
  };
}
