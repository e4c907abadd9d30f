// The element types a checkpoint may hold, and how raw little-endian bytes become typed arrays.
// One table, so PyTorch storages, safetensors codes and numpy dtype strings agree on sizes.
// fp16 and bf16 are kept as raw bits (Uint16Array) until asked for float32: tfjs has no 16-bit floats.

export type DType = "float64" | "float32" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

export type TypedArray =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** Bytes per element. */
export const itemSize: { readonly [d in DType]: number } = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** torch storage class names (torch.FloatStorage …) → dtype; the names PyTorch pickles for `_rebuild_tensor_v2`. */
export const torchStorageDType: { readonly [storage: string]: DType } = {
  DoubleStorage: "float64", FloatStorage: "float32", HalfStorage: "float16", BFloat16Storage: "bfloat16",
  LongStorage: "int64", IntStorage: "int32", ShortStorage: "int16", CharStorage: "int8", ByteStorage: "uint8",
  BoolStorage: "bool", UntypedStorage: "uint8",
};

/** torch dtype attribute names (torch.float32 …), as newer pickles name them. */
export const torchDTypeName: { readonly [name: string]: DType } = {
  float64: "float64", double: "float64", float32: "float32", float: "float32", float16: "float16", half: "float16",
  bfloat16: "bfloat16", int64: "int64", long: "int64", int32: "int32", int: "int32", int16: "int16", short: "int16",
  int8: "int8", uint8: "uint8", bool: "bool",
};

/** safetensors header dtype codes. */
export const safetensorsDType: { readonly [code: string]: DType } = {
  F64: "float64", F32: "float32", F16: "float16", BF16: "bfloat16", I64: "int64", I32: "int32", I16: "int16",
  I8: "int8", U8: "uint8", BOOL: "bool",
};

/** numpy type codes without byte order ('f4', 'i8', '?'…) → dtype. */
export const numpyDType: { readonly [code: string]: DType } = {
  f8: "float64", f4: "float32", f2: "float16", i8: "int64", i4: "int32", i2: "int16", i1: "int8", u1: "uint8",
  b1: "bool", "?": "bool", float64: "float64", float32: "float32", float16: "float16", int64: "int64",
  int32: "int32", int16: "int16", int8: "int8", uint8: "uint8", bool: "bool", d: "float64", f: "float32",
  e: "float16", q: "int64", l: "int64", i: "int32", h: "int16", b: "int8", B: "uint8",
};

/**
 * Raw bytes (little-endian unless `bigEndian`) → a typed array of `dtype` that owns its memory.
 * When `bytes` starts at an aligned offset of its own buffer and no swap is needed, the view is returned
 * without a copy (the caller must own `bytes`).
 */
export function fromBytes(bytes: Uint8Array, dtype: DType, bigEndian = false): TypedArray {
  const size = itemSize[dtype];
  if (bytes.byteLength % size !== 0) throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  let src = bytes;
  if (bigEndian && size > 1) src = swapBytes(bytes, size);
  if (src.byteOffset % size !== 0) src = new Uint8Array(src); // a copy, aligned (also for a Buffer)
  const n = src.byteLength / size;
  const buf = src.buffer;
  const off = src.byteOffset;
  switch (dtype) {
    case "float64": return new Float64Array(buf, off, n);
    case "float32": return new Float32Array(buf, off, n);
    case "float16":
    case "bfloat16": return new Uint16Array(buf, off, n);
    case "int64": return new BigInt64Array(buf, off, n);
    case "int32": return new Int32Array(buf, off, n);
    case "int16": return new Int16Array(buf, off, n);
    case "int8": return new Int8Array(buf, off, n);
    case "uint8":
    case "bool": return new Uint8Array(buf, off, n);
  }
}

function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += size) {
    for (let j = 0; j < size; j++) out[i + j] = bytes[i + size - 1 - j];
  }
  return out;
}

// IEEE half → float32 through a 65536-entry table (256 KiB, built once): one lookup per element.
let halfTable: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) halfTable[h] = sign * frac * 2 ** -24;
    else if (exp === 31) halfTable[h] = frac ? NaN : sign * Infinity;
    else halfTable[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/** Any dtype's typed array → Float32Array (bf16: the top 16 bits of a float32; fp16: IEEE half). */
export function toFloat32(data: TypedArray, dtype: DType): Float32Array {
  if (dtype === "float32") return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === "bfloat16") {
    const bits = new Uint32Array(out.buffer);
    const src = data as Uint16Array;
    for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  } else if (dtype === "float16") {
    const table = halfToFloatTable();
    const src = data as Uint16Array;
    for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  } else if (dtype === "int64") {
    const src = data as BigInt64Array;
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  } else {
    out.set(data as Exclude<TypedArray, BigInt64Array>);
  }
  return out;
}

/** Integer dtypes → Int32Array; int64 values outside int32 are an error (tfjs has no int64). */
export function toInt32(data: TypedArray, dtype: DType, what: string): Int32Array {
  if (dtype === "int32") return data as Int32Array;
  const out = new Int32Array(data.length);
  if (dtype === "int64") {
    const src = data as BigInt64Array;
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 2147483647n || v < -2147483648n) throw new Error(`${what}: int64 value ${v} at index ${i} does not fit in int32 (tfjs has no int64)`);
      out[i] = Number(v);
    }
  } else {
    out.set(data as Exclude<TypedArray, BigInt64Array>);
  }
  return out;
}

/**
 * Gathers a strided view (PyTorch/numpy semantics: element strides, an element offset) into a new
 * contiguous C-order array. `src` is the whole storage.
 */
export function gatherStrided<T extends TypedArray>(src: T, shape: readonly number[], strides: readonly number[], offset: number): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new (src.constructor as new (n: number) => T)(n);
  if (n === 0) return out;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let at = offset;
  const last = rank - 1;
  const lastStride = rank > 0 ? strides[last] : 0;
  const lastLen = rank > 0 ? shape[last] : 1;
  for (let o = 0; o < n; ) {
    // the innermost dimension in one run
    for (let j = 0; j < lastLen; j++) (out as Float32Array)[o++] = (src as Float32Array)[at + j * lastStride];
    // carry into the outer dimensions
    let d = last - 1;
    for (; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= strides[d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}
