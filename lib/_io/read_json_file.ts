/**
 * Reading JSON files so that a failure says which file: a truncated `state.json` reports
 * `Cannot parse runs/x/checkpoints/step-000004/state.json: not JSON (Unterminated string …)`,
 * never a bare `Unterminated string in JSON at position 24`. A UTF-8 byte-order mark, which some
 * editors write at the start of a file, is accepted.
 *
 * @module
 */

/** The UTF-8 byte-order mark as `TextDecoder` keeps it (U+FEFF). */
const BYTE_ORDER_MARK = "\uFEFF";

/**
 * Drops a leading byte-order mark, which `JSON.parse` would reject as an invisible character.
 *
 * @param text File contents.
 * @returns The text without a leading U+FEFF.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(withoutByteOrderMark("\uFEFF{}"), "{}");
 * assert.equal(withoutByteOrderMark("{}"), "{}");
 * ```
 */
export function withoutByteOrderMark(text: string): string {
  return text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
}

/**
 * Parses JSON text read from `source`, naming it when the text is not JSON.
 *
 * @param text The contents (a leading byte-order mark is accepted).
 * @param source The file (or other label) named in the error.
 * @returns The parsed value.
 * @throws {TypeError} `Cannot parse <source>: not JSON (<the parser's reason>)`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseJsonText('\uFEFF{"a": 1}', "a.json"), { a: 1 });
 * assert.throws(() => parseJsonText('{"a', "a.json"), /Cannot parse a\.json: not JSON \(/);
 * ```
 */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(withoutByteOrderMark(text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`Cannot parse ${source}: not JSON (${reason})`);
  }
}

/**
 * Reads and parses a JSON file. A missing file stays a `Deno.errors.NotFound` (callers tell "no
 * file yet" from "a broken file" by it); any other read error names the file as Deno's errors do.
 *
 * @param path The file.
 * @returns The parsed value.
 * @throws {Deno.errors.NotFound} If the file does not exist.
 * @throws {TypeError} If it is not JSON, naming the file (see {@link parseJsonText}).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, '{"step": 3');
 * await assert.rejects(readJsonFile(path), new RegExp(`Cannot parse ${path}: not JSON`));
 * await Deno.remove(path);
 * ```
 */
export async function readJsonFile(path: string | URL): Promise<unknown> {
  const text = await Deno.readTextFile(path);
  return parseJsonText(text, path instanceof URL ? path.pathname : path);
}
