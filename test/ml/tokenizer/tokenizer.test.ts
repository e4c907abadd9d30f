// Tokenizer against real SentencePiece: ids for tok512.model from python3-sentencepiece
// (test/fixtures/checkpoint/tokenizer/make_tokenizer_reference.py) and the stories260K reference prompts;
// llama2.c's tokenizer.bin export of the same model must give the same ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { fixture } from "../../helpers/tools";
import { Tokenizer } from "../../../src/ml/tokenizer/tokenizer";

const tok = (...p: string[]): string => fixture("checkpoint", "tokenizer", ...p);

interface Case {
  text: string;
  ids: number[];
  pieces: string[];
  decoded: string;
}
const spmRef = JSON.parse(fs.readFileSync(tok("sentencepiece_reference.json"), "utf8")) as {
  vocab_size: number; bos_id: number; eos_id: number; pad_id: number; unk_id: number; all_pieces: string[]; cases: Case[];
};
const stories = JSON.parse(fs.readFileSync(fixture("checkpoint", "reference", "stories260K_reference.json"), "utf8")) as {
  prompts: { prompt: string; prompt_token_ids: number[]; prompt_pieces: string[]; llama2c_style_encode_token_ids: number[];
    greedy_continuation_token_ids: number[]; greedy_full_text: string }[];
};

test("tok512.model: special ids, vocabulary and every piece as SentencePiece reads them", () => {
  const t = Tokenizer.load(tok("tok512.model"));
  assert.equal(t.vocabSize, spmRef.vocab_size);
  assert.equal(t.bosId, spmRef.bos_id);
  assert.equal(t.eosId, spmRef.eos_id);
  assert.equal(t.padId, spmRef.pad_id);
  assert.equal(t.unkId, spmRef.unk_id);
  assert.deepEqual(Array.from({ length: t.vocabSize }, (_, i) => t.idToPiece(i)), spmRef.all_pieces);
});

test("tok512.model: encode equals SentencePiece's ids (byte fallback, whitespace, unicode) and decode equals its text", () => {
  const t = Tokenizer.load(tok("tok512.model"));
  for (const c of spmRef.cases) {
    const ids = t.encode(c.text);
    assert.deepEqual(ids, c.ids, `encode ${JSON.stringify(c.text)}`);
    assert.deepEqual(ids.map((i) => t.idToPiece(i)), c.pieces);
    assert.equal(t.decode(ids), c.decoded, `decode ${JSON.stringify(c.text)}`);
  }
});

test("stories260K reference prompts: [bos] + encode(prompt), and the greedy continuation decodes to the reference text", () => {
  for (const file of ["tok512.model", "tok512.bin"]) {
    const t = Tokenizer.load(tok(file));
    for (const p of stories.prompts) {
      const ids = t.encode(p.prompt, { bos: true, eos: false });
      assert.deepEqual(ids, p.prompt_token_ids, `${file}: ${JSON.stringify(p.prompt)}`);
      assert.deepEqual(ids, p.llama2c_style_encode_token_ids);
      assert.deepEqual(ids.map((i) => t.idToPiece(i)), p.prompt_pieces);
      assert.equal(t.decode([...ids, ...p.greedy_continuation_token_ids]), p.greedy_full_text, `${file}: decode`);
    }
    assert.deepEqual(t.encode("a", { bos: true, eos: true }), [1, 261, 2]);
  }
});

test("llama2.c tokenizer.bin: same pieces and scores as the .model, and the same ids where run.c and SentencePiece agree", () => {
  const bin = Tokenizer.load(tok("tok512.bin"));
  const model = Tokenizer.load(tok("tok512.model"));
  assert.equal(bin.vocabSize, 512);
  assert.deepEqual(Array.from({ length: 512 }, (_, i) => bin.idToPiece(i)), spmRef.all_pieces);
  // run.c does not collapse repeated spaces (SentencePiece's remove_extra_whitespaces does): skip those texts
  for (const c of spmRef.cases.filter((c) => !/  |^ | $/.test(c.text))) {
    assert.deepEqual(bin.encode(c.text), c.ids, `tokenizer.bin encode ${JSON.stringify(c.text)}`);
    assert.equal(bin.decode(c.ids), c.decoded);
  }
  assert.deepEqual(bin.encode("two  spaces"), [...model.encode("two"), model.pieceToId("\u2581"), ...model.encode("spaces")]);
  // a second, unrelated llama2.c tokenizer export loads too (max_token_length 10)
  const other = Tokenizer.load(tok("aidreams_tok512.bin"));
  assert.equal(other.vocabSize, 512);
  assert.equal(other.decode(other.encode("Echoes of vectors unfold")), "Echoes of vectors unfold");
});

test("a model folder (Hugging Face's tokenizer.model) loads the same tokenizer", () => {
  const t = Tokenizer.load(fixture("checkpoint", "llama-hf"));
  assert.match(t.source, /llama-hf\/tokenizer\.model$/);
  for (const c of spmRef.cases) assert.deepEqual(t.encode(c.text), c.ids);
  assert.throws(() => Tokenizer.load(fixture("checkpoint", "torch")), /torch: a folder without tokenizer\.model or tokenizer\.bin/);
});

test("bad ids and bad files fail clearly", () => {
  const t = Tokenizer.load(tok("tok512.model"));
  assert.throws(() => t.decode([5, 512]), /token id 512 is outside the vocabulary \[0, 512\)/);
  assert.throws(() => t.idToPiece(-1), RangeError);
  const bytes = fs.readFileSync(tok("tok512.model"));
  const cut = `${fs.mkdtempSync("/tmp/tb-tok-")}/cut.model`;
  fs.writeFileSync(cut, bytes.subarray(0, 3001));
  assert.throws(() => Tokenizer.load(cut), /cut\.model: SentencePiece model \(protobuf\) at byte \d+: .*(truncated|past the end)/);
  fs.rmSync(cut);
  assert.throws(() => Tokenizer.load(fixture("checkpoint", "llama2c", "stories260K.bin")), /stories260K\.bin: (SentencePiece model \(protobuf\) at byte \d+|not a SentencePiece model)/);
});
