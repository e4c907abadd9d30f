// numpy arrays out of pickles (Nielsen's mnist.pkl.gz and the like), plus the few builtins a
// data pickle needs. Only these reduce paths are known:
//   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b') + BUILD (version, shape, dtype, fortran, raw)
//   numpy.dtype(code, align, copy) + BUILD (version, byteorder, …)
//   numpy.core.multiarray.scalar(dtype, raw)                    (numpy scalars: np.float64(0.97))
//   numpy.core.numeric._frombuffer(raw, dtype, shape, order)    (protocol 5 in-band buffers)
// numpy 2 writes `numpy._core.…`; both spellings are allowed. Python 2 pickles hold the raw buffer as a
// `str`: read with encoding "latin1" (the default), its char codes are the bytes, as numpy's own
// `encoding='latin1'` advice for Python 2 pickles relies on.
import * as buffer from "node:buffer";
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import { DType, TypedArray, fromBytes, gatherStrided, itemSize, numpyDType, toFloat32, toInt32 } from "./dtypes";
import { GlobalTable, PyFunction, PyGlobal, PyObject, PyValue, describe, globalTable, tuple, unpickle } from "./pickle";
import { maxInflatedSize } from "./zip";

/** A numpy dtype as pickled: the element type and byte order. */
export class NumpyDType extends PyObject {
  bigEndian = false;
  constructor(readonly dtype: DType) {
    super();
  }
  override setState(state: PyValue): void {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    if (!Array.isArray(state) || state.length < 2) throw new Error(`numpy dtype state ${describe(state)} is not a tuple`);
    const order = state[1];
    if (order === ">") this.bigEndian = true;
    else if (order !== "<" && order !== "|" && order !== "=") throw new Error(`numpy dtype byte order ${describe(order)}`);
    if (state.length > 3 && state[3] !== null) throw new Error("structured numpy dtypes (with named fields) are not supported");
  }
}

/** A numpy array: C-order data in its natural typed array (int64 → BigInt64Array, fp16 → raw Uint16Array bits). */
export class NdArray extends PyObject {
  dtype: DType = "float64";
  shape: number[] = [0];
  data: TypedArray = new Float64Array(0);

  /** The values as float32 (int64 and fp16 converted). */
  asFloat32(): Float32Array {
    return toFloat32(this.data, this.dtype);
  }
  /** The values as int32 (an error names any int64 value that does not fit). */
  asInt32(): Int32Array {
    return toInt32(this.data, this.dtype, `ndarray of shape [${this.shape}]`);
  }

  override setState(state: PyValue): void {
    if (!Array.isArray(state)) throw new Error(`ndarray state ${describe(state)} is not a tuple`);
    // numpy writes (version, shape, dtype, is_fortran, raw); very old pickles leave out the version
    const [shapeV, dtypeV, fortranV, rawV] = state.length === 5 ? state.slice(1) : state;
    const dtype = expectDType(dtypeV);
    const shape = expectShape(shapeV);
    this.dtype = dtype.dtype;
    this.shape = shape;
    if (Array.isArray(rawV)) throw new Error(`ndarray of dtype object (a list of Python values) is not supported`);
    const raw = rawBytes(rawV);
    const count = shape.reduce((a, b) => a * b, 1);
    if (raw.byteLength !== count * itemSize[dtype.dtype]) {
      throw new Error(`ndarray of shape [${shape}] ${dtype.dtype} needs ${count * itemSize[dtype.dtype]} bytes, the pickle holds ${raw.byteLength}`);
    }
    const flat = fromBytes(raw, dtype.dtype, dtype.bigEndian);
    this.data = fortranV === true && shape.length > 1 ? gatherStrided(flat, shape, fortranStrides(shape), 0) : flat;
  }
}

function fortranStrides(shape: readonly number[]): number[] {
  const strides: number[] = [];
  let s = 1;
  for (const d of shape) {
    strides.push(s);
    s *= d;
  }
  return strides;
}

