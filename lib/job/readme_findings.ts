/**
 * The README's headline findings and baselines table, written from summary.json by rules (so no
 * sentence of the results is typed by hand): on the primary set, each method's Pass@1 gain and
 * its Pass@k at the largest judged k against the base, against the base cooled to its Pass@1,
 * and at matched movement; then the verdicts by kind. A difference is "above" or "below" the
 * base when its 95% interval excludes 0, else "level with" it.
 *
 * @module
 */

/** An interval as summary.json writes a difference. */
export type Difference = {
  readonly difference: number;
  readonly lower: number;
  readonly upper: number;
};

/** One claim as summary.json keeps it. */
export type SummaryClaim = {
  readonly id: string;
  readonly claim: string;
  readonly verdict: string;
  readonly evidence: string;
  readonly fragile?: boolean;
};

/** What the findings read of summary.json (protocol v3 fields optional: older summaries lack them). */
export type FindingsSummary = {
  readonly kMax?: number;
  readonly primarySet?: { readonly name: string; readonly problems: number } | null;
  readonly methods: Readonly<
    Record<string, {
      readonly passAt1VsBase: Readonly<Record<string, Difference>>;
      readonly passAtKmaxVsBase?: Readonly<Record<string, Difference>>;
      readonly primary?: { readonly passAt1: number; readonly passAtKmax: number } | null;
      readonly greedyAccuracy?: number;
    }>
  >;
  readonly baselines?: {
    readonly cooledBase: Readonly<
      Record<string, {
        readonly temperature: number;
        readonly passAt1: number;
        readonly passAtKmax: number;
      }>
    >;
  } | null;
  readonly matchedMovement?: {
    readonly target: number;
    readonly methods: Readonly<
      Record<string, {
        readonly steps: readonly number[];
        readonly passAt1Gain: number;
        readonly passAtKmaxVsBase: Difference;
      }>
    >;
  } | null;
  readonly claims: readonly SummaryClaim[];
  readonly gate?: { readonly passed: boolean; readonly evidence: string };
};

const minus = (text: string): string => text.replace(/-/g, "−");

/**
 * A signed number with a typographic minus, as the README writes differences.
 *
 * @param x The number.
 * @param digits Digits after the point (default 1).
 * @returns e.g. `+21.5` or `−3.90`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual([signed(21.53), signed(-3.9, 2)], ["+21.5", "−3.90"]);
 * ```
 */
export function signed(x: number, digits = 1): string {
  return minus(`${x >= 0 ? "+" : ""}${x.toFixed(digits)}`);
}

/** `+21.5 pp [+18.0, +25.0]`. */
const pp = (d: Difference): string =>
  `${signed(100 * d.difference)} pp [${signed(100 * d.lower)}, ${signed(100 * d.upper)}]`;
const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** "above", "below" or "level with", by the 95% interval. */
function side(d: Difference): "above" | "below" | "level with" {
  return d.lower > 0 ? "above" : d.upper < 0 ? "below" : "level with";
}

