// Llama.load's defaults (Meta's Llama.build): max_seq_len from the checkpoint or 2048, max_batch_size 8,
// the tokenizer found beside the weights; clear errors; and the token-probability record drawn by the
// plot room's tokenProbs figure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Llama } from "../../../src/ml/llama/model";
import { tokenProbsFigure } from "../../../src/ml/plot/tokens";
import { fixture } from "../../helpers/tools";
import { FORMATS, TOKENIZER, loadStories } from "./stories";

test("max_seq_len: llama2.c header 512, HF max_position_embeddings 512, Meta params.json none → 2048", () => {
  assert.equal(Llama.load(FORMATS["llama2c .bin"], { tokenizer: null }).params.max_seq_len, 512);
  assert.equal(Llama.load(FORMATS["Hugging Face"], { tokenizer: null }).params.max_seq_len, 512);
  const meta = Llama.load(FORMATS["Meta .pth"], { tokenizer: null });
  assert.equal(meta.params.max_seq_len, 2048);
  assert.equal(meta.params.max_batch_size, 8);
  assert.equal(Llama.load(FORMATS["Meta .pth"], { tokenizer: null, maxSeqLen: 64, maxBatchSize: 2 }).params.max_seq_len, 64);
  assert.throws(() => Llama.load(FORMATS["Meta .pth"], { maxSeqLen: 0 }), /maxSeqLen must be a positive integer, got 0/);
});

test("the tokenizer is found beside the weights (HF tokenizer.model); without one, text methods say so", async () => {
  const hf = Llama.load(FORMATS["Hugging Face"]);
  assert.equal(hf.tokenizer?.vocabSize, 512);
  const [out] = await hf.textCompletion(["Once upon a time"], { maxGenLen: 8, temperature: 0 });
  assert.match(out.generation, /^, there was a little girl/);
  const bare = Llama.load(FORMATS["Meta .pth"]);
  assert.equal(bare.tokenizer, undefined);
  await assert.rejects(bare.textCompletion(["hi"]), /Llama\.textCompletion: this model has no tokenizer; load it with Llama\.load\(path, \{ tokenizer: "tokenizer\.model" \}\)/);
  // ids still generate, pieces shown as <id>
  const ids = bare.generateSync([[1]], { maxGenLen: 4, temperature: 0, tokenProbs: true });
  assert.deepEqual(ids.tokens[0], [403, 407, 261, 378]);
  assert.equal(ids.tokenProbs![0][0].candidates[0].piece, "<403>");
});

test("the constructor refuses a tokenizer of another vocabulary size, naming both", () => {
  const llama = loadStories();
  const small = { ...llama.tokenizer!, vocabSize: 100, bosId: 1, eosId: 2, padId: -1, encode: () => [], decode: () => "", idToPiece: () => "" };
  assert.throws(() => new Llama(llama.params, llama.model, small), /the tokenizer has 100 pieces but the model's vocab_size is 512/);
  assert.throws(() => Llama.load(fixture("llama", "make_generate_reference.py")), /make_generate_reference\.py/);
});

test("recorded token probabilities are what plot.tokenProbs draws (steps × top-k heatmap)", () => {
  const llama = Llama.load(FORMATS["llama2c .bin"], { tokenizer: TOKENIZER });
  const out = llama.generateSync([[1, 403, 407]], { maxGenLen: 6, temperature: 0.8, seed: 4, tokenProbs: { topK: 3 } });
  const figure = tokenProbsFigure(out.tokenProbs![0]);
  const z = (figure.data[0] as { z: (number | null)[][] }).z;
  assert.equal(z.length, 6);
  assert.deepEqual(z[0], out.tokenProbs![0][0].candidates.map((c) => c.prob));
});
