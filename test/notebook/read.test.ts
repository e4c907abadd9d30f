// Reading: a notebook we cannot run is refused with a message that says what and where, and the file is
// never touched.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parseNotebook, readNotebook, NotebookFormatError } from "../../src/notebook/read";
import { execFileSync } from "node:child_process";
import { PYTHON, fixture, haveTool } from "../helpers/tools";

function refusal(text: string): string {
  try {
    parseNotebook(text, "nb.ipynb");
  } catch (err) {
    assert.ok(err instanceof NotebookFormatError, `a NotebookFormatError, not ${String(err)}`);
    return err.message;
  }
  assert.fail("the notebook was accepted");
}

const cell = (fields: object): string => JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "markdown", metadata: {}, source: "" }, fields] });

test("invalid JSON: the line and column of the fault", () => {
  const message = refusal('{\n "nbformat": 4,\n "cells": [}\n');
  assert.match(message, /^nb\.ipynb: not valid JSON at line 3, column 12: /);
});

test("truncated JSON (a half-written file) is called invalid", () => {
  assert.match(refusal('{"nbformat": 4, "cells": ['), /^nb\.ipynb: not valid JSON at line 1, column 27/);
});

test("nbformat 3 is refused with the command that converts it", () => {
  const message = refusal(JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }));
  assert.equal(message, "nb.ipynb: nbformat 3 is not supported; tensorbook reads nbformat 4 (convert it with `jupyter nbconvert --to notebook --nbformat 4 nb.ipynb`)");
});

test("a newer nbformat than 4.5 is refused", () => {
  assert.equal(refusal(JSON.stringify({ nbformat: 4, nbformat_minor: 6, metadata: {}, cells: [] })), "nb.ipynb: nbformat 4.6 is newer than tensorbook reads (4.0 to 4.5)");
  assert.match(refusal(JSON.stringify({ nbformat: 5, nbformat_minor: 0 })), /nbformat 5 is not supported/);
});

test("not a notebook at all", () => {
  assert.match(refusal("[1, 2]"), /a notebook is a JSON object, this file holds a list/);
  assert.match(refusal('{"cells": []}'), /no "nbformat" field/);
  assert.match(refusal('{"nbformat": 4, "nbformat_minor": 4, "metadata": {}}'), /"cells" must be a list, found nothing/);
});

test("a bad cell or output is named by its position", () => {
  assert.equal(refusal(cell({ cell_type: "heading", source: "x" })), 'nb.ipynb: cell 2: unknown cell_type string "heading" (expected "code", "markdown" or "raw")');
  assert.match(refusal(cell({ cell_type: "code", source: 3 })), /^nb\.ipynb: cell 2: "source" must be a string or a list of strings, found number 3$/);
  assert.match(refusal(cell({ cell_type: "code", source: "", outputs: [{ output_type: "stream", name: "stdout", text: "ok" }, { output_type: "pyout" }] })),
    /^nb\.ipynb: cell 2, output 2: unknown output_type string "pyout"$/);
});

test("missing optional fields are filled as nbformat defaults them", () => {
  const nb = parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 2, cells: [{ cell_type: "code", source: ["a\n", "b"] }] }), "nb.ipynb");
  assert.deepEqual(nb.metadata, {});
  assert.deepEqual(nb.cells[0], { cell_type: "code", source: ["a\n", "b"], metadata: {}, outputs: [], execution_count: null });
});

test("a missing file is said plainly", () => {
  assert.throws(() => readNotebook(fixture("notebook", "no-such.ipynb")), /no-such\.ipynb: cannot read the notebook: no such file$/);
});

/** A notebook whose metadata nests `depth` objects: metadata.a.a…, the deepest at `depth` levels below the root. */
function nested(depth: number): string {
  return `{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": ${'{"a": '.repeat(depth - 1)}{}${"}".repeat(depth - 1)}}`;
}

test("metadata nested 20,000 deep is refused on read with its path (it once failed only when saved)", () => {
  assert.equal(refusal(nested(20_000)), "nb.ipynb: metadata.a.a.a.a.a.a.a … (491 more) … .a.a is nested more than 500 levels deep; " +
    "Jupyter's own nbformat cannot read a notebook nested this deep either (it stops near 500 levels)");
  assert.doesNotThrow(() => parseNotebook(nested(500), "nb.ipynb"));
  assert.match(refusal(nested(501)), /is nested more than 500 levels deep/);
  assert.match(refusal(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "raw", "source": "", "metadata": {"x": [${"[".repeat(600)}${"]".repeat(600)}]}}]}`),
    /^nb\.ipynb: cells\[0\]\.metadata\.x(\[0\])+ … \(\d+ more\) … \[0\]\[0\] is nested more than 500/);
});

test("what is refused as too deep, Jupyter's nbformat cannot read either", { skip: !haveTool("nbclient") }, () => {
  const script = "import sys, nbformat\ntry:\n    nbformat.reads(sys.stdin.read(), as_version=4)\n    print('read')\nexcept RecursionError:\n    print('RecursionError')";
  assert.equal(execFileSync(PYTHON, ["-c", script], { input: nested(501), encoding: "utf8" }).trim(), "RecursionError");
});
