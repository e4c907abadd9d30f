// A SentencePiece BPE tokenizer, as Llama uses it (Meta's llama/tokenizer.py wraps SentencePiece; llama2.c's
// run.c re-implements it). Loaded from a SentencePiece `.model` or from llama2.c's `tokenizer.bin`.
//
// encode = normalize, then BPE: start from single characters and repeatedly merge the adjacent pair whose
// concatenation is a vocabulary piece with the highest score (leftmost on ties), as bpe_model.cc's agenda
// does; a final symbol not in the vocabulary becomes its UTF-8 bytes (<0xNN> pieces) under byte fallback,
// or <unk>. decode = pieces joined, byte pieces gathered into UTF-8, "▁" → " ", the dummy prefix dropped.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseLlama2cTokenizer } from "./llama2c";
import { PieceType, SentencePieceModel, parseSentencePieceModel } from "./sentencepiece";

const SPACE = "\u2581"; // "▁", SentencePiece's visible space

export interface EncodeOptions {
  /** Prepend bosId (Meta's `encode(s, bos=True, …)`). Default false. */
  bos?: boolean;
  /** Append eosId. Default false. */
  eos?: boolean;
}

/** A max-heap entry: merging symbols `left` and `right` into `piece`. */
interface Candidate {
  left: number;
  right: number;
  score: number;
  piece: string;
}

