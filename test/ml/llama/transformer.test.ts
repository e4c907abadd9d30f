// The typed-array Transformer: KV-cache decoding equals full recompute, batch rows are independent,
// and bad input is refused with the numbers. (Agreement with PyTorch is in golden.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { SimdKernels } from "../../../src/ml/llama/simd";
import { Transformer } from "../../../src/ml/llama/transformer";
import { maxAbsDiff, tinyArgs, tinyWeights } from "./tiny";

const args = tinyArgs();
const V = args.vocab_size;
const seq = [1, 5, 9, 3, 17, 4, 30, 2, 11, 8, 12, 6];

test("KV-cache decoding, one token at a time, equals one full forward over the sequence", () => {
  const model = new Transformer(args, tinyWeights(args));
  const full = model.forward([seq], 0).slice(); // (1, T, V)
  for (let pos = 0; pos < seq.length; pos++) {
    const step = model.forward([[seq[pos]]], pos);
    const d = maxAbsDiff(step, full.subarray(pos * V, (pos + 1) * V));
    assert.ok(d < 1e-5, `position ${pos}: |Δlogit| ${d}`);
  }
});

test("a prefill chunk then a chunk at start_pos > 0 (mask after the cache) equals full recompute", () => {
  const model = new Transformer(args, tinyWeights(args));
  const full = model.forward([seq], 0).slice();
  model.forward([seq.slice(0, 5)], 0);
  const chunk = model.forward([seq.slice(5, 9)], 5);
  assert.ok(maxAbsDiff(chunk, full.subarray(5 * V, 9 * V)) < 1e-5);
});

test("a batch row's logits are those it gets alone (no leakage across rows of the cache)", () => {
  const model = new Transformer(args, tinyWeights(args));
  const other = [7, 7, 3, 1, 0, 29, 14, 2];
  const alone = model.forward([seq.slice(0, 8)], 0).slice();
  const batch = model.forward([other, seq.slice(0, 8)], 0).slice();
  assert.ok(maxAbsDiff(batch.subarray(8 * V), alone) < 1e-6);
  // decoding on: row 1 at position 8 sees its own cache only
  const next = model.forward([[5], [seq[8]]], 8).slice();
  const single = new Transformer(args, tinyWeights(args));
  single.forward([seq.slice(0, 9)], 0);
  const ref = single.forward([seq.slice(0, 9)], 0).subarray(8 * V, 9 * V);
  assert.ok(maxAbsDiff(next.subarray(V), ref) < 1e-5);
});

test("different weights give different logits (the test above can fail)", () => {
  const a = new Transformer(args, tinyWeights(args, 1)).forward([seq], 0).slice();
  const b = new Transformer(args, tinyWeights(args, 2)).forward([seq], 0).slice();
  assert.ok(maxAbsDiff(a, b) > 1e-2);
});

test("bad input is refused with what and where", () => {
  const model = new Transformer(args, tinyWeights(args));
  assert.throws(() => model.forward([[1], [2], [3], [4], [5]], 0), /batch of 5 rows is larger than max_batch_size 4/);
  assert.throws(() => model.forward([[1, 2]], 23), /positions 23\.\.24 do not fit max_seq_len 24/);
  assert.throws(() => model.forward([[1, -1]], 0), /token -1 at \[0, 1\] is not an id in \[0, 32\)/);
  assert.throws(() => model.forward([[1, 2], [3]], 0), /row 1 has 1 tokens, row 0 has 2/);
  const weights = tinyWeights(args);
  weights.layers[1].wk = new Float32Array(3);
  assert.throws(() => new Transformer(args, weights), /layers\.1\.attention\.wk\.weight has 3 values, expected \(8, 16\) = 128/);
});

test("the WebAssembly SIMD path and the JS loops give the same logits (within float32 summation order)", () => {
  // Node ≥ 16.4 has WebAssembly SIMD: if the hand-assembled module stops validating, this fails (the JS
  // fallback would otherwise hide it behind passing, slower tests)
  assert.equal(SimdKernels.available(), true);
  const simd = new Transformer(args, tinyWeights(args));
  const js = new Transformer(args, tinyWeights(args), { simd: false });
  assert.equal(simd.usesSimd, true);
  assert.equal(js.usesSimd, false);
  const a = simd.forward([seq, seq.slice().reverse()], 0).slice();
  const b = js.forward([seq, seq.slice().reverse()], 0).slice();
  assert.ok(maxAbsDiff(a, b) < 1e-5, `${maxAbsDiff(a, b)}`);
  const step = simd.forward([[3], [4]], seq.length).slice();
  assert.ok(maxAbsDiff(step, js.forward([[3], [4]], seq.length)) < 1e-5);
});

test("shapes the SIMD kernels cannot take (head_dim 6, hidden 42) run in JS loops and still cache right", () => {
  const odd = tinyArgs({ dim: 12, n_heads: 2, n_kv_heads: 1, hidden_dim: 42 });
  const model = new Transformer(odd, tinyWeights(odd));
  assert.equal(model.usesSimd, false);
  const full = model.forward([seq], 0).slice();
  const last = model.forward([[seq[seq.length - 1]]], seq.length - 1);
  assert.ok(maxAbsDiff(last, full.subarray((seq.length - 1) * odd.vocab_size)) < 1e-5);
});
