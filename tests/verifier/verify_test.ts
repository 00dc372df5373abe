import assert from "node:assert/strict";
import { mathReward, verify } from "../../lib/verifier/verify.ts";

const boxed = (answer: string): string =>
  `We compute carefully. Therefore the answer is $\\boxed{${answer}}$.`;

/** [gold, predicted answer, expected] — grouped by the categories. */
const CASES: Record<string, ReadonlyArray<readonly [string, string, boolean]>> = {
  "exact numbers": [
    ["1112112", "1112122", false],
    ["100000001", "100000000", false],
    ["\\frac{3}{4}", "0.75", true],
    ["\\frac{3}{4}", "3/4", true],
    ["\\frac{3}{4}", "\\frac{6}{8}", true],
    ["\\frac{1}{3}", "0.333", false],
    ["\\frac{1}{3}", "0.\\overline{3}", true],
    ["0.5", "\\frac12", true],
    ["2.50", "2.5", true],
    ["1.5e3", "1500", true],
    ["-\\frac{2}{3}", "\\frac{-2}{3}", true],
    ["-\\frac{2}{3}", "\\frac{2}{3}", false],
    ["6\\frac{3}{4}", "\\frac{27}{4}", true],
    ["6\\frac{3}{4}", "4.5", false],
    ["2^{100}", "1267650600228229401496703205376", true],
    ["2^{100}", "1267650600228229401496703205377", false],
    ["\\frac{1}{2004!}", "\\frac{1}{2004!}", true],
    ["10!", "3628800", true],
  ],
  "leading zeros and thousands separators": [
    ["4", "004", true],
    ["70", "070", true],
    ["12000", "12,000", true],
    ["12000", "12{,}000", true],
    ["12000", "12,\\!000", true],
    ["1,2,3", "123", false],
    ["6,8,10", "6810", false],
    ["100", "0,100", false],
    ["12345", "12, 345", false],
    ["45,135", "45, 135", true],
    ["45,135", "45135", true],
    ["45,135", "135, 45", true],
    ["45,135", "45", false],
    ["6,8,10", "10, 8, 6", true],
  ],
  "roots, pi, irrationals and decimals": [
    ["2\\sqrt{3}", "\\sqrt{12}", true],
    ["\\sqrt3", "\\sqrt{3}", true],
    ["\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt3", true],
    ["\\sqrt{2}", "1.41421356", true],
    ["\\sqrt{2}", "1.41", false],
    ["\\frac{2}{3}", "\\frac{2}{3} \\approx 0.67", true],
    ["\\sqrt{2}", "x \\approx 1.41421356", true],
    ["\\sqrt{2}", "\\sqrt{3}", false],
    ["4\\pi", "\\pi\\cdot 4", true],
    ["4\\pi", "12.566370614", true],
    ["4\\pi", "4", false],
    ["\\frac{1+\\sqrt{5}}{2}", "\\frac{\\sqrt5+1}{2}", true],
    ["\\sqrt[3]{-8}", "-2", true],
    ["\\frac{\\sqrt{2}}{2004!}", "\\frac{\\sqrt{2}}{2005!}", false],
    ["\\sqrt{2}\\cdot 2^{-2000}", "\\sqrt{2}\\cdot 2^{-2001}", false],
    ["0", "\\sin(\\pi)", true],
  ],
  "complex numbers": [
    ["1+2i", "2i+1", true],
    ["1+2i", "1-2i", false],
    ["-i", "\\frac{1}{i}", true],
  ],
  "expressions and identities": [
    ["x^2+2x+1", "(x+1)^2", true],
    ["x^2+2x+1", "(x-1)^2", false],
    ["(t-7)(t+7)", "t^2-49", true],
    ["\\frac{1}{2x}", "\\frac{1}{2}x^{-1}", true],
    ["|x|", "x", false],
    ["\\sin^2 x+\\cos^2 x", "1", true],
    ["2\\sec x", "\\frac{2}{\\cos x}", true],
    ["\\pi r^2", "r^2\\pi", true],
    ["a+b", "a+c", false],
  ],
  "functions and constants": [
    ["2", "\\log_3 9", true],
    ["2", "\\log 100", true],
    ["1", "\\ln e", true],
    ["\\sqrt[3]{x}", "x^{1/3}", true],
    ["e^{x}", "\\exp(x)", true],
    ["\\frac{\\pi}{6}", "\\arcsin(1/2)", true],
    ["\\tan^{-1}(1)", "\\frac{\\pi}{4}", true],
    ["\\tan^{-1}(1)", "\\cot 1", false],
    ["\\binom{10}{3}", "120", true],
    ["1.2\\times10^{3}", "1200", true],
    ["\\frac{x}{2}", "0.5x", true],
  ],
  "equations and prefixes": [
    ["y=2x+1", "2x-y+1=0", true],
    ["y=2x+1", "y=2x-1", false],
    ["2x-y+3z+8=0", "-2x+y-3z-8=0", true],
    ["5", "x=5", true],
    ["5", "k = 5", true],
    ["\\frac{1}{2}", "x=0.5", true],
    ["5", "x=6", false],
  ],
  "intervals and inequalities": [
    ["(1,2]", "(1, 2]", true],
    ["(1,2]", "(1,2)", false],
    ["[0,1)", "(0,1)", false],
    ["(-\\infty,3]", "x\\le3", true],
    ["(-\\infty,3]", "x<3", false],
    ["(2,\\infty)", "x>2", true],
    ["[-2,7]", "-2\\le x\\le 7", true],
    ["x\\in[-2,7]", "[-2,7]", true],
    ["(-\\infty,-1)\\cup(4,\\infty)", "(4,\\infty)\\cup(-\\infty,-1)", true],
    ["(-\\infty,-1)\\cup(4,\\infty)", "(-\\infty,-1]\\cup(4,\\infty)", false],
    ["(-\\infty,1)\\cup(2,\\infty)", "x<1 \\text{ or } x>2", true],
  ],
  "sets, tuples, points and lists": [
    ["\\{1,2\\}", "\\{2,1\\}", true],
    ["1,2", "\\{1,2\\}", true],
    ["(1,2)", "(2,1)", false],
    ["(1,2)", "(1,2,3)", false],
    ["(\\frac{1}{2},3)", "(0.5, 3)", true],
    ["-2,-1,1,2", "2,1,-1,-2", true],
    ["-2,-1,1,2", "2,1,-1", false],
    ["3\\pm2\\sqrt{2}", "3+2\\sqrt2, 3-2\\sqrt2", true],
    ["3\\pm2\\sqrt{2}", "3+2\\sqrt2", false],
    ["\\pm 3", "3,-3", true],
    ["x=1, x=2", "1, 2", true],
    ["(1,-2)", "x=1, y=-2", true],
    ["x+11", "x+11, 11+x", true],
    ["1", "-2, 1", false],
    ["(1,-2)", "x=-2, y=1", false],
    ["(2,3)", "(a, b) = (2, 3)", true],
    ["(2,3)", "(a, b) = (3, 2)", false],
    ["\\frac{x-1}{2}", "f^{-1}(x) = \\frac{x}{2} - \\frac12", true],
  ],
  "matrices and vectors": [
    ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", true],
    ["\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}", false],
    ["\\begin{pmatrix}6&0\\0&6\\end{pmatrix}", "\\begin{pmatrix}6&0\\\\0&6\\end{pmatrix}", true],
    [
      "\\begin{pmatrix}8/3\\4/3\\-4/3\\end{pmatrix}",
      "\\begin{pmatrix}\\frac83\\\\\\frac43\\\\-\\frac43\\end{pmatrix}",
      true,
    ],
    [
      "\\begin{pmatrix}\\frac{3}{5}&\\frac{1}{5}\\frac{3}{5}&\\frac{1}{5}\\end{pmatrix}",
      "\\begin{pmatrix} \\frac{3}{5} & \\frac{1}{5} \\\\ \\frac{3}{5} & \\frac{1}{5} \\end{pmatrix}",
      true,
    ],
    ["\\begin{pmatrix}2\\\\-1\\end{pmatrix}", "(2,-1)", true],
    ["\\begin{pmatrix}2\\\\-1\\end{pmatrix}", "(-1,2)", false],
  ],
  "text, units, degrees, percent, choices": [
    ["\\text{Monday}", "monday", true],
    ["\\text{Monday}", "Tuesday", false],
    ["{even}", "\\text{even}", true],
    ["{empty}", "\\emptyset", true],
    ["\\varnothing", "\\{\\}", true],
    ["\\emptyset", "\\{0\\}", false],
    ["{even}", "\\text{odd}", false],
    ["\\text{(C)}", "C", true],
    ["\\text{(C)}", "(C)", true],
    ["\\text{(C)}", "D", false],
    ["12", "12\\text{ cm}", true],
    ["12", "12 \\mbox{meters}", true],
    ["45", "45\\text{ square units}", true],
    ["18.90", "\\$18.90", true],
    ["336^\\circ", "336", true],
    ["30", "30^{\\circ}", true],
    ["30", "30 degrees", true],
    ["25", "25\\%", true],
    ["25", "0.25", false],
    ["25", "25 percent", true],
    ["1011_2", "11", true],
    ["1011_2", "1011", false],
    ["152A_{11}", "152A_{11}", true],
    ["\\infty", "\\infty", true],
    ["3", "3 \\text{ ways}", true],
    ["6", "\\text{6 people}", true],
    ["\\text{(B)}", "(B) 12", true],
    ["12", "(B) 12", false],
    ["\\text{(B)}", "(B) (C) (D)", false],
    ["\\text{(B)}", "(B)\\text{ or }(C)", false],
  ],
  // A literal beyond the double range must not overflow to ±Infinity and then equal \infty,
  // another overflowing literal, or anything at all.
  "numbers beyond the double range": [
    ["\\infty", "1e309", false],
    ["1e309", "\\infty", false],
    ["-\\infty", "-1e309", false],
    ["\\infty", "-1e309", false],
    ["2e309", "1e309", false],
    ["1e309", "2e309", false],
    ["x", "1e309", false],
    ["\\pi", "1e309", false],
    ["0", "1e-400", false],
    ["1e309", "1e309", true],
    ["1e309", "10^{309}", true],
    ["1e400", "10^{400}", true],
    ["1e308", "10^{308}", true],
    ["1.5e308", "\\frac{3}{2}\\cdot 10^{308}", true],
    ["123456789012345678901234567890", "123456789012345678901234567890", true],
    ["1.7976931348623157e308", "17976931348623157\\cdot 10^{292}", true],
  ],
  "presentation": [
    ["\\frac{3}{4}", "\\dfrac{3}{4}", true],
    ["\\frac{3}{4}", "\\tfrac34", true],
    ["\\frac{3}{4}", "\\cfrac{3}{4}", true],
    ["(1,2)", "\\left( 1 , 2 \\right)", true],
    ["3\\sqrt{2}", "3 \\, \\sqrt{2}", true],
    ["3\\sqrt{2}", "3\\!\\sqrt{2}", true],
    ["3", "3.", true],
    ["\\sqrt{3}", "\\sqrt 3", true],
  ],
};