/** "A, B and C". */
function list(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Methods by the side of the base their difference falls on, as one clause per side. */
function bySide(
  entries: readonly (readonly [string, Difference])[],
  what: string,
): string {
  const groups = new Map<string, string[]>();
  for (const [method, d] of entries) {
    const s = side(d);
    groups.set(s, [...(groups.get(s) ?? []), `${method} (${pp(d)})`]);
  }
  return [...groups.entries()].map(([s, methods]) => `${list(methods)} ${s} ${what}`).join("; ");
}

/**
 * The headline findings, sentence by sentence from the summary (module doc); for a summary
 * without a primary set, one sentence saying so.
 *
 * @param s The summary.
 * @returns Markdown.
 */
export function findingBlock(s: FindingsSummary): string {
  const set = s.primarySet?.name;
  const k = s.kMax;
  const rl = Object.keys(s.methods).filter((m) => m !== "Base");
  if (set === undefined || k === undefined) {
    return "This summary predates protocol v3 (no primary set): see the claims below.";
  }
  const gains = rl.map((m) => [m, s.methods[m].passAt1VsBase[set]] as const);
  const atK = rl.flatMap((m) => {
    const d = s.methods[m].passAtKmaxVsBase?.[set];
    return d === undefined ? [] : [[m, d] as const];
  });
  const sentences = [
    `On the primary set (${s.primarySet?.problems} held-out problems from the training ` +
    `distribution), Pass@1 at the last step: ${bySide(gains, "the base")}.`,
    `At k = ${k}: ${bySide(atK, "the base")}.`,
  ];
  const cooled = s.baselines?.cooledBase;
  if (cooled !== undefined) {
    const vsCooled = rl.flatMap((m) => {
      const c = cooled[m];
      const p = s.methods[m].primary;
      return c === undefined || p == null
        ? []
        : [`${m} ${signed(100 * (p.passAtKmax - c.passAtKmax))} pp (T = ${c.temperature})`];
    });
    sentences.push(
      `Against the base cooled to each method's Pass@1 (the simplest explanation: sharpening), ` +
        `Pass@${k} differs by ${list(vsCooled)} (point estimates; claims 14 and 15 judge NSR ` +
        `and W-REINFORCE with intervals).`,
    );
  }
  const matched = s.matchedMovement;
  if (matched != null) {
    const entries = Object.entries(matched.methods).map(([m, c]) =>
      [m, c.passAtKmaxVsBase] as const
    );
    sentences.push(
      `At matched movement (each method at its checkpoint closest to a Pass@1 gain of ` +
        `${signed(100 * matched.target)} pp), Pass@${k}: ${bySide(entries, "the base")}.`,
    );
  }
  if (s.gate !== undefined && !s.gate.passed) {
    sentences.push(
      `The movement gate failed (${s.gate.evidence}), so by the rule fixed before the run the ` +
        `paper's comparison claims are not tested.`,
    );
  }
  return [...sentences, verdictSentence(s.claims)].join(" ");
}

/** The verdicts by kind, with the fragile ones named. */
function verdictSentence(claims: readonly SummaryClaim[]): string {
  const ids = (verdict: string) => claims.filter((c) => c.verdict === verdict).map((c) => c.id);
  const parts = ["reproduced", "not reproduced", "inconclusive", "not tested", "not testable"]
    .map((v) => [v, ids(v)] as const).filter(([, xs]) => xs.length > 0)
    .map(([v, xs]) => `${v}: ${xs.join(", ")}`);
  const fragile = claims.filter((c) => c.fragile).map((c) => c.id);
  return `Verdicts (${claims.length} claims; "m": at matched movement): ${parts.join("; ")}` +
    (fragile.length > 0
      ? `; fragile (could flip on another machine): ${fragile.join(", ")}.`
      : ".");
}

/**
 * The baselines table: per method, its primary-set Pass@1 and Pass@k, its cooled base, and its
 * checkpoints at matched movement; null for a summary without them.
 *
 * @param s The summary.
 * @returns Markdown, or null.
 */
export function baselinesBlock(s: FindingsSummary): string | null {
  const cooled = s.baselines?.cooledBase;
  const matched = s.matchedMovement;
  const k = s.kMax;
  if (cooled === undefined || matched == null || k === undefined) return null;
  const rl = Object.keys(s.methods).filter((m) => m !== "Base" && m in cooled);
  const header = [
    "method",
    "Pass@1",
    `Pass@${k}`,
    "greedy acc.",
    "cooled base: T",
    "its Pass@1",
    `its Pass@${k}`,
    "matched steps",
    "gain there",
    `Pass@${k} − base there`,
  ];
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const base = s.methods.Base;
  const rows = rl.map((m) => {
    const p = s.methods[m].primary;
    const c = cooled[m];
    const at = matched.methods[m];
    return [
      m,
      p == null ? "?" : percent(p.passAt1),
      p == null ? "?" : percent(p.passAtKmax),
      s.methods[m].greedyAccuracy === undefined ? "?" : percent(s.methods[m].greedyAccuracy!),
      String(c.temperature),
      percent(c.passAt1),
      percent(c.passAtKmax),
      at === undefined ? "—" : at.steps.join(" / "),
      at === undefined ? "—" : `${signed(100 * at.passAt1Gain)} pp`,
      at === undefined ? "—" : pp(at.passAtKmaxVsBase),
    ];
  });
  return [
    line(header),
    line(header.map(() => "---")),
    ...rows.map(line),
    "",
    `Primary set, means over seeds; the base: Pass@1 ${
      base?.primary == null ? "?" : percent(base.primary.passAt1)
    }, Pass@${k} ${base?.primary == null ? "?" : percent(base.primary.passAtKmax)}, greedy ` +
    `accuracy ${base?.greedyAccuracy === undefined ? "?" : percent(base.greedyAccuracy)}. ` +
    `Cooled base: the base at the temperature of the grid whose Pass@1 is closest to the ` +
    `method's. Matched movement: per seed, the checkpoint whose Pass@1 gain is closest to the ` +
    `smallest final gain of any method (${signed(100 * matched.target)} pp).`,
  ].join("\n");
}
