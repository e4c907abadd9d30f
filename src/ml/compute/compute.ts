// What a model computes with: its arenas, its thread pool, and the operations of a Llama layer (and of
// SGD) over buffers in those arenas. One Compute per model; dispose() ends its threads and frees its
// memory. Operands of one operation always live in the same arena (a kernel sees one memory).
import * as os from "node:os";
import { Arena } from "./arena";
import { isBlockDType, KIND, QK, rowBytes, type WeightDType } from "./dtype";
import { ThreadPool } from "./pool";

/** A weight matrix in an arena: `rows` rows of `cols` values of `dtype` (nn.Linear's (out, in) layout). */
export class Weight {
  constructor(readonly arena: Arena, readonly ptr: number, readonly rows: number, readonly cols: number, readonly dtype: WeightDType) {}

  get rowBytes(): number {
    return rowBytes(this.dtype, this.cols);
  }

  get bytes(): number {
    return this.rows * this.rowBytes;
  }

  /** Row `i` as float32 into `dst` (a byte address in the same arena), dequantized as ggml does. */
  rowToFloat32(i: number, dst: number): void {
    this.arena.kernels.to_f32(KIND[this.dtype], dst, this.ptr + i * this.rowBytes, this.cols);
  }
}

/** Bytes of scratch `linear` needs to prepare R rows of x for a weight of `dtype` with `n` columns. */
export function prepBytes(dtype: WeightDType, R: number, n: number): number {
  if (dtype === "float32") return 0;
  // block weights read widened q8_0 blocks (68 bytes per 32 values; kernels/0-helpers.wat says why)
  return isBlockDType(dtype) ? (R * n * 68) / QK : R * n * 4;
}

// Below these many multiply-adds a kernel call is not worth splitting: a chunk on another thread costs a
// few microseconds to hand over (measured with bench/generate on stories260K).
const MIN_CHUNK_MACS = 64 * 1024;

export class Compute {
  readonly threads: number;
  readonly arenas: Arena[] = [];
  private readonly pool: ThreadPool;

  /** threads defaults to os.availableParallelism(). */
  constructor(threads: number = os.availableParallelism()) {
    this.pool = new ThreadPool(threads);
    this.threads = threads;
  }

  /** A new arena, known to the pool's threads. */
  newArena(): Arena {
    const arena = new Arena();
    this.arenas.push(arena);
    this.pool.attach(arena);
    return arena;
  }

  /**
   * nn.Linear without bias: out (R, w.rows) = x (R, w.cols) · wᵀ, all in w's arena. `prep` is scratch of
   * prepBytes(w.dtype, R, w.cols) for the input as the kernel reads it (see prepare).
   */
  linear(out: number, x: number, w: Weight, R: number, prep: number): void {
    this.matmul(out, this.prepare(x, w.dtype, R, w.cols, w.arena, prep), w, R);
  }

  /**
   * x (R, n) float32 as a matmul with weights of `dtype` reads it: as it is for float32, quantized to
   * q8_0 blocks for block weights (ggml's vec_dot_type: the dot products run on int8), pair-split for
   * bf16/f16 (kernels/0-helpers.wat says why). Returns where the prepared input is (x itself, or prep). Weights of
   * one dtype that read the same x (wq, wk, wv) share one preparation.
   */
  prepare(x: number, dtype: WeightDType, R: number, n: number, arena: Arena, prep: number): number {
    if (dtype === "float32") return x;
    if (isBlockDType(dtype)) {
      if (n % QK !== 0) throw new Error(`linear: a ${dtype} weight needs columns in blocks of ${QK}, has ${n}`);
      this.pool.run(arena, "quantize_q8_0", [prep, x], (R * n) / QK, { minItems: 256 });
    } else {
      arena.kernels.split_pairs(prep, x, R, n);
    }
    return prep;
  }

  /** out (R, w.rows) = input · wᵀ for an input already prepared for w's dtype. */
  matmul(out: number, input: number, w: Weight, R: number): void {
    const { arena, cols: n, rows: d } = w;
    this.pool.run(arena, "matmul", [KIND[w.dtype], out, input, w.ptr, R, n, d], d, {
      align: 4, minItems: Math.ceil(MIN_CHUNK_MACS / (R * n)),
    });
  }

  /** Meta's RMSNorm over R rows of n: out = x · rsqrt(mean(x²) + eps) · weight. */
  rmsnorm(arena: Arena, out: number, x: number, weight: number, R: number, n: number, eps: number): void {
    arena.kernels.rmsnorm(out, x, weight, R, n, eps);
  }

  /** g = silu(g) · u over `count` floats (SwiGLU). */
  siluMul(arena: Arena, g: number, u: number, count: number): void {
    this.pool.run(arena, "silu_mul", [g, u], count, { align: 4, minItems: 16 * 1024 });
  }

  /** x += y over `count` floats. */
  add(arena: Arena, x: number, y: number, count: number): void {
    arena.kernels.add(x, y, 0, count);
  }

  /**
   * Attention of R = B·T query rows (B batch rows of T positions from `startPos`) against their caches,
   * every head; see kernels/2-layer.wat's $attention for the layout. `scores` holds R·n_heads·align4(maxSeq) floats.
   */
  attention(arena: Arena, a: {
    out: number; q: number; cacheK: number; cacheV: number; scores: number;
    B: number; T: number; startPos: number; maxSeqLen: number; nHeads: number; nKvHeads: number; headDim: number;
  }): void {
    const items = a.B * a.T * a.nHeads;
    const perItem = (a.startPos + a.T) * a.headDim * 2;
    this.pool.run(arena, "attention",
      [a.out, a.q, a.cacheK, a.cacheV, a.scores, a.T, a.startPos, a.maxSeqLen, a.nHeads, a.nKvHeads, a.headDim],
      items, { minItems: Math.ceil(MIN_CHUNK_MACS / perItem) });
  }

  /** out (rows, cols) += C (rows, K) · A (K, cols), all float32 in one arena (SGD's BP2 and update). */
  gemmAcc(arena: Arena, out: number, C: number, A: number, rows: number, K: number, cols: number): void {
    this.pool.run(arena, "gemm_acc", [out, C, A, K, cols], rows, { minItems: Math.ceil(MIN_CHUNK_MACS / (K * cols)) });
  }

  /** Ends the threads; the arenas are freed when nothing refers to them any more. */
  dispose(): void {
    this.pool.close();
    this.arenas.length = 0;
  }
}
