// Meta's Transformer.forward (llama/model.py) over Float32Arrays, with Meta's KV cache.
//
// Why typed arrays and not tfjs ops: at stories260K's size (dim 64) a tfjs op costs ~7 µs of dispatch
// and Meta's forward is ~330 ops a token, so tfjs tops out near 300 tokens/s (../shared/PEERS.md), while
// the arithmetic is under a million flops. This file is llama2.c's run.c algorithm, batched: every row
// of the batch and every position of the chunk goes through each Linear together, so a weight row is
// read once per step, not once per token. The Linear layers and the attention dot products run in the
// WebAssembly SIMD kernels of simd.ts (float32 sums, as run.c and PyTorch's CPU kernels) where the engine
// has them and the shapes fit (multiples of 4); otherwise in the JS loops below (float64 sums).
//
// Semantics follow Meta's code line by line:
//   h = tok_embeddings(tokens)                                           (B, T, dim)
//   for layer: h = h + attention(attention_norm(h), start_pos, freqs_cis, mask)
//              h = h + feed_forward(ffn_norm(h))
//   logits = output(norm(h))                                            (B, T, vocab)
// attention writes k, v of the chunk into cache_k/cache_v[:B, start_pos : start_pos+T] and attends to
// [0, start_pos + t] (the causal mask Meta builds with triu(diagonal=1) and hstacks after the cache).
import { checkWeights, headDim, type LlamaWeights, type ModelArgs } from "./args";
import { precomputeFreqsCis } from "./rope";
import { SimdKernels } from "./simd";

export interface TransformerOptions {
  /** Linear layers and attention through the WebAssembly SIMD kernels where the engine has them (default true). */
  simd?: boolean;
}

/**
 * out[r, i] = Σ_j w[i, j] · x[r, j] — x (R, n), w (d, n) as nn.Linear stores it, out (R, d).
 * Four weight rows at a time share each load of x[r, j] (5 loads per 4 multiply-adds instead of 8: in JS
 * every typed-array load is bounds-checked and widened, so loads, not flops, bound this loop), and the
 * four sums are independent so the adds do not wait on each other.
 */
function matmul(out: Float32Array, x: Float32Array, w: Float32Array, R: number, n: number, d: number): void {
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const w0 = i * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
    for (let r = 0; r < R; r++) {
      const xr = r * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < n; j++) {
        const xj = x[xr + j];
        s0 += w[w0 + j] * xj;
        s1 += w[w1 + j] * xj;
        s2 += w[w2 + j] * xj;
        s3 += w[w3 + j] * xj;
      }
      const o = r * d + i;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
  }
  for (; i < d; i++) {
    const wi = i * n;
    for (let r = 0; r < R; r++) {
      const xr = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += w[wi + j] * x[xr + j];
      out[r * d + i] = s;
    }
  }
}

/** Meta's RMSNorm: x * rsqrt(mean(x²) + eps) * weight, per row of (R, dim). */
function rmsnorm(out: Float32Array, x: Float32Array, weight: Float32Array, R: number, dim: number, eps: number): void {
  for (let r = 0; r < R; r++) {
    const o = r * dim;
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += x[o + j] * x[o + j];
    const scale = 1 / Math.sqrt(ss / dim + eps);
    for (let j = 0; j < dim; j++) out[o + j] = x[o + j] * scale * weight[j];
  }
}

/** Rotates each head's pairs (x[2i], x[2i+1]) of every row (R, heads * hd) by freqs_cis[start_pos + t]. */
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

/**
 * One query row r against its batch row's cache (keys 0..last), all heads: out[r] = softmax(q·kᵀ/√hd) · v.
 * repeat_kv: query head h reads KV head floor(h / n_rep). The weighted sum of v gathers in `acc` (float64)
 * and is stored once: a += into the Float32Array would round and re-widen on every position.
 */
