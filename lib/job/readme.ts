/**
 * The README's results, generated from the main job's `summary.json` (never retyped): the run,
 * the movement table, the claims with their verdicts and evidence, and the salvage study.
 * Each lives in the README between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`;
 * `deno task readme` rewrites them, and a test fails when the committed README and summary
 * disagree.
 *
 * @module
 */
import { MACHINE_SHIFT_PP } from "../claims/verdict.ts";
import {
  baselinesBlock,
  type Difference,
  findingBlock,
  type FindingsSummary,
  signed,
  type SummaryClaim,
} from "./readme_findings.ts";

/** What the README reads of summary.json (checked by {@link readmeBlocks}). */
type ReadmeSummary = FindingsSummary & {
  readonly date: string;
  readonly runtimeMinutes: number;
  readonly trainingMinutes: number;
  readonly evaluationMinutes: number;
  readonly seeds: readonly number[];
  readonly rlSteps: number;
  readonly learningRate: number;
  readonly problemsPerTier: Readonly<Record<string, number>>;
  readonly pool: {
    readonly problems: number;
    readonly filter?: "minPassRate" | "none";
    readonly meanPassRate?: number | null;
    readonly correctRatioAtStep1: number;
  };
  readonly methods: Readonly<
    Record<string, {
      readonly klToBase: number;
      readonly correctRatioFirst: number;
      readonly correctRatioLast: number;
      readonly entropy: number;
      readonly passAt1VsBase: Readonly<Record<string, Difference>>;
      readonly passAtKmaxVsBase?: Readonly<Record<string, Difference>>;
      readonly primary?: { readonly passAt1: number; readonly passAtKmax: number } | null;
      readonly greedyAccuracy?: number;
    }>
  >;
  readonly gate: { readonly passed: boolean; readonly evidence: string };
  readonly claims: readonly SummaryClaim[];
  readonly salvage?: {
    readonly bases: readonly {
      readonly name: string;
      readonly role: string;
      readonly salvageShare: {
        readonly estimate: number;
        readonly lower: number;
        readonly upper: number;
      };
      readonly successWeightedShare?: {
        readonly estimate: number;
        readonly lower: number;
        readonly upper: number;
      };
      readonly passAt1: number;
      readonly passAtKmax: number;
      readonly greedyAccuracy: number;
      readonly gatePassed?: boolean;
      readonly passAtNVsBase?: Readonly<
        Record<
          string,
          { readonly estimate: number; readonly lower: number; readonly upper: number }
        >
      >;
    }[];
    readonly n?: number;
    readonly kMax?: number;
    /** Per planted base, side of its regime and method: Pass@kMax − Base there. */
    readonly regimes?: readonly {
      readonly base: string;
      readonly regime: string;
      readonly problems: number;
      readonly method: string;
      readonly basePassAtK: number;
      readonly difference: {
        readonly estimate: number;
        readonly lower: number;
        readonly upper: number;
      };
    }[];
    readonly controls?: { readonly admitted: boolean; readonly evidence: string };
    readonly claims: readonly SummaryClaim[];
    /** Where the study's numbers come from when it ran apart from the main job. */
    readonly source?: string;
    /**
     * Core-minutes of the new bases' RL training and evaluation, as recorded when computed: each
     * run's wall time on its worker, with no more items running at once than there are cores
     * (the bases share them through one `CoreGate`).
     */
    readonly trainingCoreMinutes?: number;
    readonly evaluationCoreMinutes?: number;
    /** Wall minutes of the notebook's run that computed them. */
    readonly notebookMinutes?: number;
  };
};

/** A learning rate as people write it: 3e-5, 0.0001 as 1e-4. */
const rate = (x: number): string => x < 1e-2 ? x.toExponential() : String(x);
/** A difference in percentage points: `+21.5 [+18.0, +25.0]`. */
const pp = (d: Difference): string =>
  `${signed(100 * d.difference, 1)} [${signed(100 * d.lower, 1)}, ${signed(100 * d.upper, 1)}]`;

