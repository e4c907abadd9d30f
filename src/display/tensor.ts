// How a tensor shows in a cell: text/plain like PyTorch's repr, an HTML table for 1-D/2-D. The runtime's
// formatter calls tensorBundle() for any value isTensorLike() accepts (owned by issue 4).
//
//   tensor([[ 0.1234, -1.2345],
//           [ 2.0000,  3.0000]], shape=[2, 2], dtype=float32, backend=wasm)
//
// Numbers print as PyTorch prints them (torch/_tensor_str.py), which is numpy's array2string with
// precision 4, threshold 1000, edgeitems 3 and 80 columns: fixed 4 digits; "1." when every value is an
// integer; scientific when the largest |x| ≥ 1e8, the smallest nonzero |x| < 1e-4, or their ratio > 1000.
// test/fixtures/tensor/print_cases.json holds numpy's own output for these rules.
//
// Past 1000 elements only the edges are read: each axis longer than 6 keeps its first and last 3, sliced
// on the device, so a [32000, 4096] embedding never crosses to JavaScript whole (DESIGN.md, "Display").
// This file does not import tfjs: the kernel loads it for every cell, and a notebook's tensors may come
// from its own copy of tfjs, so everything here is duck-typed.
import { escapeHtml } from "./html";
import type { MimeBundle } from "./mime";

/** A tfjs Tensor from any copy of tfjs (duck-typed: user code may import its own @tensorflow/tfjs). */
export interface TensorLike {
  readonly shape: number[];
  readonly dtype: string;
  readonly rank: number;
  readonly size: number;
  readonly dataId: object;
  readonly isDisposed: boolean;
  dataSync(): ArrayLike<number | string | boolean> | ArrayLike<number>;
}

export function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && Array.isArray(v.shape) && typeof v.dtype === "string" &&
    typeof v.rank === "number" && typeof v.dataId === "object";
}

/** torch's print options (torch.set_printoptions defaults). */
const PRINT_OPTIONS = { threshold: 1000, edgeItems: 3, precision: 4, lineWidth: 80 } as const;

/** The optional methods a real tfjs Tensor has beyond TensorLike. */
interface SliceableTensor extends TensorLike {
  slice?(begin: number[], size: number[]): TensorLike & { dispose(): void };
  data?(): Promise<ArrayLike<number | string | boolean>>;
}

// ── which backend holds a tensor ──

/** tfjs-core keeps one engine per process on globalThis._tfengine, shared by every copy of tfjs. */
interface EngineLike {
  registry: { [name: string]: object };
  state: { tensorInfo: { get(dataId: object): { backend: object } | undefined } };
}

/** The tfjs backend holding `t`'s data now ("wasm", "cpu", …), or why there is none. */
export function backendOf(t: TensorLike): string {
  if (t.isDisposed) return "disposed";
  const engine = (globalThis as { _tfengine?: EngineLike })._tfengine;
  const info = engine?.state.tensorInfo.get(t.dataId);
  if (engine === undefined || info === undefined) return "unknown to this process's tfjs engine";
  for (const [name, backend] of Object.entries(engine.registry)) if (backend === info.backend) return name;
  return "a removed backend";
}

// ── the edges: which indices of each axis show ──

/** Per axis: the indices shown, and whether "..." stands between index 2 and index n-3. */
interface View {
  shape: number[];
  axes: { indices: number[]; summarized: boolean }[];
}

function viewOf(shape: number[], summarize: boolean): View {
  const e = PRINT_OPTIONS.edgeItems;
  const axes = shape.map((n) => {
    const summarized = summarize && n > 2 * e;
    const indices = summarized
      ? Array.from({ length: 2 * e }, (_, i) => (i < e ? i : n - 2 * e + i))
      : Array.from({ length: n }, (_, i) => i);
    return { indices, summarized };
  });
  return { shape: axes.map((a) => a.indices.length), axes };
}

type Element = number | string | boolean;
type Values = ArrayLike<Element>;

