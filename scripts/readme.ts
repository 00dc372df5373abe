// deno-lint-ignore-file no-console -- a command reports what it did
/**
 * deno task readme [--check] — writes the README's generated results blocks from
 * data/results/summary.json (lib/job/readme.ts). With --check it changes nothing and exits 1 when
 * the README differs from what the summary gives.
 *
 * @module
 */
import { readJsonFile } from "../lib/_io/read_json_file.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";
import { fillReadme, formatMarkdown, readmeBlocks } from "../lib/job/readme.ts";

const README = new URL("../README.md", import.meta.url).pathname;
const SUMMARY = new URL("../data/results/summary.json", import.meta.url).pathname;

const summary = await readJsonFile(SUMMARY) as Record<string, unknown>;
const before = await Deno.readTextFile(README);
const after = await formatMarkdown(fillReadme(before, readmeBlocks(summary)));
if (Deno.args.includes("--check")) {
  if (before !== after) {
    console.error(
      "README.md's results differ from data/results/summary.json: run deno task readme",
    );
    Deno.exit(1);
  }
  console.log("README.md's results match data/results/summary.json");
} else if (before !== after) {
  await writeTextFileAtomic(README, after);
  console.log("README.md: results rewritten from data/results/summary.json");
} else console.log("README.md: results already match data/results/summary.json");
