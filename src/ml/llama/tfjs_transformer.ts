// Meta's Transformer.forward in TensorFlow.js ops, for devices (WebGPU) and for looking at tensors.
//
// The typed-array Transformer (transformer.ts) is the fast path on CPU: at dim 64 tfjs's per-op dispatch
// (~7 µs, ~330 ops a token) costs more than the arithmetic. On a GPU the arithmetic of a bigger model is
// what matters, and this file runs there: the same math, op for op as Meta's model.py, on whatever
// backend tfjs has selected. Weights are uploaded once; the KV cache is one tensor per layer holding the
// positions seen so far, (B, S, n_kv_heads, head_dim), grown with concat (tfjs has no in-place slice
// assignment) — a call at start_pos < S first drops the positions from start_pos on, as Meta's cache would
// overwrite them.
//
// Reading results: on WebGPU in Node dataSync() throws; use `await logits.data()`.
import * as tf from "@tensorflow/tfjs";
import { checkWeights, headDim, type LlamaWeights, type ModelArgs } from "./args";
import { precomputeFreqsCis } from "./rope";
import { checkTokens } from "./transformer";

interface LayerTensors {
  attention_norm: tf.Tensor1D;
  wq: tf.Tensor2D;
  wk: tf.Tensor2D;
  wv: tf.Tensor2D;
  wo: tf.Tensor2D;
  ffn_norm: tf.Tensor1D;
  w1: tf.Tensor2D;
  w2: tf.Tensor2D;
  w3: tf.Tensor2D;
}

export class TfTransformer {
  readonly params: ModelArgs;
  private readonly tok_embeddings: tf.Tensor2D;
  private readonly layers: LayerTensors[];
  private readonly norm: tf.Tensor1D;
  private readonly output: tf.Tensor2D;
  private readonly cos: tf.Tensor2D; // (max_seq_len, head_dim / 2)
  private readonly sin: tf.Tensor2D;
  private cacheK: tf.Tensor4D[] = []; // per layer (B, S, n_kv_heads, head_dim)
  private cacheV: tf.Tensor4D[] = [];

  constructor(params: ModelArgs, weights: LlamaWeights) {
    checkWeights(params, weights);
    this.params = params;
    const { dim, vocab_size, hidden_dim, max_seq_len } = params;
    const kvDim = params.n_kv_heads * headDim(params);
    this.tok_embeddings = tf.tensor2d(weights.tok_embeddings, [vocab_size, dim]);
    this.norm = tf.tensor1d(weights.norm);
    this.output = tf.tensor2d(weights.output, [vocab_size, dim]);
    this.layers = weights.layers.map((l) => ({
      attention_norm: tf.tensor1d(l.attention_norm),
      wq: tf.tensor2d(l.wq, [dim, dim]),
      wk: tf.tensor2d(l.wk, [kvDim, dim]),
      wv: tf.tensor2d(l.wv, [kvDim, dim]),
      wo: tf.tensor2d(l.wo, [dim, dim]),
      ffn_norm: tf.tensor1d(l.ffn_norm),
      w1: tf.tensor2d(l.w1, [hidden_dim, dim]),
      w2: tf.tensor2d(l.w2, [dim, hidden_dim]),
      w3: tf.tensor2d(l.w3, [hidden_dim, dim]),
    }));
    const { cos, sin } = precomputeFreqsCis(params);
    const half = headDim(params) / 2;
    this.cos = tf.tensor2d(cos, [max_seq_len, half]);
    this.sin = tf.tensor2d(sin, [max_seq_len, half]);
  }

