import assert from "node:assert/strict";
import { extractAnswer } from "../../lib/verifier/extract.ts";

Deno.test("extractAnswer() finds the committed final answer", async (t) => {
  await t.step("last \\boxed{} with nested braces", () => {
    assert.equal(
      extractAnswer("first \\boxed{1} then $\\boxed{\\frac{1}{\\sqrt{2}}}$."),
      "\\frac{1}{\\sqrt{2}}",
    );
    assert.equal(extractAnswer("\\boxed{\\{1,2\\}}"), "\\{1,2\\}");
  });
  await t.step("\\fbox{} and \\boxed without braces", () => {
    assert.equal(extractAnswer("so \\fbox{7}"), "7");
    assert.equal(extractAnswer("so $\\boxed 5$."), "5");
  });
  await t.step("several adjacent boxes form one list answer", () => {
    assert.equal(extractAnswer("$\\boxed{2}$ and $\\boxed{3}$"), "2, 3");
    assert.equal(extractAnswer("\\boxed{2}. Checking again, we get \\boxed{3}"), "3");
  });
  await t.step("adjacent boxes that all hold the same answer are that answer once", () => {
    assert.equal(extractAnswer("\\boxed{1}\\boxed{1}\\boxed{ 1 }"), "1");
    assert.equal(extractAnswer("$\\boxed{1}$, $\\boxed{1}$, $\\boxed{2}$"), "1, 1, 2");
  });
  await t.step("unclosed box is no answer", () => {
    assert.equal(extractAnswer("so \\boxed{\\frac{1}{2}"), null);
  });
  await t.step("answer phrases with math delimiters", () => {
    assert.equal(
      extractAnswer("The final answer is $\\frac{3}{4}$. I hope it is correct."),
      "\\frac{3}{4}",
    );
    assert.equal(extractAnswer("Thus the answer is \\(x=2\\)."), "x=2");
    assert.equal(extractAnswer("Work...\n**Answer:** \\[ 12 \\]"), "12");
    assert.equal(extractAnswer("Answer: 17"), "17");
    assert.equal(extractAnswer("The answer is $2$ or $3$. Maybe."), "2 or 3");
  });
  await t.step("boxed beats phrases; the last phrase wins", () => {
    assert.equal(extractAnswer("The answer is 3. So \\boxed{4}"), "4");
    assert.equal(extractAnswer("The answer is 3.\nActually the answer is 5."), "5");
  });
  await t.step("thinking tags: only text after </think>; open <think> gives none", () => {
    assert.equal(extractAnswer("<think>maybe \\boxed{1}</think> so \\boxed{2}"), "2");
    assert.equal(extractAnswer("<think>maybe \\boxed{1}</think> I am not sure"), null);
    assert.equal(extractAnswer("<think>maybe \\boxed{1} and then"), null);
  });
  await t.step("no last-number fallback unless asked", () => {
    assert.equal(extractAnswer("we get 3 apples and 12 pears"), null);
    assert.equal(extractAnswer("we get 3 apples and 12 pears", { lastNumberFallback: true }), "12");
  });
});
