// The WebGPU path on a real GPU (issue 4, "Devices"): tensorbook's chain selects WebGPU through Dawn, and
// its results equal the cpu backend's within tolerance on matMul, softmax and a small Llama-sized block
// (RMSNorm, attention, SwiGLU); then a 4096² matMul is timed. Not a CI test (CI has no GPU): the GPU
// machine runs it through bench/gpu/run.sh, which also writes gpu_check.json.
//
//   node dist/test/gpu/webgpu_check.js --modules DIR [--out DIR] [--backend wasm --size 1024]
//
// --backend runs the same checks with another backend in WebGPU's place (a dry run on a machine without a
// GPU); --size sets the timed matMul's n.
//
// DIR holds node_modules with `webgpu` and `@tensorflow/tfjs-backend-webgpu` (bench/gpu/pack.sh).
// On WebGPU in Node dataSync() throws (no OffscreenCanvas): everything here reads with `await data()`.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend, formatDevice } from "../../src/ml/backend";
import { tensorBundle, tensorBundleAsync } from "../../src/display/tensor";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Deterministic inputs made in JavaScript, so both backends get the very same bits. */
function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface Check { name: string; maxAbs: number; maxRel: number; tolerance: number; pass: boolean }

const GPU = arg("--backend") ?? "webgpu";

/** Runs `compute` on a backend and reads its result back asynchronously. */
async function on(backend: string, compute: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const y = tf.tidy(compute);
  const values = (await y.data()) as Float32Array;
  y.dispose();
  return values;
}

async function compare(name: string, compute: () => tf.Tensor, tolerance: number): Promise<Check> {
  const gpu = await on(GPU, compute);
  const cpu = await on("cpu", compute);
  let maxAbs = 0, maxRel = 0;
  for (let i = 0; i < cpu.length; i++) {
    const d = Math.abs(gpu[i] - cpu[i]);
    maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(cpu[i]), 1e-6));
  }
  const check = { name, maxAbs, maxRel, tolerance, pass: gpu.length === cpu.length && maxAbs <= tolerance };
  console.log(`${check.pass ? "ok  " : "FAIL"} ${name}: max |${GPU} - cpu| = ${maxAbs.toExponential(2)} (tolerance ${tolerance.toExponential(1)}), max relative ${maxRel.toExponential(2)}`);
  return check;
}

// A Llama block at stories15M's width (dim 288, 6 heads, hidden 768), 32 positions, as Meta's model.py:
// h = x + wo(attention(rmsnorm(x))); out = h + w2(silu(w1(rmsnorm(h))) * w3(rmsnorm(h))).
const DIM = 288, HEADS = 6, HEAD_DIM = DIM / HEADS, HIDDEN = 768, T = 32;
const W = {
  x: randomArray(T * DIM, 1), attnNorm: randomArray(DIM, 2, 0.5).map((v) => 1 + v), ffnNorm: randomArray(DIM, 3, 0.5).map((v) => 1 + v),
  wq: randomArray(DIM * DIM, 4, 0.06), wk: randomArray(DIM * DIM, 5, 0.06), wv: randomArray(DIM * DIM, 6, 0.06), wo: randomArray(DIM * DIM, 7, 0.06),
  w1: randomArray(DIM * HIDDEN, 8, 0.06), w2: randomArray(HIDDEN * DIM, 9, 0.04), w3: randomArray(DIM * HIDDEN, 10, 0.06),
};

function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D): tf.Tensor2D {
  // x * rsqrt(mean(x², -1) + eps) * weight (Meta's RMSNorm, eps 1e-5)
  return x.mul(x.square().mean(-1, true).add(1e-5).rsqrt()).mul(weight) as tf.Tensor2D;
}

