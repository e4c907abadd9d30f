// safetensors (huggingface/safetensors, docs "Format"): an 8-byte little-endian header length N, N bytes
// of JSON — { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { str: str } } — then
// the byte buffer; offsets are relative to its start (8 + N). Every number in the header is checked
// against the file before a tensor is listed: a hostile header cannot make a read run past the end.
import { CheckpointParts, TensorEntry, fileEntry } from "./checkpoint";
import { itemSize, safetensorsDType } from "./dtypes";
import { CheckpointError, FileSource } from "./source";

/** 100 MB, the limit the reference implementation puts on headers. */
const MAX_HEADER = 100_000_000;

/** Does the file start like safetensors (a sane header length, then "{")? */
export function isSafetensors(source: FileSource, head: Uint8Array): boolean {
  if (head.length < 9) return false;
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  return n >= 2 && n <= Math.min(MAX_HEADER, source.size - 8) && head[8] === 0x7b;
}

interface HeaderEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

export function readSafetensors(source: FileSource): CheckpointParts {
  const fail = (part: string, offset: number | null, why: string): never => {
    throw new CheckpointError(source.path, part, offset, why);
  };
  if (source.size < 8) fail("safetensors header length", 0, `the file has only ${source.size} bytes`);
  const n = Number(new DataView(source.read(0, 8, "safetensors header length").buffer).getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > source.size) fail("safetensors header length", 0, `says ${n} bytes of header, the file has ${source.size - 8} after the length`);
  const text = Buffer.from(source.read(8, n, "safetensors header")).toString("utf8");
  let header: { [name: string]: HeaderEntry | { [k: string]: string } };
  try {
    header = JSON.parse(text) as typeof header;
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    return fail("safetensors JSON header", 8 + (at ? Number(at[1]) : 0), `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("safetensors JSON header", 8, "is not a JSON object");
  const dataStart = 8 + n;
  const dataSize = source.size - dataStart;
  const entries = new Map<string, TensorEntry>();
  const spans: [number, number, string][] = [];
  let metadata: { [k: string]: string } = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = raw as { [k: string]: string };
      continue;
    }
    const e = raw as HeaderEntry;
    const part = `safetensors tensor "${name}"`;
    const dtype = typeof e.dtype === "string" ? safetensorsDType[e.dtype] : undefined;
    if (!dtype) fail(part, 8, `dtype ${JSON.stringify(e.dtype)} is not supported (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(part, 8, `shape ${JSON.stringify(shape)} is not a list of sizes`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(part, 8, `data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    const dims = shape as number[];
    const bytes = dims.reduce((a, b) => a * b, 1) * itemSize[dtype!];
    if (end < begin || end - begin !== bytes) fail(part, dataStart + begin, `data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${dims}] ${e.dtype} needs ${bytes}`);
    if (end > dataSize) fail(part, dataStart + begin, `data_offsets end ${end} is past the end of the data (${dataSize} bytes): truncated file?`);
    spans.push([begin, end, name]);
    entries.set(name, fileEntry(source, dataStart + begin, dims, dtype!, part));
  }
  // tensors may not overlap (the format requires a dense, non-overlapping buffer)
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(`safetensors tensor "${spans[i][2]}"`, dataStart + spans[i][0], `overlaps tensor "${spans[i - 1][2]}"`);
  }
  return { format: "safetensors", path: source.path, entries, metadata, close: () => source.close() };
}