Deno.test("verify() accepts equivalent and rejects different answers by category", async (t) => {
  for (const [category, cases] of Object.entries(CASES)) {
    await t.step(category, () => {
      for (const [gold, predicted, expected] of cases) {
        const verdict = verify(boxed(predicted), gold);
        assert.equal(verdict.correct, expected, `${gold} vs ${predicted}: ${verdict.reason}`);
        assert.equal(verdict.reason === "equivalent", expected);
      }
    });
  }
});

Deno.test("verify() returns the documented reasons", async (t) => {
  await t.step("no-answer when nothing is committed to", () => {
    assert.deepEqual(verify("The result might be 5", "5"), {
      correct: false,
      reason: "no-answer",
      predicted: null,
      gold: "5",
    });
    assert.equal(verify("\\boxed{}", "5").reason, "no-answer");
  });
  await t.step("not-equivalent for a parsed different answer", () => {
    assert.equal(verify(boxed("6"), "5").reason, "not-equivalent");
  });
  await t.step("unparsable for an answer compute-engine cannot read", () => {
    assert.equal(verify(boxed("\\frac{1}{"), "5").reason, "unparsable");
  });
  await t.step("budget-exceeded past the work bound, counted as incorrect", () => {
    const deep = "(".repeat(200) + "1" + ")".repeat(200);
    assert.equal(verify(boxed(deep), "1").reason, "budget-exceeded");
    assert.equal(verify(boxed("x".repeat(2_000)), "1").reason, "budget-exceeded");
    const huge = Array.from({ length: 60 }, () => "2^{39999}").join("\\cdot ");
    assert.equal(verify(boxed(huge), "1").correct, false);
    assert.equal(verify(boxed("\\binom{10^{50}}{3000}"), "1").correct, false);
    const tiny = verify(boxed("(x+1)^2"), "x^2+2x+1", { maxSteps: 10 });
    assert.deepEqual([tiny.correct, tiny.reason], [false, "budget-exceeded"]);
  });
});

