// stories260K against PyTorch, from every checkpoint format: last-position logits within 1e-4, echo
// log-probs, 40 greedy tokens identical with their log-probs, and the same text decoded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateSync } from "../../../src/ml/llama/generate";
import { logProb } from "../../../src/ml/llama/sampling";
import { maxAbsDiff } from "./tiny";
import { BF16, FORMATS, TOKENIZER, generateReference, loadStories, storiesReference } from "./stories";
import { Llama } from "../../../src/ml/llama/model";

for (const [format, file] of Object.entries(FORMATS)) {
  test(`${format}: logits, echo log-probs, greedy tokens, log-probs and text equal PyTorch's`, () => {
    const llama = loadStories(file);
    assert.equal(llama.params.dim, 64);
    assert.equal(llama.params.hidden_dim, 172);
    assert.equal(llama.params.n_kv_heads, 4);
    const V = llama.params.vocab_size;
    for (const ref of storiesReference.prompts) {
      const ids = ref.prompt_token_ids;
      const logits = llama.forwardLogits([ids], 0).slice(); // (1, T, V)
      const last = logits.subarray((ids.length - 1) * V);
      assert.ok(maxAbsDiff(last, ref.last_position_logits) < 1e-4, `${ref.prompt}: |Δlogit| ${maxAbsDiff(last, ref.last_position_logits)}`);
      // echo log-probs: log_softmax(logits[i-1])[ids[i]]; BOS has none
      for (let i = 1; i < ids.length; i++) {
        const lp = logProb(logits.subarray((i - 1) * V, i * V), ids[i]);
        assert.ok(Math.abs(lp - (ref.prompt_token_logprobs[i] as number)) < 1e-4, `${ref.prompt} logprob ${i}`);
      }
      const out = llama.generateSync([ids], { maxGenLen: 40, temperature: 0, logprobs: true });
      assert.deepEqual(out.tokens[0], ref.greedy_continuation_token_ids, ref.prompt);
      assert.ok(maxAbsDiff(out.logprobs![0], ref.greedy_continuation_logprobs) < 1e-4);
      assert.equal(llama.tokenizer!.decode(out.tokens[0]), ref.greedy_continuation_text);
      assert.equal(llama.tokenizer!.decode([...ids, ...out.tokens[0]]), ref.greedy_full_text);
    }
  });
}

test("Meta bf16: equal to PyTorch on the widened bf16 weights (1e-4); near the float32 model (0.15)", () => {
  // bf16 keeps 8 bits of mantissa: each weight moves by up to 2^-9 of itself, and over 5 layers the
  // logits move by up to ~0.07 (make_generate_reference.py measures it). So against the float32
  // reference only a loose bound holds; the exact check is against PyTorch fed the same bf16 weights.
  const llama = Llama.load(BF16, { tokenizer: TOKENIZER, maxSeqLen: 512 });
  const V = llama.params.vocab_size;
  generateReference.bf16.prompts.forEach((ref, i) => {
    const ids = ref.prompt_token_ids;
    const last = llama.forwardLogits([ids], 0).subarray((ids.length - 1) * V).slice();
    assert.ok(maxAbsDiff(last, ref.last_position_logits) < 1e-4, `bf16 prompt ${i}: ${maxAbsDiff(last, ref.last_position_logits)}`);
    const f32 = storiesReference.prompts[i];
    const loose = maxAbsDiff(last, f32.last_position_logits);
    assert.ok(loose < 0.15 && loose > 1e-3, `bf16 vs float32 reference: ${loose}`);
    const out = generateSync(llama.model, llama.tokenizer!, [ids], { maxGenLen: 40, temperature: 0, logprobs: true });
    assert.deepEqual(out.tokens[0], ref.greedy_continuation_token_ids);
    assert.ok(maxAbsDiff(out.logprobs![0], ref.greedy_continuation_logprobs) < 1e-4);
  });
});

test("greedy from BOS reproduces Karpathy's published stories260K sample", () => {
  const llama = loadStories();
  const out = llama.generateSync([[1]], { maxGenLen: 64, temperature: 0 });
  assert.deepEqual(out.tokens[0], storiesReference.greedy_from_bos.token_ids.slice(0, 64));
  assert.equal(llama.tokenizer!.decode(out.tokens[0]), storiesReference.greedy_from_bos.first_64_text);
});

test("stories260K: KV-cache decoding equals full recompute at every step (logits and greedy tokens)", () => {
  const cached = loadStories();
  const recompute = loadStories();
  const V = cached.params.vocab_size;
  const seq = [...storiesReference.prompts[1].prompt_token_ids];
  let logits = cached.forwardLogits([seq], 0).slice(-V);
  for (let step = 0; step < 24; step++) {
    const full = recompute.forwardLogits([seq], 0); // (1, T, V), no cache reuse: every position recomputed
    const d = maxAbsDiff(logits, full.subarray(full.length - V));
    assert.ok(d < 1e-5, `step ${step}: |Δlogit| ${d}`);
    let next = 0;
    for (let i = 1; i < V; i++) if (logits[i] > logits[next]) next = i;
    seq.push(next);
    logits = cached.forwardLogits([[next]], seq.length - 1).slice();
  }
  assert.deepEqual(seq.slice(storiesReference.prompts[1].prompt_token_ids.length), storiesReference.prompts[1].greedy_continuation_token_ids.slice(0, 24));
});
