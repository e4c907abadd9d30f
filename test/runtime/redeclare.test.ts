// Issue 3, "Semantics": top-level declarations persist across cells, and re-running a cell always works,
// also when a declaration changes kind (the redeclaration matrix), and after an interrupted run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Session } from "./session";

describe("declarations across cells", () => {
  const s = Session.forSuite();

  // Each kind of declaration, redefined as each other kind in a later cell; each cell run twice.
  const kinds: { [kind: string]: (v: number) => string } = {
    let: (v) => `let a = ${v};`,
    const: (v) => `const a = ${v};`,
    var: (v) => `var a = ${v};`,
    function: (v) => `function a() { return ${v}; }`,
    class: (v) => `class a { static v = ${v}; }`,
    destructuring: (v) => `const { a } = { a: ${v} };`,
    enum: (v) => `enum a { V = ${v} }`,
    namespace: (v) => `namespace a { export const v = ${v}; }`,
  };
  const read: { [kind: string]: string } = {
    let: "a", const: "a", var: "a", function: "a()", class: "a.v", destructuring: "a", enum: "a.V", namespace: "a.v",
  };
  for (const [from, declareFrom] of Object.entries(kinds)) {
    for (const [to, declareTo] of Object.entries(kinds)) {
      it(`${from} → ${to}`, async () => {
        assert.equal(await s.value(`// @ts-nocheck\n${declareFrom(1)}\n${read[from]}`), "1");
        assert.equal(await s.value(`// @ts-nocheck\n${declareFrom(2)}\n${read[from]}`), "2"); // the same cell again
        assert.equal(await s.value(`// @ts-nocheck\n${declareTo(3)}\n${read[to]}`), "3");
        assert.equal(await s.value(`// @ts-nocheck\n${read[to]}`), "3"); // seen by the next cell
      });
    }
  }

  it("type-checked cells redefine names without 'Cannot redeclare' (let → const → function → class)", async () => {
    assert.equal(await s.value("let b = 1;\nb"), "1");
    assert.equal(await s.value("let b = 1;\nb"), "1");
    assert.equal(await s.value("const b = 'two';\nb.length"), "3");
    assert.equal(await s.value("function b(x: number): number { return x * 10; }\nb(4)"), "40");
    assert.equal(await s.value("class b { constructor(readonly n: number) {} }\nnew b(5).n"), "5");
    assert.equal(await s.value("b.name"), "'b'");
  });

  it("functions are hoisted within their cell and see later cells' globals", async () => {
    assert.equal(await s.value("const early = twice(21);\nfunction twice(x: number) { return x * factor; }\nvar factor = 2;\nearly"), "NaN");
    assert.equal(await s.value("twice(21)"), "42");
    assert.equal(await s.value("factor = 3;\ntwice(21)"), "63");
  });

  it("a let assigned in a later cell is the same variable closures see", async () => {
    await s.value("let count = 0;\nfunction bump() { count++; return count; }");
    assert.equal(await s.value("bump(); bump()"), "2");
    assert.equal(await s.value("count = 10;\nbump()"), "11");
    assert.equal(await s.value("count"), "11");
  });

  it("types and interfaces persist for the checker", async () => {
    await s.value("interface Pt { x: number; y: number }\ntype Pair = [Pt, Pt];");
    assert.equal(await s.value("const pair: Pair = [{ x: 1, y: 2 }, { x: 3, y: 4 }];\npair[1].y"), "4");
    const bad = await s.run("const q: Pt = { x: 1 };");
    assert.equal(bad.outcome.status, "error");
    assert.match(bad.traceback, /TS2741/);
  });

  it("top-level await and for await", async () => {
    assert.equal(await s.value("const waited = await new Promise<number>((r) => setTimeout(() => r(7), 5));\nwaited"), "7");
    const run = await s.run("async function* gen() { yield 1; yield 2; }\nlet sum = 0;\nfor await (const v of gen()) sum += v;\nsum");
    assert.equal(run.text, "3");
  });

  it("the last expression's value, like Node's REPL; a returned Promise is shown, not awaited", async () => {
    assert.equal(await s.value("'abc'"), "'abc'");
    assert.equal(await s.value("({ a: [1, 2], b: new Map([[1, 'x']]) })"), "{ a: [ 1, 2 ], b: Map(1) { 1 => 'x' } }");
    assert.equal(await s.value("Promise.resolve(5)"), "Promise { 5 }");
    assert.equal(await s.value("const nothing = 1;"), undefined);
    assert.equal(await s.value("undefined"), undefined);
  });
});
