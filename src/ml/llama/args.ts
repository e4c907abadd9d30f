// ModelArgs and the weights of a Llama, as Meta's llama/model.py names them.
//
// The model math (transformer.ts) reads plain Float32Arrays in Meta's layout: every Linear is stored
// (out_features, in_features) row-major, exactly as `layers.N.attention.wq.weight` sits in a
// consolidated.00.pth. Where the arrays come from (llama2.c .bin, Meta .pth, bf16, MP shards, HF folders)
// is the checkpoint room's business; load.ts turns its tensors into this shape.

/** Meta's `ModelArgs` (llama/model.py), snake_case as in params.json, plus the derived FFN width. */
export interface ModelArgs {
  dim: number;
  n_layers: number;
  n_heads: number;
  /** Grouped-query attention: query head h reads KV head floor(h / (n_heads / n_kv_heads)). */
  n_kv_heads: number;
  vocab_size: number;
  /** FeedForward width: Meta derives it from multiple_of / ffn_dim_multiplier (see ffnHiddenDim). */
  hidden_dim: number;
  norm_eps: number;
  rope_theta: number;
  max_batch_size: number;
  max_seq_len: number;
}

/** One TransformerBlock's weights (Meta names; Linear weights (out, in) row-major). */
export interface LayerWeights {
  attention_norm: Float32Array; // (dim)
  wq: Float32Array; // (n_heads * head_dim, dim)
  wk: Float32Array; // (n_kv_heads * head_dim, dim)
  wv: Float32Array; // (n_kv_heads * head_dim, dim)
  wo: Float32Array; // (dim, n_heads * head_dim)
  ffn_norm: Float32Array; // (dim)
  w1: Float32Array; // (hidden_dim, dim)   gate
  w2: Float32Array; // (dim, hidden_dim)   down
  w3: Float32Array; // (hidden_dim, dim)   up
}

export interface LlamaWeights {
  tok_embeddings: Float32Array; // (vocab_size, dim)
  layers: LayerWeights[];
  norm: Float32Array; // (dim)
  output: Float32Array; // (vocab_size, dim); llama2.c shares it with tok_embeddings
}

/**
 * Meta's FeedForward width rule (llama/model.py, FeedForward.__init__):
 * hidden = int(2 * 4 * dim / 3), scaled by ffn_dim_multiplier, rounded up to a multiple of multiple_of.
 * stories260K: dim 64, multiple_of 4 → int(170.67) = 170 → 172.
 */
export function ffnHiddenDim(dim: number, multipleOf: number, ffnDimMultiplier?: number | null): number {
  let hidden = Math.trunc((2 * (4 * dim)) / 3);
  if (ffnDimMultiplier !== undefined && ffnDimMultiplier !== null) hidden = Math.trunc(ffnDimMultiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

export const headDim = (args: ModelArgs): number => args.dim / args.n_heads;

/** Throws with the name, the expected and the actual size of the first weight that does not fit the args. */
export function checkWeights(args: ModelArgs, weights: LlamaWeights): void {
  const { dim, n_heads, n_kv_heads, vocab_size, hidden_dim, n_layers } = args;
  for (const [name, value] of Object.entries({ dim, n_heads, n_kv_heads, vocab_size, hidden_dim, n_layers })) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`llama: params.${name} must be a positive integer, got ${value}`);
  }
  if (dim % n_heads !== 0) throw new Error(`llama: dim ${dim} is not divisible by n_heads ${n_heads}`);
  if (n_heads % n_kv_heads !== 0) throw new Error(`llama: n_heads ${n_heads} is not a multiple of n_kv_heads ${n_kv_heads}`);
  if (headDim(args) % 2 !== 0) throw new Error(`llama: head_dim ${headDim(args)} must be even for rotary embeddings`);
  const kvDim = n_kv_heads * headDim(args);
  const expect = (name: string, array: Float32Array | undefined, size: number, shape: string): void => {
    if (array === undefined) throw new Error(`llama: weight ${name} is missing (expected ${shape})`);
    if (array.length !== size) throw new Error(`llama: weight ${name} has ${array.length} values, expected ${shape} = ${size}`);
  };
  expect("tok_embeddings.weight", weights.tok_embeddings, vocab_size * dim, `(${vocab_size}, ${dim})`);
  expect("norm.weight", weights.norm, dim, `(${dim})`);
  expect("output.weight", weights.output, vocab_size * dim, `(${vocab_size}, ${dim})`);
  if (weights.layers.length !== n_layers) throw new Error(`llama: ${weights.layers.length} layers of weights, params.n_layers is ${n_layers}`);
  weights.layers.forEach((layer, i) => {
    const p = `layers.${i}.`;
    expect(`${p}attention_norm.weight`, layer.attention_norm, dim, `(${dim})`);
    expect(`${p}attention.wq.weight`, layer.wq, dim * dim, `(${dim}, ${dim})`);
    expect(`${p}attention.wk.weight`, layer.wk, kvDim * dim, `(${kvDim}, ${dim})`);
    expect(`${p}attention.wv.weight`, layer.wv, kvDim * dim, `(${kvDim}, ${dim})`);
    expect(`${p}attention.wo.weight`, layer.wo, dim * dim, `(${dim}, ${dim})`);
    expect(`${p}ffn_norm.weight`, layer.ffn_norm, dim, `(${dim})`);
    expect(`${p}feed_forward.w1.weight`, layer.w1, hidden_dim * dim, `(${hidden_dim}, ${dim})`);
    expect(`${p}feed_forward.w2.weight`, layer.w2, dim * hidden_dim, `(${dim}, ${hidden_dim})`);
    expect(`${p}feed_forward.w3.weight`, layer.w3, hidden_dim * dim, `(${hidden_dim}, ${dim})`);
  });
}
