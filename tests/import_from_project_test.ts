// The kit used from another Deno project (#29 item 6): that project's own deno.json maps
// "@rlvr/kit" to the kit's mod.ts and keeps its own imports; the kit's npm: packages resolve
// from the kit's deno.json, so no --config replaces the project's.
import assert from "node:assert/strict";

const MOD = new URL("../mod.ts", import.meta.url);
const INTERNALS = new URL("../internals.ts", import.meta.url);

Deno.test("the kit imports from a Deno project in a temporary directory, which keeps its config", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: { "@rlvr/kit": MOD.href, "@rlvr/kit/internals": INTERNALS.href, "my/": "./src/" },
      }),
    );
    await Deno.writeTextFile(
      `${dir}/src/greeting.ts`,
      'export const GREETING = "from my project";\n',
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      [
        'import { initBackend, passAtK, sampleRollouts } from "@rlvr/kit";',
        'import { charTokenizer, Policy } from "@rlvr/kit/internals";',
        'import { GREETING } from "my/greeting.ts";',
        'await initBackend({ backend: "cpu" });',
        'const tokenizer = charTokenizer("0123456789+=");',
        'const config = { vocabSize: tokenizer.vocabSize, width: 8, layers: 1, heads: 2, mlpWidth: 16, context: 12, valueHead: "none" } as const;',
        "using policy = Policy.create(config, { seed: 0 });",
        'const [rollout] = await sampleRollouts(policy, ["1+1="], { samplesPerPrompt: 1, maxNewTokens: 3, seed: 0, tokenizer });',
        "console.log(JSON.stringify({ greeting: GREETING, passAtK: passAtK(4, 2, 1), tokens: rollout.responseTokens.length }));",
      ].join("\n") + "\n",
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const result = JSON.parse(text.trim().split("\n").at(-1)!);
    assert.equal(result.greeting, "from my project");
    assert.equal(result.passAtK, 0.5);
    assert.ok(result.tokens >= 1 && result.tokens <= 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
