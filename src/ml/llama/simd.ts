// WebAssembly SIMD kernels for the Llama forward: the Linear layers (out (R, d) = x (R, n) · wᵀ, w (d, n)
// row-major), and attention's q·k scores, softmax exp and Σ p·v over a KV cache kept in the same memory.
//
// Why: in plain JS every Float32Array load is bounds-checked and widened to float64 one lane at a time;
// f32x4 does four multiply-adds per instruction. The module is small enough to write out by hand (no
// toolchain in the project), and is checked with WebAssembly.validate before use: where SIMD is missing
// the Transformer keeps its JS loops. Sums are float32 here (as llama2.c's run.c and PyTorch's CPU
// kernels do), in a different order than Meta's: the golden tests' 1e-4 bound on logits covers it.
//
// Layout: weights and caches are placed once in the module's memory; per Linear call, x is copied in and
// out copied out (n + d floats per row, against n·d multiply-adds). Four weight rows share each 16-byte
// load of x. Opcodes and encodings: WebAssembly core spec 2.0, §5 (binary format) and the SIMD opcode table.

import {
  BLOCK, BR, BR_IF, END, F32, F32X4_ADD, F32X4_EXTRACT_LANE, F32X4_MAX, F32X4_MUL, F32X4_NEAREST, F32X4_SPLAT, F32X4_SUB,
  F32_ADD, F32_LOAD, F32_STORE, I32, I32X4_ADD, I32X4_SHL, I32X4_TRUNC_SAT_F32X4_S, I32_ADD, I32_AND, I32_CONST, I32_GE_U,
  I32_MUL, I32_SHL, LOOP, V128, V128_CONST, V128_LOAD, V128_STORE, V128_ZERO, VOID, compile, get, instantiate,
  memory as newMemory, memoryModule, set, uleb,
} from "../wasm/encode";
import type { WasmFunction, WasmMemory, WasmModule } from "../wasm/encode";

/** `count` locals of value type `type`. */
const locals = (count: number, type: number): number[] => new Array<number>(count).fill(type);

// params: 0 out, 1 x, 2 w (byte addresses), 3 R, 4 n, 5 d (d % 4 == 0, n % 4 == 0)
const [OUT, X, W, R, N, D] = [0, 1, 2, 3, 4, 5];
// locals: i32 i, r, j, nb (row bytes), w0..w3 (weight row addresses), xr (x row address); v128 a0..a3, xv
const [I, RR, J, NB, W0, W1, W2, W3, XR] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
const [A0, A1, A2, A3, XV] = [15, 16, 17, 18, 19];

function matmulBody(): Omit<WasmFunction, "name"> {
  const load = (addr: number[]): number[] => [...addr, ...V128_LOAD, 0, 0];
  // a += load(wk + j) * xv
  const fma = (a: number, wk: number): number[] =>
    [...get(a), ...load([...get(wk), ...get(J), I32_ADD]), ...get(XV), ...F32X4_MUL, ...F32X4_ADD, ...set(a)];
  // out address + lane sum of a, stored at byte offset `offset`
  const hsum = (a: number): number[] => [
    ...get(a), ...F32X4_EXTRACT_LANE, 0, ...get(a), ...F32X4_EXTRACT_LANE, 1, F32_ADD,
    ...get(a), ...F32X4_EXTRACT_LANE, 2, F32_ADD, ...get(a), ...F32X4_EXTRACT_LANE, 3, F32_ADD,
  ];
  const outAddr = [...get(OUT), ...get(RR), ...get(D), I32_MUL, ...get(I), I32_ADD, I32_CONST, 2, I32_SHL, I32_ADD];
  const store = (a: number, offset: number): number[] => [...outAddr, ...hsum(a), F32_STORE, 2, ...uleb(offset)];
  const code = [
    ...get(N), I32_CONST, 2, I32_SHL, ...set(NB),
    I32_CONST, 0, ...set(I),
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...get(D), I32_GE_U, BR_IF, 1,
    ...get(W), ...get(I), ...get(NB), I32_MUL, I32_ADD, ...set(W0),
    ...get(W0), ...get(NB), I32_ADD, ...set(W1),
    ...get(W1), ...get(NB), I32_ADD, ...set(W2),
    ...get(W2), ...get(NB), I32_ADD, ...set(W3),
    I32_CONST, 0, ...set(RR),
    BLOCK, VOID, LOOP, VOID,
    ...get(RR), ...get(R), I32_GE_U, BR_IF, 1,
    ...get(X), ...get(RR), ...get(NB), I32_MUL, I32_ADD, ...set(XR),
    ...V128_ZERO, ...set(A0), ...V128_ZERO, ...set(A1), ...V128_ZERO, ...set(A2), ...V128_ZERO, ...set(A3),
    I32_CONST, 0, ...set(J),
    BLOCK, VOID, LOOP, VOID,
    ...get(J), ...get(NB), I32_GE_U, BR_IF, 1,
    ...load([...get(XR), ...get(J), I32_ADD]), ...set(XV),
    ...fma(A0, W0), ...fma(A1, W1), ...fma(A2, W2), ...fma(A3, W3),
    ...get(J), I32_CONST, 16, I32_ADD, ...set(J),
    BR, 0, END, END,
    ...store(A0, 0), ...store(A1, 4), ...store(A2, 8), ...store(A3, 12),
    ...get(RR), I32_CONST, 1, I32_ADD, ...set(RR),
    BR, 0, END, END,
    ...get(I), I32_CONST, 4, I32_ADD, ...set(I),
    BR, 0, END, END,
  ];
  return { params: locals(6, I32), locals: [...locals(9, I32), ...locals(5, V128)], body: code };
}

