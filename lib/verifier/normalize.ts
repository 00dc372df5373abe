/**
 * String-level normalisation of a bare answer: small, ordered rewrite passes that remove
 * presentation (spacing, `\left`, `\dfrac`, `\text{}`, units, degrees, percent, thousands
 * separators, trailing punctuation, leading zeros) and keep the mathematics. Structure
 * (lists, tuples, intervals, relations) is read later by `parseAnswerNode`.
 *
 * @module
 */

/**
 * Commands whose argument is kept and whose wrapper is dropped: `\text{cm}` → ` cm `, and a stray
 * `\boxed{5}` in a phrase answer or a gold → ` 5 `.
 */
const TEXT_COMMANDS = [
  "text",
  "textbf",
  "textit",
  "textrm",
  "textsf",
  "texttt",
  "textup",
  "textnormal",
  "mbox",
  "mathrm",
  "mathbf",
  "mathit",
  "mathsf",
  "mathtt",
  "boldsymbol",
  "bm",
  "hbox",
  "boxed",
  "fbox",
];

/** LaTeX commands we know, used to split glued names such as `\sinx` → `\sin x`. */
const KNOWN_COMMANDS = [
  "frac",
  "sqrt",
  "pi",
  "sin",
  "cos",
  "tan",
  "sec",
  "csc",
  "cot",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "ln",
  "log",
  "exp",
  "infty",
  "cup",
  "cap",
  "le",
  "leq",
  "ge",
  "geq",
  "ne",
  "neq",
  "lt",
  "gt",
  "pm",
  "mp",
  "cdot",
  "times",
  "div",
  "circ",
  "theta",
  "alpha",
  "beta",
  "gamma",
  "delta",
  "phi",
  "varphi",
  "omega",
  "lambda",
  "mu",
  "sigma",
  "tau",
  "rho",
  "epsilon",
  "triangle",
  "angle",
  "overline",
  "binom",
  "begin",
  "end",
  "in",
  "emptyset",
  "varnothing",
  "approx",
  "operatorname",
  "mathbb",
  "prime",
];
const KNOWN_SET = new Set(KNOWN_COMMANDS);
/** Longest first, so `\leqg` splits as `\leq g`, not `\le qg`. */
const KNOWN_BY_LENGTH = [...KNOWN_COMMANDS].sort((a, b) => b.length - a.length);

/** Unit words dropped after a number (`5 cm`, `12 square units`, `\$3`); never single letters. */
const UNIT_WORDS = [
  "units?",
  "cm",
  "mm",
  "km",
  "meters?",
  "metres?",
  "centimeters?",
  "millimeters?",
  "kilometers?",
  "inch(?:es)?",
  "feet",
  "foot",
  "ft",
  "yards?",
  "miles?",
  "mph",
  "hours?",
  "hrs?",
  "minutes?",
  "mins?",
  "seconds?",
  "days?",
  "weeks?",
  "months?",
  "years?",
  "dollars?",
  "cents?",
  "pounds?",
  "lbs?",
  "ounces?",
  "oz",
  "grams?",
  "kg",
  "liters?",
  "litres?",
  "gallons?",
  "radians?",
  "sq\\.?",
];
const UNIT_PATTERN = new RegExp(
  `(^|[\\d}\\s)])\\s*\\{?\\s*(?:(?:square|cubic|sq\\.?)\\s*)?(?:${UNIT_WORDS.join("|")})\\s*\\}?` +
    `(?:\\^\\{?[23]\\}?|²|³)?(?=$|[\\s,;.)\\]}])`,
  "gi",
);

/**
 * A unit in text mode right after a number (`108\text{ m}`, `5 \mbox{s}`, `3\text{ m}^2`,
 * `9.8\text{ m/s}`): one or two letters, which UNIT_PATTERN leaves alone because a bare `m` after
 * a number may be a variable. Inside `\text{}` it cannot be: variables are written in math mode.
 * (`\text{ or }` is a separator, not a unit.)
 */
const TEXT_MODE_UNIT =
  /(\d)\s*\\(?:text|textrm|textup|textnormal|mbox)\s*\{\s*(?!or\s*\})[a-zA-Z]{1,2}(?:\s*\/\s*[a-zA-Z]{1,2})?\s*\}(?:\s*\^\s*\{?\s*[23]\s*\}?)?/g;

