// The checkpoint object every format becomes: named tensors read on demand, plus whatever else the file
// holds. A format reader only has to list `TensorEntry`s (shape, dtype, bytes, and how to read the data);
// merging Meta shards and undoing Hugging Face's rotary permutation are entries that read other entries.
import type * as tf from "@tensorflow/tfjs";
import { DType, TypedArray, fromBytes, itemSize, toFloat32, toInt32 } from "./dtypes";
import { FileSource, namingFile } from "./source";

/** What `info(name)` tells without reading data. */
export interface TensorInfo {
  shape: number[];
  dtype: DType;
  /** Size of the data in the file (a view's own elements, not its whole storage). */
  bytes: number;
}

/** A tensor a reader found: its description and how to read it (C-order, contiguous, natural typed array). */
export interface TensorEntry extends TensorInfo {
  read(): TypedArray;
  /**
   * Rows [first, first + count) of the tensor seen as a matrix (shape[0] rows of `rowBytes(info)` bytes),
   * as stored (its own dtype, little-endian), written into `dest`. A reader provides it where it can put
   * the rows in `dest` straight from the file: that is how Llama.load fills the model's memory with one
   * copy and no whole-tensor array in between. Without it, Checkpoint.readRows falls back to read().
   */
  readRows?(first: number, count: number, dest: Uint8Array): void;
}

/** Bytes of one row of the tensor seen as (shape[0], rest): a 1-D tensor is one row. */
export function rowBytes(info: TensorInfo): number {
  const rows = info.shape.length > 1 ? info.shape[0] : 1;
  return rows === 0 ? 0 : info.bytes / rows;
}

/** Fails unless rows [first, first+count) exist and `dest` holds exactly their bytes. */
export function checkRows(info: TensorInfo, first: number, count: number, dest: Uint8Array, what: string): void {
  const rows = info.shape.length > 1 ? info.shape[0] : 1;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > rows) {
    throw new RangeError(`${what}: rows [${first}, ${first + count}) of a tensor of ${rows} rows`);
  }
  if (dest.byteLength !== count * rowBytes(info)) {
    throw new RangeError(`${what}: ${count} rows of ${rowBytes(info)} bytes need ${count * rowBytes(info)} bytes, dest has ${dest.byteLength}`);
  }
}

/** Rows of an entry into `dest`, through read() when its reader cannot place them directly. */
export function readRowsOf(e: TensorEntry, first: number, count: number, dest: Uint8Array): void {
  if (e.readRows) return e.readRows(first, count, dest);
  const data = e.read();
  const start = first * rowBytes(e);
  dest.set(new Uint8Array(data.buffer, data.byteOffset + start, dest.byteLength));
}

/** A contiguous little-endian tensor at `offset` in a file (safetensors, llama2.c, zip-stored storages). */
export function fileEntry(source: FileSource, offset: number, shape: number[], dtype: DType, part: string): TensorEntry {
  const bytes = shape.reduce((a, b) => a * b, 1) * itemSize[dtype];
  source.check(offset, bytes, part);
  const info = { shape, dtype, bytes };
  return {
    ...info,
    read: () => fromBytes(source.read(offset, bytes, part), dtype),
    readRows: (first, count, dest) => {
      checkRows(info, first, count, dest, part);
      source.readInto(offset + first * rowBytes(info), dest, part);
    },
  };
}

/** What float64 → float32 lost to range (overflow to ±Infinity, underflow to 0), said in words; or undefined. */
function outOfFloat32Range(wide: Float64Array, narrow: Float32Array): string | undefined {
  let overflow = 0;
  let underflow = 0;
  let firstOver = -1;
  let firstUnder = -1;
  for (let i = 0; i < wide.length; i++) {
    const n = narrow[i];
    if (n === Infinity || n === -Infinity) {
      if (Number.isFinite(wide[i]) && overflow++ === 0) firstOver = i;
    } else if (n === 0 && wide[i] !== 0 && underflow++ === 0) {
      firstUnder = i;
    }
  }
  const parts: string[] = [];
  if (overflow > 0) parts.push(`${overflow} value${overflow === 1 ? "" : "s"} (${wide[firstOver]} at index ${firstOver}) became ${narrow[firstOver]}`);
  if (underflow > 0) parts.push(`${underflow} value${underflow === 1 ? "" : "s"} (${wide[firstUnder]} at index ${firstUnder}) became 0`);
  return parts.length > 0 ? `all of it: ${parts.join(", and ")}` : undefined;
}

// tfjs is loaded on the first get(), not with this module: the typed-array path (getFloat32) never needs
// it, and a big JS heap makes every GC that large reads trigger (V8 counts their external memory) slower.
let tfjs: typeof tf | undefined;
const tfModule = (): typeof tf => (tfjs ??= require("@tensorflow/tfjs") as typeof tf);

export type CheckpointFormat = "pytorch" | "pytorch-legacy" | "safetensors" | "meta" | "huggingface" | "llama2c";

/** A Llama's hyper-parameters, named as Meta's ModelArgs (params.json) names them. */
export interface LlamaParams {
  dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads: number;
  vocab_size: number;
  norm_eps: number;
  /** FeedForward width (w1's rows). */
  hidden_dim: number;
  /** null where the format does not say (Meta's params.json leaves it to the caller). */
  max_seq_len: number | null;
  rope_theta: number;
}

/**
 * Plain JS for the non-tensor values of a checkpoint (epoch, args, optimizer settings…). Python bytes are a
 * Uint8Array. A value the pickle shares is one JS object wherever it appears (as in Python), so a walk over
 * metadata must expect shared and even cyclic values.
 */
