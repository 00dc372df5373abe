import assert from "node:assert/strict";
import {
  type Flags,
  formatUsage,
  parseFlags,
  USAGE_EXIT_CODE,
  UsageError,
} from "../../lib/_io/cli.ts";

const SPECS = {
  checkpoint: { type: "string", placeholder: "DIR", help: "Checkpoint to serve." },
  port: { type: "integer", default: 8000, min: 0, max: 65535, help: "Port." },
  lr: { type: "number", default: 2e-3, min: 0, help: "Learning rate." },
  backend: { type: "enum", values: ["wasm", "cpu"], default: "wasm", help: "Backend." },
  ks: { type: "list", of: "integer", min: 1, help: "Values of k." },
  tags: { type: "list", default: ["a"], help: "Tags." },
  verbose: { type: "boolean", help: "Say more." },
} as const;
const OPTIONS = { usage: "deno task demo [flags]" };

function values(args: string[]): Flags<typeof SPECS> {
  const parsed = parseFlags(args, SPECS, OPTIONS);
  assert.ok(!parsed.help);
  return parsed.values;
}

function rejects(args: string[], pattern: RegExp): void {
  assert.throws(() => parseFlags(args, SPECS, OPTIONS), (error) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.match(error.message, /^Cannot parse the command line: /);
    assert.match(error.message, pattern);
    assert.match(error.usage, /^Usage: deno task demo \[flags\]\n/);
    return true;
  });
}

Deno.test("parseFlags() reads every flag type and fills in defaults", () => {
  assert.deepEqual(values([]), {
    checkpoint: undefined,
    port: 8000,
    lr: 2e-3,
    backend: "wasm",
    ks: undefined,
    tags: ["a"],
    verbose: false,
  });
  assert.deepEqual(
    values([
      "--checkpoint",
      "runs/x",
      "--port=9",
      "--lr",
      "1e-3",
      "--backend",
      "cpu",
      "--ks",
      "1,2",
      "--ks",
      "8",
      "--tags",
      "x,y",
      "--verbose",
    ]),
    {
      checkpoint: "runs/x",
      port: 9,
      lr: 1e-3,
      backend: "cpu",
      ks: [1, 2, 8],
      tags: ["x", "y"],
      verbose: true,
    },
  );
  assert.equal(values(["--lr=5e-4"]).lr, 5e-4);
  assert.equal(values(["--lr", ".5"]).lr, 0.5);
});

Deno.test("parseFlags() rejects mistakes, naming the flag and the value", async (t) => {
  await t.step("an unknown flag, with the nearest known one", () => {
    rejects(["--chekpoint", "x"], /unknown flag --chekpoint \(did you mean --checkpoint\?\)$/);
    rejects(["--zzz"], /unknown flag --zzz$/);
    rejects(["-p", "1"], /unknown flag -p/);
    rejects(["--toString", "1"], /unknown flag --toString/);
  });
  await t.step("stray positional arguments", () => {
    rejects(["junk"], /unexpected argument "junk"/);
    rejects(["--port", "1", "2"], /unexpected argument "2"/);
  });
  await t.step("values of the wrong type or out of range", () => {
    rejects(["--port", "abc"], /--port must be an integer >= 0 and <= 65535, got "abc"/);
    rejects(["--port", "1.5"], /--port must be an integer .*, got "1\.5"/);
    rejects(["--port", "70000"], /--port must be .*<= 65535, got "70000"/);
    rejects(["--port", "-1"], /--port must be an integer >= 0 .*, got "-1"/);
    rejects(["--port", "0x10"], /got "0x10"/);
    rejects(["--port="], /--port must be an integer .*, got ""/);
    rejects(["--lr", "fast"], /--lr must be a number >= 0, got "fast"/);
    rejects(["--lr", "Infinity"], /--lr must be a number >= 0, got "Infinity"/);
    rejects(["--backend", "foo"], /--backend must be one of wasm, cpu, got "foo"/);
    rejects(["--ks", "1,0"], /--ks must be a list of integers >= 1 like 1,2,4, got "0" in "1,0"/);
    rejects(["--ks", "1,,2"], /--ks must be a comma-separated list without empty items/);
    rejects(["--verbose=yes"], /--verbose takes no value, got "yes"/);
  });
  await t.step("a missing or repeated value", () => {
    rejects(["--port"], /--port needs a value$/);
    rejects(["--checkpoint", "--port", "1"], /--checkpoint needs a value, got --port/);
    rejects(["--port", "1", "--port", "2"], /--port is given twice, got "1" and "2"/);
  });
  await t.step("a required flag that is missing", () => {
    const specs = { samples: { type: "string", required: true, help: "Samples." } } as const;
    assert.throws(() => parseFlags([], specs, OPTIONS), /--samples is required/);
  });
});

