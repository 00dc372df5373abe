import assert from "node:assert/strict";
import fc from "fast-check";
import { extractAnswer } from "../../lib/verifier/extract.ts";
import { type VerdictReason, verify } from "../../lib/verifier/verify.ts";

const REASONS: ReadonlySet<VerdictReason> = new Set([
  "equivalent",
  "not-equivalent",
  "no-answer",
  "unparsable",
  "budget-exceeded",
]);

/** Strings built from LaTeX-ish pieces, more likely than uniform text to reach deep code paths. */
const latexish = fc.array(
  fc.constantFrom(
    "\\frac",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\\{",
    "\\}",
    ",",
    "=",
    "<",
    "\\le",
    "\\pm",
    "\\sqrt",
    "^",
    "_",
    "x",
    "2",
    "0.5",
    "-",
    "+",
    "\\cup",
    "\\infty",
    "\\text{",
    "\\begin{pmatrix}",
    "\\end{pmatrix}",
    "&",
    "\\\\",
    "!",
    "\\boxed{",
    "$",
    "i",
    "\\pi",
    "e",
    " ",
    "10^{99}",
    "99!",
  ),
  { maxLength: 40 },
).map((parts) => parts.join(""));

Deno.test("verify() never throws and always returns a well-formed verdict", async (t) => {
  const check = (response: string, gold: string): void => {
    const verdict = verify(response, gold);
    assert.ok(REASONS.has(verdict.reason));
    assert.equal(verdict.correct, verdict.reason === "equivalent");
    assert.equal(verdict.gold, gold);
    assert.deepEqual(verify(response, gold), verdict, "deterministic");
  };
  await t.step("arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 50 }), check), {
      seed: 1,
      numRuns: 300,
    });
  });
  await t.step("LaTeX-like fragments, boxed", () => {
    fc.assert(
      fc.property(latexish, latexish, (a, b) => check(`so \\boxed{${a}}`, b)),
      { seed: 2, numRuns: 400 },
    );
  });
  await t.step("a smaller budget only ever turns a verdict into budget-exceeded", () => {
    fc.assert(
      fc.property(latexish, latexish, fc.integer({ min: 1, max: 200 }), (a, b, maxSteps) => {
        const full = verify(`\\boxed{${a}}`, b);
        const bounded = verify(`\\boxed{${a}}`, b, { maxSteps });
        assert.ok(
          bounded.reason === full.reason || bounded.reason === "budget-exceeded",
          `${a} vs ${b}: ${full.reason} became ${bounded.reason} with ${maxSteps} steps`,
        );
      }),
      { seed: 4, numRuns: 300 },
    );
  });
  await t.step("every answer verifies against itself unless it is over the bound", () => {
    fc.assert(
      fc.property(latexish, (a) => {
        const verdict = verify(`\\boxed{${a}}`, a);
        const extracted = extractAnswer(`\\boxed{${a}}`);
        if (extracted === a && verdict.reason !== "no-answer") {
          assert.ok(
            verdict.correct || verdict.reason === "budget-exceeded",
            `${a}: ${verdict.reason}`,
          );
        }
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});
