// Tensor helpers against torch and numpy (test/fixtures/tensor/*.json, made by make_fixtures.py).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import {
  manualSeed, randn, rand, randint, arange, linspace, describe, topk, memory, leakNote,
  toFloat16Bits, fromFloat16Bits, toBFloat16Bits, fromBFloat16Bits,
} from "../../../src/ml/tensor";
import { JUPYTER_DISPLAY } from "../../../src/display/mime";
import { cellHooks } from "../../../src/runtime/hooks";
import { fixture } from "../../helpers/tools";

const load = <T>(name: string): T => JSON.parse(fs.readFileSync(fixture("tensor", name), "utf8")) as T;
const bytes = (b64: string): ArrayBuffer => { const b = Buffer.from(b64, "base64"); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };

test("setup: cpu backend", async () => { await tf.setBackend("cpu"); });

test("fp16: float32 → bits as numpy's astype(float16), and bits → float32", () => {
  const half = load<{ [k: string]: string }>("half.json");
  const values = new Float32Array(bytes(half.float32));
  assert.deepEqual(Array.from(toFloat16Bits(values)), Array.from(new Uint16Array(bytes(half.float16_bits))));
  const decoded = fromFloat16Bits(new Uint16Array(bytes(half.bits)));
  const expected = new Float32Array(bytes(half.float16_decoded));
  // Compare bit patterns: NaN payloads and -0 count.
  assert.deepEqual(Array.from(new Uint32Array(decoded.buffer)), Array.from(new Uint32Array(expected.buffer)));
});

test("bf16: float32 → bits as torch's .to(torch.bfloat16), and bits → float32", () => {
  const half = load<{ [k: string]: string }>("half.json");
  const values = new Float32Array(bytes(half.float32));
  const got = Array.from(toBFloat16Bits(values)), torchBits = Array.from(new Uint16Array(bytes(half.bfloat16_bits)));
  // NaN: torch's scalar cast (c10 round_to_nearest_even) gives 0x7fc0, its vectorized tensor cast 0xffff;
  // both are NaN, and tensorbook gives the scalar one. Every other value must match bit for bit.
  const isNaN16 = (b: number): boolean => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;
  assert.deepEqual(got.map((b, i) => (isNaN16(b) && isNaN16(torchBits[i]) ? "nan" : b)), torchBits.map((b) => (isNaN16(b) ? "nan" : b)));
  assert.equal(got[values.findIndex(Number.isNaN)], 0x7fc0);
  const decoded = fromBFloat16Bits(new Uint16Array(bytes(half.bits)));
  const expected = new Float32Array(bytes(half.bfloat16_decoded));
  assert.deepEqual(Array.from(new Uint32Array(decoded.buffer)), Array.from(new Uint32Array(expected.buffer)));
});

interface StatCase { name: string; shape: number[]; bytes: string; min: number; max: number; mean: number; std: number; nan: number; topk3_values: number[]; topk3_indices: number[] }

test("describe and topk agree with torch", async () => {
  for (const c of load<{ cases: StatCase[] }>("stats.json").cases) {
    const t = tf.tensor(new Float32Array(bytes(c.bytes)), c.shape);
    const d = await describe(t);
    assert.equal(d.min, c.min, c.name);
    assert.equal(d.max, c.max, c.name);
    assert.ok(Math.abs(d.mean - c.mean) < 1e-6, `${c.name}: mean ${d.mean} vs torch ${c.mean}`);
    assert.ok(Math.abs(d.std - c.std) < 1e-6, `${c.name}: std ${d.std} vs torch ${c.std}`);
    assert.equal(d.nan, c.nan);
    assert.match(d[JUPYTER_DISPLAY]()["text/plain"] as string, new RegExp(`^shape \\[${c.shape.join(", ")}\\] float32: min .* NaN ${c.nan}$`));
    if (c.nan === 0) {
      const { values, indices } = topk(t.flatten(), 3);
      assert.deepEqual(Array.from(values.dataSync()), c.topk3_values.map(Math.fround));
      assert.deepEqual(Array.from(indices.dataSync()), c.topk3_indices);
      tf.dispose([values, indices]);
    }
    t.dispose();
  }
});

