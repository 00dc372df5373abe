import assert from "node:assert/strict";
import { normalizeAnswer } from "../../lib/verifier/normalize.ts";

Deno.test("normalizeAnswer() removes presentation and keeps the mathematics", async (t) => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["\\left( 1, 2 \\right]", "(1,2]"],
    ["\\dfrac{1}{2} + \\tfrac{1}{3}", "\\frac{1}{2}+\\frac{1}{3}"],
    ["3\\!\\sqrt{2}\\,", "3\\sqrt{2}"],
    ["12{,}000", "12000"],
    ["12,\\!000", "12000"],
    ["1,234,567", "1234567"],
    ["6,8,10", "6,8,10"],
    ["\\text{(C)}", "(C)"],
    ["5\\text{ cm}^2", "5"],
    ["10 \\mbox{ meters}", "10"],
    ["\\$18.90", "18.90"],
    ["336^\\circ", "336"],
    ["50\\%", "50"],
    ["007", "7"],
    ["0.05", "0.05"],
    ["2 \\text{ or } 3", "2,3"],
    ["\\sinx", "\\sin x"],
    ["\\pir^2", "\\pi r^2"],
    ["4.", "4"],
    ["5!", "5!"],
    ["{Monday}", "Monday"],
    ["\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"],
    ["9\\text{ a.m.}", "9"],
    ["18\\text{ ways.}", "18"],
    ["19{}43", "19,43"],
    ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"],
  ];
  for (const [input, expected] of cases) {
    await t.step(input, () => assert.equal(normalizeAnswer(input), expected));
  }
});
