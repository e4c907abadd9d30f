// Issue 3, "Types": complete_request and inspect_request after earlier cells, through the Engine;
// is_complete by the parser.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Session } from "../runtime/session";

describe("completion and inspection", () => {
  const s = Session.forSuite();

  it("after `const s = \"abc\"`, completing `s.toU` offers toUpperCase with the right cursor span", async () => {
    await s.value(`const str = "abc";`);
    const code = "str.toU";
    const r = await s.engine.complete(code, code.length);
    assert.deepEqual(r.matches, ["toUpperCase"]);
    assert.equal(r.cursorStart, 4);
    assert.equal(r.cursorEnd, 7);
  });

  it("`tf.` offers matMul; the cursor may sit in the middle of the code", async () => {
    await s.value(`import * as tf from "@tensorflow/tfjs";`);
    const code = "const y = tf.mat\nconsole.log(y)";
    const r = await s.engine.complete(code, "const y = tf.mat".length);
    assert.ok(r.matches.includes("matMul"), r.matches.join());
    assert.equal(r.cursorStart, "const y = tf.".length);
    assert.equal(r.cursorEnd, "const y = tf.mat".length);
  });

  it("members of a class and of an interface declared in earlier cells", async () => {
    await s.value(`interface Shape { area(): number; name: string }\nclass Sq implements Shape { constructor(public side: number) {} area() { return this.side ** 2; } name = "sq"; }\nconst sq = new Sq(2);`);
    const r = await s.engine.complete("sq.", 3);
    assert.deepEqual([...r.matches].sort(), ["area", "name", "side"]);
  });

  it("inspect shows the signature and the doc comment, as text and markdown", async () => {
    await s.value(`/** Adds two numbers.\n * @param a the first */\nfunction add(a: number, b: number): number { return a + b; }`);
    const r = await s.engine.inspect("add(1, 2)", 1, 0);
    assert.equal(r.found, true);
    assert.equal(r.data["text/plain"], "function add(a: number, b: number): number\n\nAdds two numbers.\n@param a the first");
    assert.equal(r.data["text/markdown"], "```typescript\nfunction add(a: number, b: number): number\n```\n\nAdds two numbers.\n@param a the first");
    const none = await s.engine.inspect("   ", 1, 0);
    assert.equal(none.found, false);
  });

  it("inspect of a package's function shows its declared signature and docs", async () => {
    await s.value(`import { greet } from "esm-only-greet";`);
    const r = await s.engine.inspect("greet(", 6, 0);
    assert.equal(r.data["text/plain"], "(alias) greet(name: string): string\nimport greet\n\nGreets someone by name.");
  });

  it("the globals display, input and clearOutput are typed", async () => {
    const r = await s.engine.complete("display.ma", 10);
    assert.deepEqual(r.matches, ["markdown"]);
    const bad = await s.run(`display.html(42)`);
    assert.match(bad.traceback, /TS2345/);
  });
});

describe("is_complete", () => {
  const s = Session.forSuite();

  const cases: [string, string, string?][] = [
    ["1 + 1", "complete"],
    ["", "complete"],
    ["for (let i = 0; i < 3; i++) {", "incomplete", "  "],
    ["if (x) {\n  foo(", "incomplete", "    "],
    ["const s = `a ${", "incomplete", "  "],
    ["/* not closed", "incomplete", ""],
    ["const a =", "incomplete", ""],
    ["const s = '{';", "complete"],
    ["x )", "invalid"],
    ["let 1x = 2;", "invalid"],
  ];
  for (const [code, status, indent] of cases) {
    it(`${JSON.stringify(code)} → ${status}`, async () => {
      const r = await s.engine.isComplete(code);
      assert.equal(r.status, status);
      if (indent !== undefined && r.status === "incomplete") assert.equal(r.indent, indent);
    });
  }
});