const lanesSum = (a: number): number[] => [
  ...get(a), ...F32X4_EXTRACT_LANE, 0, ...get(a), ...F32X4_EXTRACT_LANE, 1, F32_ADD,
  ...get(a), ...F32X4_EXTRACT_LANE, 2, F32_ADD, ...get(a), ...F32X4_EXTRACT_LANE, 3, F32_ADD,
];
// the attention kernels' signature: six i32 parameters (addresses, strides, counts), 4 × i32 and 1 × v128 locals
const attention = (body: number[]): Omit<WasmFunction, "name"> =>
  ({ params: locals(6, I32), locals: [...locals(4, I32), V128], body });

/**
 * scores(dst, q, k, stride, count, hdBytes): dst[p] = q · k[p] for p < count, k[p] at k + p·stride —
 * one head's q against the cached keys of its KV head (attention logits before the 1/√hd scale).
 */
function scoresBody(): Omit<WasmFunction, "name"> {
  const [DST, Q, K, STRIDE, COUNT, HDB] = [0, 1, 2, 3, 4, 5];
  const [P, KP, DP, II, ACC] = [6, 7, 8, 9, 10];
  return attention([
    I32_CONST, 0, ...set(P), ...get(K), ...set(KP), ...get(DST), ...set(DP),
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...get(COUNT), I32_GE_U, BR_IF, 1,
    ...V128_ZERO, ...set(ACC), I32_CONST, 0, ...set(II),
    BLOCK, VOID, LOOP, VOID,
    ...get(II), ...get(HDB), I32_GE_U, BR_IF, 1,
    ...get(ACC), ...get(Q), ...get(II), I32_ADD, ...V128_LOAD, 0, 0, ...get(KP), ...get(II), I32_ADD, ...V128_LOAD, 0, 0,
    ...F32X4_MUL, ...F32X4_ADD, ...set(ACC),
    ...get(II), I32_CONST, 16, I32_ADD, ...set(II),
    BR, 0, END, END,
    ...get(DP), ...lanesSum(ACC), F32_STORE, 2, 0,
    ...get(DP), I32_CONST, 4, I32_ADD, ...set(DP),
    ...get(KP), ...get(STRIDE), I32_ADD, ...set(KP),
    ...get(P), I32_CONST, 1, I32_ADD, ...set(P),
    BR, 0, END, END,
  ]);
}