const UNICODE: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\u2212\u2013\u2014]/g, "-"],
  [/×/g, "\\times "],
  [/[·⋅]/g, "\\cdot "],
  [/÷/g, "\\div "],
  [/π/g, "\\pi "],
  [/∞/g, "\\infty "],
  [/≤/g, "\\le "],
  [/≥/g, "\\ge "],
  [/≠/g, "\\ne "],
  [/√/g, "\\sqrt "],
  [/°/g, "^\\circ "],
  [/∪/g, "\\cup "],
  [/[\u00a0\u2009\u202f]/g, " "],
];

/**
 * Replaces `\cmd{arg}` by `before + arg + after` for each listed command, matching nested braces.
 * Used to unwrap `\text{…}` and to drop `\phantom{…}`.
 */
function replaceCommandArgument(
  text: string,
  commands: readonly string[],
  replace: (arg: string) => string,
): string {
  const pattern = new RegExp(`\\\\(?:${commands.join("|")})(?![a-zA-Z])\\s*`, "g");
  let out = "";
  let last = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const start = m.index + m[0].length;
    let end: number;
    let arg: string;
    if (text[start] === "{") {
      end = matchBrace(text, start);
      if (end < 0) break;
      arg = text.slice(start + 1, end);
      end += 1;
    } else {
      end = Math.min(start + 1, text.length);
      arg = text.slice(start, end);
    }
    out += text.slice(last, m.index) + replace(arg);
    last = end;
    pattern.lastIndex = end;
  }
  return out + text.slice(last);
}

/**
 * Finds the index of the `}` matching the `{` at `open` (escaped `\{` `\}` are skipped).
 *
 * @param text The text to scan.
 * @param open Index of an opening `{`.
 * @param escapes Skip `\{` and `\}` (default); false counts every brace character.
 * @returns The index of the matching `}`, or -1 when it is missing.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(matchBrace("{a{b}c}d", 0), 6);
 * assert.equal(matchBrace("{a", 0), -1);
 * ```
 */
export function matchBrace(text: string, open: number, escapes: boolean = true): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && escapes) {
      i++;
      continue;
    }
    if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i;
  }
  return -1;
}

function splitGluedCommands(text: string): string {
  return text.replace(/\\([a-zA-Z]+)/g, (whole, name: string) => {
    if (KNOWN_SET.has(name) || TEXT_COMMANDS.includes(name)) return whole;
    const prefix = KNOWN_BY_LENGTH.find((known) => name.startsWith(known));
    return prefix === undefined ? whole : `\\${prefix} ${name.slice(prefix.length)}`;
  });
}

function stripOuterBraces(text: string): string {
  while (text.startsWith("{") && matchBrace(text, 0) === text.length - 1) {
    text = text.slice(1, -1);
  }
  return text;
}

/**
 * Normalises a bare answer string so that presentation differences disappear. The passes, in
 * order: unicode symbols to LaTeX; math delimiters; `\left`/`\right`/sizing; spacing commands;
 * `\dfrac`/`\tfrac`/`\cfrac`; `\text{}`-like wrappers; degrees; percent; dollars and units;
 * "and"/"or" as list separators; whitespace; glued commands (`\sinx`); thousands separators;
 * trailing punctuation; leading zeros; outer braces.
 *
 * @param answer A bare answer such as `\dfrac{3}{4}`, `12,\!000`, `\text{(C)}`, `30^\circ`.
 * @returns The normalised string (may be empty).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(normalizeAnswer("\\dfrac{3}{4}\\text{ cm}."), "\\frac{3}{4}");
 * assert.equal(normalizeAnswer("12,\\!000"), "12000");
 * assert.equal(normalizeAnswer("30^{\\circ}"), "30");
 * ```
 */
