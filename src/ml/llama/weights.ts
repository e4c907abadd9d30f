// From a checkpoint's Meta-named tensors to the model's weights in compute memory.
//
// Every format arrives here in Meta's names and layout (the checkpoint room merges MP shards by Meta's
// rule and undoes Hugging Face's q/k rotary permutation), each tensor in the dtype its file stores. A
// weight is read straight from the file into the arena the kernels read (Checkpoint.readRows) when it
// keeps its dtype, and through a few megabytes of staging, a chunk of rows at a time, when it changes
// dtype: never as a whole-tensor Float32Array. The only exception is a dtype the kernels cannot read
// (float64, ggml's k-quants…), which is dequantized by the checkpoint room first.
//
// Placement: arenas hold at most 4 GiB, so the weights are laid out before anything is read: the
// embedding, then each TransformerBlock with its KV cache, then the final norm and the output head, each
// group in the current arena while it fits, else in a new one.
import type { LlamaParams } from "../checkpoint/checkpoint";
import { ARENA_MAX_BYTES, type Arena } from "../compute/arena";
import { Compute, Weight } from "../compute/compute";
import { fitsDType, isWeightDType, KIND, rowBytes, type WeightDType } from "../compute/dtype";
import { headDim, type LlamaWeights, type ModelArgs } from "./args";

/** "auto" keeps each weight's stored dtype (ggml's other block types become q8_0, float64 float32). */
export type LoadDType = "auto" | WeightDType;

export interface ArgsOptions {
  /** Defaults to the checkpoint's (llama2.c seq_len, HF max_position_embeddings), else Meta's 2048. */
  maxSeqLen?: number;
  /** Defaults to 8, or the most (≥ 1) whose KV cache fits in memory beside the weights. */
  maxBatchSize?: number;
}

export function modelArgs(params: LlamaParams, opts: ArgsOptions = {}, defaultBatch = 8): ModelArgs {
  const max_seq_len = opts.maxSeqLen ?? params.max_seq_len ?? 2048;
  const max_batch_size = opts.maxBatchSize ?? defaultBatch;
  for (const [name, value] of [["maxSeqLen", max_seq_len], ["maxBatchSize", max_batch_size]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`Llama.load: ${name} must be a positive integer, got ${value}`);
  }
  const { dim, n_layers, n_heads, n_kv_heads, vocab_size, norm_eps, hidden_dim, rope_theta } = params;
  return { dim, n_layers, n_heads, n_kv_heads, vocab_size, norm_eps, hidden_dim, rope_theta, max_seq_len, max_batch_size };
}

/** What the loader needs of a checkpoint (Checkpoint has it; so does arraySource for plain arrays). */
export interface WeightSource {
  readonly path: string;
  has(name: string): boolean;
  info(name: string): { shape: number[]; dtype: string; bytes: number };
  readRows(name: string, first: number, count: number, dest: Uint8Array): void;
  getFloat32(name: string): { data: Float32Array; shape: number[] };
  /** Whether two names are one tensor (a shared classifier is stored, and loaded, once). */
  aliases?(a: string, b: string): boolean;
}

/** A float32 vector in an arena (the RMSNorm weights). */
export interface Vector {
  readonly arena: Arena;
  readonly ptr: number;
  readonly length: number;
}

/** One TransformerBlock's weights, all in one arena (Meta's names). */
export interface BlockWeights {
  readonly arena: Arena;
  attention_norm: Vector; // (dim)
  wq: Weight; // (n_heads · head_dim, dim)
  wk: Weight; // (n_kv_heads · head_dim, dim)
  wv: Weight; // (n_kv_heads · head_dim, dim)
  wo: Weight; // (dim, n_heads · head_dim)
  ffn_norm: Vector; // (dim)
  w1: Weight; // (hidden_dim, dim)  gate
  w2: Weight; // (dim, hidden_dim)  down
  w3: Weight; // (hidden_dim, dim)  up
}

export interface TransformerWeights {
  tok_embeddings: Weight; // (vocab_size, dim)
  layers: BlockWeights[];
  norm: Vector; // (dim)
  output: Weight; // (vocab_size, dim); the same Weight as tok_embeddings when the file shares them
}

const MATRICES = ["attention.wq", "attention.wk", "attention.wv", "attention.wo", "feed_forward.w1", "feed_forward.w2", "feed_forward.w3"] as const;
const BLOCK_KEYS = ["wq", "wk", "wv", "wo", "w1", "w2", "w3"] as const;

