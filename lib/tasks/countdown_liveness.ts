/**
 * Whether a Countdown response prefix can still be graded correct, by the grader's own rules
 * (`gradeCountdown`), not by a list of canonical solutions: {@link shortestCorrect} is the length
 * of the shortest correct response that extends a prefix, so a prefix is live under a length
 * budget when that length fits ({@link isLive}).
 *
 * The grader reads a response as working, one `\boxed{…}` and anything after it:
 * - **Working** (the text before the box): steps `a op b=c` joined by commas. An operand numeral
 *   takes the most recent unused result whose *claimed* value is that numeral, else an unused
 *   given digit; every result but the last is used once; the derived tree's true value must be
 *   the target. Claims are labels: `9*5=46,46-3=41` derives 9·5 − 3. So the shortest way to
 *   finish is a search over which operands to combine, each new claim one character (a label that
 *   shadows nothing: there are ten one-digit numerals and at most eight names in play). This part
 *   is exact by construction.
 * - **Box**: a second `\boxed{` always breaks the working (the working becomes everything before
 *   the last box), so once a box is open the working is fixed. The box's content must be what the
 *   math verifier accepts as the target (`042`, `6*7`, `+42`, `{42}` all pass). Its shortest
 *   completion is found with the grader itself as the oracle, over every string of up to three
 *   characters from the answer alphabet (digits, `+ - * { }`) and the target-directed
 *   completions (the rest of the target's numeral, `±n`, `*n`, then closing braces).
 *
 * Tests compare {@link shortestCorrect} with a brute-force search over every completion of up to
 * three characters of the whole alphabet. No tf.
 *
 * @module
 */
import { BOX_OPEN, type CountdownProblem } from "./countdown.ts";
import { gradeCountdown } from "./countdown_grade.ts";
import { applyOperator, type Operator } from "./expression.ts";

const OPERATORS: readonly Operator[] = ["+", "-", "*"];
/** A partial step: left numeral, operator, right numeral, `=`, claim; each part may be cut. */
const PARTIAL_STEP = /^(0|[1-9][0-9]*)?(?:([+\-*])(?:(0|[1-9][0-9]*)(?:(=)(0|[1-9][0-9]*)?)?)?)?$/;
/** Characters a box's content is searched over (the rest of the alphabet never helps a number). */
const ANSWER_ALPHABET = "0123456789+-*{}";

/** A result of the working not yet used: its claimed label and its true value. */
type Pending = { readonly label: string; readonly value: number };
/** The parser's state after complete steps: pending results (oldest first) and unused digits. */
type State = { readonly pending: readonly Pending[]; readonly digits: readonly number[] };

/** What an operand numeral refers to in a state: which pending result, else which digit. */
type Operand = { readonly text: string; readonly value: number; readonly next: State };

/** Every operand a step can name in `state`, with the state after taking it (parser's rule). */
function operands(state: State): Operand[] {
  const out: Operand[] = [];
  const seen = new Set<string>();
  for (let i = state.pending.length - 1; i >= 0; i--) {
    const { label, value } = state.pending[i];
    if (seen.has(label)) continue; // the most recent result with a label shadows older ones
    seen.add(label);
    const pending = [...state.pending.slice(0, i), ...state.pending.slice(i + 1)];
    out.push({ text: label, value, next: { pending, digits: state.digits } });
  }
  for (const d of state.digits) {
    const text = String(d);
    if (seen.has(text)) continue; // a pending result with that label is taken first
    const digits = state.digits.filter((x) => x !== d);
    out.push({ text, value: d, next: { pending: state.pending, digits } });
  }
  return out;
}

/** The operand a numeral takes in `state`, or null when it names nothing available. */
function take(state: State, text: string): Operand | null {
  return operands(state).find((o) => o.text === text) ?? null;
}

/** A one-character label no pending result and no unused digit uses (always exists). */
function freshLabel(state: State): string {
  const used = new Set([...state.pending.map((p) => p.label), ...state.digits.map(String)]);
  for (let d = 0; d <= 9; d++) if (!used.has(String(d))) return String(d);
  return "10"; // more than ten names in play: not reachable with Countdown's four digits
}

function stateKey(state: State): string {
  return `${state.pending.map((p) => `${p.label}:${p.value}`).join(" ")}|${state.digits.join(",")}`;
}

