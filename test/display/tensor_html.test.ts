// The HTML table of 1-D/2-D tensors: its cells are numpy's printed numbers (print_cases.json), "…" marks
// summarized rows and columns, and a small case is pinned by a committed snapshot.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { tensorBundle } from "../../src/display/tensor";
import { fixture } from "../helpers/tools";
import { printCases as cases, tensorOf } from "./print_cases";

/** numpy's rows of values ("..." included), from its printed text. */
function numpyRows(text: string, rank: number): string[][] {
  const flat = text.replace(/\s+/g, " ");
  // Inside the outer brackets: each "[…]" is a row, and a bare "..." stands for the rows left out.
  const rows = rank === 1 ? [flat] : flat.slice(1, -1).match(/\[[^[\]]*\]|\.\.\./g) ?? [];
  return rows.map((r) => r.replace(/[[\]]/g, "").split(",").map((s) => s.trim()).filter((s) => s !== ""));
}

/** The table's body rows as cell texts ("…" read as numpy's "..."). */
function htmlRows(html: string): string[][] {
  const body = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return body.split("<tr>").slice(1).map((row) => [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => (m[1] === "…" ? "..." : m[1])));
}

test("setup: cpu backend", async () => { await tf.setBackend("cpu"); });

for (const name of ["randn 2x3", "integers as float", "nan and inf", "randn 2000, summarized", "randn*100 40x50, summarized", "500x3 rows summarized", "int32", "bool"]) {
  test(`HTML cells are numpy's numbers: ${name}`, () => {
    const c = cases.find((x) => x.name === name)!;
    const t = tensorOf(c);
    const html = tensorBundle(t)["text/html"] as string;
    const expected = numpyRows(c.text, c.shape.length);
    const got = htmlRows(html);
    // numpy prints a summarized row block as one "..." line; the table has a row of "…" cells there.
    assert.deepEqual(got.map((r) => (r.every((s) => s === "...") ? ["..."] : r)), expected);
    assert.match(html, new RegExp(`<caption[^>]*>tensor · shape=\\[${c.shape.join(", ")}\\] · dtype=${c.dtype} · backend=cpu</caption>`));
    t.dispose();
  });
}

test("HTML snapshot of a 2×3 tensor", () => {
  const c = cases.find((x) => x.name === "randn 2x3")!;
  const t = tensorOf(c);
  assert.equal(tensorBundle(t)["text/html"], fs.readFileSync(fixture("tensor", "html_2x3.html"), "utf8").trimEnd());
  t.dispose();
});

test("no HTML for scalars and 3-D tensors; text/plain always", () => {
  const s = tf.scalar(2.5), cube = tf.zeros([2, 2, 2]);
  assert.deepEqual(Object.keys(tensorBundle(s)), ["text/plain"]);
  assert.equal(tensorBundle(s)["text/plain"], "tensor(2.5000, shape=[], dtype=float32, backend=cpu)");
  assert.deepEqual(Object.keys(tensorBundle(cube)), ["text/plain"]);
  tf.dispose([s, cube]);
});