Deno.test("verify() options", async (t) => {
  await t.step("relativeTolerance loosens decimal-vs-irrational only", () => {
    assert.equal(verify(boxed("1.414"), "\\sqrt2").correct, false);
    assert.equal(verify(boxed("1.414"), "\\sqrt2", { relativeTolerance: 1e-3 }).correct, true);
    assert.equal(verify(boxed("0.333"), "\\frac13", { relativeTolerance: 1e-2 }).correct, false);
  });
  await t.step("invalid options throw RangeError (programmer mistakes, not model output)", () => {
    assert.throws(() => verify("\\boxed{1}", "1", { maxSteps: Number.NaN }), RangeError);
    assert.throws(() => verify("\\boxed{1}", "1", { points: 0 }), RangeError);
    assert.throws(() => verify("\\boxed{1}", "1", { relativeTolerance: -1 }), RangeError);
  });
  await t.step("lastNumberFallback is off by default", () => {
    assert.equal(verify("so it is 42", "42").reason, "no-answer");
    assert.equal(verify("so it is 42", "42", { lastNumberFallback: true }).correct, true);
  });
  await t.step("the same inputs always give the same verdict, whatever the seed", () => {
    for (const seed of [0, 1, 99]) {
      const first = verify(boxed("(t-7)(t+7)"), "t^2-49", { seed });
      assert.deepEqual(verify(boxed("(t-7)(t+7)"), "t^2-49", { seed }), first);
      assert.equal(first.correct, true);
    }
  });
});

