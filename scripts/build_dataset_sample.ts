// deno-lint-ignore-file no-console -- a command prints what it wrote
/**
 * deno task build:datasets [--from DIR] — writes the committed sample of the paper's datasets,
 * `data/datasets/sample/`, from the full files (default `../shared/datasets`, or `$RLVR_DATASETS`).
 *
 * The sample keeps the files' own layout and parquet schema (the rows are copied, not converted),
 * so every test of the dataset reader and the verifier runs on a clean clone; the full sets stay
 * optional (README, "Testing"). Rows: a seeded random 200 of MATH test (plus row 3526, the empty
 * gold) and of MATH train, and the first 10 of AIME 2025 (plus the `336^\circ` gold) and AMC23.
 *
 * @module
 */
import { parseCommandLine } from "../lib/_io/cli.ts";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { parquetWriteBuffer } from "hyparquet-writer";
import { writeFileAtomic } from "../lib/_io/write_atomic.ts";
import { seededPrng } from "../lib/random.ts";
import { DATASET_FILES } from "../tests/_helpers.ts";

const TARGET = new URL("../data/datasets/sample/", import.meta.url).pathname;
const SAMPLE_SEED = 2025;

/** Which rows of each file the sample keeps (row indices, ascending). */
function chooseRows(file: string, rows: readonly Record<string, unknown>[]): number[] {
  const target = (i: number) =>
    (rows[i].reward_model as { ground_truth: { target: string } }).ground_truth.target;
  const all = rows.map((_, i) => i);
  switch (file) {
    case "math/test":
    case "math/train": {
      const prng = seededPrng(SAMPLE_SEED);
      const order = [...all];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(prng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const kept = new Set(order.slice(0, 200));
      if (file === "math/test") all.filter((i) => target(i) === "").forEach((i) => kept.add(i));
      return [...kept].sort((a, b) => a - b);
    }
    case "aime2025/test":
      return all.filter((i) => i < 10 || target(i) === "336^\\circ");
    case "amc23/test":
      return all.slice(0, 10);
    default:
      throw new RangeError(`Cannot sample a dataset: unknown file, got ${file}`);
  }
}

async function main(args: string[]): Promise<void> {
  const { values } = parseCommandLine(args, {
    from: {
      type: "string",
      default: Deno.env.get("RLVR_DATASETS") ?? "../shared/datasets",
      placeholder: "DIR",
      help: "Folder of the full parquet files; $RLVR_DATASETS sets the default.",
    },
  }, {
    usage: "deno task build:datasets [--from DIR]",
    description: "Writes the committed sample of the paper's datasets, data/datasets/sample/.",
  });
  const from = values.from.replace(/\/?$/, "/");
  for (const file of DATASET_FILES) {
    const bytes = await Deno.readFile(`${from}${file}.parquet`);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const { schema } = parquetMetadata(buffer as ArrayBuffer);
    const rows = await parquetReadObjects({ file: buffer as ArrayBuffer, compressors });
    const kept = chooseRows(file, rows).map((i) => rows[i]);
    const out = parquetWriteBuffer({
      // hyparquet-writer pins an older hyparquet whose schema type lacks newer logical types.
      schema: schema as Parameters<typeof parquetWriteBuffer>[0]["schema"],
      columnData: topLevelNames(schema).map((name) => ({
        name,
        data: kept.map((row) => row[name]),
      })),
    });
    const path = `${TARGET}${file}.parquet`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await writeFileAtomic(path, new Uint8Array(out));
    console.log(`${path}: ${kept.length} of ${rows.length} rows, ${out.byteLength} bytes`);
  }
}

type Schema = ReturnType<typeof parquetMetadata>["schema"];

// The names of the root's children: each top-level column with all its descendants skipped.
function topLevelNames(schema: Schema): string[] {
  const names: string[] = [];
  for (let i = 1; i < schema.length; i = skip(schema, i)) names.push(schema[i].name);
  return names;
}

// The index just after element i and all its descendants.
function skip(schema: Schema, i: number): number {
  let next = i + 1;
  for (let c = 0; c < (schema[i].num_children ?? 0); c++) next = skip(schema, next);
  return next;
}

if (import.meta.main) await main(Deno.args);
