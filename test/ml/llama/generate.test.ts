// generate() against Meta's generate run in PyTorch (make_generate_reference.py): a batch of two prompts
// of different lengths, with and without echo, with log-probs; a forced EOS; max_gen_len 0; a clamp by
// max_seq_len. Then what Meta's code cannot show us: seeded sampling, streaming, token probabilities.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { generateAsync, generateSync, type TokenProbStep } from "../../../src/ml/llama/generate";
import { maxAbsDiff } from "./tiny";
import { generateReference, loadStories, storiesReference } from "./stories";

const llama = loadStories();
const piece = (id: number): string => llama.tokenizer!.idToPiece(id);

for (const c of generateReference.cases) {
  test(`Meta's generate, "${c.name}": same tokens and log-probs`, () => {
    const model = c.max_seq_len === 512 ? llama : loadStories(undefined, { maxSeqLen: c.max_seq_len, maxBatchSize: 2 });
    const out = generateSync(model.model, { eosId: c.eos_id, padId: c.pad_id, idToPiece: piece }, c.prompt_tokens, {
      maxGenLen: c.max_gen_len, temperature: 0, logprobs: c.logprobs, echo: c.echo,
    });
    assert.deepEqual(out.tokens, c.tokens);
    assert.equal(out.logprobs!.length, c.token_logprobs!.length);
    out.logprobs!.forEach((row, i) => assert.ok(maxAbsDiff(row, c.token_logprobs![i]) < 1e-4, `row ${i}`));
  });
}

test("the forced-EOS case really stops early and cuts rows at different places", () => {
  const forced = generateReference.cases.find((c) => c.name === "forced eos")!;
  assert.notEqual(forced.tokens[0].length, forced.tokens[1].length);
  assert.ok(forced.tokens[0].length < forced.max_gen_len);
});

test("forward with the cache: a chunk of 3 at start_pos 5 after a prefill of 5, batch of two (tf.Tensor)", () => {
  const { tokens, prefill, chunk_logits } = generateReference.forward;
  llama.forwardLogits(tokens.map((r) => r.slice(0, prefill)), 0);
  const logits = llama.forward(tokens.map((r) => r.slice(prefill)), prefill);
  assert.deepEqual(logits.shape, [2, 3, 512]);
  assert.equal(logits.dtype, "float32");
  assert.ok(maxAbsDiff(logits.dataSync(), chunk_logits) < 1e-4);
  logits.dispose();
  assert.equal(tf.memory().numTensors, 0);
});

test("Meta's asserts, with the numbers: batch > max_batch_size, prompt > max_seq_len", () => {
  const small = loadStories(undefined, { maxSeqLen: 8, maxBatchSize: 2 });
  assert.throws(() => small.generateSync([[1], [1], [1]], { maxGenLen: 4 }), /batch of 3 prompts is larger than max_batch_size 2/);
  assert.throws(() => small.generateSync([[1], [1, 2, 3, 4, 5, 6, 7, 8, 9]], { maxGenLen: 4 }), /prompt 1 has 9 tokens, more than max_seq_len 8/);
  assert.throws(() => small.generateSync([[1], []], { maxGenLen: 4 }), /prompt 1 has no tokens/);
  assert.throws(() => small.generateSync([[1]], { maxGenLen: -1 }), /maxGenLen must be an integer ≥ 0, got -1/);
  assert.throws(() => small.generateSync([[1]], { maxGenLen: 2, topP: 1.5 }), /topP must be in \[0, 1\], got 1\.5/);
});

test("top_p 0 keeps only the most likely token: sampling at any temperature is then greedy", () => {
  const ref = storiesReference.prompts[1];
  const out = llama.generateSync([ref.prompt_token_ids], { maxGenLen: 40, temperature: 0.8, topP: 0, seed: 3 });
  assert.deepEqual(out.tokens[0], ref.greedy_continuation_token_ids);
});

test("sampling with a seed is reproducible; another seed gives another story", () => {
  const run = (seed: number): number[][] =>
    llama.generateSync([[1], [1, 403, 407]], { maxGenLen: 60, temperature: 1, topP: 0.95, seed }).tokens;
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});

test("onToken streams exactly the output tokens, row by row, in order (EOS not streamed)", () => {
  const forced = generateReference.cases.find((c) => c.name === "forced eos")!;
  const streamed: number[][] = [[], []];
  const out = generateSync(llama.model, { eosId: forced.eos_id, padId: -1, idToPiece: piece }, forced.prompt_tokens, {
    maxGenLen: forced.max_gen_len, temperature: 0,
    onToken: ({ row, token, position, piece: p }) => {
      assert.equal(position, forced.prompt_tokens[row].length + streamed[row].length);
      assert.equal(p, piece(token));
      streamed[row].push(token);
    },
  });
  assert.deepEqual(streamed, out.tokens);
  assert.deepEqual(streamed, forced.tokens);
});

test("streamed text joins to the decoded generation, row by row (SentencePiece spaces resolved)", () => {
  const texts = ["", ""];
  const out = llama.generateSync([[1, 403, 407], [1]], {
    maxGenLen: 40, temperature: 1, seed: 8, onToken: ({ row, text }) => (texts[row] += text),
  });
  assert.deepEqual(texts, out.tokens.map((t) => llama.tokenizer!.decode(t)));
});

