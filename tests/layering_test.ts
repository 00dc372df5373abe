// The folders of lib/ are the stages of the data flow (STYLE.md §1): a file may import its own
// folder and the folders before it in LAYERS, never one after it. This test keeps that true, and
// keeps tf out of the stages that must not touch it and cycles out of the import graph.
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";

const LIB = new URL("../lib/", import.meta.url).pathname;

/** Stages in data-flow order; `.` is the root files (config, random, progress, _assert). */
const LAYERS: readonly string[] = [
  ".",
  "_io",
  "engine",
  "model",
  "rollout",
  "verifier",
  "objective",
  "train",
  "eval",
  "schedule",
  "protocol",
  "analysis",
  "tasks",
  "claims",
  "present",
  "study",
  "job",
];

/** Files and folders that never import TensorFlow.js. */
const NO_TF: readonly string[] = [
  "config.ts",
  "config_fields.ts",
  "config_overrides.ts",
  "random.ts",
  "progress.ts",
  "verifier",
  "eval",
  "objective/advantage.ts",
  "objective/objective_needs.ts",
  "claims",
];

type Import = { from: string; to: string; typeOnly: boolean; spec: string };

function libFiles(dir = LIB): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...libFiles(path));
    else if (entry.name.endsWith(".ts")) out.push(relative(LIB, path));
  }
  return out.sort();
}

// Static, dynamic and worker (new URL) imports, doc examples included: they are code too.
const IMPORT =
  /(import\s+type\s[^;]*?from\s*|(?:import|export)\s[^;]*?from\s*|import\s*\(\s*|new URL\(\s*)"(\.{1,2}\/[^"]+)"/gs;

function importsOf(file: string): Import[] {
  const text = Deno.readTextFileSync(join(LIB, file));
  return [...text.matchAll(IMPORT)].flatMap((m) => {
    const to = normalize(join(dirname(file), m[2]));
    if (!to.endsWith(".ts") || to.startsWith("..")) return []; // data files, wasm text
    return [{ from: file, to, typeOnly: /^import\s+type\s/.test(m[1]), spec: m[2] }];
  });
}

function layerOf(file: string): number {
  const folder = file.includes("/") ? file.slice(0, file.indexOf("/")) : ".";
  const index = LAYERS.indexOf(folder);
  if (index < 0) throw new RangeError(`lib/${file} is in a folder missing from LAYERS: ${folder}`);
  return index;
}

const FILES = libFiles();
const IMPORTS = FILES.flatMap(importsOf);

Deno.test("every lib/ folder is a stage of LAYERS", () => {
  for (const file of FILES) layerOf(file);
});

Deno.test("lib/ imports only its own stage and earlier ones", () => {
  const backwards = IMPORTS.filter((i) => layerOf(i.to) > layerOf(i.from))
    .map((i) =>
      `lib/${i.from} imports "${i.spec}" (${LAYERS[layerOf(i.to)]} comes after ${
        LAYERS[layerOf(i.from)]
      })`
    );
  assert.deepEqual(backwards, []);
});

Deno.test("present/ takes only types from the stages before it", () => {
  const present = LAYERS.indexOf("present");
  const values = IMPORTS.filter((i) =>
    layerOf(i.from) === present && layerOf(i.to) !== present && layerOf(i.to) !== 0 && !i.typeOnly
  ).map((i) => `lib/${i.from} imports values from "${i.spec}"`);
  assert.deepEqual(values, []);
});

Deno.test("config, random, progress, the verifier, eval, advantages and claims never import tf", () => {
  const inScope = (file: string) => NO_TF.some((p) => file === p || file.startsWith(`${p}/`));
  const offenders = FILES.filter(inScope).filter((file) =>
    /from\s*"@tensorflow\//.test(Deno.readTextFileSync(join(LIB, file)))
  );
  assert.deepEqual(offenders, []);
});

Deno.test("lib/ has no import cycles between files", () => {
  const edges = new Map<string, string[]>();
  for (const i of IMPORTS) {
    if (i.from !== i.to) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  }
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
      return;
    }
    state.set(file, "open");
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of FILES) visit(file, []);
  assert.deepEqual(cycles, []);
});