/** One corner block of a summarized tensor: where it starts, its size, and where it lands in the view. */
interface Block { begin: number[]; size: number[]; offset: number[] }

/** The blocks to read: the whole tensor, or at most 2^rank corners (each axis's head or tail). */
function blocksOf(shape: number[], view: View): Block[] | "whole" {
  if (!view.axes.some((a) => a.summarized)) return "whole";
  const e = PRINT_OPTIONS.edgeItems;
  const blocks: Block[] = [];
  for (let corner = 0; corner < 1 << shape.length; corner++) {
    // Bit i of `corner` picks the tail of axis i; an axis that is not summarized has only a head.
    if (shape.some((_, i) => !view.axes[i].summarized && (corner >> i) & 1)) continue;
    const tail = (i: number): boolean => view.axes[i].summarized && ((corner >> i) & 1) === 1;
    blocks.push({
      begin: shape.map((n, i) => (tail(i) ? n - e : 0)),
      size: shape.map((n, i) => (view.axes[i].summarized ? e : n)),
      offset: shape.map((_, i) => (tail(i) ? e : 0)),
    });
  }
  return blocks;
}

/** Row-major strides of a dense array of `shape`: [2, 3, 4] → [12, 4, 1]. */
function stridesOf(shape: number[]): number[] {
  return shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
}

/** Scatters each block's values (row-major in its size) into one dense array in the view's shape. */
function assemble(view: View, blocks: Block[], values: Values[]): Element[] {
  const out: Element[] = new Array(view.shape.reduce((a, b) => a * b, 1));
  const strides = stridesOf(view.shape);
  blocks.forEach(({ size, offset }, b) => {
    const v = values[b];
    for (let k = 0; k < v.length; k++) {
      let rest = k, at = 0;
      for (let i = size.length - 1; i >= 0; i--) { at += (offset[i] + (rest % size[i])) * strides[i]; rest = Math.floor(rest / size[i]); }
      out[at] = v[k];
    }
  });
  return out;
}

function sliceOf(t: SliceableTensor, block: Block): TensorLike & { dispose(): void } {
  if (typeof t.slice !== "function") throw new Error("this tensor has no slice() to read its edges with");
  return t.slice(block.begin, block.size);
}

/**
 * The values a view shows, read with dataSync() (slices are freed before returning). A slice runs on the
 * current backend: a tensor that lives on another one is moved there by tfjs, as any op on it would.
 */
function readSync(t: SliceableTensor, view: View): Element[] {
  const blocks = blocksOf(t.shape, view);
  if (blocks === "whole") return Array.from(t.dataSync() as Values);
  return assemble(view, blocks, blocks.map((block) => {
    const slice = sliceOf(t, block);
    try { return slice.dataSync() as Values; } finally { slice.dispose(); }
  }));
}

/** The same with `await data()`, which every backend supports (WebGPU in Node has no dataSync). */
async function readAsync(t: SliceableTensor, view: View): Promise<Element[]> {
  const blocks = blocksOf(t.shape, view);
  const read = (x: SliceableTensor): Promise<Values> => (typeof x.data === "function" ? x.data() : Promise.resolve(x.dataSync() as Values));
  if (blocks === "whole") return Array.from(await read(t));
  const slices = blocks.map((block) => sliceOf(t, block));
  try {
    return assemble(view, blocks, await Promise.all(slices.map(read)));
  } finally {
    for (const slice of slices) slice.dispose();
  }
}

// ── numpy's _formatArray: nested brackets, line wrapping, "..." rows ──