/** wsum(dst, w, v, stride, count, hdBytes): dst = Σ_p w[p] · v[p], v[p] at v + p·stride — softmax(scores) · V. */
function wsumBody(): Omit<WasmFunction, "name"> {
  const [DST, WT, V, STRIDE, COUNT, HDB] = [0, 1, 2, 3, 4, 5];
  const [P, WP, VP, II, ACC] = [6, 7, 8, 9, 10];
  return attention([
    I32_CONST, 0, ...set(II),
    BLOCK, VOID, LOOP, VOID,
    ...get(II), ...get(HDB), I32_GE_U, BR_IF, 1,
    ...V128_ZERO, ...set(ACC), I32_CONST, 0, ...set(P), ...get(WT), ...set(WP), ...get(V), ...get(II), I32_ADD, ...set(VP),
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...get(COUNT), I32_GE_U, BR_IF, 1,
    ...get(ACC), ...get(WP), F32_LOAD, 2, 0, ...F32X4_SPLAT, ...get(VP), ...V128_LOAD, 0, 0, ...F32X4_MUL, ...F32X4_ADD, ...set(ACC),
    ...get(WP), I32_CONST, 4, I32_ADD, ...set(WP),
    ...get(VP), ...get(STRIDE), I32_ADD, ...set(VP),
    ...get(P), I32_CONST, 1, I32_ADD, ...set(P),
    BR, 0, END, END,
    ...get(DST), ...get(II), I32_ADD, ...get(ACC), ...V128_STORE, 0, 0,
    ...get(II), I32_CONST, 16, I32_ADD, ...set(II),
    BR, 0, END, END,
  ]);
}

/** v128.const of four equal float32 (or int32) lanes. */
function splatConst(value: number, int = false): number[] {
  const lanes = new DataView(new ArrayBuffer(16));
  for (let i = 0; i < 4; i++) {
    if (int) lanes.setInt32(i * 4, value, true);
    else lanes.setFloat32(i * 4, value, true);
  }
  return [...V128_CONST, ...new Uint8Array(lanes.buffer)];
}

/**
 * exp(ptr, count, max, scale): x ← exp((x − max)·scale) in place, four lanes at a time over ⌈count/4⌉·4
 * floats — the softmax numerators (JS's Math.exp, one call a score, was half of decoding time).
 * exp(x) = 2ⁿ·e^r with n = nearest(x·log2 e), r = x − n·ln 2 (ln 2 in two parts, as Cephes), e^r by its
 * Taylor polynomial to r⁶/720 (|r| ≤ ln2/2: relative error under 2e-7), 2ⁿ built in the exponent bits;
 * x is clamped at −87 so 2ⁿ stays a normal float (e^−87 is nothing next to the max's e^0 = 1).
 */
function expBody(): Omit<WasmFunction, "name"> {
  const [PTR, COUNT, MAX, SCALE] = [0, 1, 2, 3];
  const [P, STOP, X, NN, RR, POL] = [4, 5, 6, 7, 8, 9];
  const poly = [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1].flatMap((c) => [...get(POL), ...get(RR), ...F32X4_MUL, ...splatConst(c), ...F32X4_ADD, ...set(POL)]);
  return { params: [I32, I32, F32, F32], locals: [...locals(2, I32), ...locals(4, V128)], body: [
    ...get(PTR), ...set(P),
    ...get(PTR), ...get(COUNT), I32_CONST, 3, I32_ADD, I32_CONST, 0x7c /* −4, signed LEB128 */, I32_AND, I32_CONST, 2, I32_SHL, I32_ADD, ...set(STOP),
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...get(STOP), I32_GE_U, BR_IF, 1,
    ...get(P), ...V128_LOAD, 0, 0, ...get(MAX), ...F32X4_SPLAT, ...F32X4_SUB, ...get(SCALE), ...F32X4_SPLAT, ...F32X4_MUL,
    ...splatConst(-87), ...F32X4_MAX, ...set(X),
    ...get(X), ...splatConst(Math.LOG2E), ...F32X4_MUL, ...F32X4_NEAREST, ...set(NN),
    ...get(X), ...get(NN), ...splatConst(0.693359375), ...F32X4_MUL, ...F32X4_SUB,
    ...get(NN), ...splatConst(-2.12194440e-4), ...F32X4_MUL, ...F32X4_SUB, ...set(RR),
    ...splatConst(1 / 720), ...set(POL),
    ...poly,
    ...get(P),
    ...get(POL),
    ...get(NN), ...I32X4_TRUNC_SAT_F32X4_S, ...splatConst(127, true), ...I32X4_ADD, I32_CONST, 23, ...I32X4_SHL,
    ...F32X4_MUL,
    ...V128_STORE, 0, 0,
    ...get(P), I32_CONST, 16, I32_ADD, ...set(P),
    BR, 0, END, END,
  ] };
}

function moduleBytes(): Uint8Array {
  return memoryModule([
    { name: "matmul", ...matmulBody() },
    { name: "scores", ...scoresBody() },
    { name: "wsum", ...wsumBody() },
    { name: "exp", ...expBody() },
  ]);
}

let compiled: WasmModule | null | undefined;

