// Issue 3, "Errors and interrupts" and "Types": runtime errors with frames in the cell's own lines, type
// errors at line:col with their TS code, // @ts-nocheck, and interrupting the three kinds of loops.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Session } from "./session";

describe("errors", () => {
  const s = Session.forSuite();

  it("a runtime error: ename, evalue, and frames 'Cell In[n], line k' with the offending line shown", async () => {
    await s.value(`function inner(o: { x: number } | null) {\n  return o!.x;\n}`);
    const n = s.executionCount + 1;
    const run = await s.run(`const a = 1;\n\ninner(null);`);
    assert.equal(run.outcome.status, "error");
    if (run.outcome.status !== "error") return;
    assert.equal(run.outcome.ename, "TypeError");
    assert.equal(run.outcome.evalue, "Cannot read properties of null (reading 'x')");
    // Outermost first, as Python prints it: the calling cell, then the function's cell.
    assert.match(run.traceback, new RegExp(`Cell In\\[${n}\\], line 3\\n[\\s\\S]*----> ?3 inner\\(null\\);[\\s\\S]*Cell In\\[${n - 1}\\], line 2, in inner\\n[\\s\\S]*----> ?2   return o!\\.x;`));
    // Kernel-internal frames are trimmed.
    assert.doesNotMatch(run.traceback, /worker\.js|node:internal/);
  });

  it("an error thrown deep inside a library (a tfjs shape mismatch) still shows the cell's line", async () => {
    const run = await s.run(`import * as tf from "@tensorflow/tfjs";\nconst a = tf.ones([2, 3]);\nconst product = tf.matMul(a, a);`);
    assert.equal(run.outcome.status, "error");
    assert.match(run.outcome.status === "error" ? run.outcome.evalue : "", /inner shapes \(3\) and \(2\)/);
    assert.match(run.traceback, /Cell In\[\d+\], line 3\n[\s\S]*----> ?3 const product = tf\.matMul\(a, a\);/);
  });

  it("an error 30 calls deep still shows the line that made the first call", async () => {
    const run = await s.run(`function down(n: number): number {\n  if (n === 0) throw new Error("bottom");\n  return down(n - 1) + 1;\n}\nconst depth = down(30);`);
    assert.match(run.traceback, /Cell In\[\d+\], line 5\n[\s\S]*----> ?5 const depth = down\(30\);/);
    // The 30 recursive frames at line 3 are shown once and counted, as IPython does.
    assert.match(run.traceback, /\[\.\.\. skipping similar frames: down at Cell In\[\d+\], line 3 \(29 times\)\]/);
    assert.equal(run.traceback.match(/, in down\n/g)?.length, 2); // line 3 once, line 2 (the throw) once
  });

  it("an error thrown after an await still points at its line", async () => {
    const run = await s.run(`await new Promise((r) => setTimeout(r, 1));\nconst list: number[] = [];\nthrow new RangeError("bad " + list.length);`);
    assert.equal(run.outcome.status === "error" ? run.outcome.ename : "", "RangeError");
    assert.match(run.traceback, /line 3\n[\s\S]*---->/);
  });

  it("a type error fails the cell before it runs, each diagnostic at line:col with its code", async () => {
    const n = s.executionCount + 1;
    const run = await s.run(`console.log("not printed");\nconst wrong: number = "text";\nconst alsoWrong: string = 5;`);
    assert.equal(run.outcome.status, "error");
    assert.equal(run.stdout, "");
    assert.equal(run.outcome.status === "error" ? run.outcome.ename : "", "TSError");
    assert.match(run.traceback, new RegExp(`Cell In\\[${n}\\]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'\\.`));
    assert.match(run.traceback, new RegExp(`Cell In\\[${n}\\]:3:7 - error TS2322: Type 'number' is not assignable to type 'string'\\.`));
    // The name it would have declared is not known afterwards (the cell did not run).
    assert.match((await s.run(`wrong`)).traceback, /TS2304: Cannot find name 'wrong'/);
  });

  it("// @ts-nocheck as the first line runs the cell unchecked", async () => {
    assert.equal(await s.value(`// @ts-nocheck\nconst loose: number = "text";\nloose`), "'text'");
    // Later checked cells still see its names.
    assert.equal(await s.value(`typeof loose`), "'string'");
  });

  it("a syntax error is reported even with @ts-nocheck", async () => {
    const run = await s.run(`// @ts-nocheck\nconst = 1;`);
    assert.equal(run.outcome.status, "error");
    assert.match(run.traceback, /:2:7 - error TS\d+/);
  });

  it("throwing a non-Error value", async () => {
    const run = await s.run(`throw "plain string";`);
    assert.equal(run.outcome.status === "error" ? run.outcome.evalue : "", "plain string");
  });
});

describe("interrupt", () => {
  const s = Session.forSuite();

  /**
   * Runs `code`, which prints "go" once it runs, interrupts `afterMs` after that, and returns how long the
   * cell took to end after the interrupt.
   */
  async function interrupted(code: string, afterMs = 200): Promise<{ ms: number; traceback: string; ename: string }> {
    let at = 0;
    let timer: NodeJS.Timeout | undefined;
    const run = await s.run(code, {}, (out) => {
      if (out.type === "stream" && out.text.includes("go") && timer === undefined) {
        timer = setTimeout(() => {
          at = performance.now();
          s.engine.interrupt();
        }, afterMs);
      }
    });
    return { ms: performance.now() - at, traceback: run.traceback, ename: run.outcome.status === "error" ? run.outcome.ename : "ok" };
  }

  it("a synchronous while (true) {} stops within a second; state before it survives; the next cell runs", async () => {
    const r = await interrupted(`let spins = 0;\nlet before = "kept";\nconsole.log("go");\nwhile (true) { spins++; }`);
    assert.equal(r.ename, "KeyboardInterrupt");
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.match(r.traceback, /interrupted/);
    assert.match(r.traceback, /----> ?4 while \(true\)/);
    assert.equal(await s.value(`[before, spins > 0]`), "[ 'kept', true ]");
  });

  it("an async loop awaiting timers stops within a second", async () => {
    const r = await interrupted(`let ticks = 0;\nconsole.log("go");\nwhile (true) { await new Promise((r) => setTimeout(r, 20)); ticks++; }`);
    assert.equal(r.ename, "KeyboardInterrupt");
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.equal(await s.value(`ticks > 0`), "true");
  });

  it("a cell awaiting forever stops within a second", async () => {
    const r = await interrupted(`console.log("go");\nawait new Promise(() => {});`);
    assert.equal(r.ename, "KeyboardInterrupt");
    assert.ok(r.ms < 1000, `${r.ms} ms`);
  });

  it("a long tfjs loop stops within a second, keeping the tensors made before", async () => {
    const r = await interrupted(`import * as tf from "@tensorflow/tfjs";\nlet x = tf.ones([64, 64]);\nlet steps = 0;\nconsole.log("go");\nfor (let i = 0; i < 1e9; i++) { const y = tf.matMul(x, x); y.dispose(); steps++; }`);
    assert.equal(r.ename, "KeyboardInterrupt");
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.equal(await s.value(`[x.shape, steps > 0]`), "[ [ 64, 64 ], true ]");
  });

  it("a loop inside a function defined in a cell is interruptible too; re-running the cell works", async () => {
    await s.value(`function spin() { for (;;) {} }`);
    const r = await interrupted(`console.log("go");\nspin()`);
    assert.equal(r.ename, "KeyboardInterrupt");
    assert.equal(await s.value(`function spin() { return "redefined"; }\nspin()`), "'redefined'");
  });
});