export type Metadata = null | boolean | number | bigint | string | Uint8Array | Metadata[] | { [key: string]: Metadata };

export interface CheckpointParts {
  format: CheckpointFormat;
  path: string;
  entries: Map<string, TensorEntry>;
  metadata?: Metadata;
  params?: LlamaParams;
  /** Things the reader noticed and worked around (e.g. a shard count that did not match). */
  warnings?: string[];
  /** Open files to close with the checkpoint. */
  close?: () => void;
}

export class Checkpoint {
  readonly format: CheckpointFormat;
  readonly path: string;
  readonly metadata: Metadata;
  /** Llama-shaped checkpoints (Meta, Hugging Face, llama2.c folders and files): the model's params. */
  readonly params: LlamaParams | undefined;
  readonly warnings: readonly string[];
  private readonly entries: Map<string, TensorEntry>;
  private readonly closer: (() => void) | undefined;
  /** Tensors whose float64 values float32 could not hold, already reported (each once). */
  private readonly narrowed = new Set<string>();

  constructor(parts: CheckpointParts) {
    this.format = parts.format;
    this.path = parts.path;
    this.entries = parts.entries;
    this.metadata = parts.metadata ?? null;
    this.params = parts.params;
    this.warnings = parts.warnings ?? [];
    this.closer = parts.close;
  }

  /** Tensor names in file order (Meta names for Llama checkpoints: `layers.0.attention.wq.weight`…). */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Whether two names are one tensor (llama2.c's shared classifier, a tied Hugging Face lm_head). */
  aliases(a: string, b: string): boolean {
    return this.entries.has(a) && this.entries.get(a) === this.entries.get(b);
  }

  /** Shape, dtype and size of a tensor, without reading its data. */
  info(name: string): TensorInfo {
    const e = this.entry(name);
    return { shape: [...e.shape], dtype: e.dtype, bytes: e.bytes };
  }

  /** The tensor's data in its own dtype (int64 → BigInt64Array, fp16/bf16 → raw Uint16Array bits). */
  read(name: string): { data: TypedArray; shape: number[]; dtype: DType } {
    const e = this.entry(name);
    let data: TypedArray;
    try {
      data = e.read();
    } catch (err) {
      throw namingFile(err, this.path, `tensor "${name}"`);
    }
    return { data, shape: [...e.shape], dtype: e.dtype };
  }

  /**
   * Rows [first, first + count) of a tensor (seen as shape[0] rows of `rowBytes(info)` bytes), in its stored
   * dtype, into `dest`: straight from the file where the format allows (see TensorEntry.readRows), else
   * through read() (a strided view, a deflated zip entry, a big-endian file).
   */
  readRows(name: string, first: number, count: number, dest: Uint8Array): void {
    const e = this.entry(name);
    checkRows(e, first, count, dest, `${this.path}: tensor "${name}"`);
    try {
      readRowsOf(e, first, count, dest);
    } catch (err) {
      throw namingFile(err, this.path, `tensor "${name}"`);
    }
  }

  /** The tensor as float32 (fp16/bf16/float64/ints converted): the fast path for typed-array loops. */
  getFloat32(name: string): { data: Float32Array; shape: number[] } {
    const { data, shape, dtype } = this.read(name);
    return { data: this.float32(name, data, dtype), shape };
  }

  /**
   * The tensor as a tf.Tensor, read now. tfjs has float32, int32 and bool: 16/64-bit floats become
   * float32, integers int32 (an int64 value outside int32 is an error that names it).
   */
  get(name: string): tf.Tensor {
    const { data, shape, dtype } = this.read(name);
    const tf = tfModule();
    switch (dtype) {
      case "bool":
        return tf.tensor(data as Uint8Array, shape, "bool");
      case "int64":
      case "int32":
      case "int16":
      case "int8":
      case "uint8":
        return tf.tensor(toInt32(data, dtype, `${this.path}: ${name}`), shape, "int32");
      default:
        return tf.tensor(this.float32(name, data, dtype), shape, "float32");
    }
  }

  /**
   * float32 of the data; float64 values past float32's range become ±Infinity and tiny ones 0, silently
   * in a plain cast (issue 13 item 10: 1e300 and 1e-300), so that is said once per tensor, with the way to
   * the exact values.
   */
  private float32(name: string, data: TypedArray, dtype: DType): Float32Array {
    const out = toFloat32(data, dtype);
    if (dtype !== "float64" || this.narrowed.has(name)) return out;
    const lost = outOfFloat32Range(data as Float64Array, out);
    if (lost !== undefined) {
      this.narrowed.add(name);
      process.stderr.write(`warning: ${this.path}: tensor "${name}" is float64 and float32 cannot hold ${lost}; ` +
        `read("${name}") gives the exact float64 values (a Float64Array)\n`);
    }
    return out;
  }

  /** Closes the files behind the checkpoint; later reads reopen them. */
  close(): void {
    this.closer?.();
  }

  private entry(name: string): TensorEntry {
    const e = this.entries.get(name);
    if (e) return e;
    const near = this.keys().filter((k) => k.includes(name) || name.includes(k)).slice(0, 5);
    const hint = near.length ? `; similar names: ${near.join(", ")}` : `; the first are: ${this.keys().slice(0, 5).join(", ")}`;
    throw new Error(`${this.path}: no tensor named "${name}" among its ${this.entries.size} tensors${hint}`);
  }
}
