// The tensor bytes of a GGUF file, read with the few lines of the format the compute tests need (ggml's
// docs/gguf.md: header, key-values skipped by type, tensor infos, aligned data). The checkpoint room's
// reader is the real one; this stays small so the quantizer tests do not depend on it.
import * as fs from "node:fs";

export interface GgufTensor {
  name: string;
  /** ggml's ne: innermost dimension first. */
  dims: number[];
  /** ggml_type: 0 F32, 1 F16, 2 Q4_0, 8 Q8_0. */
  type: number;
  data: Buffer;
}

const SCALAR_BYTES: { [type: number]: number } = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export function readGgufTensors(file: string): GgufTensor[] {
  const b = fs.readFileSync(file);
  let at = 8; // magic, version
  const u32 = (): number => (at += 4, b.readUInt32LE(at - 4));
  const u64 = (): number => (at += 8, Number(b.readBigUInt64LE(at - 8)));
  const str = (): string => {
    const n = u64();
    return b.toString("utf8", (at += n) - n, at);
  };
  const skip = (type: number): void => {
    if (type === 8) str();
    else if (type === 9) {
      const itemType = u32();
      for (let i = u64(); i > 0; i--) skip(itemType);
    } else at += SCALAR_BYTES[type];
  };
  if (b.toString("latin1", 0, 4) !== "GGUF") throw new Error(`${file} is not GGUF`);
  const tensorCount = Number(b.readBigUInt64LE(8));
  const kvCount = Number(b.readBigUInt64LE(16));
  at = 24;
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    if (key === "general.alignment") alignment = u32();
    else skip(type);
  }
  const infos = Array.from({ length: tensorCount }, () => {
    const name = str();
    const dims = Array.from({ length: u32() }, u64);
    return { name, dims, type: u32(), offset: u64() };
  });
  const data = Math.ceil(at / alignment) * alignment;
  const bytesPer = (type: number, n: number): number => ({ 0: 4 * n, 1: 2 * n, 2: (n / 32) * 18, 8: (n / 32) * 34 } as { [t: number]: number })[type];
  return infos.map((t) => {
    const n = t.dims.reduce((x, y) => x * y, 1);
    return { ...t, data: b.subarray(data + t.offset, data + t.offset + bytesPer(t.type, n)) };
  });
}

/** llama.cpp's tensor names → Meta's (the Llama's names for the same weights). */
export function metaName(ggufName: string): string {
  const names: { [k: string]: string } = {
    token_embd: "tok_embeddings", attn_q: "attention.wq", attn_k: "attention.wk", attn_v: "attention.wv",
    attn_output: "attention.wo", ffn_gate: "feed_forward.w1", ffn_down: "feed_forward.w2", ffn_up: "feed_forward.w3",
    attn_norm: "attention_norm", ffn_norm: "ffn_norm", output_norm: "norm", output: "output",
  };
  const m = /^(?:blk\.(\d+)\.)?(\w+)\.weight$/.exec(ggufName);
  if (!m || !(m[2] in names)) throw new Error(`no Meta name for ${ggufName}`);
  return `${m[1] !== undefined ? `layers.${m[1]}.` : ""}${names[m[2]]}.weight`;
}