Deno.test("verify() grades the hard edges right (units, huge powers, huge and repeated answers)", async (t) => {
  const grade = (response: string, gold: string) => {
    const { correct, reason } = verify(response, gold);
    return `${correct} ${reason}`;
  };
  await t.step("a one- or two-letter unit in text mode after a number is dropped", () => {
    for (const answer of ["108 \\text{ m}", "108\\text{ s}", "108\\mbox{m}^2", "108\\text{ m/s}"]) {
      assert.equal(grade(boxed(answer), "108"), "true equivalent", answer);
    }
    assert.equal(grade(boxed("108\\text{ m}"), "109"), "false not-equivalent");
    // `\text{ or }` stays a separator, and math-mode letters stay variables.
    assert.equal(grade(boxed("5\\text{ or }6"), "5, 6"), "true equivalent");
    assert.equal(grade(boxed("108m"), "108"), "false not-equivalent");
  });
  await t.step("expressions whose values overflow compare up to the order of terms", () => {
    assert.equal(grade(boxed("(x+1)^{10^9}"), "(1+x)^{10^9}"), "true equivalent");
    assert.equal(grade(boxed("2^{10^9}\\cdot 3"), "3\\cdot 2^{10^9}"), "true equivalent");
    assert.equal(grade(boxed("(x+2)^{10^9}"), "(1+x)^{10^9}").startsWith("false"), true);
    assert.equal(grade(boxed("(x+1)^{10^9+1}"), "(1+x)^{10^9}").startsWith("false"), true);
  });
  await t.step("an answer that is the gold's own text is equivalent however long", () => {
    const matrix = (change = -1) =>
      `\\begin{pmatrix}${
        Array.from({ length: 200 }, (_, i) =>
          Array.from({ length: 200 }, (_, j) =>
            String(i * 200 + j === change ? -1 : i + j))
            .join("&")).join("\\\\")
      }\\end{pmatrix}`;
    assert.equal(grade(boxed(matrix()), matrix()), "true equivalent");
    assert.equal(grade(boxed(matrix(5)), matrix()), "false budget-exceeded");
  });
  await t.step("one answer boxed a thousand times is that answer", () => {
    const ones = "\\boxed{1}".repeat(1_000);
    assert.equal(grade(`So ${ones}.`, "1"), "true equivalent");
    assert.equal(verify(ones, "1").predicted, "1");
    assert.equal(grade(ones, "2"), "false not-equivalent");
    assert.equal(grade(`${ones}\\boxed{2}`, "1").startsWith("false"), true, "still a hedge");
  });
});

Deno.test("mathReward() is 1 exactly when verify() is correct", () => {
  assert.equal(mathReward(boxed("\\dfrac{1}{2}"), "0.5"), 1);
  assert.equal(mathReward(boxed("2"), "1+\\sqrt{2}"), 0);
  assert.equal(mathReward("no answer here", "1"), 0);
});
