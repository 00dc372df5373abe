/**
 * Lanes for running notebooks side by side: a notebook that reuses another's cached runs names it
 * in its metadata (`"rlvr": { "after": "02_psr_vs_nsr.ipynb" }`) and runs after it in the same
 * lane; independent notebooks spread over the lanes, so `deno task repro` keeps every core busy
 * without two notebooks computing the same cached run at once.
 *
 * @module
 */

/** A notebook and the notebook it must follow, if any. */
export type LaneNotebook = {
  /** File name, e.g. `04_weighted_objective.ipynb`. */
  readonly name: string;
  /** File name of the notebook it must run after (in the same lane). */
  readonly after?: string;
  /** An extended study (`"rlvr": { "extended": true }`): run only when asked for by name. */
  readonly extended?: boolean;
};

/**
 * Splits notebooks into at most `jobs` lanes. A notebook joins the lane of the notebook it names
 * in `after` (when that one is in the list), right after it; the other chains, in the order
 * given, go to the lane holding the fewest notebooks so far (the first such lane on a tie).
 *
 * @param notebooks The notebooks, in run order (e.g. sorted by name).
 * @param jobs Lanes wanted, an integer ≥ 1.
 * @returns The lanes, each a list of names in run order; no empty lanes.
 * @throws {RangeError} If `jobs` is not an integer ≥ 1, or the `after` links form a cycle.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const lanes = planLanes([
 *   { name: "01.ipynb" }, { name: "02.ipynb" }, { name: "03.ipynb" },
 *   { name: "04.ipynb", after: "02.ipynb" },
 * ], 2);
 * assert.deepEqual(lanes, [["01.ipynb", "03.ipynb"], ["02.ipynb", "04.ipynb"]]);
 * ```
 */
export function planLanes(notebooks: readonly LaneNotebook[], jobs: number): string[][] {
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new RangeError(`Cannot plan notebook lanes: jobs must be an integer >= 1, got ${jobs}`);
  }
  const names = new Set(notebooks.map((n) => n.name));
  const parent = new Map<string, string>();
  for (const n of notebooks) {
    if (n.after !== undefined && names.has(n.after)) parent.set(n.name, n.after);
  }
  const rootOf = (name: string): string => {
    const seen = new Set<string>();
    let at = name;
    while (parent.has(at)) {
      if (seen.has(at)) {
        throw new RangeError(
          `Cannot plan notebook lanes: the "after" links form a cycle through ${at}`,
        );
      }
      seen.add(at);
      at = parent.get(at)!;
    }
    return at;
  };
  const chains = new Map<string, string[]>();
  for (const n of notebooks) {
    const root = rootOf(n.name);
    if (!chains.has(root)) chains.set(root, []);
    chains.get(root)!.push(n.name);
  }
  for (const chain of chains.values()) {
    // A notebook listed before the one it follows moves after it.
    chain.sort((a, b) => depth(a) - depth(b));
  }
  function depth(name: string): number {
    let d = 0;
    for (let at = name; parent.has(at); at = parent.get(at)!) d++;
    return d;
  }
  const lanes: string[][] = Array.from({ length: jobs }, () => []);
  for (const chain of chains.values()) {
    const lightest = lanes.reduce((best, lane) => lane.length < best.length ? lane : best);
    lightest.push(...chain);
  }
  return lanes.filter((lane) => lane.length > 0);
}

/**
 * Reads a notebook's `metadata.rlvr.after` and `metadata.rlvr.extended` (see the module doc).
 *
 * @param path The notebook file.
 * @returns Its {@link LaneNotebook} (the name is the file's base name).
 * @throws {SyntaxError} If the file is not JSON.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".ipynb" });
 * await Deno.writeTextFile(path, JSON.stringify({ cells: [], metadata: { rlvr: { after: "02.ipynb" } } }));
 * assert.equal((await readLaneNotebook(path)).after, "02.ipynb");
 * await Deno.remove(path);
 * ```
 */
export async function readLaneNotebook(path: string): Promise<LaneNotebook> {
  const notebook = JSON.parse(await Deno.readTextFile(path));
  const after = notebook?.metadata?.rlvr?.after;
  const extended = notebook?.metadata?.rlvr?.extended === true;
  const name = path.slice(path.lastIndexOf("/") + 1);
  return {
    name,
    ...(typeof after === "string" ? { after } : {}),
    ...(extended ? { extended } : {}),
  };
}
