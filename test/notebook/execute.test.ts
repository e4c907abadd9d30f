// executeNotebook against a scripted Engine: order, numbering, skipping, stopping on errors, timeouts,
// Ctrl-C and an engine that will not stop. The real runtime is driven through the CLI in run-cli.test.ts.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { executeNotebook, type CellEnd, type CellStart } from "../../src/notebook/execute";
import type { Cell, CodeCell, Notebook } from "../../src/notebook/nbformat";
import type { CellIO, Engine, ExecuteOptions, ExecuteOutcome } from "../../src/runtime/engine";

type Script = (io: CellIO, options: ExecuteOptions, interrupted: Promise<void>) => Promise<ExecuteOutcome>;

const ok = (text?: string): ExecuteOutcome => ({ status: "ok", userExpressions: {}, ...(text === undefined ? {} : { result: { data: { "text/plain": text }, metadata: {} } }) });
const interruptedError: ExecuteOutcome = { status: "error", ename: "Interrupted", evalue: "the cell was interrupted", traceback: ["Interrupted"] };

/** An Engine whose cells are named scripts; interrupt() settles the `interrupted` promise a script may await. */
class ScriptedEngine implements Engine {
  readonly ran: { code: string; options: ExecuteOptions }[] = [];
  interrupts = 0;
  private onInterrupt: () => void = () => {};
  constructor(private readonly scripts: { [code: string]: Script }) {}
  execute(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome> {
    this.ran.push({ code, options });
    const interrupted = new Promise<void>((resolve) => (this.onInterrupt = resolve));
    const script = this.scripts[code];
    if (script === undefined) throw new Error(`no script for ${code}`);
    return script(io, options, interrupted);
  }
  interrupt(): void {
    this.interrupts += 1;
    this.onInterrupt();
  }
  complete(): never { throw new Error("not used"); }
  inspect(): never { throw new Error("not used"); }
  isComplete(): never { throw new Error("not used"); }
  async shutdown(): Promise<void> {}
}

const code = (source: string | string[], outputs: CodeCell["outputs"] = []): CodeCell => ({ cell_type: "code", metadata: {}, source, outputs, execution_count: null });
const notebook = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
const stale = [{ output_type: "stream" as const, name: "stdout" as const, text: "stale\n" }];

const scripts: { [code: string]: Script } = {
  hello: async (io) => { io.output({ type: "stream", name: "stdout", text: "hello\n" }); return ok(); },
  value: async () => ok("42"),
  fail: async (io) => { io.output({ type: "stream", name: "stderr", text: "about to fail\n" }); return { status: "error", ename: "TypeError", evalue: "boom", traceback: ["TypeError: boom", "Cell In[3], line 1"] }; },
  loop: async (_io, _o, interrupted) => { await interrupted; return interruptedError; },
  deaf: () => new Promise<ExecuteOutcome>(() => {}),
  ask: async (io) => { try { return ok(await io.input("name?", false)); } catch (err) { return { status: "error", ename: "Error", evalue: (err as Error).message, traceback: [] }; } },
  crash: () => Promise.reject(new Error("worker died")),
};

test("code cells run in order, numbered 1, 2, …; markdown and empty cells are skipped and keep their outputs", async () => {
  const empty = code("  \n", stale);
  const nb = notebook({ cell_type: "markdown", metadata: {}, source: "# title" }, code("hello"), empty, code(["val", "ue"], stale));
  const engine = new ScriptedEngine(scripts);
  const result = await executeNotebook(nb, engine);
  assert.deepEqual(result, { status: "ok", executed: 2, errors: 0, engineStuck: false });
  assert.deepEqual(engine.ran.map((r) => [r.code, r.options.executionCount, r.options.storeHistory, r.options.silent, r.options.allowStdin]),
    [["hello", 1, true, false, false], ["value", 2, true, false, false]]);
  assert.deepEqual(nb.cells[1], { ...code("hello", [{ output_type: "stream", name: "stdout", text: "hello\n" }]), execution_count: 1 });
  assert.deepEqual(empty, code("  \n", stale));
  assert.deepEqual((nb.cells[3] as CodeCell).outputs, [{ output_type: "execute_result", execution_count: 2, data: { "text/plain": "42" }, metadata: {} }]);
});

test("an error stops the run: the failing cell has its output and error, later cells are not run", async () => {
  const later = code("hello", stale);
  const nb = notebook(code("hello"), code("value"), code("fail"), later);
  const engine = new ScriptedEngine(scripts);
  const result = await executeNotebook(nb, engine);
  assert.deepEqual(result, { status: "error", executed: 3, errors: 1, stoppedAt: 3, engineStuck: false });
  assert.deepEqual((nb.cells[2] as CodeCell).outputs, [
    { output_type: "stream", name: "stderr", text: "about to fail\n" },
    { output_type: "error", ename: "TypeError", evalue: "boom", traceback: ["TypeError: boom", "Cell In[3], line 1"] },
  ]);
  assert.deepEqual(later.outputs, stale);
  assert.equal(later.execution_count, null);
});

test("--allow-errors runs on past the error and counts it", async () => {
  const nb = notebook(code("fail"), code("value"));
  const result = await executeNotebook(nb, new ScriptedEngine(scripts), { allowErrors: true });
  assert.deepEqual(result, { status: "ok", executed: 2, errors: 1, engineStuck: false });
  assert.equal((nb.cells[1] as CodeCell).execution_count, 2);
});

test("a cell past the timeout is interrupted, says why in the notebook, and stops the run even with allowErrors", async () => {
  const nb = notebook(code("loop"), code("hello"));
  const engine = new ScriptedEngine(scripts);
  const result = await executeNotebook(nb, engine, { timeoutS: 0.05, allowErrors: true });
  assert.deepEqual(result, { status: "timeout", executed: 1, errors: 1, stoppedAt: 1, engineStuck: false });
  assert.equal(engine.interrupts, 1);
  assert.deepEqual((nb.cells[0] as CodeCell).outputs, [
    { output_type: "stream", name: "stderr", text: "tensorbook run: the cell ran past --timeout 0.05 s and was interrupted\n" },
    { output_type: "error", ename: "Interrupted", evalue: "the cell was interrupted", traceback: ["Interrupted"] },
  ]);
  assert.equal(engine.ran.length, 1);
});

test("aborting (Ctrl-C) interrupts the running cell and starts no other", async () => {
  const nb = notebook(code("hello"), code("loop"), code("hello"));
  const engine = new ScriptedEngine(scripts);
  const controller = new AbortController();
  const ends: CellEnd[] = [];
  const run = executeNotebook(nb, engine, { signal: controller.signal, reporter: { cellStart(c: CellStart) { if (c.source === "loop") setTimeout(() => controller.abort(), 20); }, output() {}, cellEnd(c) { ends.push(c); } } });
  const result = await run;
  assert.deepEqual(result, { status: "interrupted", executed: 2, errors: 1, stoppedAt: 2, engineStuck: false });
  assert.equal(engine.interrupts, 1);
  assert.deepEqual(ends.map((e) => [e.executionCount, e.status]), [[1, "ok"], [2, "error"]]);
});

test("a cell that ignores the interrupt is given up after the grace period, with an error saying so", async () => {
  const nb = notebook(code("deaf"));
  const result = await executeNotebook(nb, new ScriptedEngine(scripts), { timeoutS: 0.02, interruptGraceMs: 30 });
  assert.deepEqual(result, { status: "timeout", executed: 1, errors: 0, stoppedAt: 1, engineStuck: true });
  const outputs = (nb.cells[0] as CodeCell).outputs;
  assert.deepEqual(outputs[outputs.length - 1], { output_type: "error", ename: "InterruptError", evalue: "the cell did not stop within 0.03 s of being interrupted", traceback: ["InterruptError: the cell did not stop within 0.03 s of being interrupted"] });
});

test("input() is refused with a reason: a headless run has nobody to answer", async () => {
  const nb = notebook(code("ask"));
  await executeNotebook(nb, new ScriptedEngine(scripts), { allowErrors: true });
  const [error] = (nb.cells[0] as CodeCell).outputs;
  assert.equal(error.output_type === "error" && error.evalue, 'input("name?") needs someone to answer: it is not available in `tensorbook run`');
});

test("an engine that throws (a runtime bug) becomes the cell's error instead of vanishing", async () => {
  const nb = notebook(code("crash"), code("hello"));
  const result = await executeNotebook(nb, new ScriptedEngine(scripts));
  assert.equal(result.status, "error");
  const [error] = (nb.cells[0] as CodeCell).outputs;
  assert.equal(error.output_type === "error" && `${error.ename}: ${error.evalue}`, "EngineError: tensorbook's runtime failed: worker died");
});

test("the reporter sees each cell start, its outputs as they come, and its end with time and value", async () => {
  const seen: string[] = [];
  await executeNotebook(notebook(code("hello"), code("value")), new ScriptedEngine(scripts), {
    reporter: {
      cellStart: (c) => seen.push(`start ${c.executionCount} cell ${c.cellNumber}/${c.cellCount}`),
      output: (o) => seen.push(`output ${o.type}`),
      cellEnd: (c) => { assert.ok(c.seconds >= 0 && c.seconds < 5); seen.push(`end ${c.executionCount} ${c.status} ${String(c.result?.["text/plain"])}`); },
    },
  });
  assert.deepEqual(seen, ["start 1 cell 1/2", "output stream", "end 1 ok undefined", "start 2 cell 2/2", "end 2 ok 42"]);
});