function field(summary: Record<string, unknown>, name: string): unknown {
  if (!(name in summary)) {
    throw new TypeError(`Cannot write the README's results: summary.json has no ${name}`);
  }
  return summary[name];
}

/** The run: when, how long, and what the protocol chose and measured before any claim. */
function runBlock(s: ReadmeSummary): string {
  const tiers = Object.entries(s.problemsPerTier).filter(([tier]) => tier !== s.primarySet?.name)
    .map(([tier, n]) => `${n} (${tier})`);
  const pass = s.pool.meanPassRate === undefined || s.pool.meanPassRate === null
    ? s.pool.filter === "none" ? " (unscreened)" : ""
    : `, the base's mean pass rate on it ${s.pool.meanPassRate.toFixed(3)}`;
  const primary = s.primarySet == null
    ? ""
    : `primary held-out set ${s.primarySet.problems} problems; secondary tiers: `;
  return [
    `One full run of \`deno task repro\` (${s.date.slice(0, 10)}, ${
      s.runtimeMinutes.toFixed(1)
    } minutes on 2 cores: ${s.trainingMinutes.toFixed(1)} core-minutes of RL training, ${
      s.evaluationMinutes.toFixed(1)
    } of evaluation). ${s.seeds.length} seeds × ${s.rlSteps} RL steps per method at the calibrated`,
    `learning rate **${
      rate(s.learningRate)
    }**; training pool ${s.pool.problems} problems${pass}, ` +
    `training-batch correct ratio at step 1 ${s.pool.correctRatioAtStep1.toFixed(3)}; ` +
    `${primary || "evaluated problems per tier: "}${tiers.join(", ")}${
      s.kMax === undefined ? "" : `; the largest judged k ${s.kMax}`
    }.`,
    `Movement gate: **${s.gate.passed ? "passed" : "failed"}** (${s.gate.evidence}).`,
  ].join("\n");
}

/** The movement table: KL, correct ratio, entropy and Pass@1 gain per tier, per method. */
function movementBlock(s: ReadmeSummary): string {
  const methods = Object.entries(s.methods).filter(([name]) => name !== "Base");
  const tiers = Object.keys(methods[0]?.[1].passAt1VsBase ?? {});
  const greedy = methods.every(([, m]) => m.greedyAccuracy !== undefined);
  const header = [
    "method",
    "KL",
    "correct ratio",
    "entropy",
    ...(greedy ? ["greedy acc."] : []),
    ...tiers.map((t) => `Pass@1 gain, ${t} (pp)`),
  ];
  const rows = methods.map(([name, m]) => [
    name,
    m.klToBase.toFixed(4),
    `${m.correctRatioFirst.toFixed(3)} → ${m.correctRatioLast.toFixed(3)}`,
    m.entropy.toFixed(3),
    ...(greedy ? [(m.greedyAccuracy ?? NaN).toFixed(3)] : []),
    ...tiers.map((t) => pp(m.passAt1VsBase[t])),
  ]);
  const base = s.methods.Base;
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(header),
    line(header.map(() => "---")),
    ...rows.map(line),
    "",
    `KL to the base per token at the last step; training-batch correct ratio, mean of the first and` +
    ` last steps; greedy-response entropy on held-out problems (nats; the base's ${
      base?.entropy.toFixed(3) ?? "?"
    })${
      greedy ? `; greedy accuracy on the ${s.primarySet == null ? "tiers" : "primary set"}` : ""
    }; Pass@1 − base with 95% intervals over problems and seeds.`,
  ].join("\n");
}

/** The claims, one item each: the claim, its verdict, and its evidence as the rule wrote it. */
function claimsBlock(claims: readonly SummaryClaim[]): string {
  return claims.map((c) =>
    `- **${c.id}. ${c.claim}**: ${
      c.verdict === "reproduced" || c.verdict === "not reproduced" ? `**${c.verdict}**` : c.verdict
    }${c.fragile ? " (fragile†)" : ""}. ${c.evidence}`
  ).join("\n") + (claims.some((c) =>
      c.fragile
    )
    ? `\n\n† Its interval lies within ${MACHINE_SHIFT_PP} pp of a boundary that would change the ` +
      "verdict: about the run-to-run shift measured between two machines of this kind, so " +
      "another machine could read it the other way."
    : "");
}

