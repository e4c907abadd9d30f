// Rotary position embeddings: Meta's precompute_freqs_cis (llama/model.py), the one table both Llama
// forwards rotate q and k by.
import { headDim, type ModelArgs } from "./args";

/**
 * Meta's precompute_freqs_cis as two tables (max_seq_len, head_dim / 2): freqs = 1 / theta^(2i / head_dim);
 * angle = pos * freqs, both float32 in Meta's code (torch.outer of float32 tensors), so round the same way
 * before taking cos/sin.
 */
export function precomputeFreqsCis(args: ModelArgs): { cos: Float32Array; sin: Float32Array } {
  const hd = headDim(args);
  const half = hd / 2;
  const cos = new Float32Array(args.max_seq_len * half);
  const sin = new Float32Array(args.max_seq_len * half);
  for (let i = 0; i < half; i++) {
    const freq = Math.fround(1 / Math.pow(args.rope_theta, Math.fround((2 * i) / hd)));
    for (let pos = 0; pos < args.max_seq_len; pos++) {
      const angle = Math.fround(pos * freq);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