/** The (rows, cols) each Meta-named weight must have; vectors have rows 1. */
function expectedShapes(args: ModelArgs): Map<string, [number, number]> {
  const { dim, n_heads, n_kv_heads, vocab_size, hidden_dim, n_layers } = args;
  const hd = headDim(args);
  const shapes = new Map<string, [number, number]>([["tok_embeddings.weight", [vocab_size, dim]]]);
  for (let i = 0; i < n_layers; i++) {
    const p = `layers.${i}.`;
    shapes.set(`${p}attention_norm.weight`, [1, dim]);
    shapes.set(`${p}attention.wq.weight`, [n_heads * hd, dim]);
    shapes.set(`${p}attention.wk.weight`, [n_kv_heads * hd, dim]);
    shapes.set(`${p}attention.wv.weight`, [n_kv_heads * hd, dim]);
    shapes.set(`${p}attention.wo.weight`, [dim, n_heads * hd]);
    shapes.set(`${p}ffn_norm.weight`, [1, dim]);
    shapes.set(`${p}feed_forward.w1.weight`, [hidden_dim, dim]);
    shapes.set(`${p}feed_forward.w2.weight`, [dim, hidden_dim]);
    shapes.set(`${p}feed_forward.w3.weight`, [hidden_dim, dim]);
  }
  shapes.set("norm.weight", [1, dim]);
  shapes.set("output.weight", [vocab_size, dim]);
  return shapes;
}

/** The dtype a weight is kept in: the one asked for, where its rows fit that dtype's blocks. */
export function storedDType(fileDType: string, requested: LoadDType, cols: number): WeightDType {
  const keepable = isWeightDType(fileDType) ? fileDType : /^q\d/.test(fileDType) ? "q8_0" : "float32";
  const want = requested === "auto" ? keepable : requested;
  if (fitsDType(want, cols)) return want;
  // a row that is not whole blocks of 32 stays in its float dtype, as llama.cpp's quantizer leaves it
  return isWeightDType(fileDType) && fitsDType(fileDType, cols) ? fileDType : "float32";
}

/** One tensor of the plan: where it comes from and what it becomes. */
interface Planned {
  name: string;
  rows: number;
  cols: number;
  dtype: WeightDType | "vector";
  /** Loaded as this other name's Weight (a shared classifier). */
  aliasOf?: string;
  bytes: number;
}

/** A group of tensors that shares an arena (the embedding; a block and its cache; the head). */
interface Group {
  tensors: Planned[];
  /** Bytes the group needs beside its tensors in the same arena (a block's KV cache). */
  extra: number;
}

/** Every weight, checked against the params, with its stored dtype and bytes, in groups. */
export function planWeights(source: WeightSource, args: ModelArgs, dtype: LoadDType, kvBytesPerLayer: number): Group[] {
  const shapes = expectedShapes(args);
  const planned = new Map<string, Planned>();
  for (const [name, [rows, cols]] of shapes) {
    let from = name;
    // llama2.c files with a shared classifier (and tied HF models) may list no separate output.weight
    if (name === "output.weight" && !source.has(name)) from = "tok_embeddings.weight";
    if (!source.has(from)) throw new Error(`Llama.load: ${source.path} has no tensor "${name}"`);
    const info = source.info(from);
    const size = info.shape.reduce((a, b) => a * b, 1);
    const isVector = rows === 1;
    const shapeOk = isVector ? info.shape.length === 1 && size === cols : info.shape.length === 2 && info.shape[0] === rows && info.shape[1] === cols;
    if (!shapeOk) {
      throw new Error(`Llama.load: ${source.path}: weight ${name} has shape [${info.shape}], expected (${isVector ? cols : `${rows}, ${cols}`}) for dim ${args.dim}, n_heads ${args.n_heads}, n_kv_heads ${args.n_kv_heads}, hidden_dim ${args.hidden_dim}, vocab_size ${args.vocab_size}`);
    }
    const aliasOf = name === "output.weight" && (from !== name || source.aliases?.(name, "tok_embeddings.weight")) ? "tok_embeddings.weight" : undefined;
    const d = isVector ? "vector" : storedDType(info.dtype, dtype, cols);
    const bytes = aliasOf ? 0 : d === "vector" ? 4 * cols : rows * rowBytes(d, cols);
    planned.set(name, { name: from === name ? name : from, rows, cols, dtype: d, aliasOf, bytes });
  }
  const take = (...names: string[]): Planned[] => names.map((n) => planned.get(n)!);
  const groups: Group[] = [{ tensors: take("tok_embeddings.weight"), extra: 0 }];
  for (let i = 0; i < args.n_layers; i++) {
    const p = `layers.${i}.`;
    groups.push({ tensors: take(`${p}attention_norm.weight`, ...MATRICES.map((m) => `${p}${m}.weight`), `${p}ffn_norm.weight`), extra: kvBytesPerLayer });
  }
  groups.push({ tensors: take("norm.weight", "output.weight"), extra: 0 });
  return groups;
}

