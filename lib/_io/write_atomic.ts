/**
 * Atomic file writes: a reader sees the old file or the whole new one, never half of it.
 *
 * @module
 */

import { basename, dirname } from "node:path";

/**
 * Writes text to `path` atomically: first to a fresh temporary file in the same directory, then
 * renamed over `path` (rename within one directory is atomic on POSIX file systems). If anything
 * fails, the temporary file is removed and `path` is untouched. The file keeps the permissions of
 * the one it replaces, or gets 0644 when new (a temporary file is private, 0600, until then).
 *
 * @param path The destination file; its directory must exist.
 * @param text The full contents.
 * @returns A promise that resolves once the file is in place.
 * @throws {Deno.errors.NotFound} If the directory does not exist.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeTextFileAtomic(`${dir}/results.json`, "{}\n");
 * assert.equal(await Deno.readTextFile(`${dir}/results.json`), "{}\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(text));
}

/**
 * Writes bytes to `path` atomically, like {@link writeTextFileAtomic}.
 *
 * @param path The destination file; its directory must exist.
 * @param data The full contents.
 * @returns A promise that resolves once the file is in place.
 * @throws {Deno.errors.NotFound} If the directory does not exist.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/w.bin`, new Uint8Array([1, 2]));
 * assert.deepEqual([...await Deno.readFile(`${dir}/w.bin`)], [1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temporary = await Deno.makeTempFile({
    dir: dirname(path),
    prefix: `.${basename(path)}.`,
    suffix: ".tmp",
  });
  try {
    await Deno.writeFile(temporary, data);
    if (Deno.build.os !== "windows") {
      const existing = await Deno.stat(path).catch(() => null);
      await Deno.chmod(temporary, (existing?.mode ?? 0o644) & 0o7777);
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
