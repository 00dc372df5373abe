// Real signals sent to this process (SIGUSR1, which the test runner leaves alone).
import assert from "node:assert/strict";
import {
  DUPLICATE_MS,
  type SignalStop,
  type StopEvent,
  stopOnSignal,
} from "../../lib/_io/stop_on_signal.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `events` has grown past `count` (a signal is delivered asynchronously). */
async function nextEvent(events: StopEvent[], count: number): Promise<StopEvent> {
  for (let i = 0; i < 200 && events.length <= count; i++) await sleep(5);
  assert.ok(events.length > count, "the signal was delivered");
  return events[count];
}

function listen(graceMs: number): { events: StopEvent[]; exits: number[]; stop: SignalStop } {
  const events: StopEvent[] = [];
  const exits: number[] = [];
  const stop = stopOnSignal({
    signals: ["SIGUSR1"],
    graceMs,
    onEvent: (event) => events.push(event),
    exit: (code) => exits.push(code),
  });
  return { events, exits, stop };
}

Deno.test("stopOnSignal() takes one signal delivered twice as one stop request", async () => {
  const { events, exits, stop } = listen(5_000);
  using _ = stop;
  // What a terminal's Ctrl-C under `deno task` does: the group's signal and the forwarded one.
  Deno.kill(Deno.pid, "SIGUSR1");
  Deno.kill(Deno.pid, "SIGUSR1");
  assert.equal((await nextEvent(events, 0)).kind, "stopping");
  await sleep(50);
  assert.ok(stop.signal.aborted);
  assert.equal(stop.received, "SIGUSR1");
  assert.deepEqual(events.slice(1).map((e) => e.kind), events.length > 1 ? ["duplicate"] : []);
  assert.deepEqual(exits, [], "one Ctrl-C never exits without saving");
});

Deno.test("stopOnSignal() takes a duplicate held back by a long synchronous step as the same request", async () => {
  const { events, exits, stop } = listen(5_000);
  using _ = stop;
  Deno.kill(Deno.pid, "SIGUSR1");
  await nextEvent(events, 0);
  Deno.kill(Deno.pid, "SIGUSR1");
  // A training step that holds the event loop past DUPLICATE_MS: the second delivery and the
  // expired timers all wait for it.
  const until = performance.now() + DUPLICATE_MS * 3;
  while (performance.now() < until) { /* busy, as a synchronous step is */ }
  await sleep(50);
  assert.deepEqual(events.map((e) => e.kind), ["stopping", "duplicate"]);
  assert.deepEqual(exits, []);
});

Deno.test("stopOnSignal() exits without saving on a second signal within the grace period", async () => {
  const { events, exits, stop } = listen(5_000);
  using _ = stop;
  Deno.kill(Deno.pid, "SIGUSR1");
  await nextEvent(events, 0);
  await sleep(DUPLICATE_MS + 100);
  Deno.kill(Deno.pid, "SIGUSR1");
  const event = await nextEvent(events, 1);
  assert.deepEqual(event, { kind: "exiting", signal: "SIGUSR1", code: 138, graceMs: 5_000 });
  assert.deepEqual(exits, [138]);
});

Deno.test("stopOnSignal() after the grace period: a new stop request, not an exit", async () => {
  const { events, exits, stop } = listen(DUPLICATE_MS + 200);
  using _ = stop;
  Deno.kill(Deno.pid, "SIGUSR1");
  await nextEvent(events, 0);
  await sleep(DUPLICATE_MS + 400);
  Deno.kill(Deno.pid, "SIGUSR1");
  const event = await nextEvent(events, 1);
  assert.equal(event.kind, "stopping");
  assert.equal(event.kind === "stopping" && event.repeat, true);
  assert.deepEqual(exits, []);
});
