// A Hugging Face model folder: config.json and the weights in one of the layouts `from_pretrained` reads —
// model.safetensors, model.safetensors.index.json (a weight_map naming each tensor's shard),
// pytorch_model.bin, pytorch_model.bin.index.json. A Llama's names are mapped back to Meta's, undoing
// what transformers' convert_llama_weights_to_hf.py did:
//   q_proj = permute(wq, n_heads), k_proj = permute(wk, n_kv_heads), where
//   permute(w, h) = w.view(h, hd/2, 2, dim).transpose(1, 2).reshape(h*hd, dim)
// i.e. within each head, HF row j*hd/2 + i holds Meta row 2i + j (rotate_half pairs vs interleaved pairs).
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckpointParts, LlamaParams, TensorEntry, checkRows, readRowsOf, rowBytes } from "./checkpoint";
import { TypedArray } from "./dtypes";

const WEIGHT_FILES = ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"];

export function isHfFolder(files: string[]): boolean {
  return files.includes("config.json") && WEIGHT_FILES.some((f) => files.includes(f));
}

interface HfConfig {
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  num_key_value_heads?: number;
  vocab_size?: number;
  rms_norm_eps?: number;
  intermediate_size?: number;
  max_position_embeddings?: number;
  rope_theta?: number;
  tie_word_embeddings?: boolean;
  model_type?: string;
}

/** A JSON file (config.json, params.json, a shard index); a parse error names the file. */
export function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Every tensor of the folder under its HF name (sharded files joined through the index). */
function readWeights(dir: string, files: string[], readFile: (file: string) => CheckpointParts): { entries: Map<string, TensorEntry>; parts: CheckpointParts[] } {
  const weightFile = WEIGHT_FILES.find((f) => files.includes(f))!;
  let shardNames = [weightFile];
  if (weightFile.endsWith(".index.json")) {
    const index = readJson<{ weight_map?: { [name: string]: string } }>(path.join(dir, weightFile));
    if (!index.weight_map) throw new Error(`${path.join(dir, weightFile)}: no "weight_map"`);
    shardNames = [...new Set(Object.values(index.weight_map))];
    const missing = shardNames.filter((f) => !files.includes(f));
    if (missing.length) throw new Error(`${path.join(dir, weightFile)}: names shard files that are not in the folder: ${missing.join(", ")}`);
  }
  const parts = shardNames.map((f) => readFile(path.join(dir, f)));
  const entries = new Map<string, TensorEntry>();
  for (const p of parts) for (const [k, e] of p.entries) entries.set(k, e);
  return { entries, parts };
}

/** Meta rows from HF rows for one rotary-permuted matrix of `heads` heads. */
function unpermute(e: TensorEntry, heads: number): TensorEntry {
  const [rows, cols] = e.shape;
  const hd = rows / heads;
  if (e.shape.length !== 2 || !Number.isInteger(hd) || hd % 2 !== 0) throw new Error(`cannot undo the rotary permutation of a [${e.shape}] weight with ${heads} heads`);
  // HF row h·hd + j·hd/2 + i holds Meta row h·hd + 2i + j
  const source = (metaRow: number): number => {
    const h = Math.floor(metaRow / hd), k = metaRow % hd;
    return h * hd + (k % 2) * (hd / 2) + (k >> 1);
  };
  const bytesPerRow = rowBytes(e);
  return {
    ...e,
    readRows: (first, count, dest) => {
      checkRows(e, first, count, dest, "unpermuted q/k weight");
      for (let i = 0; i < count; i++) readRowsOf(e, source(first + i), 1, dest.subarray(i * bytesPerRow, (i + 1) * bytesPerRow));
    },
    read: () => {
      const src = e.read();
      const out = new (src.constructor as new (n: number) => TypedArray)(src.length);
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < hd / 2; i++) {
          for (let j = 0; j < 2; j++) {
            const from = (h * hd + j * (hd / 2) + i) * cols;
            (out as Float32Array).set((src as Float32Array).subarray(from, from + cols), (h * hd + 2 * i + j) * cols);
          }
        }
      }
      return out;
    },
  };
}