/** A completion: the text to append, or null when none reaches a correct response. */
type Completion = string | null;

/** The shorter of two completions (the first on ties). */
function shorter(a: Completion, b: Completion): Completion {
  if (a === null) return b;
  return b === null || a.length <= b.length ? a : b;
}

/** The shortest box for the target: `\boxed{` + its numeral + `}`. */
function box(target: number): string {
  return `${BOX_OPEN}${target}}`;
}

/**
 * The shortest text that finishes a correct response from `state`, right after a complete step:
 * box now (one result left, equal to the target), or write `,` and another step.
 */
function finish(state: State, target: number, memo: Map<string, Completion>): Completion {
  const key = stateKey(state);
  if (memo.has(key)) return memo.get(key)!;
  memo.set(key, null); // each step takes two operands and adds one result: no cycles
  let best: Completion = state.pending.length === 1 && state.pending[0].value === target
    ? box(target)
    : null;
  for (const left of operands(state)) {
    for (const right of operands(left.next)) {
      for (const op of OPERATORS) {
        const label = freshLabel(right.next);
        const value = applyOperator(op, left.value, right.value);
        const next = {
          pending: [...right.next.pending, { label, value }],
          digits: right.next.digits,
        };
        const rest = finish(next, target, memo);
        if (rest !== null) best = shorter(best, `,${left.text}${op}${right.text}=${label}${rest}`);
      }
    }
  }
  memo.set(key, best);
  return best;
}

/**
 * Completes a partial step (`text`, after the last comma) every way the parser allows and
 * returns the shortest text to a correct response.
 */
function partialStep(
  state: State,
  text: string,
  target: number,
  memo: Map<string, Completion>,
): Completion {
  const match = PARTIAL_STEP.exec(text);
  if (match === null) return null;
  const [, leftText = "", opText, rightText = "", equals, claimText] = match;
  // Operands whose numerals extend what is written (a cut numeral may still grow).
  const extending = (s: State, written: string, complete: boolean) =>
    operands(s).filter((o) => complete ? o.text === written : o.text.startsWith(written));
  let best: Completion = null;
  for (const left of extending(state, leftText, opText !== undefined)) {
    const ops = opText === undefined ? OPERATORS : [opText as Operator];
    for (const op of ops) {
      for (const right of extending(left.next, rightText, equals !== undefined)) {
        const value = applyOperator(op, left.value, right.value);
        // The claim: as written (or extended by a digit), else a fresh label.
        const claims: string[] = [];
        if (claimText !== undefined) {
          claims.push(claimText);
          if (claimText !== "0") { for (let d = 0; d <= 9; d++) claims.push(`${claimText}${d}`); }
        } else {
          claims.push(freshLabel(right.next));
        }
        for (const label of claims) {
          const next = {
            pending: [...right.next.pending, { label, value }],
            digits: right.next.digits,
          };
          const rest = finish(next, target, memo);
          if (rest === null) continue;
          const step = left.text.slice(leftText.length) + (opText === undefined ? op : "") +
            right.text.slice(rightText.length) + (equals === undefined ? "=" : "") +
            label.slice((claimText ?? "").length);
          best = shorter(best, step + rest);
        }
      }
    }
  }
  return best;
}

/** Parses complete steps; returns the state after them, or null if one breaks the rules. */
function replaySteps(steps: readonly string[], digits: readonly number[]): State | null {
  let state: State = { pending: [], digits: [...digits] };
  for (const step of steps) {
    const match = /^(0|[1-9][0-9]*)([+\-*])(0|[1-9][0-9]*)=(0|[1-9][0-9]*)$/.exec(step);
    if (match === null) return null;
    const left = take(state, match[1]);
    const right = left === null ? null : take(left.next, match[3]);
    if (left === null || right === null) return null;
    const value = applyOperator(match[2] as Operator, left.value, right.value);
    state = {
      pending: [...right.next.pending, { label: match[4], value }],
      digits: right.next.digits,
    };
  }
  return state;
}

/** Every answer-alphabet string of 1 to 3 characters, shortest first (built once, on first use). */
let shortAnswers: readonly string[] | undefined;

