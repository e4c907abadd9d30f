// Meta's Llama folder: params.json + consolidated.NN.pth, one file per model-parallel rank. Meta's
// Llama.build loads `sorted(Path(ckpt_dir).glob("*.pth"))[rank]` in each of MP processes and asserts
// the count equals the world size; here one process merges all shards by fairscale's layer rule:
//   ColumnParallelLinear (wq, wk, wv, w1, w3, output): each rank holds a block of output rows → cat dim 0
//   RowParallelLinear (wo, w2): each rank holds a block of input columns                   → cat dim 1
//   ParallelEmbedding (tok_embeddings, Llama 1/2): a block of the embedding dim            → cat dim 1
//   VocabParallelEmbedding (Llama 3): a block of the vocabulary                              → cat dim 0
//   RMSNorm weights and rope.freqs are replicated                                          → shard 0
import * as path from "node:path";
import { CheckpointParts, LlamaParams, TensorEntry, checkRows, readRowsOf, rowBytes } from "./checkpoint";
import { TypedArray } from "./dtypes";
import { readJson } from "./hf";

export function isMetaFolder(files: string[]): boolean {
  return files.includes("params.json");
}

/** Reads params.json and every shard, merging them when there is more than one. */
export function readMetaFolder(dir: string, files: string[], readFile: (file: string) => CheckpointParts): CheckpointParts {
  const raw = readJson<{ [k: string]: unknown }>(path.join(dir, "params.json"));
  const shardFiles = files.filter((f) => f.endsWith(".pth")).sort();
  if (shardFiles.length === 0) {
    throw new Error(`${dir}: no checkpoint found: params.json is there but no *.pth (Meta's loader globs "*.pth", e.g. consolidated.00.pth); the folder holds: ${files.join(", ")}`);
  }
  const warnings: string[] = [];
  const numbered = shardFiles.map((f) => /^consolidated\.(\d+)\.pth$/.exec(f));
  if (numbered.some((m, i) => !m || Number(m[1]) !== i)) {
    warnings.push(`${dir}: shard files are not consolidated.00.pth … consolidated.${String(shardFiles.length - 1).padStart(2, "0")}.pth in order (found ${shardFiles.join(", ")}); merging them in sorted order as Meta's loader would`);
  }
  const shards = shardFiles.map((f) => readFile(path.join(dir, f)));
  const n = shards.length;
  if (n > 1) {
    warnings.push(`${dir}: found ${n} model-parallel shards (${shardFiles.join(", ")}), written for ${n} processes; Meta's Llama.build would refuse them unless run with MP=${n}, so they were merged into one model by the model-parallel rule`);
  }
  const first = shards[0].entries;
  const dim = Number(raw.dim);
  const vocab = Number(raw.vocab_size);
  const entries = new Map<string, TensorEntry>();
  for (const [name, e0] of first) {
    const parts = shards.map((s, rank) => {
      const e = s.entries.get(name);
      if (!e) throw new Error(`${path.join(dir, shardFiles[rank])}: has no "${name}", which ${shardFiles[0]} has: the shards are not of one model`);
      return e;
    });
    entries.set(name, n === 1 ? e0 : mergeShards(name, parts, dim, vocab, shardFiles));
  }
  const emb = entries.get("tok_embeddings.weight");
  const w1 = entries.get("layers.0.feed_forward.w1.weight");
  const params: LlamaParams = {
    dim,
    n_layers: Number(raw.n_layers),
    n_heads: Number(raw.n_heads),
    n_kv_heads: Number(raw.n_kv_heads ?? raw.n_heads),
    vocab_size: vocab > 0 ? vocab : emb ? emb.shape[0] : vocab,
    norm_eps: Number(raw.norm_eps ?? 1e-5),
    hidden_dim: w1 ? w1.shape[0] : NaN,
    max_seq_len: typeof raw.max_seq_len === "number" ? raw.max_seq_len : null,
    rope_theta: Number(raw.rope_theta ?? 10000),
  };
  checkParams(dir, params, entries);
  return {
    format: "meta", path: dir, entries, params, warnings, metadata: raw as CheckpointParts["metadata"],
    close: () => shards.forEach((s) => s.close?.()),
  };
}

