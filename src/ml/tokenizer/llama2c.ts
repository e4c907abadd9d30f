// llama2.c's tokenizer.bin (export of a SentencePiece model by tokenizer.py): an int32 max_token_length,
// then for each id a float32 score, an int32 byte length and the piece's UTF-8 bytes. The export replaced
// "▁" by a space and wrote BOS/EOS as "\n<s>\n" / "\n</s>\n"; it keeps no piece types or vocab size, so
// those are recovered: ids 0/1/2 are unk/bos/eos (llama2.c's run.c assumes it), "<0xNN>" are byte pieces.
// The file has no magic: it is recognised by its records ending exactly at the end of the file.
import { Piece, PieceType, SentencePieceModel } from "./sentencepiece";

const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** Parses tokenizer.bin; null when the bytes are not one (records do not end exactly at the end). */
export function parseLlama2cTokenizer(bytes: Uint8Array): SentencePieceModel | null {
  if (bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1024) return null;
  const decoder = new TextDecoder("utf-8");
  const pieces: Piece[] = [];
  let pos = 4;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) return null;
    const score = view.getFloat32(pos, true);
    const len = view.getInt32(pos + 4, true);
    pos += 8;
    if (len < 0 || len > maxTokenLength + 16 || pos + len > bytes.length) return null;
    const text = decoder.decode(bytes.subarray(pos, pos + len));
    pos += len;
    pieces.push({ piece: text, score, type: PieceType.NORMAL });
  }
  if (pieces.length < 3) return null;
  const special: { [id: number]: [string, string, PieceType] } = {
    0: ["<unk>", "<unk>", PieceType.UNKNOWN],
    1: ["\n<s>\n", "<s>", PieceType.CONTROL],
    2: ["\n</s>\n", "</s>", PieceType.CONTROL],
  };
  for (const [id, [exported, name, type]] of Object.entries(special)) {
    const p = pieces[Number(id)];
    if (p.piece === exported || p.piece === name) Object.assign(p, { piece: name, type });
  }
  let byteFallback = false;
  for (const p of pieces) {
    if (p.type !== PieceType.NORMAL) continue;
    if (BYTE_PIECE.test(p.piece)) {
      p.type = PieceType.BYTE;
      byteFallback = true;
    } else {
      p.piece = p.piece.replace(/ /g, "\u2581");
    }
  }
  return {
    pieces, modelType: "bpe", byteFallback, unkId: 0, bosId: 1, eosId: 2, padId: -1, unkSurface: " \u2047 ",
    // run.c: a dummy prefix space for non-empty text, no whitespace collapsing
    normalizer: { name: "identity", addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true },
  };
}