function expectDType(v: PyValue): NumpyDType {
  if (!(v instanceof NumpyDType)) throw new Error(`expected a numpy dtype, got ${describe(v)}`);
  return v;
}

function expectShape(v: PyValue): number[] {
  if (!Array.isArray(v) || !v.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)) {
    throw new Error(`expected a shape tuple, got ${describe(v)}`);
  }
  return v as number[];
}

/** A buffer as pickled: bytes, or a Python 2 str read as latin1 (char code = byte). Copied, so it is ours. */
function rawBytes(v: PyValue): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") {
    const b = Buffer.from(v, "latin1");
    const view = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    // a short string lands in Buffer's shared pool: copy it out; a long one has memory of its own
    return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength ? view : view.slice();
  }
  throw new Error(`expected raw bytes, got ${describe(v)}`);
}

function parseDTypeCode(code: PyValue): NumpyDType {
  const text = code instanceof Uint8Array ? Buffer.from(code).toString("latin1") : code;
  if (typeof text !== "string") throw new Error(`numpy dtype code ${describe(code)}`);
  const bigEndian = text.startsWith(">");
  const bare = text.replace(/^[<>|=]/, "");
  const dtype = numpyDType[bare];
  if (!dtype) throw new Error(`numpy dtype ${JSON.stringify(text)} is not supported (numbers and bool only)`);
  const d = new NumpyDType(dtype);
  d.bigEndian = bigEndian;
  return d;
}

/** An argparse.Namespace or other plain-attribute object: its BUILD dict becomes its fields. */
export class PlainObject extends PyObject {
  readonly fields = new Map<PyValue, PyValue>();
  constructor(readonly className: string) {
    super();
  }
  override setState(state: PyValue): void {
    if (!(state instanceof Map)) throw new Error(`${this.className} state ${describe(state)} is not a dict`);
    for (const [k, v] of state) this.fields.set(k, v);
  }
}

function numpyGlobals(module: string): PyGlobal[] {
  const core = `${module}.multiarray`;
  const ndarrayClass = new PyFunction(module, "ndarray", () => new NdArray());
  return [
    ndarrayClass,
    new PyFunction(module, "dtype", (args) => parseDTypeCode(args[0])),
    new PyFunction(core, "_reconstruct", (args) => {
      if (!(args[0] instanceof PyGlobal) || args[0].name !== "ndarray") throw new Error(`_reconstruct of ${describe(args[0])} (only numpy.ndarray)`);
      return new NdArray();
    }),
    new PyFunction(core, "scalar", (args) => {
      const dtype = expectDType(args[0]);
      const value = fromBytes(rawBytes(args[1] ?? null), dtype.dtype, dtype.bigEndian);
      if (dtype.dtype === "int64") return Number((value as BigInt64Array)[0]);
      if (dtype.dtype === "bool") return value[0] !== 0;
      if (dtype.dtype === "float64") return (value as Float64Array)[0];
      return toFloat32(value, dtype.dtype)[0];
    }),
    new PyFunction(`${module}.numeric`, "_frombuffer", (args) => {
      const [buf, dtypeV, shapeV, order] = args;
      const a = new NdArray();
      a.setState(tuple([1, shapeV, dtypeV, order === "F", buf]));
      return a;
    }),
  ];
}

