import assert from "node:assert/strict";
import { simulatedResults } from "../../lib/claims/simulate.ts";
import { loadProtocol } from "../../lib/protocol/protocol_file.ts";
import { seededPrng } from "../../lib/random.ts";
import { regimeRows } from "../../lib/tasks/regime_rows.ts";
import type { BaseScreen } from "../../lib/tasks/salvage_screen.ts";
import { loadSalvageStudy, type SalvageStudyResults } from "../../lib/tasks/salvage_study.ts";

Deno.test("regimeRows() splits a planted base's coverage change into its planted problems and the rest, with intervals that hold the truth", async () => {
  const full = await loadProtocol("full");
  const protocol = { ...full, seeds: [0, 1, 2], evaluation: { ...full.evaluation, samples: 16 } };
  // 120 problems, the first 40 planted: the base nearly never solves those; NSR gains there
  // (0.02 -> 0.3) and loses on the rest (0.5 -> 0.2); PSR is the base.
  const planted = (i: number) => i < 40;
  const base = Array.from({ length: 120 }, (_, i) => planted(i) ? 0.02 : 0.5);
  const nsr = base.map((_, i) => planted(i) ? 0.3 : 0.2);
  const results = simulatedResults(protocol, {
    methods: { Base: base, PSR: base, NSR: nsr },
  }, seededPrng(3));
  const smoke = await loadSalvageStudy("smoke");
  const entry = (name: string, role: "reference" | "negative", ids: string[] | null) => ({
    name,
    role,
    dir: "unused",
    path: "unused",
    screen: {} as BaseScreen,
    results,
    planted: ids === null
      ? null
      : { errors: { kind: "dead-start" as const, rate: 1, unitsBelow: 3 }, problemIds: ids },
  });
  const ids = base.flatMap((_, i) => planted(i) ? [`p${i}`] : []);
  const study: SalvageStudyResults = {
    study: { ...smoke, methods: ["PSR", "NSR"] },
    bases: [entry("v3", "reference", null), entry("planted", "negative", ids)],
    controls: { matched: {}, shareGap: 0, separated: false, admitted: false },
  };
  const k = 4;
  const rows = regimeRows(study, k);
  // No rows for the unplanted base; per side, one row per method.
  assert.deepEqual(
    rows.map((r) => `${r.base}/${r.regime}/${r.method}/${r.problems}`),
    [
      "planted/planted/PSR/40",
      "planted/planted/NSR/40",
      "planted/other/PSR/80",
      "planted/other/NSR/80",
    ],
  );
  const truth = (p: number, q: number) => (1 - (1 - p) ** k) - (1 - (1 - q) ** k);
  const [psrIn, nsrIn, psrOut, nsrOut] = rows;
  for (
    const [row, expected] of [
      [nsrIn, truth(0.3, 0.02)], // +0.68
      [nsrOut, truth(0.2, 0.5)], // -0.35
      [psrIn, 0],
      [psrOut, 0],
    ] as const
  ) {
    assert.ok(
      row.lower <= expected && expected <= row.upper,
      `${JSON.stringify(row)} vs ${expected}`,
    );
  }
  assert.ok(nsrIn.lower > 0 && nsrOut.upper < 0);
  assert.ok(Math.abs(nsrIn.basePassAtK - (1 - 0.98 ** k)) < 0.05);
  assert.ok(Math.abs(nsrOut.basePassAtK - (1 - 0.5 ** k)) < 0.05);
});