test("a character split over byte-fallback tokens is streamed once, when complete", () => {
  // a scripted model: at position p it puts all its logit mass on script[p] ("é" = bytes C3 A9, ids 3 + byte)
  const tok = llama.tokenizer!;
  const script = [1, 403, 3 + 0xc3, 3 + 0xa9, 407];
  const V = llama.params.vocab_size;
  const scripted = {
    params: llama.params,
    forward: (tokens: ArrayLike<number>[], startPos: number): Float32Array => {
      const T = tokens[0].length;
      const logits = new Float32Array(T * V);
      for (let t = 0; t < T; t++) logits[t * V + script[startPos + t + 1]] = 10;
      return logits;
    },
  };
  const pieces: string[] = [];
  const out = generateSync(scripted, tok, [[1]], { maxGenLen: 4, temperature: 0, onToken: ({ text }) => pieces.push(text) });
  assert.deepEqual(out.tokens[0], script.slice(1));
  assert.deepEqual(pieces, ["Once", "", "é", " upon"]); // nothing for the lone 0xC3 byte
  assert.equal(pieces.join(""), tok.decode(out.tokens[0]));
});

test("token probabilities under greedy decoding: softmax top-k, chosen = top-1 = exp(logprob)", () => {
  const forced = generateReference.cases.find((c) => c.name === "forced eos")!;
  const live: [number, TokenProbStep][] = [];
  const out = generateSync(llama.model, { eosId: forced.eos_id, padId: -1, idToPiece: piece }, forced.prompt_tokens, {
    maxGenLen: forced.max_gen_len, temperature: 0, logprobs: true, tokenProbs: { topK: 4 },
    onTokenProbs: (row, step) => live.push([row, step]),
  });
  const steps = out.tokenProbs!;
  steps.forEach((rowSteps, row) => {
    // one step per output token, plus the step that chose EOS
    assert.equal(rowSteps.length, out.tokens[row].length + 1);
    assert.equal(rowSteps[rowSteps.length - 1].token, forced.eos_id);
    rowSteps.forEach((s, i) => {
      assert.equal(s.candidates.length, 4);
      assert.equal(s.token, s.candidates[0].id);
      assert.equal(s.candidates[0].piece, piece(s.token));
      for (let k = 1; k < 4; k++) assert.ok(s.candidates[k].prob <= s.candidates[k - 1].prob);
      if (i < out.tokens[row].length) assert.ok(Math.abs(s.candidates[0].prob - Math.exp(out.logprobs![row][i])) < 1e-5);
    });
  });
  assert.equal(live.length, steps[0].length + steps[1].length);
  assert.deepEqual(live.filter(([r]) => r === 1).map(([, s]) => s), steps[1]);
});

test("token probabilities under sampling: the renormalised nucleus after temperature and top-p", () => {
  const ids = storiesReference.prompts[1].prompt_token_ids;
  const out = llama.generateSync([ids], { maxGenLen: 1, temperature: 1, topP: 0.9, seed: 5, tokenProbs: { topK: 50 } });
  const [step] = out.tokenProbs![0];
  const nucleus = storiesReference.prompts[1]["nucleus_T1.0_p0.9"];
  assert.deepEqual(step.candidates.map((c) => c.id), nucleus.token_ids);
  assert.ok(maxAbsDiff(step.candidates.map((c) => c.prob), nucleus.renormalized_probs) < 1e-5);
  assert.ok(nucleus.token_ids.includes(step.token));
  assert.equal(step.token, out.tokens[0][0]);
});

test("generate is async and gives the event loop turns while it runs; same result as the sync loop", async () => {
  let turns = 0;
  const timer = setInterval(() => turns++, 0);
  const opts = { maxGenLen: 30, temperature: 0.9, seed: 2 };
  const sync = generateSync(llama.model, llama.tokenizer!, [[1]], opts);
  const seen: number[] = [];
  const asyncOut = await generateAsync(llama.model, llama.tokenizer!, [[1]], { ...opts, onToken: () => seen.push(turns) }, 0);
  clearInterval(timer);
  assert.deepEqual(asyncOut.tokens, sync.tokens);
  assert.ok(seen[seen.length - 1] > seen[0], `timers ran during generation: ${seen[0]} → ${seen[seen.length - 1]}`);
  const viaModel = await llama.generate([[1]], opts);
  assert.deepEqual(viaModel.tokens, sync.tokens);
});

test("textCompletion is Meta's text_completion: BOS + encode, generate, decode (each token with logprobs)", async () => {
  const ref = storiesReference.prompts[0];
  const [plain] = await llama.textCompletion([ref.prompt], { maxGenLen: 40, temperature: 0 });
  assert.deepEqual(Object.keys(plain), ["generation"]);
  assert.equal(plain.generation, ref.greedy_continuation_text);
  const [withLp] = await llama.textCompletion([ref.prompt], { maxGenLen: 40, temperature: 0, logprobs: true });
  assert.equal(withLp.generation, ref.greedy_continuation_text);
  assert.deepEqual(withLp.tokens, ref.greedy_continuation_token_ids.map((id) => llama.tokenizer!.decode([id])));
  assert.ok(maxAbsDiff(withLp.logprobs!, ref.greedy_continuation_logprobs) < 1e-4);
  // without maxGenLen: Meta's max_seq_len − 1, so a 5-token prompt in an 8-position model gets 3 tokens
  const short = loadStories(undefined, { maxSeqLen: 8 });
  const [clamped] = await short.textCompletion([ref.prompt], { temperature: 0 });
  assert.equal(clamped.generation, llama.tokenizer!.decode(ref.greedy_continuation_token_ids.slice(0, 3)));
});
