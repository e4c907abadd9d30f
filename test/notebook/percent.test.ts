// Percent-format sources (notebooks/src/*.ts) → nbformat cells.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { fromPercent } from "../../src/notebook/percent";

const source = `// A header comment that belongs to the file, not the notebook.

// %% [markdown]
// # Title
//
// Text with \`code\`.

// %%
const x = 1;

x

// %% [raw]
// raw text
`;

test("markers split cells; markdown loses its // prefix; blank edges are trimmed; the header is dropped", () => {
  const nb = fromPercent(source, "demo");
  assert.deepEqual(nb.cells.map((c) => [c.cell_type, c.source]), [
    ["markdown", "# Title\n\nText with `code`."],
    ["code", "const x = 1;\n\nx"],
    ["raw", "raw text"],
  ]);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal(nb.metadata.kernelspec?.name, "tensorbook");
});

test("cell ids are valid nbformat 4.5 ids, unique, and the same on every build", () => {
  const ids = fromPercent(source, "demo").cells.map((c) => c.id);
  assert.deepEqual(ids, fromPercent(source, "demo").cells.map((c) => c.id));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id ?? "", /^[a-zA-Z0-9-_]{1,64}$/);
  assert.notDeepEqual(ids, fromPercent(source, "other").cells.map((c) => c.id));
});

test("a markdown line that is not a comment is an error naming the line", () => {
  assert.throws(() => fromPercent("// %% [markdown]\n// fine\nconst oops = 1;\n", "bad"), /^Error: bad:3: a line in a markdown cell must be a \/\/ comment, found: const oops = 1;$/);
});
