// Source of notebooks/07-llama-in-memory.ipynb (percent format; test/notebooks/build.ts builds it).

// %% [markdown]
// # A Llama in a laptop's memory: float32, bfloat16, q8_0
//
// Meta's Llama-2-7B arrives as 13.5 GB of **bfloat16** in `consolidated.00.pth`. Widened to float32, as a
// naive loader would, it needs 27 GB: more than most laptops have. `Llama.load` keeps each weight in the
// dtype the file stores, or converts it on load to a smaller one:
//
// | `dtype` | bytes per weight | what it is |
// | --- | --- | --- |
// | `"float32"` | 4 | PyTorch's default |
// | `"bfloat16"` | 2 | what Meta ships: float32's exponent, 8 bits of mantissa |
// | `"float16"` | 2 | half precision: more mantissa, less range |
// | `"q8_0"` | 1.06 | llama.cpp's 8-bit blocks: 32 int8 values and one f16 scale |
// | `"q4_0"` | 0.56 | llama.cpp's 4-bit blocks: 32 nibbles and one f16 scale |
//
// `"auto"` (the default) keeps the file's dtype. q8_0 and q4_0 are made with the arithmetic of ggml's
// reference quantizers, so each block is the one llama.cpp writes for the same weights, and their matrix
// products run on 8-bit integers as llama.cpp's do. Here the same model, Karpathy's tiny stories260K, is
// loaded all three ways; the cells at the end load a real Llama-2-7B the same way.

// %%
import { Llama, plot } from "tensorbook";

const files = { model: "assets/stories260K/stories260K.bin", tokenizer: "assets/stories260K/tok512.model" };
const dtypes = ["float32", "bfloat16", "q8_0"] as const;
const models = dtypes.map((dtype) => Llama.load(files.model, { tokenizer: files.tokenizer, dtype, maxBatchSize: 1 }));
for (const [i, llama] of models.entries()) {
  const wq = llama.model.weights.layers[0].wq;
  console.log(`${dtypes[i].padEnd(9)} ${(llama.model.weightBytes / 1024).toFixed(0).padStart(5)} KiB of weights  (layers.0.attention.wq: ${wq.dtype}, ${wq.bytes} bytes)`);
}

// %% [markdown]
// Each halving of the bytes costs some precision. How much? Look at what the three models predict after the
// same prompt: the probabilities of the next token.

// %%
const prompt = models[0].tokenizer!.encode("Once upon a time, there was a little", { bos: true, eos: false });
const V = models[0].params.vocab_size;
const nextTokenProbs = (llama: Llama): Float64Array => {
  const logits = llama.forwardLogits([prompt], 0).subarray((prompt.length - 1) * V);
  const max = Math.max(...logits);
  const e = Float64Array.from(logits, (x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
};
const probs = models.map(nextTokenProbs);
const top = [...probs[0].keys()].sort((a, b) => probs[0][b] - probs[0][a]).slice(0, 8);
plot.bar(Object.fromEntries(dtypes.map((d, i) => [d, top.map((id) => probs[i][id])])), {
  x: top.map((id) => JSON.stringify(models[0].tokenizer!.decode([id]))),
  title: "next token after “…there was a little”, by weight dtype",
});

// %% [markdown]
// The bars barely move: for generating text, bf16 and q8_0 keep what matters. The largest change in any
// probability:

// %%
for (let i = 1; i < models.length; i++) {
  let worst = 0;
  for (let id = 0; id < V; id++) worst = Math.max(worst, Math.abs(probs[i][id] - probs[0][id]));
  console.log(`${dtypes[i]}: largest |Δp| against float32 = ${worst.toExponential(2)}`);
}

// %% [markdown]
// And the stories themselves, greedy, with the token probabilities the q8_0 model saw at each step:

// %%
for (const [i, llama] of models.entries()) {
  const [out] = await llama.textCompletion(["Once upon a time, there was a little"], { maxGenLen: 24, temperature: 0 });
  console.log(`${dtypes[i].padEnd(9)} ${out.generation}`);
}
const steps = await models[2].generate([prompt], { maxGenLen: 12, temperature: 0, tokenProbs: true });
plot.tokenProbs(steps.tokenProbs![0], { title: "q8_0: top candidates at each generated token" });

// %% [markdown]
// A model holds its memory and its threads until it is disposed (or collected):

// %%
for (const llama of models) llama.dispose();

// %% [markdown]
// ## Loading the Llama-2-7B you downloaded
//
// Meta's download is a folder: `params.json`, `consolidated.00.pth` (13.5 GB, bfloat16) and, beside it,
// `tokenizer.model`. On a 16 GB laptop, these are the cells:
//
// ```ts
// import { Llama } from "tensorbook";
//
// // bf16 as Meta ships it: 13.5 GB, read straight from the file into the memory the kernels read
// const llama = Llama.load("llama-2-7b/", { tokenizer: "tokenizer.model", maxSeqLen: 512, maxBatchSize: 1 });
//
// // or 7.2 GB, and about twice as fast to generate: q8_0, quantized while loading
// const small = Llama.load("llama-2-7b/", { tokenizer: "tokenizer.model", dtype: "q8_0", maxSeqLen: 512, maxBatchSize: 1 });
//
// const [out] = await small.textCompletion(["I believe the meaning of life is"], { maxGenLen: 64, temperature: 0.6, topP: 0.9 });
// console.log(out.generation);
// ```
//
// - Before anything is read, `Llama.load` adds up what the model will take (weights in the chosen dtype, the
//   KV cache for `maxSeqLen × maxBatchSize`, working memory) and compares it with the memory free. If it does
//   not fit, it says so at once, with both numbers and the dtype that would fit, instead of being killed by
//   the operating system halfway through a 13 GB read.
// - `maxSeqLen` and `maxBatchSize` size the KV cache, as in Meta's `Llama.build`: at 4096 wide and 32 layers,
//   each position of each batch row takes 1 MB of it. Without `maxBatchSize`, the batch is 8 or the most
//   that fits.
// - `threads` defaults to every core; 1 thread and N threads give the same tokens.
// - A Meta folder with several shards (`consolidated.00.pth`, `consolidated.01.pth`, … from a 13B or 70B
//   download) is merged into place while loading, by Meta's model-parallel rule (notebook 02).
