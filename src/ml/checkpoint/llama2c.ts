// llama2.c model files (Karpathy's run.c / export.py), read as Meta-named tensors.
//
//   version 0 ("legacy_export"): seven int32 — dim, hidden_dim, n_layers, n_heads, n_kv_heads,
//     vocab_size, seq_len — then float32 tensors grouped by kind across layers: tok_embeddings,
//     rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, two unused RoPE tables
//     (seq_len × head_dim/2 each), and the classifier only when vocab_size is negative (not shared).
//   version 1 ("version1_export"): a 256-byte header — magic "ak42" (0x616b3432), version 1, the seven
//     ints, a shared-classifier byte — then norms first: rms_att, rms_ffn, rms_final, tok_embeddings,
//     wq, wk, wv, wo, w1, w2, w3, and the classifier unless shared.
// Version 0 has no magic, so it is recognised by its size matching what its header implies exactly.
import { CheckpointParts, LlamaParams, TensorEntry, fileEntry } from "./checkpoint";
import { CheckpointError, FileSource } from "./source";

const MAGIC = 0x616b3432;

interface Header {
  version: 0 | 1;
  dim: number;
  hidden_dim: number;
  n_layers: number;
  n_heads: number;
  n_kv_heads: number;
  vocab_size: number;
  seq_len: number;
  shared: boolean;
  headerBytes: number;
}

function readHeader(source: FileSource): Header | null {
  if (source.size < 28) return null;
  const raw = source.read(0, Math.min(source.size, 256), "llama2.c header");
  const view = new DataView(raw.buffer);
  const ints = (at: number): number[] => Array.from({ length: 7 }, (_, i) => view.getInt32(at + 4 * i, true));
  if (view.getUint32(0, true) === MAGIC) {
    const version = view.getInt32(4, true);
    if (version !== 1) {
      throw new CheckpointError(source.path, "llama2.c header", 4, `version ${version} is not supported (version 2 is int8-quantized; export with --version 1 or 0)`);
    }
    const [dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len] = ints(8);
    return { version: 1, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len, shared: raw[36] !== 0, headerBytes: 256 };
  }
  const [dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab, seq_len] = ints(0);
  return { version: 0, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size: Math.abs(vocab), seq_len, shared: vocab > 0, headerBytes: 28 };
}

function plausible(h: Header): boolean {
  const ok = (v: number, max: number): boolean => Number.isInteger(v) && v > 0 && v <= max;
  return ok(h.dim, 1 << 16) && ok(h.hidden_dim, 1 << 18) && ok(h.n_layers, 1024) && ok(h.n_heads, h.dim) &&
    ok(h.n_kv_heads, h.n_heads) && h.n_heads % h.n_kv_heads === 0 && h.dim % h.n_heads === 0 &&
    ok(h.vocab_size, 1 << 22) && ok(h.seq_len, 1 << 22);
}

/** The tensors in file order: [Meta name, shape] (null name = skipped bytes). */
function layout(h: Header): [string | null, number[]][] {
  const { dim, hidden_dim, n_layers: L, n_heads, n_kv_heads, vocab_size, seq_len } = h;
  const headDim = dim / n_heads;
  const kvDim = n_kv_heads * headDim;
  const perLayer = (suffix: string, shape: number[]): [string, number[]][] =>
    Array.from({ length: L }, (_, l) => [`layers.${l}.${suffix}`, shape]);
  const rmsAtt = perLayer("attention_norm.weight", [dim]);
  const rmsFfn = perLayer("ffn_norm.weight", [dim]);
  const mats: [string, number[]][] = [
    ...perLayer("attention.wq.weight", [n_heads * headDim, dim]),
    ...perLayer("attention.wk.weight", [kvDim, dim]),
    ...perLayer("attention.wv.weight", [kvDim, dim]),
    ...perLayer("attention.wo.weight", [dim, n_heads * headDim]),
  ];
  const ffn: [string, number[]][] = [
    ...perLayer("feed_forward.w1.weight", [hidden_dim, dim]),
    ...perLayer("feed_forward.w2.weight", [dim, hidden_dim]),
    ...perLayer("feed_forward.w3.weight", [hidden_dim, dim]),
  ];
  const emb: [string, number[]] = ["tok_embeddings.weight", [vocab_size, dim]];
  const norm: [string, number[]] = ["norm.weight", [dim]];
  const cls: [string, number[]][] = h.shared ? [] : [["output.weight", [vocab_size, dim]]];
  if (h.version === 1) return [...rmsAtt, ...rmsFfn, norm, emb, ...mats, ...ffn, ...cls];
  const rope: [null, number[]] = [null, [seq_len, headDim / 2]];
  return [emb, ...rmsAtt, ...mats, ...rmsFfn, ...ffn, norm, rope, rope, ...cls];
}

