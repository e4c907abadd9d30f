// The two hot loops of the batched trainer as WebAssembly SIMD (f32x4), assembled here from opcodes: the
// weight-row dot products of the forward pass and the outer-product update w += c ⊗ a. JavaScript has no
// vector instructions; numpy's BLAS does, so at [784, 30, 10] scalar loops lose to batched numpy (bench/
// sgd.ts). Everything else (sigmoid, the small BP2 product, biases) stays in kernels.ts.
//
// Binary format: WebAssembly core spec §5 (modules, LEB128 integers) and the SIMD proposal's
// BinarySIMD.md (prefix 0xfd, v128 = 0x7b). The module imports its memory ("env", "memory"): the network
// keeps its parameters and mini-batch buffers in that memory, as Float32Array views, so the JS and the
// wasm code read the same floats. Pointers are byte offsets into it.

import {
  BLOCK, BR, BR_IF, END, F32, F32X4_ADD, F32X4_EXTRACT_LANE, F32X4_MUL, F32_ADD, F32_LOAD, F32_MUL, F32_STORE, I32,
  I32_ADD, I32_AND, I32_CONST, I32_GE_U, I32_MUL, LOOP, V128, V128_LOAD, V128_LOAD32_SPLAT, V128_STORE, V128_ZERO, VOID,
  compile, get, instantiate as instantiateModule, memory as newMemory, memoryModule, set, sleb, uleb,
} from "../wasm/encode";
import type { WasmMemory, WasmModule } from "../wasm/encode";

// The instructions used, by short name, so the kernels below read as expressions.
const i32 = (n: number): number[] => [I32_CONST, ...sleb(n)];
const add = [I32_ADD], mul = [I32_MUL], and = [I32_AND], geU = [I32_GE_U];
const f32Load = (offset = 0): number[] => [F32_LOAD, 2, ...uleb(offset)];
const f32Store = [F32_STORE, 2, 0];
const f32Add = [F32_ADD], f32Mul = [F32_MUL];
const v128Load = (offset = 0): number[] => [...V128_LOAD, 2, ...uleb(offset)];
const v128Load32Splat = [...V128_LOAD32_SPLAT, 2, 0];
const v128Store = [...V128_STORE, 2, 0];
const f32x4Add = F32X4_ADD, f32x4Mul = F32X4_MUL;
const lane = (k: number): number[] => [...F32X4_EXTRACT_LANE, k];
/** while (!(local[i] >= local[end])) { body } — a block around a loop, the test at the top. */
const whileBelow = (i: number, end: number, body: number[]): number[] =>
  [BLOCK, VOID, LOOP, VOID, ...get(i), ...get(end), ...geU, BR_IF, 1, ...body, BR, 0, END, END];
const bump = (i: number, by: number[]): number[] => [...get(i), ...by, ...add, ...set(i)];

/**
 * forward_layer(w, b, a, out, m, nIn, nOut): out[s, o] = b[o] + Σ_i w[o, i] · a[s, i] (z, before the
 * sigmoid), for s < m, o < nOut. Samples go two at a time, so each 4-wide slice of a weight row is loaded
 * once for both; an odd last sample takes two accumulators over 8 inputs a turn. Then the scalar tail.
 */
