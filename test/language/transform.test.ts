// The cell compiler on its own (language/transform.ts): what a cell declares, the JavaScript it becomes
// when run with a stand-in for the runtime's services, and the source map back to the cell's lines.
import assert from "node:assert/strict";
import * as vm from "node:vm";
import { describe, it } from "node:test";
import { compileCell, isNoCheck } from "../../src/language/transform";
import { cellSource, originalLine } from "../../src/runtime/traceback";

/** Runs a compiled cell in a fresh context whose globalThis we can read back. */
async function runCell(code: string, imports: { [spec: string]: unknown } = {}): Promise<{ globals: { [k: string]: unknown }; value: unknown }> {
  const { js } = compileCell(code, "Cell In[1]");
  const context = vm.createContext({});
  const fn = vm.runInContext(js, context) as (tb: object) => Promise<{ value: unknown } | undefined>;
  const flag = new Int32Array(1);
  const boxed = await fn({
    flag,
    import: async (spec: string) => imports[spec],
    defaultOf: (m: { default?: unknown }) => m.default,
    interrupted: () => {
      throw new Error("interrupted");
    },
  });
  return { globals: vm.runInContext("globalThis", context) as { [k: string]: unknown }, value: boxed?.value };
}

describe("compileCell", () => {
  it("lists every top-level name, values and types", () => {
    const { declaredNames } = compileCell(
      `import a, { b as c } from "m";\nimport * as ns from "n";\nlet x = 1, { y, z: [w] } = o;\nfunction f() {}\nclass K {}\nenum E { A }\nnamespace N {}\ninterface I {}\ntype T = 1;`, "c");
    assert.deepEqual([...declaredNames].sort(), ["E", "I", "K", "N", "T", "a", "c", "f", "ns", "w", "x", "y"].sort());
  });

  it("declarations become globals; imports come from __tb.import; the last expression is returned", async () => {
    const { globals, value } = await runCell(`import def, { named as alias } from "m";\nconst { p, q: [r] } = { p: 1, q: [2] };\nclass K { v = 3 }\nlet total = p + r + new K().v + alias + def;\ntotal * 2`,
      { m: { named: 10, default: 100 } });
    assert.equal(value, 232);
    assert.equal(globals["total"], 116);
    assert.equal(globals["p"], 1);
    assert.equal(globals["r"], 2);
    assert.equal(typeof globals["K"], "function");
  });

  it("a loop checks the interrupt flag at the top of each iteration", () => {
    const { js } = compileCell(`while (true) {}\nfor (const v of []) {}\ndo {} while (false);`, "c");
    assert.equal(js.match(/if \(__tb_flag\[0\]\)/g)?.length, 3);
  });

  it("the source map sends each generated statement back to its cell line", () => {
    const code = `const a = 1;\n\nfunction g() {\n  return a;\n}\nconst b = g();\nb`;
    const { js, sourceMap } = compileCell(code, "c");
    const cell = cellSource(code, sourceMap);
    const generated = js.split("\n");
    const lineOf = (needle: string): number | undefined => {
      const index = generated.findIndex((l) => l.includes(needle));
      return originalLine(cell, index + 1, (generated[index] ?? "").indexOf(needle) + 1);
    };
    assert.equal(lineOf("globalThis.a = 1"), 1);
    assert.equal(lineOf("return a"), 4);
    assert.equal(lineOf("globalThis.b = g()"), 6);
    assert.equal(lineOf("value: b"), 7);
  });

  it("// @ts-nocheck is recognised only as the first line", () => {
    assert.equal(isNoCheck("// @ts-nocheck\nlet a = 1"), true);
    assert.equal(isNoCheck("let a = 1\n// @ts-nocheck"), false);
  });
});
