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

/** LEB128 of an unsigned integer. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// opcodes (WebAssembly core 2.0 §5.4; SIMD ops take the 0xfd prefix and a LEB128 index)
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const GET = 0x20, SET = 0x21;
const I32_CONST = 0x41, I32_ADD = 0x6a, I32_MUL = 0x6c, I32_SHL = 0x74, I32_GE_U = 0x4f;
const F32_ADD = 0x92, F32_STORE = 0x38, F32_LOAD = 0x2a;
const V128_LOAD = [0xfd, 0x00], V128_STORE = [0xfd, 0x0b], V128_CONST = [0xfd, 0x0c], F32X4_EXTRACT = [0xfd, 0x1f];
const F32X4_SPLAT = [0xfd, 0x13];
const F32X4_SUB = [0xfd, ...uleb(229)], F32X4_MAX = [0xfd, ...uleb(233)], F32X4_NEAREST = [0xfd, ...uleb(106)];
const I32X4_TRUNC_SAT_F32X4_S = [0xfd, ...uleb(248)], I32X4_ADD = [0xfd, ...uleb(174)], I32X4_SHL = [0xfd, ...uleb(171)];
const I32_AND = 0x71;
const F32X4_ADD = [0xfd, ...uleb(228)], F32X4_MUL = [0xfd, ...uleb(230)];

// params: 0 out, 1 x, 2 w (byte addresses), 3 R, 4 n, 5 d (d % 4 == 0, n % 4 == 0)
const [OUT, X, W, R, N, D] = [0, 1, 2, 3, 4, 5];
// locals: i32 i, r, j, nb (row bytes), w0..w3 (weight row addresses), xr (x row address); v128 a0..a3, xv
const [I, RR, J, NB, W0, W1, W2, W3, XR] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
const [A0, A1, A2, A3, XV] = [15, 16, 17, 18, 19];

function matmulBody(): number[] {
  const get = (l: number): number[] => [GET, l];
  const set = (l: number): number[] => [SET, l];
  const zero = [...V128_CONST, ...new Array<number>(16).fill(0)];
  const load = (addr: number[]): number[] => [...addr, ...V128_LOAD, 0, 0];
  // a += load(wk + j) * xv
  const fma = (a: number, wk: number): number[] =>
    [...get(a), ...load([...get(wk), ...get(J), I32_ADD]), ...get(XV), ...F32X4_MUL, ...F32X4_ADD, ...set(a)];
  // out address + lane sum of a, stored at byte offset `offset`
  const hsum = (a: number): number[] => [
    ...get(a), ...F32X4_EXTRACT, 0, ...get(a), ...F32X4_EXTRACT, 1, F32_ADD,
    ...get(a), ...F32X4_EXTRACT, 2, F32_ADD, ...get(a), ...F32X4_EXTRACT, 3, F32_ADD,
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
    ...zero, ...set(A0), ...zero, ...set(A1), ...zero, ...set(A2), ...zero, ...set(A3),
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
    END,
  ];
  const locals = [2, 9, 0x7f, 5, 0x7b]; // 9 × i32, 5 × v128
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

const get = (l: number): number[] => [GET, l];
const set = (l: number): number[] => [SET, l];
const ZERO = [...V128_CONST, ...new Array<number>(16).fill(0)];
const lanesSum = (a: number): number[] => [
  ...get(a), ...F32X4_EXTRACT, 0, ...get(a), ...F32X4_EXTRACT, 1, F32_ADD,
  ...get(a), ...F32X4_EXTRACT, 2, F32_ADD, ...get(a), ...F32X4_EXTRACT, 3, F32_ADD,
];
const withLocals = (locals: number[], code: number[]): number[] => [...uleb(locals.length + code.length), ...locals, ...code];

/**
 * scores(dst, q, k, stride, count, hdBytes): dst[p] = q · k[p] for p < count, k[p] at k + p·stride —
 * one head's q against the cached keys of its KV head (attention logits before the 1/√hd scale).
 */
function scoresBody(): number[] {
  const [DST, Q, K, STRIDE, COUNT, HDB] = [0, 1, 2, 3, 4, 5];
  const [P, KP, DP, II, ACC] = [6, 7, 8, 9, 10];
  return withLocals([2, 4, 0x7f, 1, 0x7b], [
    I32_CONST, 0, ...set(P), ...get(K), ...set(KP), ...get(DST), ...set(DP),
    BLOCK, VOID, LOOP, VOID,
    ...get(P), ...get(COUNT), I32_GE_U, BR_IF, 1,
    ...ZERO, ...set(ACC), I32_CONST, 0, ...set(II),
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
    END,
  ]);
}

/** wsum(dst, w, v, stride, count, hdBytes): dst = Σ_p w[p] · v[p], v[p] at v + p·stride — softmax(scores) · V. */
function wsumBody(): number[] {
  const [DST, WT, V, STRIDE, COUNT, HDB] = [0, 1, 2, 3, 4, 5];
  const [P, WP, VP, II, ACC] = [6, 7, 8, 9, 10];
  return withLocals([2, 4, 0x7f, 1, 0x7b], [
    I32_CONST, 0, ...set(II),
    BLOCK, VOID, LOOP, VOID,
    ...get(II), ...get(HDB), I32_GE_U, BR_IF, 1,
    ...ZERO, ...set(ACC), I32_CONST, 0, ...set(P), ...get(WT), ...set(WP), ...get(V), ...get(II), I32_ADD, ...set(VP),
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
    END,
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
function expBody(): number[] {
  const [PTR, COUNT, MAX, SCALE] = [0, 1, 2, 3];
  const [P, STOP, X, NN, RR, POL] = [4, 5, 6, 7, 8, 9];
  const poly = [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1].flatMap((c) => [...get(POL), ...get(RR), ...F32X4_MUL, ...splatConst(c), ...F32X4_ADD, ...set(POL)]);
  return withLocals([2, 2, 0x7f, 4, 0x7b], [
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
    END,
  ]);
}

function moduleBytes(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0, 0x60, 4, 0x7f, 0x7f, 0x7d, 0x7d, 0]), // (i32 × 6) → (); (i32, i32, f32, f32) → ()
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]), // import memory, min 1 page
    ...section(3, [4, 0, 0, 0, 1]),
    ...section(7, [4, ...name("matmul"), 0x00, 0, ...name("scores"), 0x00, 1, ...name("wsum"), 0x00, 2, ...name("exp"), 0x00, 3]),
    ...section(10, [4, ...matmulBody(), ...scoresBody(), ...wsumBody(), ...expBody()]),
  ]);
}

// The few WebAssembly JS-API members used here (tsconfig's lib has no DOM, @types/node does not declare them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

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
    if (wasm === undefined) return undefined;
    const bytes = moduleBytes();
    if (!wasm.validate(bytes)) return undefined;
    const memory = new wasm.Memory({ initial: 1 });
    const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
    return new SimdKernels(memory, instance.exports);
  }

  /** Whether this engine compiles the kernels (WebAssembly SIMD); tests hold CI to it. */
  static available(): boolean {
    return wasm !== undefined && wasm.validate(moduleBytes());
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