export function normalizeAnswer(answer: string): string {
  // `12, 345` (a space after the comma) is a list, never a thousands-separated number.
  const spacedComma = /,\s/.test(answer);
  let s = stripOuterBraces(answer.trim());
  for (const [from, to] of UNICODE) s = s.replace(from, to);
  s = s.replace(/\\\(|\\\)|\\\[|\\\]|\$/g, " ");
  s = s.replace(/\\(?:left|right)\./g, "");
  s = s.replace(/\\(?:left|right|[bB]igg?[lr]?|displaystyle|textstyle)(?![a-zA-Z])/g, "");
  s = replaceCommandArgument(s, ["phantom", "hphantom", "vphantom", "hspace", "vspace"], () => "");
  // Spacing commands become spaces; a `\\\\` row break is matched first so it is kept whole.
  s = s.replace(/\\\\|\\[!,:;> ]|\\q?quad(?![a-zA-Z])|~/g, (m) => m === "\\\\" ? m : " ");
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, "\\frac").replace(
    /\\[dt]binom(?![a-zA-Z])/g,
    "\\binom",
  );
  // Dataset repair: MATH golds lost `\text` from `\textnormal{…}`, leaving `125normal{miles}`.
  s = s.replace(/(\d)normal\{/g, "$1\\textnormal{");
  // Dataset repair: `\frac\pi4` became `\frac{\}{p}i4` in two MATH golds.
  s = s.replace(/\\frac\{\\\}\{p\}i/g, "\\frac{\\pi}");
  s = s.replace(/\\(?:emptyset|varnothing)(?![a-zA-Z])|^\s*\\\{\s*\\\}\s*$/g, " empty ");
  s = s.replace(TEXT_MODE_UNIT, "$1 ");
  s = replaceCommandArgument(s, TEXT_COMMANDS, (arg) => ` ${arg} `);
  // `\tan^{-1}` is the inverse function, not 1/tan.
  s = s.replace(/\\(sin|cos|tan)\s*\^\s*\{\s*-1\s*\}/g, "\\arc$1 ");
  s = s.replace(/(\d)\s*(?:[ap]\.\s?m\.?|[AaPp][Mm])(?![a-zA-Z])/g, "$1");
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|\\degree/g, " ");
  s = s.replace(/\bdegrees?\b/gi, " ");
  s = s.replace(/\\%|%|\bpercent\b/gi, " ");
  s = s.replace(/\\\$/g, " ");
  s = s.replace(UNIT_PATTERN, "$1 ");
  s = s.replace(/(^|[^a-zA-Z\\])(?:and|or)(?=[^a-zA-Z]|$)/g, "$1,");
  // A count followed by its noun: `3 \text{ ways}`, `6 people`. Needs a digit (or `}`) before.
  s = s.replace(/([\d}])\s+[a-zA-Z]{2,}(?:\s+[a-zA-Z]{2,})*[\s.,;!]*$/, "$1");
  // A choice followed by its value: `(B) 12` is choice B.
  // (Only when no second choice follows: `(B) (C)` must not read as B.)
  s = s.replace(/^\s*\(([A-E])\)\s+(?![\s\S]*\([A-E]\))\S[\s\S]*$/, "$1");
  // Drop whitespace, but keep one space after a command before a letter (`\sin x`).
  s = s.replace(
    /(\\[a-zA-Z]+)\s+(?=[a-zA-Z])|\s+/g,
    (_m, command?: string) => command ? `${command} ` : "",
  );
  s = stripOuterBraces(splitGluedCommands(s));
  s = s.replace(/\{,\}(?=\d{3}(?!\d))/g, "").replace(/\{,\}/g, ",");
  // An empty group between two values is what MATH golds kept of `\text{ and }`: a separator.
  s = s.replace(/([\w}])\{\}(?=[\w\\-])/g, "$1,").replace(/\{\}/g, "");
  s = s.replace(/\{([0-9A-Z]+)\}(?=_)/g, "$1");
  if (!spacedComma && /^[-+]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, "");
  s = s.replace(
    /(^|[^\\])\{(\d{1,3}(?:,\d{3})+)\}/g,
    (_m, pre, n: string) => `${pre}{${n.replace(/,/g, "")}}`,
  );
  s = s.replace(/[.,;:?]+$/, "").replace(/(^|[^\d)}!])!+$/, "$1");
  s = s.replace(/^\+/, "");
  s = s.replace(/(^|[^\d.A-Za-z_{])0+(?=\d)/g, "$1");
  s = s.replace(/^\\approx/, "");
  return stripOuterBraces(s);
}