/** The compiled kernels, or null where this engine has no WebAssembly SIMD; compiled once. */
function simdModule(): WasmModule | null {
  if (compiled === undefined) compiled = compile(moduleBytes());
  return compiled;
}

type Kernel = (a: number, b: number, c: number, d: number, e: number, f: number) => void;

/** Rows per kernel call: the scratch for x and out is sized once, so the memory never grows after seal(). */
const CHUNK_ROWS = 64;

/**
 * The kernels and their memory. Life cycle: alloc()/place() everything, seal() (the last growth), then
 * view() arrays into the memory — they stay valid because nothing grows afterwards — and run kernels.
 */
export class SimdKernels {
  private readonly memory: WasmMemory;
  private readonly kernel: Kernel;
  /** scores(dst, q, k, strideBytes, count, hdBytes) — see scoresBody. */
  readonly scores: Kernel;
  /** wsum(dst, w, v, strideBytes, count, hdBytes) — see wsumBody. */
  readonly wsum: Kernel;
  /** exp(ptr, count, max, scale) — see expBody. */
  readonly exp: (ptr: number, count: number, max: number, scale: number) => void;
  private heap: Float32Array;
  private top = 0; // bytes handed out
  private xAt = -1; // matmul scratch, set by seal(): CHUNK_ROWS rows of x, then their out
  private rowFloats = 0;

  private constructor(memory: WasmMemory, exports: Record<string, unknown>) {
    this.memory = memory;
    this.kernel = exports.matmul as Kernel;
    this.scores = exports.scores as Kernel;
    this.wsum = exports.wsum as Kernel;
    this.exp = exports.exp as SimdKernels["exp"];
    this.heap = new Float32Array(memory.buffer);
  }

  /** The kernels, or undefined where this engine has no WebAssembly SIMD (then callers use JS loops). */
  static create(): SimdKernels | undefined {
    const module = simdModule();
    if (module === null) return undefined;
    const memory = newMemory(1);
    return new SimdKernels(memory, instantiate(module, memory));
  }

  /** Whether this engine compiles the kernels (WebAssembly SIMD); tests hold CI to it. */
  static available(): boolean {
    return simdModule() !== null;
  }

  /** Whether a (d, n) weight fits the kernel's 4×4 blocking. */
  static fits(n: number, d: number): boolean {
    return n % 4 === 0 && d % 4 === 0;
  }

  /** Reserves `floats` zeroed floats (16-byte aligned) before seal(); returns the byte address. */
  alloc(floats: number): number {
    if (this.xAt >= 0) throw new Error("SimdKernels: alloc after seal()");
    const address = this.top;
    this.top += Math.ceil((floats * 4) / 16) * 16;
    this.ensure(this.top);
    return address;
  }

  /** Copies a weight into the memory; returns its byte address. */
  place(weight: Float32Array): number {
    const address = this.alloc(weight.length);
    this.heap.set(weight, address / 4);
    return address;
  }

  /** Sizes the matmul scratch for rows of up to `rowFloats` = n + d floats; the memory's last growth. */
  seal(rowFloats: number): void {
    this.rowFloats = rowFloats;
    this.xAt = this.alloc(CHUNK_ROWS * rowFloats);
  }

  /** A float32 view of `floats` at a byte address (after seal(): it never detaches). */
  view(address: number, floats: number): Float32Array {
    if (this.xAt < 0) throw new Error("SimdKernels: view before seal()");
    return new Float32Array(this.memory.buffer, address, floats);
  }

  /** out (R, d) = x (R, n) · wᵀ for a placed weight, CHUNK_ROWS rows per call. */
  matmul(out: Float32Array, x: Float32Array, weight: number, R: number, n: number, d: number): void {
    if (n + d > this.rowFloats) throw new Error(`SimdKernels: a (${d}, ${n}) weight does not fit the scratch of ${this.rowFloats} floats a row`);
    for (let r0 = 0; r0 < R; r0 += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, R - r0);
      const outAt = this.xAt + rows * n * 4;
      this.heap.set(x.subarray(r0 * n, (r0 + rows) * n), this.xAt / 4);
      this.kernel(outAt, this.xAt, weight, rows, n, d);
      out.set(this.heap.subarray(outAt / 4, outAt / 4 + rows * d), r0 * d);
    }
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.heap = new Float32Array(this.memory.buffer); // growing detaches the old buffer
  }
}
