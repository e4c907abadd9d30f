// From a checkpoint's Meta-named tensors to ModelArgs + LlamaWeights.
//
// Every format arrives here already in Meta's names and layout (the checkpoint room merges MP shards by
// Meta's rule, undoes Hugging Face's q/k rotary permutation and widens fp16/bf16 to float32), so this file
// only checks shapes against the params and picks the defaults Meta's Llama.build would.
import type { Checkpoint, LlamaParams } from "../checkpoint/checkpoint";
import { checkWeights, type LlamaWeights, type ModelArgs } from "./args";

export interface ArgsOptions {
  /** Defaults to the checkpoint's (llama2.c seq_len, HF max_position_embeddings), else Meta's 2048. */
  maxSeqLen?: number;
  /** Defaults to 8. */
  maxBatchSize?: number;
}

export function modelArgs(params: LlamaParams, opts: ArgsOptions = {}): ModelArgs {
  const max_seq_len = opts.maxSeqLen ?? params.max_seq_len ?? 2048;
  const max_batch_size = opts.maxBatchSize ?? 8;
  for (const [name, value] of [["maxSeqLen", max_seq_len], ["maxBatchSize", max_batch_size]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`Llama.load: ${name} must be a positive integer, got ${value}`);
  }
  const { dim, n_layers, n_heads, n_kv_heads, vocab_size, norm_eps, hidden_dim, rope_theta } = params;
  return { dim, n_layers, n_heads, n_kv_heads, vocab_size, norm_eps, hidden_dim, rope_theta, max_seq_len, max_batch_size };
}

/** Reads every weight as float32 and checks each against the params (name, expected and actual shape). */
export function weightsFromCheckpoint(ckpt: Checkpoint, args: ModelArgs): LlamaWeights {
  const read = (name: string): Float32Array => {
    if (!ckpt.has(name)) throw new Error(`Llama.load: ${ckpt.path} has no tensor "${name}"`);
    return ckpt.getFloat32(name).data;
  };
  const tok_embeddings = read("tok_embeddings.weight");
  // llama2.c files with a shared classifier (and tied HF models) may list no separate output.weight
  const output = ckpt.has("output.weight") ? read("output.weight") : tok_embeddings;
  const weights: LlamaWeights = {
    tok_embeddings,
    norm: read("norm.weight"),
    output,
    layers: Array.from({ length: args.n_layers }, (_, i) => {
      const p = `layers.${i}.`;
      return {
        attention_norm: read(`${p}attention_norm.weight`),
        wq: read(`${p}attention.wq.weight`),
        wk: read(`${p}attention.wk.weight`),
        wv: read(`${p}attention.wv.weight`),
        wo: read(`${p}attention.wo.weight`),
        ffn_norm: read(`${p}ffn_norm.weight`),
        w1: read(`${p}feed_forward.w1.weight`),
        w2: read(`${p}feed_forward.w2.weight`),
        w3: read(`${p}feed_forward.w3.weight`),
      };
    }),
  };
  try {
    checkWeights(args, weights);
  } catch (e) {
    throw new Error(`Llama.load: ${ckpt.path}: ${(e as Error).message.replace(/^llama: /, "")}`);
  }
  return weights;
}