/** The builtins a plain data pickle uses, none of which runs code. */
function builtinGlobals(): PyGlobal[] {
  return [
    new PyFunction("collections", "OrderedDict", (args) => new Map(args.length && Array.isArray(args[0]) ? (args[0] as PyValue[][]).map(([k, v]) => [k, v] as [PyValue, PyValue]) : [])),
    new PyFunction("builtins", "set", (args) => new Set(Array.isArray(args[0]) ? args[0] : [])),
    new PyFunction("builtins", "frozenset", (args) => new Set(Array.isArray(args[0]) ? args[0] : [])),
    new PyFunction("builtins", "bytearray", (args) => (args[0] instanceof Uint8Array ? args[0] : typeof args[0] === "string" ? rawBytes(args[0]) : new Uint8Array(0))),
    // Python 3 pickles bytes at protocol 2 as _codecs.encode(text, 'latin1'): only that encoding is taken
    new PyFunction("_codecs", "encode", (args) => {
      const [text, encoding] = args;
      if (typeof text !== "string") throw new Error(`_codecs.encode of ${describe(text)}`);
      if (encoding !== "latin1" && encoding !== "latin-1" && encoding !== "iso-8859-1") throw new Error(`_codecs.encode with encoding ${describe(encoding ?? null)} (only latin1)`);
      return rawBytes(text);
    }),
    new PyFunction("argparse", "Namespace", () => new PlainObject("argparse.Namespace")),
    new PyFunction("copyreg", "_reconstructor", (args) => {
      const cls = args[0];
      if (cls instanceof PyGlobal && cls.qualifiedName === "argparse.Namespace") return new PlainObject(cls.qualifiedName);
      throw new Error(`copyreg._reconstructor of ${describe(cls)} (only argparse.Namespace)`);
    }),
  ];
}

/** builtins + numpy: what `loadPickle` accepts. */
export function numpyPickleGlobals(): GlobalTable {
  return globalTable(...builtinGlobals(), ...numpyGlobals("numpy.core"), ...numpyGlobals("numpy._core"),
    new PyFunction("numpy", "dtype", (args) => parseDTypeCode(args[0])),
    new PyFunction("numpy", "ndarray", () => new NdArray()));
}

export interface LoadPickleOptions {
  /** Python 2 `str` as "latin1" text (default, as `pickle.load(f, encoding="latin1")`) or "bytes". */
  encoding?: "latin1" | "bytes";
}

/**
 * Reads a pickle of plain data and numpy arrays — a file (gzip detected by its magic) or bytes — with the
 * restricted unpickler. numpy arrays come back as `NdArray` (typed array + shape), tuples and lists as
 * arrays, dicts as Maps. Any other global is refused.
 */
export function loadPickle(file: string | Uint8Array, options: LoadPickleOptions = {}): PyValue {
  const source = typeof file === "string" ? file : "<bytes>";
  let bytes: Uint8Array = typeof file === "string" ? fs.readFileSync(file) : file;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzip(bytes, source);
  return unpickle(bytes, { globals: numpyPickleGlobals(), encoding: options.encoding ?? "latin1", source }).value;
}

/**
 * A gzip file inflated no further than its trailer says: ISIZE, its last 4 bytes, is the uncompressed size
 * modulo 2^32 (RFC 1952 §2.3.1). Below 4 GiB of possible output that is the size itself; above, the size
 * is the largest ISIZE + k·2^32 that DEFLATE can reach from the file's bytes. Without the bound a 3 MB gzip
 * grew past 6 GB. A file of several gzip members (rare for pickles) is refused: ISIZE counts only the last.
 */
function gunzip(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < 18) throw new Error(`${source}: gzip stream is corrupt: ${bytes.length} bytes is shorter than a gzip header and trailer`);
  const declared = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(bytes.length - 4);
  const most = maxInflatedSize(bytes.length);
  if (declared > most) throw new Error(`${source}: gzip stream is corrupt: its trailer declares ${declared} bytes, more than DEFLATE can make from ${bytes.length}`);
  const limit = Math.min(declared + Math.floor((most - declared) / 2 ** 32) * 2 ** 32, buffer.constants.MAX_LENGTH);
  let out: Buffer;
  try {
    out = zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new Error(`${source}: gzip stream inflates past the ${limit} bytes its trailer declares: corrupt (or a decompression bomb); stopped there`);
    }
    throw new Error(`${source}: gzip stream is corrupt: ${(e as Error).message}`);
  }
  if (out.length % 2 ** 32 !== declared) {
    throw new Error(`${source}: gzip stream is corrupt: it inflates to ${out.length} bytes, its trailer declares ${declared} (mod 2^32)`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
