// The compute kernels against real references: ggml's quantizers (the blocks llama.cpp's GGUF files hold),
// numpy's float16 cast and torch's bfloat16 cast (their bytes in the fixtures), and float64 arithmetic for
// the matmuls, attention and SwiGLU. Also: the thread pool gives the same bits as one thread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../../helpers/tools";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";
import { Arena } from "../../../src/ml/compute/arena";
import { Compute, Weight, prepBytes } from "../../../src/ml/compute/compute";
import { KIND, rowBytes, WEIGHT_DTYPES, type WeightDType } from "../../../src/ml/compute/dtype";
import { Mulberry32 } from "../../../src/ml/llama/sampling";
import { metaName, readGgufTensors } from "./gguf_tensors";

const stories = loadCheckpoint(fixture("checkpoint", "llama2c", "stories260K.bin"));

/** `rows` rows of f32 values converted by from_f32 to `dtype`, as bytes. */
function convert(arena: Arena, values: Float32Array, rows: number, dtype: WeightDType): Buffer {
  const cols = values.length / rows;
  const src = arena.alloc(values.byteLength);
  arena.f32(src, values.length).set(values);
  const dst = arena.alloc(rows * rowBytes(dtype, cols));
  for (let i = 0; i < rows; i++) arena.kernels.from_f32(KIND[dtype], dst + i * rowBytes(dtype, cols), src + 4 * i * cols, cols);
  return Buffer.from(arena.bytes(dst, rows * rowBytes(dtype, cols)));
}

for (const [dtype, file, ggmlType] of [["q8_0", "stories260K-q8_0.gguf", 8], ["q4_0", "stories260K-q4_0.gguf", 2], ["float16", "stories260K-f16.gguf", 1]] as const) {
  test(`${dtype}: every ${dtype} tensor of llama.cpp's ${file} is what from_f32 makes of stories260K.bin's float32 weights, byte for byte`, () => {
    const arena = new Arena();
    const tensors = readGgufTensors(fixture("gguf", file)).filter((t) => t.type === ggmlType);
    assert.ok(tensors.length >= 30, `${tensors.length} tensors`);
    for (const t of tensors) {
      const mine = convert(arena, stories.getFloat32(metaName(t.name)).data, t.dims[1] ?? 1, dtype);
      assert.ok(mine.equals(t.data), `${t.name}: first difference at byte ${mine.findIndex((x, i) => x !== t.data[i])}`);
    }
  });
}

test("bfloat16: from_f32 rounds as torch's .to(torch.bfloat16) did for llama-meta-bf16, every tensor", () => {
  const arena = new Arena();
  const bf16 = loadCheckpoint(fixture("checkpoint", "llama-meta-bf16"));
  const f32 = loadCheckpoint(fixture("checkpoint", "llama-meta"));
  for (const name of f32.keys()) {
    const torchBits = bf16.read(name).data as Uint16Array;
    const mine = convert(arena, f32.getFloat32(name).data, 1, "bfloat16");
    assert.ok(mine.equals(Buffer.from(torchBits.buffer, torchBits.byteOffset, torchBits.byteLength)), name);
  }
});

