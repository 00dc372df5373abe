/**
 * The identity of code, for cache keys: a hash of the source of a module and of every module it
 * imports by relative path (static imports, `import()` and `new URL(…, import.meta.url)` of
 * workers), transitively, plus the npm versions of the import map. A cached result keyed by the
 * fingerprint of the code that computed it is recomputed after any edit of that code.
 *
 * Why source hashes and not revision constants: a constant per module is only as good as the
 * discipline of bumping it, and a forgotten bump returns stale numbers silently. A hash cannot be
 * forgotten. Its cost is that an edit which changes no number (a comment) also recomputes; a
 * stale number is worse than a slow one.
 *
 * @module
 */
import { hashKey } from "./cache.ts";

// Relative specifiers of static and dynamic imports, re-exports and worker URLs.
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bnew URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

// The import map's package versions are part of every fingerprint (a tfjs upgrade changes
// numbers as surely as an edit does).
const IMPORT_MAP = new URL("../../deno.json", import.meta.url);

async function readSource(url: URL): Promise<string> {
  if (url.protocol === "file:") return await Deno.readTextFile(url);
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Cannot fingerprint code: ${url.href} answered ${response.status}`);
  }
  return await response.text();
}

/**
 * The modules reachable from `entries` by relative imports, each once, in a stable order.
 *
 * @param entries Module URLs (e.g. `import.meta.url`).
 * @returns Their URLs and sources, sorted by URL.
 * @throws {Error} If a module cannot be read (the missing file is named).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const modules = await moduleGraph([new URL("./cache.ts", import.meta.url)]);
 * assert.ok(modules.some((m) => m.url.endsWith("/_io/write_atomic.ts")));
 * ```
 */
export async function moduleGraph(
  entries: readonly (string | URL)[],
): Promise<{ url: string; source: string }[]> {
  const seen = new Map<string, string>();
  const queue = entries.map((entry) => new URL(entry));
  while (queue.length > 0) {
    const url = queue.pop() as URL;
    if (seen.has(url.href)) continue;
    let source: string;
    try {
      source = await readSource(url);
    } catch (error) {
      throw new Error(`Cannot fingerprint code: cannot read ${url.href}: ${error}`);
    }
    seen.set(url.href, source);
    for (const match of source.matchAll(SPECIFIER)) {
      const next = new URL(match[1], url);
      // Data folders and files (`../../data/base/`) are inputs, keyed by their own hashes.
      if (/\.(ts|js|mjs|wat|py)$/.test(next.pathname)) queue.push(next);
    }
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([url, source]) => ({
    url,
    source,
  }));
}

/**
 * SHA-256 (hex, first 16 characters) of the sources of `entries` and everything they import
 * (see the module doc), with paths relative to the package root so that moving the checkout does
 * not change it, and of the import map.
 *
 * @param entries Module URLs, usually the module whose function computes the cached result.
 * @returns A 16-character hex digest.
 * @throws {Error} If a module cannot be read.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = await codeFingerprint([new URL("./cache.ts", import.meta.url)]);
 * assert.match(a, /^[0-9a-f]{16}$/);
 * assert.equal(a, await codeFingerprint([new URL("./cache.ts", import.meta.url)]));
 * ```
 */
export async function codeFingerprint(entries: readonly (string | URL)[]): Promise<string> {
  const modules = await moduleGraph(entries);
  const root = new URL("../../", import.meta.url).href;
  const parts = modules.map(({ url, source }) => `${url.replace(root, "")}\n${source}`);
  let importMap = "";
  try {
    importMap = JSON.stringify(JSON.parse(await readSource(IMPORT_MAP)).imports ?? {});
  } catch {
    importMap = "no import map";
  }
  return await hashKey({ importMap, modules: parts });
}
