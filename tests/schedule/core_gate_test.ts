import assert from "node:assert/strict";
import { CoreGate } from "../../lib/schedule/core_gate.ts";

/** An item on the gate, the promise of its start, and its finish and failure switches. */
type Controlled = {
  done: Promise<string>;
  running: Promise<void>;
  finish: () => void;
  fail: (error: Error) => void;
};

/** An item that records when it runs and finishes when told to. */
function controlled(gate: CoreGate, name: string, log: string[]): Controlled {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = gate.run(() =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      started();
      finish = () => resolve(name);
      fail = reject;
    })
  );
  return { done, running, finish: () => finish(), fail: (e: Error) => fail(e) };
}

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

Deno.test("CoreGate runs at most `cores` items at once, first come first served", async () => {
  const gate = new CoreGate(2);
  const log: string[] = [];
  const items = ["a", "b", "c", "d"].map((name) => controlled(gate, name, log));
  await settle();
  assert.deepEqual(log, ["start a", "start b"]);
  assert.equal(gate.busy, 2);
  items[1].finish();
  await items[1].done;
  await settle();
  assert.deepEqual(log, ["start a", "start b", "start c"]);
  assert.equal(gate.busy, 2);
  items[0].finish();
  items[2].finish();
  await settle();
  assert.deepEqual(log, ["start a", "start b", "start c", "start d"]);
  items[3].finish();
  assert.deepEqual(await Promise.all(items.map((i) => i.done)), ["a", "b", "c", "d"]);
  assert.equal(gate.busy, 0);
});

Deno.test("CoreGate frees the core of an item that fails, and passes its error on", async () => {
  const gate = new CoreGate(1);
  const log: string[] = [];
  const first = controlled(gate, "a", log);
  const second = controlled(gate, "b", log);
  await first.running;
  first.fail(new Error("item a failed"));
  await assert.rejects(first.done, /item a failed/);
  await second.running;
  second.finish();
  assert.equal(await second.done, "b");
  assert.equal(gate.busy, 0);
});

Deno.test("CoreGate rejects a core count that is not an integer >= 1, naming it", () => {
  for (const cores of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new CoreGate(cores), /cores must be an integer >= 1, got/);
  }
});