function formatArray(values: Element[], view: View, fmt: (x: Element) => string, lineWidth: number, nextLinePrefix: string): string {
  const sep = ", ";
  const strides = stridesOf(view.shape);
  const extend = (s: string, line: string, word: string, width: number, prefix: string): [string, string] => {
    // numpy ≥ 1.14 never wraps a line that holds only its indent.
    if (line.length + word.length > width && line.length > prefix.length) { s += line.trimEnd() + "\n"; line = prefix; }
    return [s, line + word];
  };
  const recurse = (axis: number, base: number, indent: string, width: number): string => {
    if (axis === view.shape.length) return fmt(values[base]);
    const nextIndent = indent + " ";
    const nextWidth = width - 1; // room for this level's "]"
    const { summarized } = view.axes[axis];
    const n = view.shape[axis];
    const lead = summarized ? PRINT_OPTIONS.edgeItems : 0;
    const trail = summarized ? PRINT_OPTIONS.edgeItems : n;
    const child = (i: number): string => recurse(axis + 1, base + i * strides[axis], nextIndent, nextWidth);
    let s = "";
    if (axis === view.shape.length - 1) {
      const elemWidth = width - Math.max(sep.trimEnd().length, 1);
      let line = indent;
      for (let i = 0; i < lead; i++) { [s, line] = extend(s, line, child(i), elemWidth, indent); line += sep; }
      if (summarized) { [s, line] = extend(s, line, "...", elemWidth, indent); line += sep; }
      for (let i = trail; i > 1; i--) { [s, line] = extend(s, line, child(n - i), elemWidth, indent); line += sep; }
      [s, line] = extend(s, line, child(n - 1), elemWidth, indent);
      s += line;
    } else {
      const lineSep = sep.trimEnd() + "\n".repeat(view.shape.length - axis - 1);
      for (let i = 0; i < lead; i++) s += indent + child(i) + lineSep;
      if (summarized) s += indent + "..." + lineSep;
      for (let i = trail; i > 1; i--) s += indent + child(n - i) + lineSep;
      s += indent + child(n - 1);
    }
    return "[" + s.slice(indent.length) + "]";
  };
  return recurse(0, 0, nextLinePrefix, lineWidth);
}

/** What a tensor's display is built from: its view, each shown value's text, and the array body. */
interface Rendered {
  view: View;
  cells: string[];
  /** The array body as numpy's array2string(prefix="tensor(", suffix=",") prints it. */
  body: string;
  backend: string;
}

const PREFIX = "tensor(";

function render(t: TensorLike, view: View, values: Element[], backend: string): Rendered {
  if (t.size === 0) return { view, cells: [], body: "[]", backend };
  const fmt = makeFormatter(values, t.dtype, t.rank === 0);
  const cells = values.map(fmt);
  // numpy: the continuation indent skips "[" and the prefix; the suffix "," comes off the line width.
  const body = t.rank === 0 ? cells[0] : formatArray(values, view, fmt, PRINT_OPTIONS.lineWidth - 1, " ".repeat(1 + PREFIX.length));
  return { view, cells, body, backend };
}

function describeShape(t: TensorLike, backend: string): string {
  return `shape=[${t.shape.join(", ")}], dtype=${t.dtype}, backend=${backend}`;
}

/** The text/plain repr: `tensor(<numpy body>, shape=[…], dtype=…, backend=…)`. */
function tensorText(r: Rendered, t: TensorLike): string {
  const meta = describeShape(t, r.backend) + ")";
  const lastLine = r.body.slice(r.body.lastIndexOf("\n") + 1);
  // numpy's array_repr moves dtype= to its own line when it would pass the line width; so does this.
  const spacer = (r.body.includes("\n") ? lastLine.length : PREFIX.length + lastLine.length) + 2 + meta.length > PRINT_OPTIONS.lineWidth
    ? ",\n" + " ".repeat(PREFIX.length) : ", ";
  return PREFIX + r.body + spacer + meta;
}

