// deno-lint-ignore-file no-console -- a bench prints its results
// deno task bench: runs every bench/*_bench.ts in its own process, one after another, and prints
// their results, one JSON object per line: {"bench": name, "value": number, "unit": unit, ...}.
// A comparison against a reference measured in the same run is its own line with unit "ratio".
// Usage: deno task bench [name-filter...]
import { parseCommandLine } from "../lib/_io/cli.ts";

const { positionals: filters } = parseCommandLine(Deno.args, {}, {
  usage: "deno task bench [name-filter...]",
  description: "Runs every bench/*_bench.ts whose name contains all the filters, one process " +
    "each, and prints one JSON result per line.",
  positionals: { name: "name-filter...", help: "Run only benches whose file names contain these." },
});
const benchDir = new URL("./", import.meta.url).pathname;
const files = [...Deno.readDirSync(benchDir)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith("_bench.ts") && filters.every((f) => name.includes(f)))
  .sort();
let failed = 0;
for (const file of files) {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${benchDir}${file}`],
    stdout: "piped",
    stderr: "inherit",
  });
  const { code, stdout } = await command.output();
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    if (line.trim() === "") continue;
    try {
      const row = JSON.parse(line);
      if (
        typeof row.bench !== "string" || typeof row.value !== "number" ||
        typeof row.unit !== "string"
      ) {
        throw new Error("missing bench/value/unit");
      }
      console.log(JSON.stringify(row));
    } catch (error) {
      console.error(`[bench] ${file}: not a result line (${(error as Error).message}): ${line}`);
    }
  }
  if (code !== 0) {
    failed++;
    console.error(`[bench] ${file} exited with code ${code}`);
  }
}
if (failed > 0) Deno.exit(1);
