// Tensor display against numpy's own printing (test/fixtures/tensor/print_cases.json, made by
// make_fixtures.py with python3-numpy): the array body must be numpy's array2string byte for byte,
// summarized past 1000 elements with 3 edge items as torch and numpy do.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { tensorBundle, tensorBundleAsync, isTensorLike } from "../../src/display/tensor";
import { printCases as cases, tensorOf } from "./print_cases";

/** The array body of our text/plain: between "tensor(" and the ", shape=[…]" that follows it. */
function bodyOf(text: string): string {
  const at = text.lastIndexOf("shape=[");
  return text.slice("tensor(".length, at).replace(/,(\n *| )$/, "");
}

test("setup: cpu backend", async () => {
  await tf.setBackend("cpu");
});

for (const c of cases) {
  test(`text/plain matches numpy: ${c.name}`, () => {
    const t = tensorOf(c);
    assert.ok(isTensorLike(t));
    const text = tensorBundle(t)["text/plain"] as string;
    assert.equal(bodyOf(text), c.text);
    assert.ok(text.endsWith(`shape=[${c.shape.join(", ")}], dtype=${c.dtype}, backend=cpu)`), text);
    t.dispose();
  });
}

test("a summarized tensor is read by its edges only, and every slice is freed", () => {
  // Values in [1, 2) keep the fixed 4-digit format, so each row fits one line.
  const big = tf.randomUniform([300, 400], 1, 2, "float32", 7);
  const before = tf.memory().numTensors;
  let wholeReads = 0;
  const spy = Object.create(big) as tf.Tensor;
  // dataSync on the 120,000-element tensor itself would be a whole read; only 6×6 corners may be read.
  spy.dataSync = () => { wholeReads++; return big.dataSync(); };
  const text = tensorBundle(spy)["text/plain"] as string;
  assert.equal(wholeReads, 0);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(bodyOf(text).split("\n").length, 7, text); // 3 rows, "...", 3 rows
  const corner = Array.from(big.slice([299, 399], [1, 1]).dataSync())[0];
  assert.ok(bodyOf(text).endsWith(`${corner.toFixed(4)}]]`), `last value ${corner} shown in\n${text}`);
  big.dispose();
});

test("tensorBundleAsync reads with data() and gives the same text", async () => {
  const c = cases.find((x) => x.name.startsWith("randn*100 40x50"))!;
  const t = tensorOf(c);
  assert.deepEqual(await tensorBundleAsync(t), tensorBundle(t));
  t.dispose();
  // A backend without dataSync (WebGPU in Node) gets a note that says how to see the values.
  const small = tf.tensor([1.5, 2]);
  const spy = Object.create(small) as tf.Tensor;
  spy.dataSync = () => { throw new Error("OffscreenCanvas is not defined"); };
  assert.match(tensorBundle(spy)["text/plain"] as string, /not readable synchronously \(OffscreenCanvas is not defined\); show it with await tensorBundleAsync/);
  assert.equal((await tensorBundleAsync(small))["text/plain"], "tensor([1.5000, 2.0000], shape=[2], dtype=float32, backend=cpu)");
  small.dispose();
});

test("a disposed tensor says so instead of throwing", () => {
  const t = tf.tensor([1, 2, 3]);
  t.dispose();
  assert.equal(tensorBundle(t)["text/plain"], "tensor(<disposed: its memory was freed by dispose() or tf.tidy()>, shape=[3], dtype=float32, backend=disposed)");
});
