// Meta's Transformer.forward (llama/model.py) over Float32Arrays, with Meta's KV cache.
//
// Why typed arrays and not tfjs ops: at stories260K's size (dim 64) a tfjs op costs ~7 µs of dispatch
// and Meta's forward is ~330 ops a token, so tfjs tops out near 300 tokens/s (../shared/PEERS.md), while
// the arithmetic is under a million flops. This file is llama2.c's run.c algorithm, batched: every row
// of the batch and every position of the chunk goes through each Linear together, so a weight row is
// read once per step, not once per token. Sums run in float64 (JS numbers) and are stored as float32.
//
// Semantics follow Meta's code line by line:
//   h = tok_embeddings(tokens)                                           (B, T, dim)
//   for layer: h = h + attention(attention_norm(h), start_pos, freqs_cis, mask)
//              h = h + feed_forward(ffn_norm(h))
//   logits = output(norm(h))                                            (B, T, vocab)
// attention writes k, v of the chunk into cache_k/cache_v[:B, start_pos : start_pos+T] and attends to
// [0, start_pos + t] (the causal mask Meta builds with triu(diagonal=1) and hstacks after the cache).
import { checkWeights, headDim, type LlamaWeights, type ModelArgs } from "./args";

/** out[r, i] = Σ_j w[i, j] · x[r, j] — x (R, n), w (d, n) as nn.Linear stores it, out (R, d). */
function matmul(out: Float32Array, x: Float32Array, w: Float32Array, R: number, n: number, d: number): void {
  const n4 = n - (n % 4);
  for (let i = 0; i < d; i++) {
    const wi = i * n;
    for (let r = 0; r < R; r++) {
      const xr = r * n;
      // four independent sums keep the adds from waiting on each other (the loop is latency bound)
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let j = 0;
      for (; j < n4; j += 4) {
        s0 += w[wi + j] * x[xr + j];
        s1 += w[wi + j + 1] * x[xr + j + 1];
        s2 += w[wi + j + 2] * x[xr + j + 2];
        s3 += w[wi + j + 3] * x[xr + j + 3];
      }
      for (; j < n; j++) s0 += w[wi + j] * x[xr + j];
      out[r * d + i] = s0 + s1 + s2 + s3;
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
 * repeat_kv: query head h reads KV head floor(h / n_rep).
 */
function attention(
  out: Float32Array, q: Float32Array, cacheK: Float32Array, cacheV: Float32Array, scores: Float64Array,
  r: number, cacheRow: number, last: number, nHeads: number, nRep: number, hd: number,
): void {
  const dim = nHeads * hd;
  const kvDim = (nHeads / nRep) * hd;
  const scale = 1 / Math.sqrt(hd);
  for (let h = 0; h < nHeads; h++) {
    const qo = r * dim + h * hd;
    const kvo = cacheRow + ((h / nRep) | 0) * hd;
    let max = -Infinity;
    for (let p = 0; p <= last; p++) {
      const ko = kvo + p * kvDim;
      let s = 0;
      for (let i = 0; i < hd; i++) s += q[qo + i] * cacheK[ko + i];
      s *= scale;
      scores[p] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let p = 0; p <= last; p++) sum += (scores[p] = Math.exp(scores[p] - max));
    const o = r * dim + h * hd;
    for (let i = 0; i < hd; i++) out[o + i] = 0;
    for (let p = 0; p <= last; p++) {
      const a = scores[p] / sum;
      const vo = kvo + p * kvDim;
      for (let i = 0; i < hd; i++) out[o + i] += a * cacheV[vo + i];
    }
  }
}

export class Transformer {
  readonly params: ModelArgs;
  private readonly weights: LlamaWeights;
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

  constructor(params: ModelArgs, weights: LlamaWeights) {
    checkWeights(params, weights);
    this.params = params;
    this.weights = weights;
    this.headDim = headDim(params);
    this.kvDim = params.n_kv_heads * this.headDim;
    const cacheSize = params.max_batch_size * params.max_seq_len * this.kvDim;
    this.cacheK = weights.layers.map(() => new Float32Array(cacheSize));
    this.cacheV = weights.layers.map(() => new Float32Array(cacheSize));
    this.scores = new Float64Array(params.max_seq_len);
    // precompute_freqs_cis: freqs = 1 / theta^(2i / head_dim); angle = pos * freqs, both float32 in Meta's
    // code (torch.outer of float32 tensors), so round the same way before taking cos/sin.
    const half = this.headDim / 2;
    this.cos = new Float32Array(params.max_seq_len * half);
    this.sin = new Float32Array(params.max_seq_len * half);
    for (let i = 0; i < half; i++) {
      const freq = Math.fround(1 / Math.pow(params.rope_theta, Math.fround((2 * i) / this.headDim)));
      for (let pos = 0; pos < params.max_seq_len; pos++) {
        const angle = Math.fround(pos * freq);
        this.cos[pos * half + i] = Math.cos(angle);
        this.sin[pos * half + i] = Math.sin(angle);
      }
    }
  }

  /**
   * Logits (B, T, vocab) for `tokens` (B rows of T ids) at positions start_pos .. start_pos+T-1, reading
   * and filling the KV cache as Meta's Transformer.forward. The result is a view of a buffer that the next
   * call overwrites: copy it to keep it.
   */
  forward(tokens: ArrayLike<number>[], startPos: number): Float32Array {
    const { dim, n_heads, n_kv_heads, vocab_size, hidden_dim, norm_eps, max_seq_len, max_batch_size } = this.params;
    const B = tokens.length;
    const T = B > 0 ? tokens[0].length : 0;
    if (B === 0 || T === 0) throw new Error(`llama forward: tokens must be (B, T) with B, T ≥ 1, got (${B}, ${T})`);
    if (B > max_batch_size) throw new Error(`llama forward: batch of ${B} rows is larger than max_batch_size ${max_batch_size}`);
    if (!Number.isInteger(startPos) || startPos < 0 || startPos + T > max_seq_len) {
      throw new Error(`llama forward: positions ${startPos}..${startPos + T - 1} do not fit max_seq_len ${max_seq_len}`);
    }
    const R = B * T;
    this.reserve(R);
    const { x, xb, xb2, q, k, v, hb, hb2, logits, scores, cos, sin } = this;
    const hd = this.headDim;
    const kvDim = this.kvDim;
    const nRep = n_heads / n_kv_heads;

    // h = tok_embeddings(tokens)   (B, T, dim)
    for (let b = 0; b < B; b++) {
      const row = tokens[b];
      if (row.length !== T) throw new Error(`llama forward: row ${b} has ${row.length} tokens, row 0 has ${T}`);
      for (let t = 0; t < T; t++) {
        const id = row[t];
        if (!Number.isInteger(id) || id < 0 || id >= vocab_size) {
          throw new Error(`llama forward: token ${id} at [${b}, ${t}] is not an id in [0, ${vocab_size})`);
        }
        x.set(this.weights.tok_embeddings.subarray(id * dim, (id + 1) * dim), (b * T + t) * dim);
      }
    }

    for (let l = 0; l < this.weights.layers.length; l++) {
      const layer = this.weights.layers[l];
      const cacheK = this.cacheK[l];
      const cacheV = this.cacheV[l];

      // xq, xk, xv = wq(x), wk(x), wv(x) on attention_norm(h)
      rmsnorm(xb, x, layer.attention_norm, R, dim, norm_eps);
      matmul(q, xb, layer.wq, R, dim, dim);
      matmul(k, xb, layer.wk, R, dim, kvDim);
      matmul(v, xb, layer.wv, R, dim, kvDim);

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
          attention(xb, q, cacheK, cacheV, scores, b * T + t, b * max_seq_len * kvDim, startPos + t, n_heads, nRep, hd);
        }
      }

      // h = x + wo(attention)
      matmul(xb2, xb, layer.wo, R, dim, dim);
      for (let i = 0; i < R * dim; i++) x[i] += xb2[i];

      // out = h + w2(silu(w1(ffn_norm(h))) * w3(ffn_norm(h)))
      rmsnorm(xb, x, layer.ffn_norm, R, dim, norm_eps);
      matmul(hb, xb, layer.w1, R, dim, hidden_dim);
      matmul(hb2, xb, layer.w3, R, dim, hidden_dim);
      for (let i = 0; i < R * hidden_dim; i++) {
        const g = hb[i];
        hb[i] = (g / (1 + Math.exp(-g))) * hb2[i];
      }
      matmul(xb2, hb, layer.w2, R, hidden_dim, dim);
      for (let i = 0; i < R * dim; i++) x[i] += xb2[i];
    }

    // logits = output(norm(h))   (B, T, vocab)
    rmsnorm(xb, x, this.weights.norm, R, dim, norm_eps);
    matmul(logits, xb, this.weights.output, R, dim, vocab_size);
    return logits.subarray(0, R * vocab_size);
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
