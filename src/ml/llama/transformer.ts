// Meta's Transformer.forward (llama/model.py) with Meta's KV cache, over weights in compute memory.
//
// It reads like llama2.c's run.c: a RunState holds the activations of the rows in flight, and forward
// walks the layers calling one kernel per step. The arithmetic runs in the WebAssembly kernels of
// src/ml/compute (matmuls for every weight dtype, on every core); what is left in JS is bookkeeping and
// the rotary embedding (a few thousand multiplications a row).
//
// Semantics follow Meta's code line by line:
//   h = tok_embeddings(tokens)                                           (B, T, dim)
//   for layer: h = h + attention(attention_norm(h), start_pos, freqs_cis, mask)
//              h = h + feed_forward(ffn_norm(h))
//   logits = output(norm(h))                                            (B, T, vocab)
// attention writes k, v of the chunk into cache_k/cache_v[:B, start_pos : start_pos+T] and attends to
// [0, start_pos + t] (the causal mask Meta builds with triu(diagonal=1) and hstacks after the cache).
//
// Rows in flight: a long prompt goes through in chunks of positions (all layers for one chunk, then the
// next). Attention is causal and every row's arithmetic is its own, so chunking changes no value; it
// bounds the activations at `capacity` rows whatever the prompt length.
import type { Arena } from "../compute/arena";
import { Compute, prepBytes, type Weight } from "../compute/compute";
import { headDim, type LlamaWeights, type ModelArgs } from "./args";
import { precomputeFreqsCis } from "./rope";
import { arraySource, loadWeights, planWeights, type LoadDType, type TransformerWeights } from "./weights";

export interface TransformerOptions {
  /** Called between layers: throws to stop a forward (the notebook's Stop), so Stop never waits a token. */
  checkInterrupt?: () => void;
}

/** Which positions' logits forward returns: all (Meta's forward), or the last of each row (decoding). */
export type LogitPositions = "all" | "last";