/** Which dimension a tensor is split on across ranks, or null when every rank holds a copy. */
function splitDim(name: string, shard: TensorEntry, n: number, dim: number, vocab: number): 0 | 1 | null {
  const leaf = name.split(".").slice(-2, -1)[0];
  if (["wq", "wk", "wv", "w1", "w3", "output"].includes(leaf)) return 0;
  if (["wo", "w2"].includes(leaf)) return 1;
  if (leaf === "tok_embeddings") {
    if (shard.shape[1] * n === dim) return 1; // Llama 1/2 ParallelEmbedding
    if (shard.shape[0] * n === vocab || shard.shape[1] === dim) return 0; // Llama 3 VocabParallelEmbedding
  }
  return null; // norms, rope.freqs, anything unknown: replicated
}

function mergeShards(name: string, parts: TensorEntry[], dim: number, vocab: number, files: string[]): TensorEntry {
  const n = parts.length;
  const axis = splitDim(name, parts[0], n, dim, vocab);
  if (axis === null) return parts[0];
  const [rows, cols] = parts[0].shape;
  parts.forEach((p, r) => {
    if (p.shape.length !== 2 || p.dtype !== parts[0].dtype || p.shape[1 - axis] !== parts[0].shape[1 - axis] || p.shape[axis] !== parts[0].shape[axis]) {
      throw new Error(`${files[r]}: "${name}" is ${p.dtype} [${p.shape}], ${files[0]} has ${parts[0].dtype} [${parts[0].shape}]: cannot concatenate on dim ${axis}`);
    }
  });
  const shape = axis === 0 ? [rows * n, cols] : [rows, cols * n];
  const info = { shape, dtype: parts[0].dtype, bytes: parts.reduce((s, p) => s + p.bytes, 0) };
  const shardRowBytes = rowBytes(parts[0]);
  return {
    ...info,
    // merged into place: each shard's rows (cat dim 0) or each shard's slice of every row (cat dim 1) is
    // read straight to where it belongs in `dest`
    readRows: (first, count, dest) => {
      checkRows(info, first, count, dest, `merged "${name}"`);
      if (axis === 0) {
        for (let row = first; row < first + count; ) {
          const rank = Math.floor(row / rows), local = row % rows;
          const take = Math.min(rows - local, first + count - row);
          const at = (row - first) * shardRowBytes;
          readRowsOf(parts[rank], local, take, dest.subarray(at, at + take * shardRowBytes));
          row += take;
        }
      } else {
        for (let i = 0; i < count; i++) {
          for (let rank = 0; rank < n; rank++) {
            const at = i * shardRowBytes * n + rank * shardRowBytes;
            readRowsOf(parts[rank], first + i, 1, dest.subarray(at, at + shardRowBytes));
          }
        }
      }
    },
    read: () => {
      const blocks = parts.map((p) => p.read());
      const out = new (blocks[0].constructor as new (n: number) => TypedArray)(shape[0] * shape[1]);
      blocks.forEach((b, r) => {
        if (axis === 0) {
          (out as Float32Array).set(b as Float32Array, r * rows * cols);
        } else {
          // rank r's columns [r*cols, (r+1)*cols) of each row
          for (let i = 0; i < rows; i++) (out as Float32Array).set((b as Float32Array).subarray(i * cols, (i + 1) * cols), i * cols * n + r * cols);
        }
      });
      return out;
    },
  };
}

/** The merged shapes must be the model params.json describes; otherwise a shard is missing or extra. */
function checkParams(dir: string, p: LlamaParams, entries: Map<string, TensorEntry>): void {
  const headDim = p.dim / p.n_heads;
  const expect: [string, number[]][] = [
    ["tok_embeddings.weight", [p.vocab_size, p.dim]],
    ["layers.0.attention.wq.weight", [p.n_heads * headDim, p.dim]],
    ["layers.0.attention.wk.weight", [p.n_kv_heads * headDim, p.dim]],
    ["layers.0.attention.wo.weight", [p.dim, p.n_heads * headDim]],
  ];
  for (const [name, shape] of expect) {
    const e = entries.get(name);
    if (e && e.shape.join() !== shape.join()) {
      throw new Error(`${dir}: after merging, "${name}" is [${e.shape}] but params.json (dim ${p.dim}, n_heads ${p.n_heads}, n_kv_heads ${p.n_kv_heads}, vocab_size ${p.vocab_size}) needs [${shape}]: is a shard missing, or from another model?`);
    }
  }
}
