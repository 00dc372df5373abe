// The README's "From a script" example, run as written from this checkout: a newcomer's path must
// work (it trains NSR for a few steps, evaluates Pass@k and saves a figure).
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

function scriptOf(readme: string): string {
  const section = readme.slice(readme.indexOf("### From a script"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match !== null, 'the README has a ```ts block under "### From a script"');
  return match[1];
}

Deno.test({
  name: "the README's script runs as written: trains, evaluates and saves out/nsr.svg",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const script = scriptOf(await Deno.readTextFile(`${ROOT}README.md`));
    const path = `${ROOT}_readme_script_${crypto.randomUUID().slice(0, 8)}.ts`;
    await Deno.writeTextFile(path, script);
    await Deno.remove(`${ROOT}out/nsr.svg`).catch(() => {});
    try {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", path],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      assert.match(await Deno.readTextFile(`${ROOT}out/nsr.svg`), /^<svg/);
    } finally {
      await Deno.remove(path);
    }
  },
});