function attention(
  out: Float32Array, q: Float32Array, cacheK: Float32Array, cacheV: Float32Array, scores: Float64Array, acc: Float64Array,
  r: number, cacheRow: number, last: number, nHeads: number, nRep: number, hd: number,
): void {
  const dim = nHeads * hd;
  const kvDim = (nHeads / nRep) * hd;
  const scale = 1 / Math.sqrt(hd);
  const hd4 = hd - (hd % 4);
  for (let h = 0; h < nHeads; h++) {
    const qo = r * dim + h * hd;
    const kvo = cacheRow + ((h / nRep) | 0) * hd;
    let max = -Infinity;
    for (let p = 0, ko = kvo; p <= last; p++, ko += kvDim) {
      let s0 = 0, s1 = 0;
      let i = 0;
      for (; i < hd4; i += 4) {
        s0 += q[qo + i] * cacheK[ko + i] + q[qo + i + 2] * cacheK[ko + i + 2];
        s1 += q[qo + i + 1] * cacheK[ko + i + 1] + q[qo + i + 3] * cacheK[ko + i + 3];
      }
      for (; i < hd; i++) s0 += q[qo + i] * cacheK[ko + i];
      const s = (s0 + s1) * scale;
      scores[p] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let p = 0; p <= last; p++) sum += (scores[p] = Math.exp(scores[p] - max));
    acc.fill(0);
    for (let p = 0, vo = kvo; p <= last; p++, vo += kvDim) {
      const a = scores[p];
      for (let i = 0; i < hd; i++) acc[i] += a * cacheV[vo + i];
    }
    const o = r * dim + h * hd;
    const inv = 1 / sum;
    for (let i = 0; i < hd; i++) out[o + i] = acc[i] * inv;
  }
}

/**
 * The same attention through the SIMD kernels, for caches that live in their memory: q·k for every cached
 * position, the softmax's exp (a polynomial in wasm: it has no exp instruction), Σ p·v, then one 1/sum
 * scale per head.
 * qRow (dim), scores (max_seq_len) and headOut (dim) are views into the kernels' memory.
 */