// in the order Meta's TransformerBlock lists its weights
const LAYER_NAMES: { [hf: string]: string } = {
  "self_attn.q_proj.weight": "attention.wq.weight",
  "self_attn.k_proj.weight": "attention.wk.weight",
  "self_attn.v_proj.weight": "attention.wv.weight",
  "self_attn.o_proj.weight": "attention.wo.weight",
  "mlp.gate_proj.weight": "feed_forward.w1.weight",
  "mlp.down_proj.weight": "feed_forward.w2.weight",
  "mlp.up_proj.weight": "feed_forward.w3.weight",
  "input_layernorm.weight": "attention_norm.weight",
  "post_attention_layernorm.weight": "ffn_norm.weight",
};

export function readHfFolder(dir: string, files: string[], readFile: (file: string) => CheckpointParts): CheckpointParts {
  const config = readJson<HfConfig>(path.join(dir, "config.json"));
  const { entries: hf, parts } = readWeights(dir, files, readFile);
  const close = (): void => parts.forEach((p) => p.close?.());
  const isLlama = hf.has("model.embed_tokens.weight") && config.hidden_size !== undefined && config.num_attention_heads !== undefined;
  if (!isLlama) return { format: "huggingface", path: dir, entries: hf, metadata: config as CheckpointParts["metadata"], close };

  const nHeads = config.num_attention_heads!;
  const nKvHeads = config.num_key_value_heads ?? nHeads;
  const entries = new Map<string, TensorEntry>();
  const warnings: string[] = [];
  entries.set("tok_embeddings.weight", hf.get("model.embed_tokens.weight")!);
  for (const [name, e] of hf) {
    const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
    if (!m) continue;
    const meta = LAYER_NAMES[m[2]];
    if (!meta) {
      // rotary_emb.inv_freq (older transformers saved it) is recomputed from rope_theta: dropped
      if (!m[2].endsWith("rotary_emb.inv_freq")) {
        warnings.push(`${dir}: "${name}" has no Meta name; kept as it is`);
        entries.set(name, e);
      }
      continue;
    }
    const fixed = m[2].startsWith("self_attn.q_proj") ? unpermute(e, nHeads) : m[2].startsWith("self_attn.k_proj") ? unpermute(e, nKvHeads) : e;
    entries.set(`layers.${m[1]}.${meta}`, fixed);
  }
  if (hf.has("model.norm.weight")) entries.set("norm.weight", hf.get("model.norm.weight")!);
  // tied embeddings: lm_head is the embedding matrix (config.tie_word_embeddings, or no lm_head saved)
  const head = config.tie_word_embeddings ? undefined : hf.get("lm_head.weight");
  entries.set("output.weight", head ?? hf.get("model.embed_tokens.weight")!);
  const sorted = new Map([...entries].sort(([a], [b]) => rank(a) - rank(b)));
  const w1 = entries.get("layers.0.feed_forward.w1.weight");
  const params: LlamaParams = {
    dim: config.hidden_size!,
    n_layers: config.num_hidden_layers ?? 0,
    n_heads: nHeads,
    n_kv_heads: nKvHeads,
    vocab_size: config.vocab_size ?? hf.get("model.embed_tokens.weight")!.shape[0],
    norm_eps: config.rms_norm_eps ?? 1e-6,
    hidden_dim: config.intermediate_size ?? (w1 ? w1.shape[0] : NaN),
    max_seq_len: config.max_position_embeddings ?? null,
    rope_theta: config.rope_theta ?? 10000,
  };
  return { format: "huggingface", path: dir, entries: sorted, params, warnings, metadata: config as CheckpointParts["metadata"], close };
}

const META_LAYER_ORDER = Object.values(LAYER_NAMES);

/** Meta's order: tok_embeddings, layers in order (each as Meta's state_dict lists them), norm, output. */
function rank(name: string): number {
  if (name === "tok_embeddings.weight") return 0;
  const m = /^layers\.(\d+)\.(.+)$/.exec(name);
  if (m) return 1 + Number(m[1]) + (META_LAYER_ORDER.indexOf(m[2]) + 1) / 100;
  return name === "norm.weight" ? 1e9 : 1e9 + 1;
}