test("to_f32 inverts from_f32 exactly for float32/bf16/f16 values, and dequantizes blocks as d·q", () => {
  const arena = new Arena();
  const rng = new Mulberry32(5);
  const values = Float32Array.from({ length: 64 }, () => (rng.next() - 0.5) * 3);
  for (const dtype of WEIGHT_DTYPES) {
    const stored = convert(arena, values, 1, dtype);
    const src = arena.alloc(stored.length);
    arena.bytes(src, stored.length).set(stored);
    const back = arena.alloc(4 * 64);
    arena.kernels.to_f32(KIND[dtype], back, src, 64);
    const out = arena.f32(back, 64);
    if (dtype === "q8_0" || dtype === "q4_0") {
      // block 0: d is the f16 at byte 0, q the int8s (q8_0) or nibbles − 8 (q4_0)
      const d = out[0] / (dtype === "q8_0" ? (stored.readInt8(2) || 1) : ((stored[2] & 15) - 8 || 1));
      for (let i = 0; i < 32; i++) {
        const q: number = dtype === "q8_0" ? stored.readInt8(2 + i) : i < 16 ? (stored[2 + i] & 15) - 8 : (stored[2 + i - 16] >> 4) - 8;
        assert.equal(out[i], Math.fround(d * q), `${dtype} value ${i}`);
      }
      assert.ok(Math.max(...out.map((x, i) => Math.abs(x - values[i]))) < (dtype === "q8_0" ? 0.02 : 0.25));
    } else {
      // a second round trip changes nothing: the first was exact rounding to that precision
      assert.deepEqual(convert(arena, out.slice(), 1, dtype), stored, dtype);
    }
  }
});

/** Σ_j w[i, j] · x[r, j] in float64 over the weights and inputs as the kernel sees them (dequantized). */
function referenceMatmul(w: Float32Array, x: Float32Array, R: number, n: number, d: number): Float64Array {
  const out = new Float64Array(R * d);
  for (let r = 0; r < R; r++) for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += w[i * n + j] * x[r * n + j];
    out[r * d + i] = s;
  }
  return out;
}

for (const dtype of WEIGHT_DTYPES) {
  test(`matmul ${dtype}: equals float64 arithmetic on the stored weights (and q8_0 inputs), odd row counts, 1 and 2 threads alike`, () => {
    const rng = new Mulberry32(7);
    // the last shape is large enough for the pool to split its rows between threads
    for (const [R, n, d] of [[1, 64, 12], [3, 160, 7], [2, 96, 33], [4, 256, 301]]) {
      const compute = new Compute(1), two = new Compute(2);
      const results: Float32Array[] = [];
      const xs = Float32Array.from({ length: R * n }, () => (rng.next() - 0.5) * 4);
      for (const c of [compute, two]) {
        const arena = c.newArena();
        const w = new Weight(arena, arena.alloc(d * rowBytes(dtype, n)), d, n, dtype);
        const rngW = new Mulberry32(11);
        const values = Float32Array.from({ length: d * n }, () => (rngW.next() - 0.5) * 0.4);
        arena.bytes(w.ptr, w.bytes).set(convert(arena, values, d, dtype));
        const x = arena.alloc(4 * R * n);
        arena.f32(x, R * n).set(xs);
        const prep = arena.alloc(Math.max(64, prepBytes(dtype, R, n)));
        const out = arena.alloc(4 * R * d);
        c.linear(out, x, w, R, prep);
        results.push(arena.f32(out, R * d).slice());
        if (c === compute) {
          // the reference: dequantized weights, and for block weights the q8_0 input the kernel multiplies
          const deq = new Float32Array(d * n);
          const tmp = arena.alloc(4 * n);
          for (let i = 0; i < d; i++) {
            w.rowToFloat32(i, tmp);
            deq.set(arena.f32(tmp, n), i * n);
          }
          let input = xs;
          if (dtype === "q8_0" || dtype === "q4_0") {
            const back = arena.alloc(4 * R * n);
            arena.kernels.q8_0_input_to_f32(back, prep, R * n);
            input = arena.f32(back, R * n).slice();
            assert.ok(Math.max(...input.map((v, i) => Math.abs(v - xs[i]))) < 2 / 127, "q8_0 input near x");
          }
          const ref = referenceMatmul(deq, input, R, n, d);
          ref.forEach((v, i) => assert.ok(Math.abs(v - results[0][i]) < 1e-5 * (1 + Math.abs(v)), `${dtype} (${R}, ${n}, ${d}) [${i}]: ${results[0][i]} vs ${v}`));
        }
      }
      assert.deepEqual(results[1], results[0], `${dtype}: 2 threads differ from 1`);
      compute.dispose();
      two.dispose();
    }
  });
}

