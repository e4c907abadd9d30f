// Reading a SentencePiece `.model` file: a protobuf `ModelProto` (sentencepiece_model.proto). Only the
// fields a BPE/unigram encoder needs are read; unknown fields are skipped by wire type, as protobuf says.
//   ModelProto:     1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec
//   SentencePiece:  1 piece (string), 2 score (float), 3 type (enum, default NORMAL)
//   TrainerSpec:    3 model_type (1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR), 35 byte_fallback,
//                   40 unk_id (default 0), 41 bos_id (1), 42 eos_id (2), 43 pad_id (-1), 44 unk_surface
//   NormalizerSpec: 1 name, 3 add_dummy_prefix (default true), 4 remove_extra_whitespaces (default true),
//                   5 escape_whitespaces (default true)

/** SentencePiece.Type */
export const enum PieceType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export interface Piece {
  piece: string;
  score: number;
  type: PieceType;
}

export interface SentencePieceModel {
  pieces: Piece[];
  modelType: "unigram" | "bpe" | "word" | "char";
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkSurface: string;
  normalizer: { name: string; addDummyPrefix: boolean; removeExtraWhitespaces: boolean; escapeWhitespaces: boolean };
}

class ProtoReader {
  pos: number;
  constructor(readonly bytes: Uint8Array, readonly file: string, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }
  fail(what: string): never {
    throw new Error(`${this.file}: SentencePiece model (protobuf) at byte ${this.pos}: ${what}`);
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const b = this.bytes[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
    }
    this.fail("varint longer than 10 bytes");
  }
  /** An int32 field: negative values are sent as 10-byte two's complement varints. */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varint()));
  }
  float(): number {
    if (this.pos + 4 > this.end) this.fail("truncated float");
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  bytesField(): ProtoReader {
    const n = Number(this.varint());
    if (this.pos + n > this.end) this.fail(`length ${n} runs past the end of its message`);
    const sub = new ProtoReader(this.bytes, this.file, this.pos, this.pos + n);
    this.pos += n;
    return sub;
  }
  text(): string {
    const sub = this.bytesField();
    return new TextDecoder("utf-8").decode(this.bytes.subarray(sub.pos, sub.end));
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytesField();
    else if (wire === 5) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.end) this.fail("field runs past the end of its message");
  }
  /** Calls `on(field, wire)` for each field; `on` reads the value or returns false to skip it. */
  each(on: (field: number, wire: number) => boolean): void {
    while (this.pos < this.end) {
      const key = Number(this.varint());
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 0) this.fail("field number 0");
      if (!on(field, wire)) this.skip(wire);
    }
  }
}

const MODEL_TYPES = { 1: "unigram", 2: "bpe", 3: "word", 4: "char" } as const;

export function parseSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModel {
  const model: SentencePieceModel = {
    pieces: [], modelType: "unigram", byteFallback: false, unkId: 0, bosId: 1, eosId: 2, padId: -1,
    unkSurface: " \u2047 ",
    normalizer: { name: "", addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  };
  const top = new ProtoReader(bytes, file);
  top.each((field, wire) => {
    if (wire !== 2) return false;
    if (field === 1) {
      const piece: Piece = { piece: "", score: 0, type: PieceType.NORMAL };
      const sub = top.bytesField();
      sub.each((f, w) => {
        if (f === 1 && w === 2) piece.piece = sub.text();
        else if (f === 2 && w === 5) piece.score = sub.float();
        else if (f === 3 && w === 0) piece.type = sub.int32() as PieceType;
        else return false;
        return true;
      });
      model.pieces.push(piece);
    } else if (field === 2) {
      const sub = top.bytesField();
      sub.each((f, w) => {
        if (w === 0 && f === 3) {
          const t = sub.int32() as keyof typeof MODEL_TYPES;
          if (!MODEL_TYPES[t]) sub.fail(`unknown model_type ${t}`);
          model.modelType = MODEL_TYPES[t];
        } else if (w === 0 && f === 35) model.byteFallback = sub.varint() !== 0n;
        else if (w === 0 && f === 40) model.unkId = sub.int32();
        else if (w === 0 && f === 41) model.bosId = sub.int32();
        else if (w === 0 && f === 42) model.eosId = sub.int32();
        else if (w === 0 && f === 43) model.padId = sub.int32();
        else if (w === 2 && f === 44) model.unkSurface = sub.text();
        else return false;
        return true;
      });
    } else if (field === 3) {
      const sub = top.bytesField();
      const n = model.normalizer;
      sub.each((f, w) => {
        if (w === 2 && f === 1) n.name = sub.text();
        else if (w === 0 && f === 3) n.addDummyPrefix = sub.varint() !== 0n;
        else if (w === 0 && f === 4) n.removeExtraWhitespaces = sub.varint() !== 0n;
        else if (w === 0 && f === 5) n.escapeWhitespaces = sub.varint() !== 0n;
        else return false;
        return true;
      });
    } else {
      return false;
    }
    return true;
  });
  if (model.pieces.length === 0) throw new Error(`${file}: not a SentencePiece model: no pieces found`);
  return model;
}