/** An HTML table for 1-D and 2-D tensors (rows × columns, with indices and "…" where summarized). */
function tensorHtml(r: Rendered, t: TensorLike): string | undefined {
  if (t.rank !== 1 && t.rank !== 2) return undefined;
  const [rowAxis, colAxis] = t.rank === 2 ? [r.view.axes[0], r.view.axes[1]] : [{ indices: [0], summarized: false }, r.view.axes[0]];
  const withGap = (indices: number[], summarized: boolean): (number | null)[] =>
    summarized ? [...indices.slice(0, 3), null, ...indices.slice(3)] : indices;
  const cols = withGap(colAxis.indices, colAxis.summarized);
  const rows = withGap(rowAxis.indices, rowAxis.summarized);
  const td = (s: string): string => `<td style="text-align:right;font-family:monospace">${escapeHtml(s.trim())}</td>`;
  const head = `<tr><th></th>${cols.map((c) => `<th>${c === null ? "…" : c}</th>`).join("")}</tr>`;
  const body = rows.map((row, ri) => {
    const viewRow = row === null ? -1 : ri - (rowAxis.summarized && ri > 3 ? 1 : 0);
    const cells = cols.map((col, ci) => {
      if (row === null || col === null) return td("…");
      const viewCol = ci - (colAxis.summarized && ci > 3 ? 1 : 0);
      return td(r.cells[viewRow * r.view.shape[t.rank - 1] + viewCol]);
    });
    return `<tr><th>${row === null ? "…" : t.rank === 2 ? row : ""}</th>${cells.join("")}</tr>`;
  }).join("");
  const caption = `tensor · shape=[${t.shape.join(", ")}] · dtype=${escapeHtml(t.dtype)} · backend=${escapeHtml(r.backend)}`;
  return `<table class="tensorbook-tensor"><caption style="text-align:left">${caption}</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function bundle(t: TensorLike, r: Rendered): MimeBundle {
  const text = tensorText(r, t);
  const html = tensorHtml(r, t);
  return html === undefined ? { "text/plain": text } : { "text/plain": text, "text/html": html };
}

function unreadable(t: TensorLike, backend: string, why: string): MimeBundle {
  return { "text/plain": `tensor(<${why}>, ${describeShape(t, backend)})` };
}

/** Why a tensor cannot be shown at all, or undefined when it can. */
function unshowable(t: TensorLike): string | undefined {
  if (t.isDisposed) return "disposed: its memory was freed by dispose() or tf.tidy()";
  if (t.dtype === "complex64") return "complex64 values: show tf.real(t) and tf.imag(t)";
  return undefined;
}

/** The MIME bundle of a tensor as a cell's value. Reads synchronously (dataSync, edges only). */
export function tensorBundle(t: TensorLike): MimeBundle {
  // The backend is noted before reading: slicing on another backend than the tensor's moves its data.
  const backend = backendOf(t);
  const why = unshowable(t);
  if (why !== undefined) return unreadable(t, backend, why);
  const view = viewOf(t.shape, t.size > PRINT_OPTIONS.threshold);
  let values: Element[];
  try {
    values = readSync(t as SliceableTensor, view);
  } catch (err) {
    // WebGPU in Node cannot read synchronously (dataSync wants OffscreenCanvas): say how to see it.
    return unreadable(t, backend, `not readable synchronously (${(err as Error).message}); show it with await tensorBundleAsync(t)`);
  }
  return bundle(t, render(t, view, values, backend));
}

/** Like tensorBundle, reading with `await data()`: works on every backend, WebGPU included. */
export async function tensorBundleAsync(t: TensorLike): Promise<MimeBundle> {
  const backend = backendOf(t);
  const why = unshowable(t);
  if (why !== undefined) return unreadable(t, backend, why);
  const view = viewOf(t.shape, t.size > PRINT_OPTIONS.threshold);
  return bundle(t, render(t, view, await readAsync(t as SliceableTensor, view), backend));
}

// ── numbers: numpy's FloatingFormat with torch's choice of mode ──

/** round-half-even(|x| · 10^s), exactly: a double is m·2^e, so the product is a ratio of big integers. */
function scaledRound(x: number, s: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  let num = m, den = 1n;
  if (e >= 0) num <<= BigInt(e); else den <<= BigInt(-e);
  if (s >= 0) num *= 10n ** BigInt(s); else den *= 10n ** BigInt(-s);
  const q = num / den, r2 = (num % den) * 2n;
  // Python's format() and numpy's Dragon4 round an exact tie to even (0.03125 → "0.0312").
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
}

const isNegative = (x: number): boolean => x < 0 || Object.is(x, -0);

/** x with `p` fraction digits, split as [integer part with sign, fraction]. */
function positional(x: number, p: number): [string, string] {
  const digits = scaledRound(x, p).toString().padStart(p + 1, "0");
  return [(isNegative(x) ? "-" : "") + digits.slice(0, digits.length - p), digits.slice(digits.length - p)];
}

/** x as d.ddd·10^k with `p` fraction digits: [sign and first digit, fraction, exponent k]. */
function scientific(x: number, p: number): [string, string, number] {
  const ax = Math.abs(x);
  if (ax === 0) return [(isNegative(x) ? "-" : "") + "0", "0".repeat(p), 0];
  let k = Math.floor(Math.log10(ax));
  let n = scaledRound(ax, p - k);
  // log10 can be off by one near powers of ten, and rounding can carry to 10.000: correct k and redo.
  if (n >= 10n ** BigInt(p + 1)) n = scaledRound(ax, p - ++k);
  else if (n < 10n ** BigInt(p)) n = scaledRound(ax, p - --k);
  const d = n.toString();
  return [(isNegative(x) ? "-" : "") + d[0], d.slice(1), k];
}

/**
 * The formatter for a set of shown values: every value comes out the same width, as numpy pads them.
 * `scalar`: a 0-d tensor (numpy's bool format drops its alignment space there).
 */
function makeFormatter(values: Element[], dtype: string, scalar: boolean): (x: Element) => string {
  const p = PRINT_OPTIONS.precision;
  if (dtype === "bool") return (x) => (x ? (scalar ? "True" : " True") : "False");
  if (dtype === "string") return (x) => `'${String(x).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  const nums = values as number[];
  if (dtype === "int32") {
    const width = nums.reduce((w, x) => Math.max(w, String(x).length), 0);
    return (x) => String(x).padStart(width);
  }
  const finite = nums.filter(Number.isFinite);
  const abs = finite.filter((x) => x !== 0).map(Math.abs);
  const max = Math.max(...abs), min = Math.min(...abs);
  const sci = abs.length > 0 && (max >= 1e8 || min < 1e-4 || max / min > 1000);
  // torch's int_mode (numpy's maxprec on integers): "1." instead of "1.0000".
  const intMode = !sci && finite.length > 0 && finite.every(Number.isInteger);
  let padLeft = 0, padRight = 0, expDigits = 0;
  if (sci) {
    const parts = finite.map((x) => scientific(x, p));
    expDigits = Math.max(2, ...parts.map(([, , k]) => String(Math.abs(k)).length));
    padLeft = Math.max(...parts.map(([i]) => i.length));
    padRight = expDigits + 2 + p;
  } else if (finite.length > 0) {
    padLeft = Math.max(...finite.map((x) => positional(x, intMode ? 0 : p)[0].length));
    padRight = intMode ? 0 : p;
  }
  if (finite.length !== nums.length) {
    // numpy widens the integer part so that "nan" and "-inf" fit the same column.
    const negInf = nums.some((x) => x === -Infinity);
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + (negInf ? 1 : 0) - (padRight + 1));
  }
  const width = padLeft + padRight + 1;
  return (value) => {
    const x = value as number;
    if (Number.isNaN(x)) return "nan".padStart(width);
    if (!Number.isFinite(x)) return (x < 0 ? "-inf" : "inf").padStart(width);
    if (sci) {
      const [i, f, k] = scientific(x, p);
      return `${i.padStart(padLeft)}.${f}e${k < 0 ? "-" : "+"}${String(Math.abs(k)).padStart(expDigits, "0")}`;
    }
    const [i, f] = positional(x, intMode ? 0 : p);
    return `${i.padStart(padLeft)}.${f}`;
  };
}