const elements = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The file size a header implies: the header, then every tensor of the layout as float32. */
const impliedSize = (h: Header, items = layout(h)): number => h.headerBytes + 4 * items.reduce((n, [, s]) => n + elements(s), 0);

/** Is this file a llama2.c model? (magic, or a version-0 header whose implied size is the file's size) */
export function isLlama2c(source: FileSource): boolean {
  const h = readHeader(source);
  if (!h) return false;
  if (h.version === 1) return true;
  return plausible(h) && impliedSize(h) === source.size;
}

/** A header whose numbers could be a llama2.c model's (for a clear size error on a truncated one). */
export function hasLlama2cHeader(source: FileSource): boolean {
  const h = readHeader(source);
  return h !== null && plausible(h);
}

export function readLlama2c(source: FileSource): CheckpointParts {
  const h = readHeader(source);
  if (!h || !plausible(h)) throw new CheckpointError(source.path, "llama2.c header", 0, "not a llama2.c model (implausible header)");
  const items = layout(h);
  const expected = impliedSize(h, items);
  if (expected !== source.size) {
    throw new CheckpointError(source.path, "llama2.c tensors", Math.min(expected, source.size),
      `the header (dim ${h.dim}, hidden_dim ${h.hidden_dim}, n_layers ${h.n_layers}, n_heads ${h.n_heads}, n_kv_heads ${h.n_kv_heads}, vocab_size ${h.vocab_size}, seq_len ${h.seq_len}, ${h.shared ? "shared" : "separate"} classifier) implies ${expected} bytes, the file has ${source.size}`);
  }
  const entries = new Map<string, TensorEntry>();
  let offset = h.headerBytes;
  for (const [name, shape] of items) {
    if (name !== null) entries.set(name, fileEntry(source, offset, shape, "float32", name));
    offset += 4 * elements(shape);
  }
  // a shared classifier is the embedding matrix, as run.c's `w->wcls = shared_weights ? w->token_embedding_table : ptr`
  if (h.shared) entries.set("output.weight", entries.get("tok_embeddings.weight")!);
  // keep Meta's order: tok_embeddings, layers.N.*, norm, output
  const order = (k: string): number => (k.startsWith("tok_") ? 0 : k.startsWith("layers.") ? 1 + Number(k.split(".")[1]) : 1e9 + (k === "output.weight" ? 1 : 0));
  const sorted = new Map([...entries].sort(([a], [b]) => order(a) - order(b)));
  const params: LlamaParams = {
    dim: h.dim, n_layers: h.n_layers, n_heads: h.n_heads, n_kv_heads: h.n_kv_heads, vocab_size: h.vocab_size,
    norm_eps: 1e-5, // run.c's rmsnorm hard-codes 1e-5
    hidden_dim: h.hidden_dim, max_seq_len: h.seq_len, rope_theta: 10000, // run.c's RoPE uses 10000
  };
  return {
    format: "llama2c", path: source.path, entries: sorted, params,
    metadata: { version: h.version, shared_classifier: h.shared },
    close: () => source.close(),
  };
}
