// A tiny Llama with seeded random weights, for the tests that need no checkpoint (KV cache, batching,
// errors, streaming). Grouped-query attention (4 query heads on 2 KV heads) like stories260K.
import { ffnHiddenDim, type LlamaWeights, type ModelArgs } from "../../../src/ml/llama/args";
import { Mulberry32 } from "../../../src/ml/llama/sampling";

export function tinyArgs(over: Partial<ModelArgs> = {}): ModelArgs {
  return {
    dim: 16, n_layers: 2, n_heads: 4, n_kv_heads: 2, vocab_size: 32, hidden_dim: ffnHiddenDim(16, 4),
    norm_eps: 1e-5, rope_theta: 10000, max_batch_size: 4, max_seq_len: 24, ...over,
  };
}

export function tinyWeights(args: ModelArgs, seed = 1): LlamaWeights {
  const rng = new Mulberry32(seed);
  const rand = (n: number, scale = 0.5): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const { dim, hidden_dim, vocab_size } = args;
  const kv = (args.n_kv_heads * dim) / args.n_heads;
  return {
    tok_embeddings: rand(vocab_size * dim, 1),
    norm: rand(dim, 1),
    output: rand(vocab_size * dim, 1),
    layers: Array.from({ length: args.n_layers }, () => ({
      attention_norm: rand(dim, 1), wq: rand(dim * dim), wk: rand(kv * dim), wv: rand(kv * dim), wo: rand(dim * dim),
      ffn_norm: rand(dim, 1), w1: rand(hidden_dim * dim), w2: rand(dim * hidden_dim), w3: rand(hidden_dim * dim),
    })),
  };
}

/** Largest |a - b| over two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