export class Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  /** -1 when the model has no pad piece (as SentencePiece's pad_id() says; Llama's has none). */
  readonly padId: number;
  readonly unkId: number;
  private readonly pieceIds = new Map<string, number>(); // NORMAL pieces: the ones merges may produce
  private readonly specialIds = new Map<string, number>(); // USER_DEFINED: matched whole in the text
  private readonly byteIds = new Int32Array(256).fill(-1);

  private constructor(private readonly model: SentencePieceModel, readonly source: string) {
    if (model.modelType !== "bpe") {
      throw new Error(`${source}: a SentencePiece ${model.modelType} model; only BPE models (Llama's) are supported`);
    }
    this.vocabSize = model.pieces.length;
    this.bosId = model.bosId;
    this.eosId = model.eosId;
    this.padId = model.padId;
    this.unkId = model.unkId;
    model.pieces.forEach((p, id) => {
      if (p.type === PieceType.NORMAL && !this.pieceIds.has(p.piece)) this.pieceIds.set(p.piece, id);
      else if (p.type === PieceType.USER_DEFINED) this.specialIds.set(p.piece, id);
      else if (p.type === PieceType.BYTE) this.byteIds[parseInt(p.piece.slice(3, 5), 16)] = id;
    });
  }

  /**
   * Loads a SentencePiece `.model`, a llama2.c `tokenizer.bin`, or a folder holding `tokenizer.model`
   * (a Hugging Face or Meta Llama folder). The format is told by the contents.
   */
  static load(file: string): Tokenizer {
    if (fs.statSync(file).isDirectory()) {
      const inside = ["tokenizer.model", "tokenizer.bin"].map((f) => path.join(file, f)).find((f) => fs.existsSync(f));
      if (!inside) throw new Error(`${file}: a folder without tokenizer.model or tokenizer.bin`);
      file = inside;
    }
    const bytes = fs.readFileSync(file);
    const llama2c = parseLlama2cTokenizer(bytes);
    return new Tokenizer(llama2c ?? parseSentencePieceModel(bytes, file), file);
  }

  /** The piece of an id ("▁Once", "<0x0A>", "<s>"). */
  idToPiece(id: number): string {
    this.checkId(id);
    return this.model.pieces[id].piece;
  }

  /** The id of a piece, or unkId. */
  pieceToId(piece: string): number {
    const i = this.model.pieces.findIndex((p) => p.piece === piece);
    return i < 0 ? this.unkId : i;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.bpe(this.normalize(text));
    if (options.bos) ids.unshift(this.bosId);
    if (options.eos) ids.push(this.eosId);
    return ids;
  }

  decode(ids: readonly number[]): string {
    const out: string[] = [];
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length) out.push(Buffer.from(bytes).toString("utf8"));
      bytes = [];
    };
    for (const id of ids) {
      this.checkId(id);
      const p = this.model.pieces[id];
      if (p.type === PieceType.BYTE) {
        bytes.push(parseInt(p.piece.slice(3, 5), 16));
        continue;
      }
      flush();
      if (p.type === PieceType.CONTROL) continue;
      out.push(p.type === PieceType.UNKNOWN ? this.model.unkSurface : p.piece);
    }
    flush();
    let text = out.join("").replace(new RegExp(SPACE, "g"), " ");
    // SentencePiece drops the whitespace the dummy prefix added in front of the first piece
    if (this.model.normalizer.addDummyPrefix && text.startsWith(" ")) text = text.slice(1);
    return text;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize}) of ${this.source}`);
    }
  }

  /**
   * SentencePiece's normalizer for identity rules: collapse whitespace if asked, add the dummy prefix,
   * make spaces visible. Other rule sets (nmt_nfkc) are approximated by Unicode NFKC.
   */
  private normalize(text: string): string {
    const n = this.model.normalizer;
    if (n.name !== "identity" && n.name !== "") text = text.normalize("NFKC");
    if (n.removeExtraWhitespaces) text = text.replace(/ +/g, " ").replace(/^ | $/g, "");
    if (text.length === 0) return "";
    if (n.addDummyPrefix) text = " " + text;
    return n.escapeWhitespaces ? text.replace(/ /g, SPACE) : text;
  }

  private bpe(text: string): number[] {
    // symbols: single code points, or a whole user-defined piece; a doubly linked list
    const syms: string[] = [];
    for (let i = 0; i < text.length; ) {
      let special = "";
      for (const s of this.specialIds.keys()) if (s.length > special.length && text.startsWith(s, i)) special = s;
      const ch = special || String.fromCodePoint(text.codePointAt(i)!);
      syms.push(ch);
      i += ch.length;
    }
    const prev = syms.map((_, i) => i - 1);
    const next = syms.map((_, i) => (i + 1 < syms.length ? i + 1 : -1));
    const heap: Candidate[] = [];
    const consider = (left: number, right: number): void => {
      if (left < 0 || right < 0) return;
      const piece = syms[left] + syms[right];
      const id = this.pieceIds.get(piece);
      if (id !== undefined) heapPush(heap, { left, right, score: this.model.pieces[id].score, piece });
    };
    for (let i = 0; i + 1 < syms.length; i++) consider(i, i + 1);
    for (let c = heapPop(heap); c; c = heapPop(heap)) {
      // stale: one side was merged away since this candidate was queued
      if (syms[c.left] === "" || syms[c.right] === "" || next[c.left] !== c.right || syms[c.left] + syms[c.right] !== c.piece) continue;
      syms[c.left] = c.piece;
      syms[c.right] = "";
      next[c.left] = next[c.right];
      if (next[c.right] >= 0) prev[next[c.right]] = c.left;
      consider(prev[c.left], c.left);
      consider(c.left, next[c.left]);
    }
    const ids: number[] = [];
    for (let i = syms.length ? 0 : -1; i >= 0; i = next[i]) {
      const id = this.pieceIds.get(syms[i]) ?? this.specialIds.get(syms[i]);
      if (id !== undefined) ids.push(id);
      else if (this.model.byteFallback) for (const b of Buffer.from(syms[i], "utf8")) ids.push(this.byteIds[b] >= 0 ? this.byteIds[b] : this.unkId);
      else if (ids[ids.length - 1] !== this.unkId) ids.push(this.unkId); // SentencePiece merges runs of unknowns
    }
    return ids;
  }
}

// A binary max-heap on (score, then smaller left index): bpe_model.cc's agenda order.
function better(a: Candidate, b: Candidate): boolean {
  return a.score > b.score || (a.score === b.score && a.left < b.left);
}

function heapPush(heap: Candidate[], c: Candidate): void {
  heap.push(c);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!better(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function heapPop(heap: Candidate[]): Candidate | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length && last) {
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && better(heap[l], heap[best])) best = l;
      if (r < heap.length && better(heap[r], heap[best])) best = r;
      if (best === i) break;
      [heap[i], heap[best]] = [heap[best], heap[i]];
      i = best;
    }
  }
  return top;
}