test("silu_mul and rmsnorm equal float64 arithmetic (the kernel's e^x within float32 rounding)", () => {
  const arena = new Arena();
  const rng = new Mulberry32(3);
  const n = 1003;
  const g = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 40);
  const u = Float32Array.from({ length: n }, () => rng.next() - 0.5);
  const [gp, up] = [arena.alloc(4 * n), arena.alloc(4 * n)];
  arena.f32(gp, n).set(g);
  arena.f32(up, n).set(u);
  arena.kernels.silu_mul(gp, up, 0, n);
  const out = arena.f32(gp, n);
  for (let i = 0; i < n; i++) {
    const want = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
    assert.ok(Math.abs(out[i] - want) <= 4e-7 * Math.abs(want) + 1e-30, `silu(${g[i]})·${u[i]}: ${out[i]} vs ${want}`);
  }
  const w = Float32Array.from({ length: n }, () => rng.next());
  const [xp, wp, op] = [arena.alloc(4 * n), arena.alloc(4 * n), arena.alloc(4 * n)];
  arena.f32(xp, n).set(g);
  arena.f32(wp, n).set(w);
  arena.kernels.rmsnorm(op, xp, wp, 1, n, 1e-5);
  const scale = 1 / Math.sqrt(g.reduce((s, v) => s + v * v, 0) / n + 1e-5);
  arena.f32(op, n).forEach((v, i) => assert.ok(Math.abs(v - g[i] * scale * w[i]) < 1e-5, `rmsnorm[${i}]`));
});

test("attention: softmax(q·kᵀ/√hd)·v per head over each row's own cache, grouped-query heads, equal to float64", () => {
  const arena = new Arena();
  const rng = new Mulberry32(9);
  const [B, T, start, maxSeq, nHeads, nKv, hd] = [2, 3, 4, 9, 4, 2, 8];
  const kvDim = nKv * hd, dim = nHeads * hd;
  const q = Float32Array.from({ length: B * T * dim }, () => rng.next() - 0.5);
  const kc = Float32Array.from({ length: B * maxSeq * kvDim }, () => rng.next() - 0.5);
  const vc = Float32Array.from({ length: B * maxSeq * kvDim }, () => rng.next() - 0.5);
  const [qp, kp, vp, op] = [arena.alloc(q.byteLength), arena.alloc(kc.byteLength), arena.alloc(vc.byteLength), arena.alloc(q.byteLength)];
  arena.f32(qp, q.length).set(q);
  arena.f32(kp, kc.length).set(kc);
  arena.f32(vp, vc.length).set(vc);
  const scores = arena.alloc(4 * B * T * nHeads * 12);
  const c = new Compute(2);
  c.attention(arena, { out: op, q: qp, cacheK: kp, cacheV: vp, scores, B, T, startPos: start, maxSeqLen: maxSeq, nHeads, nKvHeads: nKv, headDim: hd });
  c.dispose();
  const out = arena.f32(op, q.length);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let h = 0; h < nHeads; h++) {
    const r = b * T + t, kvh = Math.floor(h / (nHeads / nKv));
    const s: number[] = [];
    for (let p = 0; p <= start + t; p++) {
      let dot = 0;
      for (let i = 0; i < hd; i++) dot += q[r * dim + h * hd + i] * kc[(b * maxSeq + p) * kvDim + kvh * hd + i];
      s.push(dot / Math.sqrt(hd));
    }
    const m = Math.max(...s), e = s.map((x) => Math.exp(x - m)), sum = e.reduce((a, x) => a + x, 0);
    for (let i = 0; i < hd; i++) {
      const want = e.reduce((acc, ep, p) => acc + (ep / sum) * vc[(b * maxSeq + p) * kvDim + kvh * hd + i], 0);
      assert.ok(Math.abs(out[r * dim + h * hd + i] - want) < 1e-6, `b ${b} t ${t} h ${h} i ${i}`);
    }
  }
});
