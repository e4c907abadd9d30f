// Writing: byte for byte what Jupyter's nbformat writes (reference made by nbformat.writes, see
// test/fixtures/notebook/make_write_reference.py), and atomic: a failed write leaves the old file whole.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../helpers/tools";
import { parseNotebook, readNotebook } from "../../src/notebook/read";
import { serializeNotebook, writeNotebook, writeFileAtomic } from "../../src/notebook/write";
import { splitLines } from "../../src/notebook/nbformat";

const unsplit = fixture("notebook", "sample-unsplit.ipynb");
const byNbformat = fs.readFileSync(fixture("notebook", "sample-nbformat.ipynb"), "utf8");

test("a notebook is serialized exactly as nbformat.writes does (sorted keys, indent 1, split lines)", () => {
  assert.equal(serializeNotebook(readNotebook(unsplit)), byNbformat);
});

test("reading what nbformat wrote and writing it again changes nothing", () => {
  assert.equal(serializeNotebook(parseNotebook(byNbformat, "sample-nbformat.ipynb")), byNbformat);
});

test("splitLines is Python's str.splitlines(keepends=True)", () => {
  // Expected values are what CPython 3.11 prints for the same strings.
  assert.deepEqual(splitLines("a\nb\r\nc\rd\fe\u2028f"), ["a\n", "b\r\n", "c\r", "d\f", "e\u2028", "f"]);
  assert.deepEqual(splitLines(""), []);
  assert.deepEqual(splitLines("\n\n"), ["\n", "\n"]);
  assert.deepEqual(splitLines("no end"), ["no end"]);
});

test("serializing does not change the notebook in memory (text stays one string)", () => {
  const nb = readNotebook(unsplit);
  serializeNotebook(nb);
  assert.equal(typeof nb.cells[0].source, "string");
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-write-"));
}

test("writeNotebook replaces the file and leaves no temp file behind", () => {
  const dir = tempDir();
  const file = path.join(dir, "out.ipynb");
  fs.writeFileSync(file, "old");
  writeNotebook(file, readNotebook(unsplit));
  assert.equal(fs.readFileSync(file, "utf8"), byNbformat);
  assert.deepEqual(fs.readdirSync(dir), ["out.ipynb"]);
  fs.rmSync(dir, { recursive: true });
});

test("a write that cannot finish leaves the old file whole and no temp file, and says which file", () => {
  const dir = tempDir();
  // The target is a folder: rename(2) fails after the temp file was written in full.
  const target = path.join(dir, "nb.ipynb");
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, "keep"), "kept");
  assert.throws(() => writeFileAtomic(target, "new contents"), (err: Error) => err.message.startsWith(`cannot write ${target}:`));
  assert.deepEqual(fs.readdirSync(dir), ["nb.ipynb"]);
  assert.equal(fs.readFileSync(path.join(target, "keep"), "utf8"), "kept");
  fs.rmSync(dir, { recursive: true });
});

test("the written file keeps the old file's permissions", () => {
  const dir = tempDir();
  const file = path.join(dir, "nb.ipynb");
  fs.writeFileSync(file, "{}");
  fs.chmodSync(file, 0o600);
  writeFileAtomic(file, "x");
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  fs.rmSync(dir, { recursive: true });
});
