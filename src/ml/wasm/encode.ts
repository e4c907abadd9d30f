// The WebAssembly binary encoding the hand-assembled SIMD kernels share (src/ml/sgd/simd.ts,
// src/ml/llama/simd.ts): LEB128 integers, sections and vectors, the opcodes they use by name, a module
// around kernels that import their memory, and the few members of the WebAssembly JS API they call.
//
// Spec: WebAssembly core 2.0, §5 (binary format: §5.2.2 LEB128, §5.4 instructions, §5.5 modules) and the
// SIMD opcode table (prefix 0xfd, then the opcode as unsigned LEB128).

/** Unsigned LEB128 (§5.2.2). */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (§5.2.2): i32.const's immediate. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

/** vec(B): the count, then the items (§5.1.3). */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte size, contents (§5.5.2). */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A name: its length, then its bytes (ASCII here). */
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// value types (§5.3.1)
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

// control, locals, scalar numerics (§5.4); memory instructions take a memarg (align log2, offset) after
export const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
export const LOCAL_GET = 0x20, LOCAL_SET = 0x21;
export const I32_CONST = 0x41, I32_ADD = 0x6a, I32_MUL = 0x6c, I32_AND = 0x71, I32_SHL = 0x74, I32_GE_U = 0x4f;
export const F32_LOAD = 0x2a, F32_STORE = 0x38, F32_ADD = 0x92, F32_MUL = 0x94;

// SIMD: 0xfd and the opcode as LEB128
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
export const V128_LOAD = simd(0x00), V128_LOAD32_SPLAT = simd(0x09), V128_STORE = simd(0x0b), V128_CONST = simd(0x0c);
export const F32X4_SPLAT = simd(0x13), F32X4_EXTRACT_LANE = simd(0x1f);
export const F32X4_NEAREST = simd(0x6a), F32X4_ADD = simd(0xe4), F32X4_SUB = simd(0xe5), F32X4_MUL = simd(0xe6), F32X4_MAX = simd(0xe9);
export const I32X4_SHL = simd(0xab), I32X4_ADD = simd(0xae), I32X4_TRUNC_SAT_F32X4_S = simd(0xf8);

/** local.get / local.set of local `i`. */
export const get = (i: number): number[] => [LOCAL_GET, ...uleb(i)];
export const set = (i: number): number[] => [LOCAL_SET, ...uleb(i)];
/** v128.const 0. */
export const V128_ZERO = [...V128_CONST, ...new Array<number>(16).fill(0)];

/** One exported function: its parameter and local value types, and its code (without the final end). */
export interface WasmFunction {
  name: string;
  params: number[];
  locals: number[];
  body: number[];
}

/**
 * A module of functions with no results that import their memory as ("env", "memory") and are exported
 * by name, function k of type k: type (1), import (2), function (3), export (7) and code (10) sections.
 */
export function memoryModule(functions: WasmFunction[]): Uint8Array {
  const types = section(1, vec(functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0])));
  const imports = section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 1]])); // memory, min 1 page
  const declared = section(3, vec(functions.map((_, k) => uleb(k))));
  const exported = section(7, vec(functions.map((f, k) => [...name(f.name), 0x00, ...uleb(k)])));
  const code = section(10, vec(functions.map((f) => {
    const locals = vec(f.locals.map((t) => [1, t])); // one entry per local: (count 1, type)
    const body = [...locals, ...f.body, END];
    return [...uleb(body.length), ...body];
  })));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...declared, ...exported, ...code]);
}

// The few WebAssembly JS API members used (tsconfig's lib has no DOM, @types/node does not declare them).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
/** A compiled module: opaque, only handed back to instantiate(). */
export type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The compiled module, or null where this engine has no WebAssembly or rejects the bytes (no SIMD). */
export function compile(bytes: Uint8Array): WasmModule | null {
  if (wasm === undefined || !wasm.validate(bytes)) return null;
  return new wasm.Module(bytes);
}

/** A fresh memory of `pages` 64 KiB pages. */
export function memory(pages: number): WasmMemory {
  if (wasm === undefined) throw new Error("WebAssembly is not available in this engine");
  return new wasm.Memory({ initial: pages });
}

/** An instance of a compiled module over `memory`, imported as ("env", "memory"); its exports. */
export function instantiate(module: WasmModule, memory: WasmMemory): Record<string, unknown> {
  if (wasm === undefined) throw new Error("WebAssembly is not available in this engine");
  return new wasm.Instance(module, { env: { memory } }).exports;
}
