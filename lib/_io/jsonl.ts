/**
 * JSON Lines parsing that reports every malformed line by its number instead of dropping it.
 *
 * @module
 */
import { withoutByteOrderMark } from "./read_json_file.ts";

/** One malformed line of a JSONL file: its 1-based number and what is wrong with it. */
export type JsonlIssue = {
  /** 1-based line number in the file. */
  readonly line: number;
  /** What is wrong with the line. */
  readonly message: string;
};

/** How many issues a {@link JsonlError} message spells out before summarising the rest. */
const MAX_ISSUES_IN_MESSAGE = 10;

/**
 * Thrown when a JSONL file has malformed lines. Callers may catch it and read `issues` for every
 * line number; the message lists the first ten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const error = new JsonlError("s.jsonl", [{ line: 3, message: "invalid JSON" }]);
 * assert.equal(error.message, "Cannot parse s.jsonl: 1 malformed line: line 3: invalid JSON");
 * ```
 */
export class JsonlError extends SyntaxError {
  /** The file name (or other label) of the input. */
  readonly source: string;
  /** Every malformed line, in file order. */
  readonly issues: readonly JsonlIssue[];

  /**
   * Creates the error from every malformed line.
   *
   * @param source The file name (or another label) used in the message.
   * @param issues Every malformed line, in file order.
   */
  constructor(source: string, issues: readonly JsonlIssue[]) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE)
      .map(({ line, message }) => `line ${line}: ${message}`).join("; ");
    const more = issues.length > MAX_ISSUES_IN_MESSAGE
      ? `; and ${issues.length - MAX_ISSUES_IN_MESSAGE} more`
      : "";
    const count = `${issues.length} malformed line${issues.length === 1 ? "" : "s"}`;
    super(`Cannot parse ${source}: ${count}: ${shown}${more}`);
    this.name = "JsonlError";
    this.source = source;
    this.issues = issues;
  }
}

/**
 * Parses JSON Lines text, turning each non-blank line into a record with `parseRecord`.
 * Blank lines (only whitespace) are not records and are skipped; every other line either becomes a
 * record or is reported. A leading UTF-8 byte-order mark is accepted. `parseRecord` signals a bad record by throwing (its message is kept).
 *
 * @param text The file contents (LF or CRLF line ends).
 * @param parseRecord Turns one parsed JSON value into a record; receives the 1-based line number.
 * @param options `source` names the input in error messages (default `"JSONL input"`).
 * @returns The records, in file order.
 * @throws {JsonlError} Listing every line that is not valid JSON or that `parseRecord` rejects.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const parseNumber = (value: unknown): number => {
 *   if (typeof value !== "number") throw new TypeError("expected a number");
 *   return value;
 * };
 * assert.deepEqual(parseJsonl("1\n\n2\n", parseNumber), [1, 2]);
 * assert.throws(() => parseJsonl("1\n{\n", parseNumber), /line 2: invalid JSON/);
 * ```
 */
export function parseJsonl<T>(
  text: string,
  parseRecord: (value: unknown, line: number) => T,
  options: { readonly source?: string } = {},
): T[] {
  const { source = "JSONL input" } = options;
  const records: T[] = [];
  const issues: JsonlIssue[] = [];
  const lines = withoutByteOrderMark(text).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i].trim();
    if (content === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      issues.push({ line: i + 1, message: `invalid JSON (${messageOf(error)})` });
      continue;
    }
    try {
      records.push(parseRecord(value, i + 1));
    } catch (error) {
      issues.push({ line: i + 1, message: messageOf(error) });
    }
  }
  if (issues.length > 0) throw new JsonlError(source, issues);
  return records;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