Deno.test("parseFlags() accepts positionals only when the command declares them", () => {
  const parsed = parseFlags(["a", "--port", "1", "b"], SPECS, {
    ...OPTIONS,
    positionals: { name: "F...", help: "Filters." },
  });
  assert.ok(!parsed.help);
  assert.deepEqual(parsed.positionals, ["a", "b"]);
  const usage = formatUsage(SPECS, { ...OPTIONS, positionals: { name: "F...", help: "Filters." } });
  assert.match(usage, /\n {2}F\.\.\. +Filters\.\n/);
  assert.equal(parsed.values.port, 1);
});

Deno.test("parseFlags() returns the usage on --help or -h, whatever else is given", () => {
  for (const args of [["--help"], ["-h"], ["--port", "x", "--help"]]) {
    const parsed = parseFlags(args, SPECS, OPTIONS);
    assert.ok(parsed.help, args.join(" "));
    assert.equal(parsed.usage, formatUsage(SPECS, OPTIONS));
  }
});

Deno.test("formatUsage() lists every flag with its help, choices and default", () => {
  const text = formatUsage(SPECS, { ...OPTIONS, description: "Serves things." });
  assert.match(text, /^Usage: deno task demo \[flags\]\n\nServes things\.\n\nFlags:\n/);
  assert.match(text, /\n {2}--checkpoint DIR +Checkpoint to serve\.\n/);
  assert.match(text, /\n {2}--port INTEGER +Port\. \(default 8000\)\n/);
  assert.match(text, /\n {2}--backend wasm\|cpu +Backend\. \(default wasm\)\n/);
  assert.match(text, /\n {2}--ks N,N,\.\.\. +Values of k\.\n/);
  assert.match(text, /\n {2}--verbose +Say more\.\n/);
  assert.match(text, /\n {2}--help +Print this text and exit\.\n$/);
});

Deno.test("parseCommandLine() prints the usage and exits 0 on --help, 2 on a mistake", async (t) => {
  const script = `
    import { parseCommandLine } from ${
    JSON.stringify(new URL("../../lib/_io/cli.ts", import.meta.url).href)
  };
    const { values } = parseCommandLine(Deno.args, {
      port: { type: "integer", default: 8000, help: "Port to listen on." },
    }, { usage: "demo [--port N]" });
    console.log("port", values.port);
  `;
  const run = async (args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  };
  await t.step("valid flags", async () => {
    const { code, stdout } = await run(["--port", "9"]);
    assert.equal(code, 0);
    assert.equal(stdout, "port 9\n");
  });
  await t.step("--help", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Usage: demo \[--port N\]\n[^]*--port INTEGER +Port to listen on\./);
  });
  await t.step("an unknown flag", async () => {
    const { code, stdout, stderr } = await run(["--prot", "9"]);
    assert.equal(code, USAGE_EXIT_CODE);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /^Cannot parse the command line: unknown flag --prot \(did you mean --port\?\)\nUsage: demo/,
    );
  });
});
