// NotebookOutputs against Jupyter's own code: the same scripted outputs were fed, as iopub messages, to
// nbclient's process_message and nbconvert's coalesce_streams (test/fixtures/notebook/make_outputs_reference.py);
// the outputs tensorbook records must equal what they stored.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { fixture } from "../helpers/tools";
import { NotebookOutputs } from "../../src/notebook/outputs";
import type { CodeCell } from "../../src/notebook/nbformat";
import type { CellOutput } from "../../src/runtime/engine";
import type { MimeBundle } from "../../src/display/mime";

type Event =
  | CellOutput
  | { type: "result"; data: MimeBundle; metadata: { [key: string]: unknown } }
  | { type: "error"; ename: string; evalue: string; traceback: string[] };

const events = (JSON.parse(fs.readFileSync(fixture("notebook", "output_events.json"), "utf8")) as { cells: Event[][] }).cells;
const reference = (JSON.parse(fs.readFileSync(fixture("notebook", "outputs_reference.json"), "utf8")) as { outputs: unknown[][] }).outputs;

function record(): CodeCell[] {
  const outputs = new NotebookOutputs();
  const cells: CodeCell[] = events.map((_, i) => ({ cell_type: "code", metadata: {}, source: `cell ${i + 1}`, outputs: [], execution_count: null }));
  events.forEach((cellEvents, i) => {
    outputs.startCell(cells[i], i + 1);
    for (const event of cellEvents) {
      if (event.type === "result") outputs.result(event.data, event.metadata);
      else if (event.type === "error") outputs.error(event);
      else outputs.add(event);
    }
  });
  return cells;
}

test("every cell's outputs equal nbclient's + coalesce_streams' for the same messages", () => {
  const cells = record();
  assert.equal(cells.length, reference.length);
  cells.forEach((cell, i) => assert.deepEqual(cell.outputs, reference[i], `cell ${i + 1}`));
});

test("a carriage-return progress line keeps only its last state; \\r\\n stays a line end", () => {
  const [, second] = record();
  const stream = second.outputs[0];
  assert.equal(stream.output_type, "stream");
  assert.equal(stream.output_type === "stream" && stream.text, "100%\r\nc\nx\r\ny\n");
});

test("re-running a cell starts it empty and numbers its result by the new count", () => {
  const outputs = new NotebookOutputs();
  const cell: CodeCell = { cell_type: "code", metadata: {}, source: "1", outputs: [{ output_type: "stream", name: "stdout", text: "old\n" }], execution_count: 7 };
  outputs.startCell(cell, 3);
  outputs.result({ "text/plain": "1" }, {});
  assert.deepEqual(cell.outputs, [{ output_type: "execute_result", execution_count: 3, data: { "text/plain": "1" }, metadata: {} }]);
  assert.equal(cell.execution_count, 3);
});

test("an output before any cell started is a bug, said plainly", () => {
  assert.throws(() => new NotebookOutputs().add({ type: "stream", name: "stdout", text: "x" }), /before any cell started/);
});

// Issue 13 item 13: one 100,000-character line ending in \r\n took 7.8 s to save (300,000: 51.6 s); the
// coalescing re-scanned the whole stream on every chunk. The expected texts follow from nbconvert's rule
// (`.*\r(?=[^\n])` removed): a \r\n ends a line and overwrites nothing; "a\rb" keeps "b". The timeout only
// stops a regression from hanging the suite (quadratic, these would take many minutes).
test("a million-character line ending in \\r\\n, and 20,000 progress chunks, are kept as nbconvert keeps them", { timeout: 60_000 }, () => {
  const outputs = new NotebookOutputs();
  const cell: CodeCell = { cell_type: "code", metadata: {}, source: "", outputs: [], execution_count: null };
  outputs.startCell(cell, 1);
  const line = "x".repeat(1_000_000) + "\r\n";
  outputs.add({ type: "stream", name: "stdout", text: line });
  for (let i = 0; i < 20_000; i++) outputs.add({ type: "stream", name: "stdout", text: `step ${i}\r` });
  outputs.add({ type: "stream", name: "stdout", text: "\n" });
  assert.deepEqual(cell.outputs, [{ output_type: "stream", name: "stdout", text: `${line}step 19999\r\n` }]);
});
