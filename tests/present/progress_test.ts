import assert from "node:assert/strict";
import { formatProgress, progressReporter } from "../../lib/progress.ts";

Deno.test("formatProgress() shows bar, counts, elapsed and remaining time", () => {
  assert.equal(
    formatProgress("sample", { done: 1, total: 4 }, 30_000),
    "sample [#####...............] 1/4 30s, ~1m30s left",
  );
  assert.equal(
    formatProgress("sample", { done: 4, total: 4, detail: "ok" }, 2_000),
    "sample [####################] 4/4 2s, done, ok",
  );
});

Deno.test("progressReporter() throttles renders but always keeps the latest line", () => {
  let clock = 0;
  const report = progressReporter("train", { target: "none", now: () => clock });
  report({ done: 0, total: 3 });
  clock = 10;
  report({ done: 1, total: 3, detail: "loss 0.5" });
  assert.match(report.lastLine, /1\/3 .*loss 0\.5$/);
  clock = 20;
  report({ done: 3, total: 3 });
  assert.match(report.lastLine, /3\/3 .*done$/);
});

Deno.test("progressReporter() estimates time left from the units done since its first report", async (t) => {
  await t.step("a resumed run: 32 of 50 done before, 2 steps in 4 s leave 16 steps, 32 s", () => {
    let clock = 0;
    const report = progressReporter("train", { target: "none", now: () => clock });
    report({ done: 32, total: 50 });
    assert.match(report.lastLine, /32\/50 0s, ~\? left$/);
    clock = 4_000;
    report({ done: 34, total: 50 });
    assert.match(report.lastLine, /34\/50 4s, ~32s left$/);
  });
  await t.step("nothing done since the first report: the estimate is unknown, not 0 s", () => {
    let clock = 0;
    const report = progressReporter("train", { target: "none", now: () => clock });
    report({ done: 1, total: 50 });
    assert.match(report.lastLine, /1\/50 0s, ~\? left$/);
    clock = 2_000;
    report({ done: 2, total: 50 });
    assert.match(report.lastLine, /2\/50 2s, ~1m36s left$/);
  });
});