function llamaBlock(): tf.Tensor {
  const x = tf.tensor2d(W.x, [T, DIM]);                                   // (T, dim)
  const mat = (w: Float32Array, a: number, b: number): tf.Tensor2D => tf.tensor2d(w, [a, b]);
  const xn = rmsNorm(x, tf.tensor1d(W.attnNorm));
  const heads = (t: tf.Tensor): tf.Tensor3D => t.reshape([T, HEADS, HEAD_DIM]).transpose([1, 0, 2]) as tf.Tensor3D; // (heads, T, head_dim)
  const q = heads(xn.matMul(mat(W.wq, DIM, DIM))), k = heads(xn.matMul(mat(W.wk, DIM, DIM))), v = heads(xn.matMul(mat(W.wv, DIM, DIM)));
  const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);            // (T, T) lower triangle
  const scores = tf.matMul(q, k, false, true).div(Math.sqrt(HEAD_DIM)).add(tf.sub(1, causal).mul(-1e9)); // (heads, T, T)
  const attn = tf.matMul(tf.softmax(scores), v).transpose([1, 0, 2]).reshape([T, DIM]); // (T, dim)
  const h = x.add(attn.matMul(mat(W.wo, DIM, DIM))) as tf.Tensor2D;
  const hn = rmsNorm(h, tf.tensor1d(W.ffnNorm));
  const gate = hn.matMul(mat(W.w1, DIM, HIDDEN));
  const ffn = gate.mul(tf.sigmoid(gate)).mul(hn.matMul(mat(W.w3, DIM, HIDDEN))).matMul(mat(W.w2, HIDDEN, DIM));
  return h.add(ffn);
}

async function timeMatMul(n: number, runs: number, reps: number): Promise<number[]> {
  await tf.setBackend(GPU);
  const a = tf.tensor2d(randomArray(n * n, 11), [n, n]), b = tf.tensor2d(randomArray(n * n, 12), [n, n]);
  const corner = async (y: tf.Tensor): Promise<void> => { const c = y.slice([0, 0], [1, 1]); await c.data(); c.dispose(); };
  const warm = tf.matMul(a, b); await corner(warm); warm.dispose(); // compile the shader, allocate
  const tflops: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    let y: tf.Tensor | undefined;
    for (let i = 0; i < reps; i++) { y?.dispose(); y = tf.matMul(a, b); }
    // The GPU queue runs in order: reading one element of the last product waits for all of them.
    await corner(y!);
    const seconds = (performance.now() - start) / 1e3;
    y!.dispose();
    tflops.push((2 * n ** 3 * reps) / seconds / 1e12);
  }
  tf.dispose([a, b]);
  return tflops;
}

async function main(): Promise<number> {
  const modules = arg("--modules");
  const out = arg("--out") ?? process.env.OUT ?? ".";
  const info = await selectBackend({ backend: GPU, modulePaths: modules === undefined ? undefined : [path.resolve(modules)] });
  console.log(formatDevice(info));
  const checks: Check[] = [];
  for (const n of [64, 256, 1024]) {
    const a = randomArray(n * n, n), b = randomArray(n * n, n + 1);
    // Sums of n products of values in (-1, 1): rounding grows like √n·ε·|terms|.
    checks.push(await compare(`matMul ${n}×${n}`, () => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])), 1e-5 * Math.sqrt(n) * 4));
  }
  const logits = randomArray(32 * 32000, 99, 8);
  checks.push(await compare("softmax [32, 32000]", () => tf.softmax(tf.tensor2d(logits, [32, 32000])), 1e-6));
  checks.push(await compare(`Llama block (dim ${DIM}, ${HEADS} heads, hidden ${HIDDEN}, ${T} positions)`, llamaBlock, 1e-4));

  // Display on WebGPU: the synchronous path must explain itself, the asynchronous one must show values.
  await tf.setBackend(GPU);
  const shown = tf.tensor2d([[1.5, -2], [3, 4]]);
  const syncText = String(tensorBundle(shown)["text/plain"]);
  const asyncText = String((await tensorBundleAsync(shown))["text/plain"]);
  shown.dispose();
  const displayOk = asyncText === `tensor([[ 1.5000, -2.0000],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=float32, backend=${GPU})`;
  console.log(`${displayOk ? "ok  " : "FAIL"} display on ${GPU}:\n  sync:  ${syncText}\n  async: ${asyncText}`);

  const size = Number(arg("--size") ?? 4096);
  const tflops = await timeMatMul(size, 5, GPU === "webgpu" ? 10 : 1);
  const sorted = [...tflops].sort((x, y) => x - y);
  console.log(`matMul ${size}² float32 on ${GPU}: ${sorted[2].toFixed(3)} TFLOP/s (median of 5 runs; runs ${tflops.map((t) => t.toFixed(2)).join(", ")})`);
  const pass = checks.every((c) => c.pass) && displayOk;
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "gpu_check.json"), JSON.stringify({ device: info, checks, display: { syncText, asyncText, pass: displayOk }, matmul: { n: size, tflops }, pass }, null, 1));
  console.log(pass ? `all ${GPU} checks passed` : `some ${GPU} checks FAILED`);
  return pass ? 0 : 1;
}

main().then((code) => process.exit(code), (err: unknown) => { console.error(err); process.exit(2); });