export const weightBytes = (groups: Group[]): number => groups.reduce((s, g) => s + g.tensors.reduce((t, x) => t + x.bytes, 0), 0);

/** Staging for dtype conversion: a chunk of rows read raw, then as float32. */
const STAGING_FLOATS = 2 * 1024 * 1024;
export const STAGING_BYTES = 3 * 4 * STAGING_FLOATS;

/**
 * Lays the groups out over arenas (each arena also keeps `arenaReserve` bytes for the forward's
 * activations, plus conversion staging) and reads every weight into place. Returns the weights and the
 * arena each block's KV cache is to be allocated in (its block's).
 */
export function loadWeights(source: WeightSource, groups: Group[], compute: Compute, arenaReserve: number): TransformerWeights {
  const arenaOf = new Map<Group, Arena>();
  let arena: Arena | undefined;
  let room = 0;
  const head = groups[groups.length - 1];
  for (const g of groups) {
    const need = g.tensors.reduce((s, t) => s + t.bytes + 64, 0) + g.extra;
    if (g === head && head.tensors[1].aliasOf) {
      // a shared classifier lives with the embedding: the final norm goes there too (a kernel sees one arena)
      arenaOf.set(g, arenaOf.get(groups[0])!);
      continue;
    }
    if (arena === undefined || need > room) {
      arena = compute.newArena();
      // the embedding's arena also keeps room for a shared classifier's final norm
      room = ARENA_MAX_BYTES - arena.used - arenaReserve - STAGING_BYTES - 1024 * 1024;
      if (need > room) {
        throw new Error(`Llama.load: a layer and its KV cache take ${(need / 1e9).toFixed(2)} GB, more than one 4 GiB arena (WebAssembly's address space) holds; a smaller maxSeqLen or maxBatchSize shrinks the cache`);
      }
    }
    arenaOf.set(g, arena);
    room -= need;
  }
  const placed = new Map<string, Weight | Vector>();
  for (const g of groups) {
    const a = arenaOf.get(g)!;
    for (const t of g.tensors) {
      if (t.aliasOf) continue;
      const ptr = a.alloc(t.bytes);
      placed.set(t.name, t.dtype === "vector" ? { arena: a, ptr, length: t.cols } : new Weight(a, ptr, t.rows, t.cols, t.dtype));
    }
  }
  // fill, arena by arena, with staging at each arena's top (given back before the caches are allocated)
  for (const a of new Set(arenaOf.values())) {
    const mark = a.mark();
    const staging = a.alloc(STAGING_BYTES);
    for (const g of groups) {
      if (arenaOf.get(g) !== a) continue;
      for (const t of g.tensors) if (!t.aliasOf) fill(source, t.name, placed.get(t.name)!, staging);
    }
    a.release(mark);
  }
  const weight = (name: string): Weight => placed.get(name) as Weight;
  const vector = (name: string): Vector => placed.get(name) as Vector;
  const output = head.tensors[1];
  return {
    tok_embeddings: weight("tok_embeddings.weight"),
    layers: groups.slice(1, -1).map((g, i) => {
      const p = `layers.${i}.`;
      const block: BlockWeights = {
        arena: arenaOf.get(g)!,
        attention_norm: vector(`${p}attention_norm.weight`),
        ffn_norm: vector(`${p}ffn_norm.weight`),
        ...Object.fromEntries(BLOCK_KEYS.map((k, j) => [k, weight(`${p}${MATRICES[j]}.weight`)])) as Pick<BlockWeights, (typeof BLOCK_KEYS)[number]>,
      };
      return block;
    }),
    norm: vector("norm.weight"),
    output: weight(output.aliasOf ?? output.name),
  };
}