/** Bytes of one layer's KV cache: cache_k and cache_v, (max_batch_size, max_seq_len, n_kv_heads · head_dim) f32. */
export function kvBytesPerLayer(args: ModelArgs): number {
  return 2 * args.max_batch_size * args.max_seq_len * args.n_kv_heads * headDim(args) * 4;
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Rows a forward keeps in flight: at least the batch, at most 32, fewer when attention scores are large. */
export function capacityFor(args: ModelArgs): number {
  const scoreBytesPerRow = args.n_heads * align4(args.max_seq_len) * 4;
  return Math.max(args.max_batch_size, Math.min(32, Math.floor((64 << 20) / scoreBytesPerRow)));
}

/** run.c's RunState: the activations of up to `capacity` rows, in one arena (byte addresses). */
class RunState {
  static bytes(args: ModelArgs, capacity: number): number {
    const { dim, hidden_dim, vocab_size, n_heads, max_seq_len } = args;
    const kvDim = args.n_kv_heads * headDim(args);
    const floats = capacity * (5 * dim + 2 * kvDim + 2 * hidden_dim + vocab_size + Math.max(dim, hidden_dim) + n_heads * align4(max_seq_len));
    return 4 * floats + 12 * 64;
  }

  readonly x: number; // (R, dim) the residual stream h
  readonly xb: number; // (R, dim)
  readonly xb2: number; // (R, dim)
  readonly q: number; // (R, dim)
  readonly k: number; // (R, kv_dim)
  readonly v: number; // (R, kv_dim)
  readonly hb: number; // (R, hidden_dim)
  readonly hb2: number; // (R, hidden_dim)
  readonly logits: number; // (R, vocab)
  readonly prep: number; // x prepared for a matmul (q8_0 blocks or pair-split)
  readonly att: number; // (R, n_heads, max_seq_len) attention scores
  readonly xs: Float32Array; // x, q, k as JS sees them (embedding rows in, rotary embedding)
  readonly qs: Float32Array;
  readonly ks: Float32Array;

  constructor(readonly arena: Arena, args: ModelArgs, capacity: number) {
    const { dim, hidden_dim, vocab_size, n_heads, max_seq_len } = args;
    const kvDim = args.n_kv_heads * headDim(args);
    const f32 = (n: number): number => arena.alloc(4 * capacity * n);
    [this.x, this.xb, this.xb2, this.q] = [f32(dim), f32(dim), f32(dim), f32(dim)];
    [this.k, this.v] = [f32(kvDim), f32(kvDim)];
    [this.hb, this.hb2] = [f32(hidden_dim), f32(hidden_dim)];
    this.logits = f32(vocab_size);
    this.prep = arena.alloc(Math.max(prepBytes("bfloat16", capacity, Math.max(dim, hidden_dim)), 64));
    this.att = f32(n_heads * align4(max_seq_len));
    this.xs = arena.f32(this.x, capacity * dim);
    this.qs = arena.f32(this.q, capacity * dim);
    this.ks = arena.f32(this.k, capacity * kvDim);
  }
}

/** A layer's KV cache, in its block's arena. */
interface Cache {
  k: number;
  v: number;
  ks: Float32Array;
  vs: Float32Array;
}

/**
 * A forward's input, checked as both Transformers (and Meta's asserts) need it: B rows of T token ids in
 * [0, vocab_size), B ≤ max_batch_size, positions startPos .. startPos+T-1 inside max_seq_len. Returns [B, T].
 */
export function checkTokens(params: ModelArgs, tokens: ArrayLike<number>[], startPos: number): [number, number] {
  const { vocab_size, max_seq_len, max_batch_size } = params;
  const B = tokens.length;
  const T = B > 0 ? tokens[0].length : 0;
  if (B === 0 || T === 0) throw new Error(`llama forward: tokens must be (B, T) with B, T ≥ 1, got (${B}, ${T})`);
  if (B > max_batch_size) throw new Error(`llama forward: batch of ${B} rows is larger than max_batch_size ${max_batch_size}`);
  if (!Number.isInteger(startPos) || startPos < 0 || startPos + T > max_seq_len) {
    throw new Error(`llama forward: positions ${startPos}..${startPos + T - 1} do not fit max_seq_len ${max_seq_len}`);
  }
  for (let b = 0; b < B; b++) {
    const row = tokens[b];
    if (row.length !== T) throw new Error(`llama forward: row ${b} has ${row.length} tokens, row 0 has ${T}`);
    for (let t = 0; t < T; t++) {
      const id = row[t];
      if (!Number.isInteger(id) || id < 0 || id >= vocab_size) {
        throw new Error(`llama forward: token ${id} at [${b}, ${t}] is not an id in [0, ${vocab_size})`);
      }
    }
  }
  return [B, T];
}

/** Rotates each head's pairs (x[2i], x[2i+1]) of R rows (heads · hd wide) by freqs_cis[pos of the row]. */
function rope(x: Float32Array, R: number, T: number, startPos: number, heads: number, hd: number, cos: Float32Array, sin: Float32Array): void {
  const half = hd / 2;
  const width = heads * hd;
  for (let r = 0; r < R; r++) {
    const c = (startPos + (r % T)) * half;
    for (let h = 0; h < heads; h++) {
      const o = r * width + h * hd;
      for (let i = 0; i < half; i++) {
        const a = x[o + 2 * i], b = x[o + 2 * i + 1];
        x[o + 2 * i] = a * cos[c + i] - b * sin[c + i];
        x[o + 2 * i + 1] = a * sin[c + i] + b * cos[c + i];
      }
    }
  }
}

export class Transformer {
  readonly params: ModelArgs;
  readonly weights: TransformerWeights;
  readonly compute: Compute;
  /** Rows a forward keeps in flight (a longer chunk goes through in pieces). */
  readonly capacity: number;
  private readonly headDim: number;
  private readonly kvDim: number;
  private readonly states = new Map<Arena, RunState>();
  private readonly caches: Cache[];
  // freqs_cis as two tables (max_seq_len, head_dim / 2)
  private readonly cos: Float32Array;
  private readonly sin: Float32Array;
  private result = new Float32Array(0);
  private readonly checkInterrupt: (() => void) | undefined;

  /** Over weights already loaded into `compute`'s arenas (see Llama.load); allocates the caches and activations. */
  constructor(params: ModelArgs, weights: TransformerWeights, compute: Compute, opts: TransformerOptions = {}) {
    this.params = params;
    this.weights = weights;
    this.compute = compute;
    this.checkInterrupt = opts.checkInterrupt;
    this.headDim = headDim(params);
    this.kvDim = params.n_kv_heads * this.headDim;
    if (this.headDim % 4 !== 0) throw new Error(`llama: head_dim ${this.headDim} must be a multiple of 4`);
    this.capacity = capacityFor(params);
    const cacheFloats = params.max_batch_size * params.max_seq_len * this.kvDim;
    this.caches = weights.layers.map(({ arena }) => {
      const k = arena.alloc(4 * cacheFloats), v = arena.alloc(4 * cacheFloats);
      return { k, v, ks: arena.f32(k, cacheFloats), vs: arena.f32(v, cacheFloats) };
    });
    for (const w of [weights.tok_embeddings, ...weights.layers, weights.output]) {
      if (!this.states.has(w.arena)) this.states.set(w.arena, new RunState(w.arena, params, this.capacity));
    }
    ({ cos: this.cos, sin: this.sin } = precomputeFreqsCis(params));
  }

  /** A model over plain float32 arrays (Meta's layout), kept as `dtype` (default float32). */
  static fromArrays(params: ModelArgs, weights: LlamaWeights, opts: TransformerOptions & { dtype?: LoadDType; threads?: number } = {}): Transformer {
    const compute = new Compute(opts.threads);
    try {
      const groups = planWeights(arraySource(params, weights), params, opts.dtype ?? "float32", kvBytesPerLayer(params));
      const loaded = loadWeights(arraySource(params, weights), groups, compute, RunState.bytes(params, capacityFor(params)));
      return new Transformer(params, loaded, compute, opts);
    } catch (e) {
      compute.dispose();
      throw e;
    }
  }

  /** Bytes of activations per arena, for the memory estimate. */
  static activationBytes(params: ModelArgs): number {
    return RunState.bytes(params, capacityFor(params));
  }

  /**
   * Logits for `tokens` (B rows of T ids) at positions start_pos .. start_pos+T-1, reading and filling the
   * KV cache as Meta's Transformer.forward: (B, T, vocab), or (B, 1, vocab) of each row's last position
   * with `positions: "last"` (all generate needs without logprobs; it skips the output head elsewhere).
   * The result is a view of a buffer the next call overwrites: copy it to keep it.
   */
  forward(tokens: ArrayLike<number>[], startPos: number, positions: LogitPositions = "all"): Float32Array {
    const [B, T] = checkTokens(this.params, tokens, startPos);
    const V = this.params.vocab_size;
    const outT = positions === "all" ? T : 1;
    if (this.result.length < B * outT * V) this.result = new Float32Array(B * outT * V);
    const perChunk = Math.max(1, Math.floor(this.capacity / B));
    for (let t0 = 0; t0 < T; t0 += perChunk) {
      const Tc = Math.min(perChunk, T - t0);
      let s = this.embed(tokens, t0, Tc);
      for (let l = 0; l < this.weights.layers.length; l++) {
        s = this.moveTo(s, this.weights.layers[l].arena, B * Tc);
        this.block(l, s, B, Tc, startPos + t0);
        this.checkInterrupt?.();
      }
      s = this.moveTo(s, this.weights.output.arena, B * Tc);
      if (positions === "all") {
        this.head(s, s.x, B * Tc);
        for (let b = 0; b < B; b++) this.result.set(s.arena.f32(s.logits + 4 * b * Tc * V, Tc * V), (b * T + t0) * V);
      } else if (t0 + Tc === T) {
        // gather each row's last position into xb2, then norm and head over those B rows only
        const dim = this.params.dim;
        const gathered = s.arena.f32(s.xb2, B * dim);
        for (let b = 0; b < B; b++) gathered.set(s.xs.subarray((b * Tc + Tc - 1) * dim, (b * Tc + Tc) * dim), b * dim);
        this.head(s, s.xb2, B);
        this.result.set(s.arena.f32(s.logits, B * V), 0);
      }
    }
    return this.result.subarray(0, B * outT * V);
  }

  /** Ends the model's threads and lets its memory go. */
  dispose(): void {
    this.compute.dispose();
  }

  /** h = tok_embeddings(tokens[:, t0 : t0+T]) into the embedding arena's x, rows (b, t) in order. */
  private embed(tokens: ArrayLike<number>[], t0: number, T: number): RunState {
    const emb = this.weights.tok_embeddings;
    const s = this.states.get(emb.arena)!;
    const dim = this.params.dim;
    for (let b = 0; b < tokens.length; b++) {
      for (let t = 0; t < T; t++) emb.rowToFloat32(tokens[b][t0 + t], s.x + 4 * (b * T + t) * dim);
    }
    return s;
  }

  /** The residual stream's R rows, carried to the state of `arena` when the next layer lives there. */
  private moveTo(s: RunState, arena: Arena, R: number): RunState {
    if (s.arena === arena) return s;
    const next = this.states.get(arena)!;
    next.xs.set(s.xs.subarray(0, R * this.params.dim));
    return next;
  }

  /** One TransformerBlock over R = B·T rows at positions pos .. pos+T-1. */
  private block(l: number, s: RunState, B: number, T: number, pos: number): void {
    const { dim, n_heads, n_kv_heads, hidden_dim, norm_eps, max_seq_len } = this.params;
    const w = this.weights.layers[l];
    const cache = this.caches[l];
    const c = this.compute;
    const a = s.arena;
    const R = B * T;
    const hd = this.headDim, kvDim = this.kvDim;

    // xq, xk, xv = wq(x), wk(x), wv(x) of attention_norm(h)
    c.rmsnorm(a, s.xb, s.x, w.attention_norm.ptr, R, dim, norm_eps);
    this.linears(s.xb, R, [[s.q, w.wq], [s.k, w.wk], [s.v, w.wv]], s.prep);
    // apply_rotary_emb: view_as_complex pairs (x[2i], x[2i+1]) of each head, times freqs_cis[pos]
    rope(s.qs, R, T, pos, n_heads, hd, this.cos, this.sin);
    rope(s.ks, R, T, pos, n_kv_heads, hd, this.cos, this.sin);
    // cache_k[:B, start_pos : start_pos + T] = xk (and xv)
    const vs = a.f32(s.v, R * kvDim);
    for (let b = 0; b < B; b++) {
      const dst = (b * max_seq_len + pos) * kvDim;
      cache.ks.set(s.ks.subarray(b * T * kvDim, (b + 1) * T * kvDim), dst);
      cache.vs.set(vs.subarray(b * T * kvDim, (b + 1) * T * kvDim), dst);
    }
    // softmax(q·kᵀ / √head_dim + mask) · v over keys 0..pos, every head → xb (R, dim)
    c.attention(a, {
      out: s.xb, q: s.q, cacheK: cache.k, cacheV: cache.v, scores: s.att,
      B, T, startPos: pos, maxSeqLen: max_seq_len, nHeads: n_heads, nKvHeads: n_kv_heads, headDim: hd,
    });
    // h = x + wo(attention)
    c.linear(s.xb2, s.xb, w.wo, R, s.prep);
    c.add(a, s.x, s.xb2, R * dim);
    // out = h + w2(silu(w1(ffn_norm(h))) * w3(ffn_norm(h)))
    c.rmsnorm(a, s.xb, s.x, w.ffn_norm.ptr, R, dim, norm_eps);
    this.linears(s.xb, R, [[s.hb, w.w1], [s.hb2, w.w3]], s.prep);
    c.siluMul(a, s.hb, s.hb2, R * hidden_dim);
    c.linear(s.xb2, s.hb, w.w2, R, s.prep);
    c.add(a, s.x, s.xb2, R * dim);
  }

  /** Several Linears of one input: x is prepared once per weight dtype. */
  private linears(x: number, R: number, pairs: [number, Weight][], prep: number): void {
    let preparedFor: string | undefined;
    let input = x;
    for (const [out, w] of pairs) {
      if (w.dtype !== preparedFor) {
        input = this.compute.prepare(x, w.dtype, R, w.cols, w.arena, prep);
        preparedFor = w.dtype;
      }
      this.compute.matmul(out, input, w, R);
    }
  }

  /** logits = output(norm(h)) for `rows` rows of h starting at byte address `h`, into s.logits. */
  private head(s: RunState, h: number, rows: number): void {
    const { dim, norm_eps } = this.params;
    this.compute.rmsnorm(s.arena, s.xb, h, this.weights.norm.ptr, rows, dim, norm_eps);
    this.compute.linear(s.logits, s.xb, this.weights.output, rows, s.prep);
  }
}