function attentionSimd(
  kernels: SimdKernels, out: Float32Array, q: Float32Array, cacheK: Float32Array, cacheV: Float32Array,
  qRow: Float32Array, scores: Float32Array, headOut: Float32Array,
  r: number, cacheRow: number, last: number, nHeads: number, nRep: number, hd: number,
): void {
  const dim = nHeads * hd;
  const kvDim = (nHeads / nRep) * hd;
  const scale = 1 / Math.sqrt(hd);
  const count = last + 1;
  qRow.set(q.subarray(r * dim, (r + 1) * dim));
  for (let h = 0; h < nHeads; h++) {
    const kvo = (cacheRow + ((h / nRep) | 0) * hd) * 4;
    kernels.scores(scores.byteOffset, qRow.byteOffset + h * hd * 4, cacheK.byteOffset + kvo, kvDim * 4, count, hd * 4);
    let max = -Infinity;
    for (let p = 0; p < count; p++) if (scores[p] > max) max = scores[p];
    kernels.exp(scores.byteOffset, count, max, scale);
    let sum = 0;
    for (let p = 0; p < count; p++) sum += scores[p];
    const o = h * hd;
    kernels.wsum(headOut.byteOffset + o * 4, scores.byteOffset, cacheV.byteOffset + kvo, kvDim * 4, count, hd * 4);
    const inv = 1 / sum;
    for (let i = 0; i < hd; i++) out[r * dim + o + i] = headOut[o + i] * inv;
  }
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

export class Transformer {
  readonly params: ModelArgs;
  /** The weights (Meta names), as the Transformer reads them. */
  readonly weights: LlamaWeights;
  private readonly headDim: number;
  private readonly kvDim: number;
  // cache_k / cache_v per layer: (max_batch_size, max_seq_len, n_kv_heads * head_dim), as Meta's Attention
  private readonly cacheK: Float32Array[];
  private readonly cacheV: Float32Array[];
  // freqs_cis as two tables (max_seq_len, head_dim / 2)
  private readonly cos: Float32Array;
  private readonly sin: Float32Array;
  // scratch, grown to the largest B*T seen, never allocated per token
  private capacity = 0;
  private x = new Float32Array(0); // (R, dim) the residual stream h
  private xb = new Float32Array(0); // (R, dim)
  private xb2 = new Float32Array(0); // (R, dim)
  private q = new Float32Array(0); // (R, dim)
  private k = new Float32Array(0); // (R, kv_dim)
  private v = new Float32Array(0); // (R, kv_dim)
  private hb = new Float32Array(0); // (R, hidden_dim)
  private hb2 = new Float32Array(0); // (R, hidden_dim)
  private logits = new Float32Array(0); // (R, vocab)
  private readonly scores: Float64Array; // (max_seq_len)
  private readonly acc: Float64Array; // (head_dim)
  // the SIMD kernels, where each weight sits in their memory (weights they cannot take stay in JS loops),
  // and their attention scratch; the caches then live in that memory too
  private readonly simd: SimdKernels | undefined;
  private readonly placed = new Map<Float32Array, number>();
  private readonly qRow: Float32Array; // (dim)
  private readonly simdScores: Float32Array; // (max_seq_len)
  private readonly headOut: Float32Array; // (dim)

  constructor(params: ModelArgs, weights: LlamaWeights, opts: TransformerOptions = {}) {
    checkWeights(params, weights);
    this.params = params;
    this.weights = weights;
    this.headDim = headDim(params);
    this.kvDim = params.n_kv_heads * this.headDim;
    const { dim, hidden_dim, vocab_size, max_seq_len } = params;
    const kvDim = this.kvDim;
    const cacheSize = params.max_batch_size * max_seq_len * kvDim;
    this.simd = opts.simd === false || this.headDim % 4 !== 0 ? undefined : SimdKernels.create();
    if (this.simd) {
      const simd = this.simd;
      const place = (w: Float32Array, n: number, d: number): void => {
        if (SimdKernels.fits(n, d) && !this.placed.has(w)) this.placed.set(w, simd.place(w));
      };
      for (const l of weights.layers) {
        place(l.wq, dim, dim);
        place(l.wk, dim, kvDim);
        place(l.wv, dim, kvDim);
        place(l.wo, dim, dim);
        place(l.w1, dim, hidden_dim);
        place(l.w2, hidden_dim, dim);
        place(l.w3, dim, hidden_dim);
      }
      place(weights.output, dim, vocab_size);
      const cacheAt = weights.layers.map(() => [simd.alloc(cacheSize), simd.alloc(cacheSize)]);
      const [qRowAt, scoresAt, headOutAt] = [simd.alloc(dim), simd.alloc(max_seq_len), simd.alloc(dim)];
      // scratch for n + d floats a row of the widest Linear: output (dim → vocab) or w1/w2/w3 (dim ↔ hidden)
      simd.seal(dim + Math.max(vocab_size, hidden_dim));
      this.cacheK = cacheAt.map(([k]) => simd.view(k, cacheSize));
      this.cacheV = cacheAt.map(([, v]) => simd.view(v, cacheSize));
      this.qRow = simd.view(qRowAt, dim);
      this.simdScores = simd.view(scoresAt, max_seq_len);
      this.headOut = simd.view(headOutAt, dim);
    } else {
      this.cacheK = weights.layers.map(() => new Float32Array(cacheSize));
      this.cacheV = weights.layers.map(() => new Float32Array(cacheSize));
      this.qRow = this.simdScores = this.headOut = new Float32Array(0);
    }
    this.scores = new Float64Array(params.max_seq_len);
    this.acc = new Float64Array(this.headDim);
    ({ cos: this.cos, sin: this.sin } = precomputeFreqsCis(params));
  }

  /**
   * Logits (B, T, vocab) for `tokens` (B rows of T ids) at positions start_pos .. start_pos+T-1, reading
   * and filling the KV cache as Meta's Transformer.forward. The result is a view of a buffer that the next
   * call overwrites: copy it to keep it.
   */
  forward(tokens: ArrayLike<number>[], startPos: number): Float32Array {
    const { dim, n_heads, n_kv_heads, vocab_size, hidden_dim, norm_eps, max_seq_len } = this.params;
    const [B, T] = checkTokens(this.params, tokens, startPos);
    const R = B * T;
    this.reserve(R);
    const { x, xb, xb2, q, k, v, hb, hb2, logits, scores, cos, sin } = this;
    const hd = this.headDim;
    const kvDim = this.kvDim;
    const nRep = n_heads / n_kv_heads;

    // h = tok_embeddings(tokens)   (B, T, dim)
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const id = tokens[b][t];
        x.set(this.weights.tok_embeddings.subarray(id * dim, (id + 1) * dim), (b * T + t) * dim);
      }
    }

    for (let l = 0; l < this.weights.layers.length; l++) {
      const layer = this.weights.layers[l];
      const cacheK = this.cacheK[l];
      const cacheV = this.cacheV[l];

      // xq, xk, xv = wq(x), wk(x), wv(x) on attention_norm(h)
      rmsnorm(xb, x, layer.attention_norm, R, dim, norm_eps);
      this.linear(q, xb, layer.wq, R, dim, dim);
      this.linear(k, xb, layer.wk, R, dim, kvDim);
      this.linear(v, xb, layer.wv, R, dim, kvDim);

      // apply_rotary_emb: view_as_complex pairs (x[2i], x[2i+1]) of each head, times freqs_cis[pos]
      rope(q, R, T, startPos, n_heads, hd, cos, sin);
      rope(k, R, T, startPos, n_kv_heads, hd, cos, sin);

      // cache_k[:B, start_pos : start_pos + T] = xk (and xv)
      for (let b = 0; b < B; b++) {
        const dst = (b * max_seq_len + startPos) * kvDim;
        cacheK.set(k.subarray(b * T * kvDim, (b + 1) * T * kvDim), dst);
        cacheV.set(v.subarray(b * T * kvDim, (b + 1) * T * kvDim), dst);
      }

      // scores = softmax(q·kᵀ / sqrt(head_dim) + mask) over keys 0..pos; output = scores · v  → xb (R, dim)
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const r = b * T + t;
          if (this.simd) {
            attentionSimd(this.simd, xb, q, cacheK, cacheV, this.qRow, this.simdScores, this.headOut, r, b * max_seq_len * kvDim, startPos + t, n_heads, nRep, hd);
          } else {
            attention(xb, q, cacheK, cacheV, scores, this.acc, r, b * max_seq_len * kvDim, startPos + t, n_heads, nRep, hd);
          }
        }
      }

      // h = x + wo(attention)
      this.linear(xb2, xb, layer.wo, R, dim, dim);
      for (let i = 0; i < R * dim; i++) x[i] += xb2[i];

      // out = h + w2(silu(w1(ffn_norm(h))) * w3(ffn_norm(h)))
      rmsnorm(xb, x, layer.ffn_norm, R, dim, norm_eps);
      this.linear(hb, xb, layer.w1, R, dim, hidden_dim);
      this.linear(hb2, xb, layer.w3, R, dim, hidden_dim);
      for (let i = 0; i < R * hidden_dim; i++) {
        const g = hb[i];
        hb[i] = (g / (1 + Math.exp(-g))) * hb2[i];
      }
      this.linear(xb2, hb, layer.w2, R, hidden_dim, dim);
      for (let i = 0; i < R * dim; i++) x[i] += xb2[i];
    }

    // logits = output(norm(h))   (B, T, vocab)
    rmsnorm(xb, x, this.weights.norm, R, dim, norm_eps);
    this.linear(logits, xb, this.weights.output, R, dim, vocab_size);
    return logits.subarray(0, R * vocab_size);
  }

  /** Whether the SIMD kernels run this model (else the JS loops). */
  get usesSimd(): boolean {
    return this.simd !== undefined;
  }

  /** nn.Linear without bias: out (R, d) = x (R, n) · wᵀ, through the SIMD kernel when w was placed there. */
  private linear(out: Float32Array, x: Float32Array, w: Float32Array, R: number, n: number, d: number): void {
    const at = this.placed.get(w);
    if (at !== undefined) this.simd!.matmul(out, x, at, R, n, d);
    else matmul(out, x, w, R, n, d);
  }

  /** Grows the scratch buffers to hold R = B * T rows (only when a larger chunk arrives). */
  private reserve(R: number): void {
    if (R <= this.capacity) return;
    const { dim, hidden_dim, vocab_size } = this.params;
    this.x = new Float32Array(R * dim);
    this.xb = new Float32Array(R * dim);
    this.xb2 = new Float32Array(R * dim);
    this.q = new Float32Array(R * dim);
    this.k = new Float32Array(R * this.kvDim);
    this.v = new Float32Array(R * this.kvDim);
    this.hb = new Float32Array(R * hidden_dim);
    this.hb2 = new Float32Array(R * hidden_dim);
    this.logits = new Float32Array(R * vocab_size);
    this.capacity = R;
  }
}
