// The Transformer over compute memory: KV-cache decoding equals full recompute, batch rows are
// independent, long prompts go through in chunks without changing a value, one thread and two give the
// same bits, and bad input is refused with the numbers. (Agreement with PyTorch is in golden.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LlamaWeights, ModelArgs } from "../../../src/ml/llama/args";
import { Transformer } from "../../../src/ml/llama/transformer";
import { maxAbsDiff, tinyArgs, tinyWeights } from "./tiny";

const models: Transformer[] = [];
/** A float32 Transformer over the arrays (disposed when the file's tests end). */
function transformer(a: ModelArgs, w: LlamaWeights, threads = 1): Transformer {
  const m = Transformer.fromArrays(a, w, { threads });
  models.push(m);
  return m;
}
test.after(() => models.forEach((m) => m.dispose()));

const args = tinyArgs();
const V = args.vocab_size;
const seq = [1, 5, 9, 3, 17, 4, 30, 2, 11, 8, 12, 6];

test("KV-cache decoding, one token at a time, equals one full forward over the sequence", () => {
  const model = transformer(args, tinyWeights(args));
  const full = model.forward([seq], 0).slice(); // (1, T, V)
  for (let pos = 0; pos < seq.length; pos++) {
    const step = model.forward([[seq[pos]]], pos);
    const d = maxAbsDiff(step, full.subarray(pos * V, (pos + 1) * V));
    assert.ok(d < 1e-5, `position ${pos}: |Δlogit| ${d}`);
  }
});

test("a prefill chunk then a chunk at start_pos > 0 (mask after the cache) equals full recompute", () => {
  const model = transformer(args, tinyWeights(args));
  const full = model.forward([seq], 0).slice();
  model.forward([seq.slice(0, 5)], 0);
  const chunk = model.forward([seq.slice(5, 9)], 5);
  assert.ok(maxAbsDiff(chunk, full.subarray(5 * V, 9 * V)) < 1e-5);
});

test("a batch row's logits are those it gets alone (no leakage across rows of the cache)", () => {
  const model = transformer(args, tinyWeights(args));
  const other = [7, 7, 3, 1, 0, 29, 14, 2];
  const alone = model.forward([seq.slice(0, 8)], 0).slice();
  const batch = model.forward([other, seq.slice(0, 8)], 0).slice();
  assert.ok(maxAbsDiff(batch.subarray(8 * V), alone) < 1e-6);
  // decoding on: row 1 at position 8 sees its own cache only
  const next = model.forward([[5], [seq[8]]], 8).slice();
  const single = transformer(args, tinyWeights(args));
  single.forward([seq.slice(0, 9)], 0);
  const ref = single.forward([seq.slice(0, 9)], 0).subarray(8 * V, 9 * V);
  assert.ok(maxAbsDiff(next.subarray(V), ref) < 1e-5);
});

test("different weights give different logits (the test above can fail)", () => {
  const a = transformer(args, tinyWeights(args, 1)).forward([seq], 0).slice();
  const b = transformer(args, tinyWeights(args, 2)).forward([seq], 0).slice();
  assert.ok(maxAbsDiff(a, b) > 1e-2);
});

test("bad input is refused with what and where", () => {
  const model = transformer(args, tinyWeights(args));
  assert.throws(() => model.forward([[1], [2], [3], [4], [5]], 0), /batch of 5 rows is larger than max_batch_size 4/);
  assert.throws(() => model.forward([[1, 2]], 23), /positions 23\.\.24 do not fit max_seq_len 24/);
  assert.throws(() => model.forward([[1, -1]], 0), /token -1 at \[0, 1\] is not an id in \[0, 32\)/);
  assert.throws(() => model.forward([[1, 2], [3]], 0), /row 1 has 1 tokens, row 0 has 2/);
  const weights = tinyWeights(args);
  weights.layers[1].wk = new Float32Array(3);
  assert.throws(() => transformer(args, weights), /weight layers\.1\.attention\.wk\.weight has shape \[3\], expected \(8, 16\)/);
});

test("a prompt longer than the rows a forward keeps in flight goes through in chunks, with the same logits", () => {
  const long = tinyArgs({ max_seq_len: 80 });
  const model = transformer(long, tinyWeights(long));
  assert.ok(model.capacity < 70, `capacity ${model.capacity}`);
  const prompt = Array.from({ length: 70 }, (_, i) => (i * 7 + 3) % long.vocab_size);
  const whole = model.forward([prompt], 0).slice();
  // position by position through the cache: no chunking at all
  for (const pos of [0, 31, 32, 33, 69]) {
    model.forward([prompt.slice(0, pos + 1)], 0);
    const step = model.forward([[prompt[pos]]], pos);
    assert.ok(maxAbsDiff(step, whole.subarray(pos * long.vocab_size, (pos + 1) * long.vocab_size)) < 1e-5, `position ${pos}`);
  }
});

test("positions: \"last\" gives each row's last-position logits of the full forward", () => {
  const model = transformer(args, tinyWeights(args));
  const rows = [seq.slice(0, 6), seq.slice(3, 9)];
  const all = model.forward(rows, 0).slice();
  const last = model.forward(rows, 0, "last").slice();
  assert.equal(last.length, 2 * V);
  for (let b = 0; b < 2; b++) assert.deepEqual(last.subarray(b * V, (b + 1) * V), all.subarray((b * 6 + 5) * V, (b * 6 + 6) * V));
});

test("one thread and two threads give bit-identical logits, on a model large enough to be split", () => {
  const big = tinyArgs({ dim: 128, n_heads: 4, n_kv_heads: 2, hidden_dim: 352, vocab_size: 1000, max_seq_len: 16 });
  const weights = tinyWeights(big, 3);
  const prompt = [[3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]];
  const one = transformer(big, weights, 1).forward(prompt, 0).slice();
  const two = transformer(big, weights, 2);
  assert.equal(two.compute.threads, 2);
  assert.deepEqual(two.forward(prompt, 0), one);
});