/** Reads one tensor into its place: straight from the file, or a chunk of rows at a time through staging. */
function fill(source: WeightSource, name: string, dst: Weight | Vector, staging: number): void {
  const info = source.info(name);
  if (!(dst instanceof Weight)) {
    dst.arena.f32(dst.ptr, dst.length).set(source.getFloat32(name).data);
    return;
  }
  const { arena, rows, cols } = dst;
  if (info.dtype === dst.dtype) {
    source.readRows(name, 0, rows, arena.bytes(dst.ptr, dst.bytes));
    return;
  }
  const fileKind = isWeightDType(info.dtype) ? info.dtype : undefined;
  // a dtype the kernels cannot read is dequantized whole by the checkpoint room (the one exception)
  const whole = fileKind === undefined ? source.getFloat32(name).data : undefined;
  const chunk = Math.max(1, Math.floor(STAGING_FLOATS / cols));
  const floats = staging; // chunk · cols float32
  const raw = staging + 4 * STAGING_FLOATS; // chunk · file row bytes (≤ 8 bytes a value)
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const k = Math.min(chunk, rows - r0);
    if (fileKind !== undefined) {
      const fileRow = rowBytes(fileKind, cols);
      source.readRows(name, r0, k, arena.bytes(raw, k * fileRow));
      for (let i = 0; i < k; i++) arena.kernels.to_f32(KIND[fileKind], floats + 4 * i * cols, raw + i * fileRow, cols);
    } else {
      arena.f32(floats, k * cols).set(whole!.subarray(r0 * cols, (r0 + k) * cols));
    }
    for (let i = 0; i < k; i++) arena.kernels.from_f32(KIND[dst.dtype], dst.ptr + (r0 + i) * dst.rowBytes, floats + 4 * i * cols, cols);
  }
}

/** Plain Float32Arrays (Meta's names and layout) as a WeightSource, for `new Llama(params, weights)`. */
export function arraySource(args: ModelArgs, weights: LlamaWeights): WeightSource {
  const arrays = new Map<string, Float32Array>([["tok_embeddings.weight", weights.tok_embeddings]]);
  weights.layers.forEach((l, i) => {
    const p = `layers.${i}.`;
    arrays.set(`${p}attention_norm.weight`, l.attention_norm);
    MATRICES.forEach((m, j) => arrays.set(`${p}${m}.weight`, l[BLOCK_KEYS[j]]));
    arrays.set(`${p}ffn_norm.weight`, l.ffn_norm);
  });
  arrays.set("norm.weight", weights.norm);
  arrays.set("output.weight", weights.output);
  const shapes = expectedShapes(args);
  const array = (name: string): Float32Array => {
    const a = arrays.get(name);
    if (a === undefined) throw new Error(`llama: weight ${name} is missing`);
    return a;
  };
  const shapeOf = (name: string): number[] => {
    const [rows, cols] = shapes.get(name) ?? [1, array(name).length];
    const a = array(name);
    // a wrong length is reported against the expected shape by planWeights
    return rows === 1 ? [a.length] : a.length === rows * cols ? [rows, cols] : [a.length];
  };
  return {
    path: "weights",
    has: (name) => arrays.get(name) !== undefined,
    info: (name) => ({ shape: shapeOf(name), dtype: "float32", bytes: array(name).byteLength }),
    readRows: (name, first, count, dest) => {
      const a = array(name);
      const cols = a.length / shapeOf(name)[0];
      dest.set(new Uint8Array(a.buffer, a.byteOffset + first * cols * 4, count * cols * 4));
    },
    getFloat32: (name) => ({ data: array(name), shape: shapeOf(name) }),
    aliases: (a, b) => arrays.get(a) === arrays.get(b),
  };
}

/** The weights back as plain float32 arrays (Meta's layout): for the tfjs model and for inspection. */
export function toFloat32(weights: TransformerWeights): LlamaWeights {
  const matrix = (w: Weight): Float32Array => {
    const out = new Float32Array(w.rows * w.cols);
    const mark = w.arena.mark();
    const scratch = w.arena.alloc(4 * w.cols);
    for (let i = 0; i < w.rows; i++) {
      w.rowToFloat32(i, scratch);
      out.set(w.arena.f32(scratch, w.cols), i * w.cols);
    }
    w.arena.release(mark);
    return out;
  };
  const vector = (v: Vector): Float32Array => v.arena.f32(v.ptr, v.length).slice();
  const tok_embeddings = matrix(weights.tok_embeddings);
  return {
    tok_embeddings,
    layers: weights.layers.map((l) => ({
      attention_norm: vector(l.attention_norm), ffn_norm: vector(l.ffn_norm),
      wq: matrix(l.wq), wk: matrix(l.wk), wv: matrix(l.wv), wo: matrix(l.wo), w1: matrix(l.w1), w2: matrix(l.w2), w3: matrix(l.w3),
    })),
    norm: vector(weights.norm),
    output: weights.output === weights.tok_embeddings ? tok_embeddings : matrix(weights.output),
  };
}

