/**
 * Extraction of the final answer a model response commits to.
 *
 * @module
 */

import { matchBrace } from "./normalize.ts";

/** Options of {@link extractAnswer}. */
export type ExtractOptions = {
  /**
   * Fall back to the last number in the response when nothing else is found. Off by default:
   * it is a reward hack ("2" matching a long wrong expression that happens to end in 2).
   */
  readonly lastNumberFallback?: boolean;
};

type Box = { start: number; end: number; content: string };

/** Every `\boxed{…}` / `\fbox{…}` / `\boxed 5`; an unclosed box ends the scan. */
function findBoxes(text: string): Box[] {
  const boxes: Box[] = [];
  const pattern = /\\(?:boxed|fbox)(?![a-zA-Z])/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    let i = m.index + m[0].length;
    while (text[i] === " ") i++;
    if (text[i] === "{") {
      // Retry without escapes: mangled text such as `\frac{\}{p}` still closes its box.
      const close = matchBrace(text, i) >= 0 ? matchBrace(text, i) : matchBrace(text, i, false);
      if (close < 0) break;
      boxes.push({ start: m.index, end: close + 1, content: text.slice(i + 1, close) });
      pattern.lastIndex = close + 1;
    } else if (i > m.index + m[0].length) {
      const token = /^[^\s$]+/.exec(text.slice(i))?.[0] ?? "";
      if (token === "") continue;
      boxes.push({ start: m.index, end: i + token.length, content: token });
      pattern.lastIndex = i + token.length;
    }
  }
  return boxes;
}

/** Text allowed between boxes that together state one answer: `\boxed{2}, \boxed{3}`. */
const BOX_JOINER =
  /^(?:\s|\$|,|;|\\quad|\\text\{\s*(?:and|or|,)\s*\}|and|or|\\\]|\\\[|\\\)|\\\()*$/;

function lastBoxedGroup(text: string): string | null {
  const boxes = findBoxes(text);
  if (boxes.length === 0) return null;
  let first = boxes.length - 1;
  while (first > 0 && BOX_JOINER.test(text.slice(boxes[first - 1].end, boxes[first].start))) {
    first--;
  }
  const contents = boxes.slice(first).map((b) => b.content.trim());
  // One answer boxed again and again (`\boxed{1}\boxed{1}…`) is that answer, not a list.
  if (contents.every((c) => c === contents[0])) return contents[0];
  return contents.join(", ");
}

/**
 * The phrase's first sentence (cut at a `.` outside math that ends it), with math delimiters and
 * markdown emphasis removed. The whole sentence is kept, so `$2$ or $3$` stays a hedge.
 */
function cleanPhrase(phrase: string): string {
  const s = phrase.trim();
  let inMath = false;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") {
      const next = s[i + 1];
      if (next === "(" || next === "[") inMath = true;
      else if (next === ")" || next === "]") inMath = false;
      i++;
    } else if (s[i] === "$") {
      inMath = !inMath;
    } else if (s[i] === "." && !inMath && (i + 1 === s.length || /\s/.test(s[i + 1]))) {
      end = i;
      break;
    }
  }
  return s.slice(0, end).replace(/\$|\\\(|\\\)|\\\[|\\\]|\*\*/g, "").trim();
}

const PHRASES = [
  /(?:the\s+)?final\s+answer\s*(?:is|:)\s*:?/gi,
  /the\s+answer\s*(?:is|:)\s*:?/gi,
  /(?:^|\n)\s*\**answer\**\s*:\**/gi,
];

function lastPhraseAnswer(text: string): string | null {
  let best: { index: number; rest: string } | null = null;
  for (const pattern of PHRASES) {
    for (const m of text.matchAll(pattern)) {
      if (best === null || m.index > best.index) {
        best = { index: m.index, rest: text.slice(m.index + m[0].length) };
      }
    }
  }
  if (best === null) return null;
  const line = best.rest.replace(/^\s+/, "").split("\n")[0];
  const answer = cleanPhrase(line);
  return answer.length > 0 ? answer : null;
}

function lastNumber(text: string): string | null {
  const numbers = text.match(/-?\d[\d,]*(?:\.\d+)?/g);
  return numbers ? numbers[numbers.length - 1].replace(/,$/, "") : null;
}

/**
 * Extracts the final answer of a model response: the text after `</think>` when thinking tags
 * are present (none while a `<think>` is still open), then the last `\boxed{…}` / `\fbox{…}`
 * (consecutive boxes joined as a list; boxes that all hold the same answer are that answer once),
 * else the last "The final answer is …",
 * "The answer is …"
 * or "Answer: …" phrase with its `$…$`, `\(…\)`, `\[…\]` delimiters removed.
 *
 * @param response A whole model output.
 * @param options `lastNumberFallback` (default false).
 * @returns The answer string, or `null` when the response commits to none.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(extractAnswer("so $x = \\boxed{\\frac{1}{2}}$."), "\\frac{1}{2}");
 * assert.equal(extractAnswer("The answer is $42$."), "42");
 * assert.equal(extractAnswer("I think it is 7"), null);
 * ```
 */
export function extractAnswer(response: string, options: ExtractOptions = {}): string | null {
  const { lastNumberFallback = false } = options;
  let text = response;
  const close = text.lastIndexOf("</think>");
  if (close >= 0) text = text.slice(close + "</think>".length);
  else if (text.includes("<think>")) return null;
  const boxed = lastBoxedGroup(text);
  if (boxed !== null) return boxed.length > 0 ? boxed : null;
  const phrase = lastPhraseAnswer(text);
  if (phrase !== null) return phrase;
  return lastNumberFallback ? lastNumber(text) : null;
}
