// The committed tutorial notebooks: built from their reviewable sources (notebooks/src/*.ts), carrying
// tensorbook's kernelspec, and saved with their outputs, so a classmate who opens the file sees what its
// author saw (GitHub and nbviewer show the PNG snapshots).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readNotebook } from "../../src/notebook/read";
import { cellSources, fromSource, notebookNames, notebooksDir } from "./build";
import { checkExecuted } from "./check";

const names = notebookNames();

test("the tutorials are there: issue 8's five, and issue 11's real-size Llama", () => {
  for (const name of ["01-sgd-mini-batch", "02-loading-llama-checkpoints", "03-generate-explained", "04-devices-and-backends", "05-tokenization", "07-llama-in-memory"]) {
    assert.ok(names.includes(name), name);
  }
});

for (const name of names) {
  test(`${name}.ipynb: built from src/${name}.ts, tensorbook's kernelspec, outputs saved without errors`, () => {
    const nb = readNotebook(path.join(notebooksDir, `${name}.ipynb`));
    assert.deepEqual(cellSources(nb), cellSources(fromSource(name)), `notebooks/${name}.ipynb differs from its source: rebuild it (test/notebooks/build.ts)`);
    assert.equal(nb.metadata.kernelspec?.name, "tensorbook");
    assert.equal(nb.metadata.language_info?.name, "typescript");
    checkExecuted(nb, `notebooks/${name}.ipynb`);
  });
}

test("every file a notebook loads from assets/ is in notebooks/assets, listed in its PROVENANCE.md", () => {
  const provenance = fs.readFileSync(path.join(notebooksDir, "assets", "PROVENANCE.md"), "utf8");
  for (const name of names) {
    const source = fs.readFileSync(path.join(notebooksDir, "src", `${name}.ts`), "utf8");
    for (const [, asset] of source.matchAll(/"assets\/([^"]+)"/g)) {
      assert.ok(fs.existsSync(path.join(notebooksDir, "assets", asset)), `${name}: assets/${asset} is missing`);
      const key = fs.statSync(path.join(notebooksDir, "assets", asset)).isDirectory() ? `\`${asset}/\`` : asset;
      assert.ok(provenance.includes(key), `${name}: assets/${asset} is not in PROVENANCE.md`);
    }
  }
});