function allShortAnswers(): readonly string[] {
  if (shortAnswers === undefined) {
    const out: string[] = [];
    let level = [""];
    for (let length = 1; length <= 3; length++) {
      level = level.flatMap((s) => [...ANSWER_ALPHABET].map((c) => s + c));
      out.push(...level);
    }
    shortAnswers = out;
  }
  return shortAnswers;
}

/** Candidate completions of an open box's content, shortest first (see the module doc). */
function boxCompletions(content: string, target: number): string[] {
  const out = new Set<string>(["", ...allShortAnswers()]);
  const numeral = String(target);
  const written = content.replace(/^[{+0]*/, ""); // a leading brace, sign or zero changes nothing
  const directed: string[] = [];
  if (numeral.startsWith(written)) directed.push(numeral.slice(written.length));
  directed.push(numeral);
  for (let n = 0; n <= Math.max(target, 9) * 2; n++) {
    directed.push(`+${n}`, `-${n}`, `*${n}`, `${n}`);
  }
  for (const d of directed) {
    out.add(d);
    for (const closer of ["}", "}}", "}}}"]) out.add(d + closer);
  }
  return [...out].sort((a, b) => a.length - b.length);
}

/**
 * The shortest text that, appended to `prefix`, makes a response `gradeCountdown` calls correct;
 * null when no completion is graded correct.
 *
 * @param problem The problem.
 * @param prefix The response so far (text, without BOS or EOS).
 * @returns The completion (possibly empty: the prefix is correct as it is), or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * assert.equal(shortestCompletion(problem, "9*5=46,46-3"), "=0\\boxed{42}");
 * assert.equal(shortestCompletion(problem, "9*9"), null); // the one 9 is used up
 * ```
 */
export function shortestCompletion(problem: CountdownProblem, prefix: string): string | null {
  const { target } = problem;
  const boxAt = prefix.indexOf(BOX_OPEN);
  if (boxAt >= 0) {
    // The working is fixed; search the box's completions with the grader as the oracle.
    const content = prefix.slice(boxAt + BOX_OPEN.length);
    for (const s of boxCompletions(content, target)) {
      if (gradeCountdown(problem, prefix + s).correct) return s;
    }
    return null;
  }
  // A cut box opener at the end (`\`, `\bo`, …): the working before it must be complete.
  const slash = prefix.indexOf("\\");
  const opener = slash < 0 ? "" : prefix.slice(slash);
  if (opener !== "" && !BOX_OPEN.startsWith(opener)) return null;
  const parts = (slash < 0 ? prefix : prefix.slice(0, slash)).split(",");
  const last = parts.pop() ?? "";
  const state = replaySteps(parts, problem.digits);
  if (state === null) return null;
  if (opener !== "") {
    const after = replaySteps([...parts, last], problem.digits);
    const done = after !== null && after.pending.length === 1 && after.pending[0].value === target;
    return done ? box(target).slice(opener.length) : null;
  }
  return partialStep(state, last, target, new Map());
}

/**
 * The length of the shortest correct response that starts with `prefix` (prefix included), or
 * null when none ({@link shortestCompletion}).
 *
 * @param problem The problem.
 * @param prefix The response so far.
 * @returns The length in characters, or null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * assert.equal(shortestCorrect(problem, ""), "9*5=0,0-3=1\\boxed{42}".length);
 * ```
 */
export function shortestCorrect(problem: CountdownProblem, prefix: string): number | null {
  const completion = shortestCompletion(problem, prefix);
  return completion === null ? null : prefix.length + completion.length;
}

/**
 * Whether `prefix` can still end as a correct response of at most `maxChars` characters (the
 * response budget: the sampler's token limit minus one for EOS).
 *
 * @param problem The problem.
 * @param prefix The response so far.
 * @param maxChars The longest response text that can still be graded (not truncated).
 * @returns True when some completion within the budget is graded correct.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const problem = { digits: [3, 9, 2, 5], target: 42 };
 * assert.equal(isLive(problem, "9*5=45,45-3=42\\boxed{4", 38), true);
 * assert.equal(isLive(problem, "9*5=45,45-3=42\\boxed{4", 23), false); // needs "2}"
 * ```
 */
export function isLive(problem: CountdownProblem, prefix: string, maxChars: number): boolean {
  const shortest = shortestCorrect(problem, prefix);
  return shortest !== null && shortest <= maxChars;
}
