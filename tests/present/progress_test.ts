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
