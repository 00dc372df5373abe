// deno task build:schema — writes schema/experiment_config.schema.json, the JSON Schema of
// experiment config files (generated from the zod schemas of lib/config.ts), which editors use to
// complete and check a config file that names it in "$schema". tests/config_test.ts checks that
// the committed file is what this writes.
import { parseCommandLine } from "../lib/_io/cli.ts";
import { EXPERIMENT_CONFIG_SCHEMA_PATH, experimentConfigJsonSchema } from "../lib/config.ts";
import { writeTextFileAtomic } from "../lib/_io/write_atomic.ts";

/**
 * The text of the committed JSON Schema file, as generated now.
 *
 * @returns The file's text (JSON, two-space indent, final newline).
 */
export function experimentConfigSchemaText(): string {
  return JSON.stringify(experimentConfigJsonSchema(), null, 2) + "\n";
}

if (import.meta.main) {
  parseCommandLine(Deno.args, {}, {
    usage: "deno task build:schema",
    description: `Writes ${EXPERIMENT_CONFIG_SCHEMA_PATH} from the zod schemas of lib/config.ts.`,
  });
  const path = new URL(`../${EXPERIMENT_CONFIG_SCHEMA_PATH}`, import.meta.url).pathname;
  await Deno.mkdir(new URL("../schema/", import.meta.url), { recursive: true });
  await writeTextFileAtomic(path, experimentConfigSchemaText());
}