function forwardLayer(): { params: number[]; locals: number[]; body: number[] } {
  const [w, b, a, out, m, nIn, nOut] = [0, 1, 2, 3, 4, 5, 6];
  const [s, o, ib, row, arow, end8, end4, endIn, acc0, acc1, z, endS, endO, arow1, wv, z1, endPair] =
    [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  const hsum = (acc: number): number[] => [...get(acc), ...lane(0), ...get(acc), ...lane(1), ...f32Add, ...get(acc), ...lane(2), ...f32Add, ...get(acc), ...lane(3), ...f32Add];
  const bias = [...get(b), ...get(o), ...i32(4), ...mul, ...add, ...f32Load(), ...f32Add];
  const scalarTail = (zl: number, ar: number): number[] => whileBelow(ib, endIn, [
    ...get(zl), ...get(row), ...get(ib), ...add, ...f32Load(), ...get(ar), ...get(ib), ...add, ...f32Load(), ...f32Mul, ...f32Add, ...set(zl),
    ...bump(ib, i32(4)),
  ]);
  const store = (sample: number[], zl: number): number[] =>
    [...get(out), ...sample, ...get(nOut), ...mul, ...get(o), ...add, ...i32(4), ...mul, ...add, ...get(zl), ...f32Store];
  const rowStart = [...get(w), ...get(o), ...get(endIn), ...mul, ...add, ...set(row), ...V128_ZERO, ...set(acc0), ...V128_ZERO, ...set(acc1), ...i32(0), ...set(ib)];
  const body = [
    ...get(nIn), ...i32(-8), ...and, ...i32(4), ...mul, ...set(end8), // bytes of the 8-wide part
    ...get(nIn), ...i32(-4), ...and, ...i32(4), ...mul, ...set(end4),
    ...get(nIn), ...i32(4), ...mul, ...set(endIn),
    ...get(m), ...set(endS),
    ...get(m), ...i32(-2), ...and, ...set(endPair),
    ...get(nOut), ...set(endO),
    ...i32(0), ...set(s),
    ...whileBelow(s, endPair, [ // samples s and s+1
      ...get(a), ...get(s), ...get(endIn), ...mul, ...add, ...set(arow),
      ...get(arow), ...get(endIn), ...add, ...set(arow1),
      ...i32(0), ...set(o),
      ...whileBelow(o, endO, [
        ...rowStart,
        ...whileBelow(ib, end4, [
          ...get(row), ...get(ib), ...add, ...v128Load(), ...set(wv),
          ...get(acc0), ...get(wv), ...get(arow), ...get(ib), ...add, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(acc0),
          ...get(acc1), ...get(wv), ...get(arow1), ...get(ib), ...add, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(acc1),
          ...bump(ib, i32(16)),
        ]),
        ...hsum(acc0), ...bias, ...set(z),
        ...hsum(acc1), ...bias, ...set(z1),
        ...scalarTail(z, arow),
        ...get(end4), ...set(ib),
        ...scalarTail(z1, arow1),
        ...store(get(s), z),
        ...store([...get(s), ...i32(1), ...add], z1),
        ...bump(o, i32(1)),
      ]),
      ...bump(s, i32(2)),
    ]),
    ...whileBelow(s, endS, [ // the last sample when m is odd
      ...get(a), ...get(s), ...get(endIn), ...mul, ...add, ...set(arow),
      ...i32(0), ...set(o),
      ...whileBelow(o, endO, [
        ...rowStart,
        ...whileBelow(ib, end8, [
          ...get(acc0), ...get(row), ...get(ib), ...add, ...v128Load(), ...get(arow), ...get(ib), ...add, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(acc0),
          ...get(acc1), ...get(row), ...get(ib), ...add, ...v128Load(16), ...get(arow), ...get(ib), ...add, ...v128Load(16), ...f32x4Mul, ...f32x4Add, ...set(acc1),
          ...bump(ib, i32(32)),
        ]),
        ...whileBelow(ib, end4, [
          ...get(acc0), ...get(row), ...get(ib), ...add, ...v128Load(), ...get(arow), ...get(ib), ...add, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(acc0),
          ...bump(ib, i32(16)),
        ]),
        ...get(acc0), ...get(acc1), ...f32x4Add, ...set(acc0),
        ...hsum(acc0), ...bias, ...set(z),
        ...scalarTail(z, arow),
        ...store(get(s), z),
        ...bump(o, i32(1)),
      ]),
      ...bump(s, i32(1)),
    ]),
  ];
  return {
    params: [I32, I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, V128, V128, F32, I32, I32, I32, V128, F32, I32],
    body,
  };
}

/**
 * update_layer(w, c, a, m, nIn, nOut): w[o, i] += Σ_s c[o, s] · a[s, i], with c (nOut, m) the scaled
 * deltas −(eta/m)·delta[s, o] transposed. Each 4-wide slice of a weight row is loaded once, takes all m
 * samples' terms, and is stored once; rows go two at a time so each slice of a is loaded once for both.
 */
function updateLayer(): { params: number[]; locals: number[]; body: number[] } {
  const [w, c, a, m, nIn, nOut] = [0, 1, 2, 3, 4, 5];
  const [o, ib, row, crow, cend, pc, pa, end4, endIn, rowBytes, acc, accf, endO, acc1, av, mBytes, endPair] =
    [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const rowStart = [
    ...get(w), ...get(o), ...get(rowBytes), ...mul, ...add, ...set(row),
    ...get(c), ...get(o), ...get(mBytes), ...mul, ...add, ...set(crow),
    ...get(crow), ...get(mBytes), ...add, ...set(cend),
    ...i32(0), ...set(ib),
  ];
  // the scalar columns past the last multiple of 4, for the row at `row` (from ib on)
  const tail = whileBelow(ib, endIn, [
    ...get(row), ...get(ib), ...add, ...f32Load(), ...set(accf),
    ...get(crow), ...set(pc),
    ...get(a), ...get(ib), ...add, ...set(pa),
    ...whileBelow(pc, cend, [
      ...get(accf), ...get(pc), ...f32Load(), ...get(pa), ...f32Load(), ...f32Mul, ...f32Add, ...set(accf),
      ...bump(pc, i32(4)),
      ...bump(pa, get(rowBytes)),
    ]),
    ...get(row), ...get(ib), ...add, ...get(accf), ...f32Store,
    ...bump(ib, i32(4)),
  ]);
  const body = [
    ...get(nIn), ...i32(-4), ...and, ...i32(4), ...mul, ...set(end4),
    ...get(nIn), ...i32(4), ...mul, ...set(endIn),
    ...get(endIn), ...set(rowBytes),
    ...get(nOut), ...set(endO),
    ...get(nOut), ...i32(-2), ...and, ...set(endPair),
    ...get(m), ...i32(4), ...mul, ...set(mBytes),
    ...i32(0), ...set(o),
    ...whileBelow(o, endPair, [ // rows o and o+1
      ...rowStart,
      ...whileBelow(ib, end4, [
        ...get(row), ...get(ib), ...add, ...v128Load(), ...set(acc),
        ...get(row), ...get(ib), ...add, ...get(rowBytes), ...add, ...v128Load(), ...set(acc1),
        ...get(crow), ...set(pc),
        ...get(a), ...get(ib), ...add, ...set(pa),
        ...whileBelow(pc, cend, [
          ...get(pa), ...v128Load(), ...set(av),
          ...get(acc), ...get(pc), ...v128Load32Splat, ...get(av), ...f32x4Mul, ...f32x4Add, ...set(acc),
          ...get(acc1), ...get(pc), ...get(mBytes), ...add, ...v128Load32Splat, ...get(av), ...f32x4Mul, ...f32x4Add, ...set(acc1),
          ...bump(pc, i32(4)),
          ...bump(pa, get(rowBytes)),
        ]),
        ...get(row), ...get(ib), ...add, ...get(acc), ...v128Store,
        ...get(row), ...get(ib), ...add, ...get(rowBytes), ...add, ...get(acc1), ...v128Store,
        ...bump(ib, i32(16)),
      ]),
      ...tail, // row o's tail, then row o+1's
      ...get(end4), ...set(ib),
      ...bump(row, get(rowBytes)),
      ...bump(crow, get(mBytes)),
      ...bump(cend, get(mBytes)),
      ...tail,
      ...bump(o, i32(2)),
    ]),
    ...whileBelow(o, endO, [ // the last row when nOut is odd
      ...rowStart,
      ...whileBelow(ib, end4, [
        ...get(row), ...get(ib), ...add, ...v128Load(), ...set(acc),
        ...get(crow), ...set(pc),
        ...get(a), ...get(ib), ...add, ...set(pa),
        ...whileBelow(pc, cend, [
          ...get(acc), ...get(pc), ...v128Load32Splat, ...get(pa), ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(acc),
          ...bump(pc, i32(4)),
          ...bump(pa, get(rowBytes)),
        ]),
        ...get(row), ...get(ib), ...add, ...get(acc), ...v128Store,
        ...bump(ib, i32(16)),
      ]),
      ...tail,
      ...bump(o, i32(1)),
    ]),
  ];
  return {
    params: [I32, I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, V128, F32, I32, V128, V128, I32, I32],
    body,
  };
}

function moduleBytes(): Uint8Array {
  return memoryModule([
    { name: "forward_layer", ...forwardLayer() },
    { name: "update_layer", ...updateLayer() },
  ]);
}

export interface SimdKernels {
  readonly memory: WasmMemory;
  forwardLayer(w: number, b: number, a: number, out: number, m: number, nIn: number, nOut: number): void;
  updateLayer(w: number, c: number, a: number, m: number, nIn: number, nOut: number): void;
}

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is missing (then kernels.ts's loops run). */
function simdModule(): WasmModule | null {
  if (compiled === undefined) compiled = process.env.TENSORBOOK_SGD_SIMD === "0" ? null : compile(moduleBytes());
  return compiled;
}

/** An instance over a fresh memory of `bytes` bytes, or null without SIMD. */
export function instantiate(bytes: number): SimdKernels | null {
  const module = simdModule();
  if (module === null) return null;
  const memory = newMemory(Math.ceil(bytes / 65536));
  const exports = instantiateModule(module, memory) as {
    forward_layer: SimdKernels["forwardLayer"];
    update_layer: SimdKernels["updateLayer"];
  };
  return { memory, forwardLayer: exports.forward_layer, updateLayer: exports.update_layer };
}

/** Whether the SIMD kernels run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}