  /** Logits (B, T, vocab) for `tokens` at positions startPos.., reading and growing the KV cache. */
  forward(tokens: number[][], startPos: number): tf.Tensor3D {
    const { dim, n_heads, n_kv_heads, norm_eps } = this.params;
    const [B, T] = checkTokens(this.params, tokens, startPos);
    const cached = this.cacheK.length > 0 ? this.cacheK[0].shape[1] : 0;
    if (startPos > cached || (startPos > 0 && this.cacheK[0].shape[0] !== B)) {
      throw new Error(`llama forward: start_pos ${startPos} but the cache holds ${cached} positions of ${this.cacheK[0]?.shape[0] ?? 0} rows`);
    }
    const flat = tokens.flat();
    const hd = dim / n_heads;
    const nRep = n_heads / n_kv_heads;
    const newK: tf.Tensor4D[] = [];
    const newV: tf.Tensor4D[] = [];
    const logits = tf.tidy(() => {
      const rmsnorm = (x: tf.Tensor3D, w: tf.Tensor1D): tf.Tensor3D =>
        tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), norm_eps))), w);
      const linear = (x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D => {
        const out = tf.matMul(tf.reshape(x, [B * T, x.shape[2]]), w, false, true);
        return tf.reshape(out, [B, T, w.shape[0]]);
      };
      // apply_rotary_emb on (B, T, heads, hd): pairs (x[2i], x[2i+1]) times freqs_cis[start_pos + t]
      const cos = tf.reshape(tf.slice(this.cos, [startPos, 0], [T, hd / 2]), [1, T, 1, hd / 2]);
      const sin = tf.reshape(tf.slice(this.sin, [startPos, 0], [T, hd / 2]), [1, T, 1, hd / 2]);
      const rope = (x: tf.Tensor4D): tf.Tensor4D => {
        const pairs = tf.reshape(x, [B, T, x.shape[2], hd / 2, 2]);
        const [re, im] = tf.unstack(pairs, 4) as [tf.Tensor4D, tf.Tensor4D];
        const outRe = tf.sub(tf.mul(re, cos), tf.mul(im, sin));
        const outIm = tf.add(tf.mul(re, sin), tf.mul(im, cos));
        return tf.reshape(tf.stack([outRe, outIm], 4), [B, T, x.shape[2], hd]);
      };
      // repeat_kv: (B, S, n_kv, hd) → (B, S, n_kv·n_rep, hd), each KV head repeated n_rep times in place
      const repeatKv = (x: tf.Tensor4D): tf.Tensor4D => {
        if (nRep === 1) return x;
        const [b, s] = x.shape;
        return tf.reshape(tf.tile(tf.reshape(x, [b, s, n_kv_heads, 1, hd]), [1, 1, 1, nRep, 1]), [b, s, n_heads, hd]);
      };
      const S = startPos + T;
      // mask (T, S): −inf where key position > start_pos + t (Meta: triu(diagonal=1) after start_pos zeros)
      const maskValues = new Float32Array(T * S);
      for (let t = 0; t < T; t++) for (let s = startPos + t + 1; s < S; s++) maskValues[t * S + s] = -Infinity;
      const mask = tf.tensor2d(maskValues, [T, S]);

      let h: tf.Tensor3D = tf.reshape(tf.gather(this.tok_embeddings, tf.tensor1d(flat, "int32")), [B, T, dim]);
      this.layers.forEach((layer, l) => {
        const x = rmsnorm(h, layer.attention_norm);
        const xq = rope(tf.reshape(linear(x, layer.wq), [B, T, n_heads, hd]));
        const xk = rope(tf.reshape(linear(x, layer.wk), [B, T, n_kv_heads, hd]));
        const xv = tf.reshape<tf.Rank.R4>(linear(x, layer.wv), [B, T, n_kv_heads, hd]);
        const keep = (c: tf.Tensor4D | undefined): tf.Tensor4D | undefined =>
          c === undefined || startPos === 0 ? undefined : startPos < c.shape[1] ? tf.slice(c, [0, 0, 0, 0], [B, startPos, n_kv_heads, hd]) : c;
        const pastK = keep(this.cacheK[l]);
        const pastV = keep(this.cacheV[l]);
        const keysAll: tf.Tensor4D = pastK ? tf.concat4d([pastK, xk], 1) : xk;
        const valuesAll: tf.Tensor4D = pastV ? tf.concat4d([pastV, xv], 1) : xv;
        newK.push(tf.keep(keysAll));
        newV.push(tf.keep(valuesAll));
        const q = tf.transpose(xq, [0, 2, 1, 3]); // (B, H, T, hd)
        const k = tf.transpose(repeatKv(keysAll), [0, 2, 1, 3]); // (B, H, S, hd)
        const v = tf.transpose(repeatKv(valuesAll), [0, 2, 1, 3]);
        const scores = tf.softmax(tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd)), mask));
        const attn = tf.reshape<tf.Rank.R3>(tf.transpose(tf.matMul(scores, v), [0, 2, 1, 3]), [B, T, dim]);
        h = tf.add(h, linear(attn, layer.wo));
        const f = rmsnorm(h, layer.ffn_norm);
        const gate = linear(f, layer.w1);
        h = tf.add(h, linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), linear(f, layer.w3)), layer.w2));
      });
      return linear(rmsnorm(h, this.norm), this.output);
    });
    tf.dispose([...this.cacheK, ...this.cacheV]); // every layer got a fresh concat (or xk) above
    this.cacheK = newK;
    this.cacheV = newV;
    return logits;
  }

  /** Frees the weights and the cache. */
  dispose(): void {
    const all: tf.Tensor[] = [this.tok_embeddings, this.norm, this.output, this.cos, this.sin, ...this.cacheK, ...this.cacheV];
    for (const l of this.layers) all.push(l.attention_norm, l.wq, l.wk, l.wv, l.wo, l.ffn_norm, l.w1, l.w2, l.w3);
    tf.dispose(all);
    this.cacheK = [];
    this.cacheV = [];
  }
}
