// The compiled kernels (kernels/*.wat, assembled to kernels.wasm at build time) and the typed shape of an
// instance's exports. One WebAssembly.Module per process; one instance per arena per thread.
import * as fs from "node:fs";
import * as path from "node:path";

/** The kernels' exports; every pointer is a byte address in the instance's arena. */
export interface Kernels {
  row_bytes(kind: number, n: number): number;
  matmul(kind: number, out: number, x: number, w: number, R: number, n: number, d: number, i0: number, i1: number): void;
  quantize_q8_0(dst: number, x: number, b0: number, b1: number): void;
  q8_0_input_to_f32(dst: number, src: number, n: number): void;
  split_pairs(dst: number, x: number, R: number, n: number): void;
  rmsnorm(out: number, x: number, w: number, R: number, n: number, eps: number): void;
  silu_mul(g: number, u: number, i0: number, i1: number): void;
  add(x: number, y: number, i0: number, i1: number): void;
  attention(out: number, q: number, kc: number, vc: number, scores: number, T: number, start: number, maxSeq: number,
    nHeads: number, nKv: number, hd: number, i0: number, i1: number): void;
  sigmoid_bias(z: number, b: number, R: number, n: number): void;
  gemm_acc(out: number, C: number, A: number, K: number, cols: number, i0: number, i1: number): void;
  to_f32(kind: number, dst: number, src: number, n: number): void;
  from_f32(kind: number, dst: number, src: number, n: number): void;
}

let compiled: WebAssembly.Module | undefined;
let relaxed = false;

/**
 * The kernels module, compiled once (synchronously: it is small, and Llama.load is synchronous): the
 * relaxed-SIMD build where the engine validates it (Node 22+, or Node 20 with
 * --experimental-wasm-relaxed-simd), else the baseline. TENSORBOOK_RELAXED_SIMD=0 forces the baseline.
 */
export function kernelModule(): WebAssembly.Module {
  if (compiled) return compiled;
  const file = path.join(__dirname, "kernels.wasm");
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: the WebAssembly kernels are assembled from kernels/*.wat by \`npm run build\` (scripts/build-wasm.mjs)`);
  }
  const variant = path.join(__dirname, "kernels.relaxed.wasm");
  if (process.env.TENSORBOOK_RELAXED_SIMD !== "0" && fs.existsSync(variant)) {
    const bytes = fs.readFileSync(variant);
    if (WebAssembly.validate(bytes)) {
      relaxed = true;
      return (compiled = new WebAssembly.Module(bytes));
    }
  }
  return (compiled = new WebAssembly.Module(fs.readFileSync(file)));
}

/** The instruction set the kernels run with: "relaxed-simd" or "simd" (doctor and the benchmarks print it). */
export function kernelFeatures(): "relaxed-simd" | "simd" {
  kernelModule();
  return relaxed ? "relaxed-simd" : "simd";
}

/** An instance of the kernels over `memory` (a shared WebAssembly.Memory: an arena). */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as Kernels;
}
