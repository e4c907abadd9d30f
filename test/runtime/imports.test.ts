// Issue 3, "Semantics": import and require of CommonJS and ESM-only packages, resolved from the notebook's
// folder upward, then from tensorbook's own dependencies; relative .ts files next to the notebook.
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { notebookDir, Session } from "./session";

describe("imports from cells", () => {
  const s = Session.forSuite();

  it("an ESM-only package (top-level await, no require condition) through a real import()", async () => {
    const run = await s.run(`import shout, { greet, answer } from "esm-only-greet";\n[greet("ada"), shout("hi"), answer]`);
    assert.equal(run.outcome.status, "ok", run.traceback);
    assert.equal(run.text, "[ 'hello, ada', 'HI!', 42 ]");
    // Its types came from its "exports" types condition: a wrong argument type is a type error.
    const wrong = await s.run(`greet(42)`);
    assert.equal(wrong.outcome.status, "error");
    assert.match(wrong.traceback, /Cell In\[\d+\]:1:7 - error TS2345/);
  });

  it("import * as of an ESM-only package gives its namespace", async () => {
    assert.equal(await s.value(`import * as esm from "esm-only-greet";\n[esm.answer, typeof esm.default]`), "[ 42, 'function' ]");
  });

  it("a CommonJS package from the notebook's node_modules, by import and by require (one instance)", async () => {
    const run = await s.run(`import counter from "cjs-counter";\nconst again = require("cjs-counter") as typeof counter;\n[counter.next(), again.next(), counter === again]`);
    assert.equal(run.text, "[ 1, 2, true ]", run.traceback);
    const file = path.join(notebookDir, "node_modules", "cjs-counter", "index.js");
    assert.equal(await s.value(`counter.loadedFrom`), `'${file}'`);
    assert.equal(await s.value(`require.resolve("cjs-counter")`), `'${file}'`);
  });

  it("@tensorflow/tfjs from tensorbook's own dependencies, and tensor math works in the cell's realm", async () => {
    const run = await s.run(`import * as tf from "@tensorflow/tfjs";\nconst m = tf.tensor2d([[1, 2], [3, 4]]);\nconst v = tf.matMul(m, m).dataSync();\n[Array.from(v), v instanceof Float32Array]`);
    assert.equal(run.text, "[ [ 7, 10, 15, 22 ], true ]", run.traceback);
  });

  it("tensorbook itself, with its types", async () => {
    const run = await s.run(`import { JUPYTER_DISPLAY } from "tensorbook";\nJUPYTER_DISPLAY === Symbol.for("Jupyter.display")`);
    assert.equal(run.text, "true", run.traceback);
  });

  it("a relative .ts file next to the notebook, types included", async () => {
    assert.equal(await s.value(`import { norm, type Point } from "./helper";\nconst p: Point = { x: 3, y: 4 };\nnorm(p)`), "5");
    const wrong = await s.run(`norm({ x: 1 })`);
    assert.match(wrong.traceback, /TS2345/);
  });

  it("node: builtins and a dynamic import() expression", async () => {
    assert.equal(await s.value(`import * as fs from "node:fs";\nfs.readFileSync("data.csv", "utf8").trim()`), "'1,2,3'");
    assert.equal(await s.value(`const mod = await import("esm-only-greet");\nmod.greet("bo")`), "'hello, bo'");
  });

  it("a missing package: a clear error naming it and where it was looked for; the session goes on", async () => {
    const run = await s.run(`// @ts-nocheck\nimport { x } from "no-such-package";`);
    assert.equal(run.outcome.status, "error");
    assert.match(run.traceback, /Cannot find module 'no-such-package' from the notebook's folder/);
    assert.equal(await s.value("1 + 1"), "2");
  });
});