/** The salvage study: its bases (screened before any RL run), the control rule, its claims. */
function salvageBlock(salvage: NonNullable<ReadmeSummary["salvage"]>): string {
  const interval = (i: { estimate: number; lower: number; upper: number }) =>
    `${i.estimate.toFixed(3)} [${i.lower.toFixed(3)}, ${i.upper.toFixed(3)}]`;
  const k = salvage.kMax ?? "k";
  const rows = salvage.bases.map((b) =>
    `| ${b.name} | ${b.role} | ${interval(b.salvageShare)} | ${
      b.successWeightedShare === undefined ? "–" : interval(b.successWeightedShare)
    } | ${b.passAt1.toFixed(3)} | ${b.passAtKmax.toFixed(3)} | ${b.greedyAccuracy.toFixed(3)} | ${
      b.gatePassed === undefined ? "–" : b.gatePassed ? "passed" : "failed"
    } |`
  );
  const source = salvage.source === undefined ? [] : [`From ${salvage.source}.`, ""];
  const { trainingCoreMinutes: training, evaluationCoreMinutes: evaluation, notebookMinutes } =
    salvage;
  const took = notebookMinutes === undefined
    ? ""
    : `the study's notebook took ${notebookMinutes.toFixed(1)} minutes; `;
  const runtime = training === undefined || evaluation === undefined ? [] : [
    `The new bases' runs: ${took}${training.toFixed(1)} core-minutes of RL training and ${
      evaluation.toFixed(1)
    } of evaluation (each run's wall time on its worker; the bases run side by side and share ` +
    `the cores, one item per core at a time).`,
    "",
  ];
  const controls = salvage.controls === undefined ? [] : [
    `Control rule (fixed before any RL run): ${
      salvage.controls.admitted ? "admitted" : "not met"
    }. ${salvage.controls.evidence}.`,
    "",
  ];
  const methods = [...new Set(salvage.bases.flatMap((b) => Object.keys(b.passAtNVsBase ?? {})))];
  const signedPp = (i: { estimate: number; lower: number; upper: number }) =>
    `${signed(100 * i.estimate, 1)} [${signed(100 * i.lower, 1)}, ${signed(100 * i.upper, 1)}]`;
  const atN = methods.length === 0 || salvage.n === undefined ? [] : [
    `Pass@${salvage.n} − Base (pp) at k = n, reported, not judged (the rules read k ≤ n / 4):`,
    "",
    `| base | ${methods.join(" | ")} |`,
    `| --- | ${methods.map(() => "---").join(" | ")} |`,
    ...salvage.bases.map((b) =>
      `| ${b.name} | ${
        methods.map((m) => b.passAtNVsBase?.[m] ? signedPp(b.passAtNVsBase[m]) : "–").join(" | ")
      } |`
    ),
    "",
  ];
  const regimes = salvage.regimes ?? [];
  // One line per planted base and side, in the summary's order.
  const sides = new Map<string, (typeof regimes)[number][]>();
  for (const r of regimes) {
    sides.set(`${r.base}/${r.regime}`, [...sides.get(`${r.base}/${r.regime}`) ?? [], r]);
  }
  const regimeMethods = [...new Set(regimes.map((r) => r.method))];
  const bySide = sides.size === 0 ? [] : [
    `Pass@${k} − Base (pp) on each planted base's planted problems and on the rest (primary set), reported, not judged:`,
    "",
    `| base | problems | Base Pass@${k} | ${regimeMethods.join(" | ")} |`,
    `| --- | --- | --- | ${regimeMethods.map(() => "---").join(" | ")} |`,
    ...[...sides.values()].map((rows) => {
      const cell = (m: string) => {
        const row = rows.find((r) => r.method === m);
        return row === undefined ? "–" : signedPp(row.difference);
      };
      const [{ base, regime, problems, basePassAtK }] = rows;
      return `| ${base} | ${regime} (${problems}) | ${basePassAtK.toFixed(3)} | ${
        regimeMethods.map(cell).join(" | ")
      } |`;
    }),
    "",
  ];
  return [
    ...source,
    ...runtime,
    `| base | role | salvage share | success-weighted share | Pass@1 | Pass@${k} | greedy accuracy | movement gate |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    ...controls,
    ...atN,
    ...bySide,
    claimsBlock(salvage.claims),
  ].join("\n");
}

/**
 * The README's generated blocks from a parsed summary.json.
 *
 * @param summary The parsed summary.json of a full run.
 * @returns Block name → markdown (`run`, `movement`, `claims`, `finding`, `baselines`, and
 *   `salvage` when the summary has the salvage study).
 * @throws {TypeError} Naming the first field the summary lacks.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const summary = JSON.parse(await Deno.readTextFile(new URL("../../data/results/summary.json", import.meta.url)));
 * const blocks = readmeBlocks(summary);
 * assert.match(blocks.movement, /\| NSR \|/);
 * assert.throws(() => readmeBlocks({ ...summary, gate: undefined }), /no gate|gate/);
 * ```
 */
export function readmeBlocks(summary: Record<string, unknown>): Record<string, string> {
  for (
    const name of ["date", "runtimeMinutes", "seeds", "rlSteps", "learningRate", "pool", "methods"]
  ) field(summary, name);
  if (typeof summary.gate !== "object" || summary.gate === null) {
    throw new TypeError("Cannot write the README's results: summary.json has no gate");
  }
  const s = summary as unknown as ReadmeSummary;
  const blocks: Record<string, string> = {
    run: runBlock(s),
    movement: movementBlock(s),
    claims: claimsBlock(s.claims),
    finding: findingBlock(s),
  };
  const baselines = baselinesBlock(s);
  if (baselines !== null) blocks.baselines = baselines;
  if (s.salvage !== undefined) blocks.salvage = salvageBlock(s.salvage);
  return blocks;
}

/**
 * Formats markdown as `deno fmt` does in this repository (so a generated README is stable under
 * `deno fmt` and the check compares like with like).
 *
 * @param text Markdown.
 * @returns The formatted text.
 * @throws {Error} If `deno fmt` fails (its message is kept).
 */
export async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: new URL("../../", import.meta.url).pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(`Cannot format markdown: deno fmt says ${new TextDecoder().decode(stderr)}`);
  }
  return new TextDecoder().decode(stdout);
}