test("topk along another dim and smallest first, as torch.topk(x, k, dim, largest=False)", () => {
  const x = tf.tensor2d([[3, 1, 2], [0, 5, 4]]);
  const { values, indices } = topk(x, 1, 0, false);
  assert.deepEqual(values.shape, [1, 3]);
  assert.deepEqual(Array.from(values.dataSync()), [0, 1, 2]);
  assert.deepEqual(Array.from(indices.dataSync()), [1, 0, 0]);
  assert.throws(() => topk(x, 4), /topk: k=4 must be an integer in \[0, 3\] \(the size of dim -1 of shape \[2, 3\]\)/);
  tf.dispose([x, values, indices]);
});

test("arange and linspace give torch's values", () => {
  const create = load<{ arange: { args: number[]; dtype: string; bytes: string }[]; linspace: { args: [number, number, number]; bytes: string }[] }>("create.json");
  for (const c of create.arange) {
    const t = arange(c.args[0], c.args[1], c.args[2]);
    const expected = c.dtype === "int32" ? new Int32Array(bytes(c.bytes)) : new Float32Array(bytes(c.bytes));
    assert.equal(t.dtype, c.dtype, `arange(${c.args})`);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(expected), `arange(${c.args})`);
    t.dispose();
  }
  for (const c of create.linspace) {
    const t = linspace(...c.args);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(new Float32Array(bytes(c.bytes))), `linspace(${c.args})`);
    t.dispose();
  }
  assert.throws(() => arange(0, 5, -1), /arange: upper bound and step are inconsistent/);
});

test("manualSeed makes random tensors reproducible; draws are standard normal / uniform", () => {
  manualSeed(42);
  const a = randn([4000]), u = rand([4000]), i = randint(0, 10, [1000]);
  manualSeed(42);
  const b = randn([4000]);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  const c = randn([4000]); // the next draw differs from the first
  assert.notDeepEqual(Array.from(c.dataSync()), Array.from(a.dataSync()));
  const mean = a.mean().dataSync()[0], std = tf.moments(a).variance.sqrt().dataSync()[0];
  // 4000 samples: the mean's standard error is 1/√4000 ≈ 0.016, so |mean| < 0.08 is five sigma.
  assert.ok(Math.abs(mean) < 0.08 && Math.abs(std - 1) < 0.05, `mean ${mean}, std ${std}`);
  const uv = u.dataSync();
  assert.ok(uv.every((x) => x >= 0 && x < 1) && Math.abs(u.mean().dataSync()[0] - 0.5) < 0.03);
  const iv = Array.from(i.dataSync());
  assert.equal(i.dtype, "int32");
  assert.deepEqual([...new Set(iv)].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.throws(() => randn([2, -1]), /randn: shape must be a list of non-negative integers, got \[2,-1\]/);
  tf.dispose([a, b, c, u, i]);
});

test("memory() shows tf.memory() and the leak hook notes tensors a cell left", async () => {
  const m = memory();
  assert.equal(m.numTensors, tf.memory().numTensors);
  assert.match(m[JUPYTER_DISPLAY]()["text/plain"] as string, /^\d+ tensors, \d+ data buffers, \d+ B on cpu \(an upper bound: this backend's memory is freed by garbage collection\)$/);
  assert.equal(leakNote({ numTensors: 3, numBytes: 0 }, { numTensors: 3, numBytes: 0 }), undefined);
  // Run the registered hooks around a "cell" that leaks two tensors, capturing stderr as the runtime does.
  const hooks = cellHooks();
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => { written.push(s); return true; }) as typeof process.stderr.write;
  let leaked: tf.Tensor[] = [];
  try {
    for (const h of hooks) h.onCellStart?.(7);
    leaked = [tf.zeros([10]), tf.ones([2, 2])];
    for (const h of hooks) await h.onCellEnd?.(7);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(written.length, 1);
  assert.match(written[0], /^note: this cell left 2 more tensors allocated \(\+56 B; \d+ in all\)/);
  tf.dispose(leaked);
});
