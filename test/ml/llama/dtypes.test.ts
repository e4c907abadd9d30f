// The Llama engine in every weight dtype, against real references: PyTorch fed the same half-precision
// weights (bf16, f16: logits within 1e-3, the bound), and llama.cpp's own greedy continuations of
// stories260K as f32, f16, q8_0 and q4_0 GGUF (llamacpp_reference.json). One thread and two threads give
// the same tokens and logits.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { fixture } from "../../helpers/tools";
import type { WeightDType } from "../../../src/ml/compute/dtype";
import { Llama } from "../../../src/ml/llama/model";
import { maxAbsDiff } from "./tiny";
import { BF16, FORMATS, TOKENIZER, generateReference, type Bf16Prompt } from "./stories";

interface LlamaCppCase { prompt_tokens: number[]; generated: number[] }
const llamacpp = (JSON.parse(fs.readFileSync(fixture("llama", "llamacpp_reference.json"), "utf8")) as {
  cases: { [file: string]: { [prompt: string]: LlamaCppCase } };
}).cases;
const cases = (file: string): LlamaCppCase[] => Object.values(llamacpp[`stories260K-${file}.gguf`]);

const loaded: Llama[] = [];
function load(path: string, dtype: WeightDType | "auto", threads = 1): Llama {
  const llama = Llama.load(path, { tokenizer: TOKENIZER, maxSeqLen: 512, maxBatchSize: 1, dtype, threads });
  loaded.push(llama);
  return llama;
}
test.after(() => loaded.forEach((l) => l.dispose()));

/** Last-position logits and 40 greedy tokens against a PyTorch reference run on the same weights. */
function assertMatchesPyTorch(llama: Llama, prompts: Bf16Prompt[], bound: number): void {
  const V = llama.params.vocab_size;
  for (const ref of prompts) {
    const ids = ref.prompt_token_ids;
    const last = llama.forwardLogits([ids], 0).subarray((ids.length - 1) * V).slice();
    const d = maxAbsDiff(last, ref.last_position_logits);
    assert.ok(d < bound, `prompt [${ids}]: |Δlogit| ${d}`);
    const out = llama.generateSync([ids], { maxGenLen: 40, temperature: 0, logprobs: true });
    assert.deepEqual(out.tokens[0], ref.greedy_continuation_token_ids);
    assert.ok(maxAbsDiff(out.logprobs![0], ref.greedy_continuation_logprobs) < bound);
  }
}

test("bfloat16, as Meta ships Llama 2: kept as bf16 from the bf16 folder, made bf16 from the float32 one; both equal PyTorch on those weights", () => {
  const kept = load(BF16, "auto");
  assert.equal(kept.model.weights.layers[0].wq.dtype, "bfloat16");
  assert.equal(kept.model.weights.tok_embeddings.dtype, "bfloat16");
  assertMatchesPyTorch(kept, generateReference.bf16.prompts, 1e-3);
  // from the float32 file: the same bf16 matrices (norm weights stay float32 there, bf16 in Meta's file)
  const converted = load(FORMATS["Meta .pth"], "bfloat16");
  const bytes = (l: Llama): Uint8Array => { const w = l.model.weights.layers[3].w1; return w.arena.bytes(w.ptr, w.bytes); };
  assert.deepEqual(bytes(converted), bytes(kept));
  assert.ok(maxAbsDiff(converted.forwardLogits([[1, 403, 407]], 0), kept.forwardLogits([[1, 403, 407]], 0)) < 0.05);
});

test("float16: within 1e-3 of PyTorch run on the same half-precision weights, same greedy tokens", () => {
  const llama = load(FORMATS["Meta .pth"], "float16");
  assert.equal(llama.model.weights.layers[2].w2.dtype, "float16");
  assertMatchesPyTorch(llama, generateReference.float16.prompts, 1e-3);
});

for (const [file, dtype] of [["f32", "float32"], ["f16", "float16"]] as const) {
  test(`${dtype}: greedy tokens equal llama.cpp's on stories260K-${file}.gguf, 100 tokens on each prompt`, () => {
    const llama = load(FORMATS["llama2c .bin"], dtype);
    for (const c of cases(file)) {
      const out = llama.generateSync([c.prompt_tokens], { maxGenLen: 100, temperature: 0 });
      assert.deepEqual(out.tokens[0], c.generated, `prompt [${c.prompt_tokens}]`);
    }
  });
}

test("q8_0 (activations quantized to q8_0 as ggml does): llama.cpp's own q8_0 continuation, as far as it is stable", () => {
  // llama.cpp's q8_0 run agrees with its f32 run for 100, 100 and 8 tokens on the three prompts: past the
  // 8th token of the third prompt the two differ by rounding alone, and any engine may go either way
  const llama = load(FORMATS["llama2c .bin"], "q8_0");
  assert.equal(llama.model.weights.layers[0].wq.dtype, "q8_0");
  assert.equal(llama.model.weights.layers[0].w2.dtype, "float32", "172 columns are not whole blocks: kept float32, as llama.cpp's quantizer does");
  const f32 = cases("f32");
  cases("q8_0").forEach((c, i) => {
    let stable = 0;
    while (stable < 100 && c.generated[stable] === f32[i].generated[stable]) stable++;
    const out = llama.generateSync([c.prompt_tokens], { maxGenLen: 100, temperature: 0 });
    assert.deepEqual(out.tokens[0].slice(0, stable), c.generated.slice(0, stable), `prompt [${c.prompt_tokens}], first ${stable} tokens`);
  });
});

test("q4_0: llama.cpp's own q4_0 continuation, as far as its q4_0 and f32 runs agree", () => {
  const llama = load(FORMATS["llama2c .bin"], "q4_0");
  const f32 = cases("f32");
  cases("q4_0").forEach((c, i) => {
    let stable = 0;
    while (stable < 100 && c.generated[stable] === f32[i].generated[stable]) stable++;
    assert.ok(stable >= 5);
    const out = llama.generateSync([c.prompt_tokens], { maxGenLen: 100, temperature: 0 });
    assert.deepEqual(out.tokens[0].slice(0, stable), c.generated.slice(0, stable), `prompt [${c.prompt_tokens}], first ${stable} tokens`);
  });
});

test("1 thread and 2 threads: the same tokens and bit-identical logits, in every dtype", () => {
  for (const dtype of ["float32", "bfloat16", "q8_0"] as const) {
    const one = load(FORMATS["Meta .pth"], dtype, 1);
    const two = load(FORMATS["Meta .pth"], dtype, 2);
    const prompt = cases("f32")[1].prompt_tokens;
    assert.deepEqual(two.forwardLogits([prompt], 0), one.forwardLogits([prompt], 0), dtype);
    const a = one.generateSync([prompt], { maxGenLen: 30, temperature: 0, logprobs: true });
    const b = two.generateSync([prompt], { maxGenLen: 30, temperature: 0, logprobs: true });
    assert.deepEqual(b, a, dtype);
  }
});

test("a dtype that is not one is refused, naming the choices", () => {
  assert.throws(() => Llama.load(FORMATS["llama2c .bin"], { dtype: "int8" as WeightDType }), /dtype "int8" is not one of "auto", "float32", "bfloat16", "float16", "q8_0", "q4_0"/);
});