/**
 * Writes generated blocks into a README: the text between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->` becomes the block's, for every block the README marks.
 *
 * @param readme The README's text.
 * @param blocks Block name → markdown.
 * @returns The new text.
 * @throws {RangeError} If a marked block has no content, or a block's markers are unbalanced.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb";
 * assert.equal(fillReadme(text, { x: "new" }), "a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb");
 * ```
 */
export function fillReadme(readme: string, blocks: Readonly<Record<string, string>>): string {
  const opened = [...readme.matchAll(/<!-- generated:([a-z]+) -->/g)].map((m) => m[1]);
  const closed = [...readme.matchAll(/<!-- \/generated:([a-z]+) -->/g)].map((m) => m[1]);
  if (opened.join() !== closed.join()) {
    throw new RangeError(
      `Cannot fill the README: generated blocks opened (${opened.join(", ")}) and closed (${
        closed.join(", ")
      }) differ`,
    );
  }
  let out = readme;
  for (const name of opened) {
    if (!(name in blocks)) {
      throw new RangeError(
        `Cannot fill the README: it marks a block ${name} the summary does not give (${
          Object.keys(blocks).join(", ")
        })`,
      );
    }
    const pattern = new RegExp(
      `(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`,
    );
    out = out.replace(pattern, (_, open, close) => `${open}\n${blocks[name]}\n${close}`);
  }
  return out;
}
