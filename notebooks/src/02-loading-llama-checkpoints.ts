// Source of notebooks/02-loading-llama-checkpoints.ipynb (percent format; test/notebooks/build.ts builds it).

// %% [markdown]
// # Loading Llama checkpoints
//
// A Llama checkpoint is a bag of named tensors plus a few hyper-parameters. It comes in several packagings:
// Meta's `consolidated.NN.pth` files with a `params.json`, Hugging Face's `model.safetensors` with a
// `config.json`, and llama2.c's single `.bin`. This notebook opens each, looks inside without loading
// everything, and shows that they hold the same model.
//
// The model is Karpathy's tiny **stories260K** (64-wide, 5 layers, 512-token vocabulary), saved in each
// layout in `assets/` (see `assets/PROVENANCE.md`), so everything here runs in seconds. The same code
// opens a 7B checkpoint; only the sizes change.

// %%
import { loadCheckpoint, Llama, tf } from "tensorbook";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

await tf.ready(); // tensorbook picks the backend as it loads; wait for it before the first tensor

// %% [markdown]
// ## What is inside a `.pth`
//
// `torch.save` writes a zip: `data.pkl`, a pickle that describes every tensor (name, dtype, shape, where its
// bytes are), and one file of raw bytes per storage. `loadCheckpoint` reads only the pickle, with a
// restricted unpickler that refuses anything but tensors and plain containers, so opening a file never
// runs code from it, and no tensor data is read until asked for. In PyTorch the closest is
// `torch.load(path, map_location="cpu", mmap=True)`.

// %%
const meta = loadCheckpoint("assets/llama-meta/consolidated.00.pth");
console.log(`${meta.format} checkpoint, ${meta.keys().length} tensors`);
for (const name of meta.keys().slice(0, 12)) {
  const { shape, dtype } = meta.info(name);
  console.log(`${name.padEnd(38)} ${dtype.padEnd(8)} [${shape.join(", ")}]`);
}
const parameters = meta.keys().reduce((sum, name) => sum + meta.info(name).shape.reduce((a, b) => a * b, 1), 0);
console.log(`… ${parameters.toLocaleString("en-US")} numbers in all`);

// %% [markdown]
// The names are Meta's (`model.py`): `tok_embeddings`, then per layer `attention.wq/wk/wv/wo`, the SwiGLU
// `feed_forward.w1/w2/w3` and two RMSNorm weights, then the final `norm` and the `output` projection.
// Weights are stored `(out_features, in_features)`, as `nn.Linear` keeps them. `wk` and `wv` are half as
// tall as `wq`: this model uses grouped-query attention, 8 query heads sharing 4 key/value heads.
//
// Reading one tensor reads only its bytes:

// %%
meta.get("layers.0.attention.wk.weight")

// %% [markdown]
// ## `params.json`
//
// Meta's `Llama.build` reads the hyper-parameters from `params.json` and passes them to `ModelArgs`. The
// feed-forward width is not stored: `FeedForward` derives it from `dim` and `multiple_of`:
//
// ```python
// hidden_dim = int(2 * hidden_dim / 3)          # called with hidden_dim = 4 * dim
// hidden_dim = multiple_of * ((hidden_dim + multiple_of - 1) // multiple_of)
// ```

// %%
const params = JSON.parse(fs.readFileSync("assets/llama-meta/params.json", "utf8")) as { dim: number; multiple_of: number; n_heads: number; n_kv_heads: number };
console.log(params);
let hiddenDim = Math.trunc((2 * (4 * params.dim)) / 3);
hiddenDim = params.multiple_of * Math.floor((hiddenDim + params.multiple_of - 1) / params.multiple_of);
console.log(`FeedForward hidden_dim = ${hiddenDim}; w1 in the file is [${meta.info("layers.0.feed_forward.w1.weight").shape.join(", ")}]`);

// %% [markdown]
// ## bfloat16 checkpoints
//
// Meta ships Llama 2 in bfloat16: half the bytes of float32, same exponent range, fewer mantissa bits.
// TensorFlow.js has no 16-bit float type, so tensorbook widens bf16 (and fp16) to float32 as it reads.
// The values are those of the float32 model rounded to bf16's 8 significant bits:

// %%
const bf16 = loadCheckpoint("assets/llama-meta-bf16/consolidated.00.pth");
const name = "layers.0.attention.wq.weight";
const wq16 = bf16.get(name);
console.log(`${name}: stored as ${bf16.info(name).dtype}, read as ${wq16.dtype}`);
wq16.dispose();
const relative = tf.tidy(() => bf16.get(name).sub(meta.get(name)).abs().div(meta.get(name).abs().add(1e-12)).max().dataSync()[0]);
console.log(`largest relative difference from the float32 weights: ${relative.toExponential(2)} (bf16 keeps 8 bits: at most 2^-8 = ${(2 ** -8).toExponential(2)})`);

// %% [markdown]
// ## Model-parallel shards, and how they merge
//
// The larger Llamas come split across GPUs: 13B in 2 files, 70B in 8. Each `consolidated.NN.pth` is what
// one GPU (one *rank*) loads. Meta's `Llama.build` picks the file for its rank:
//
// ```python
// checkpoints = sorted(Path(ckpt_dir).glob("*.pth"))
// assert len(checkpoints) > 0, f"no checkpoint files found in {ckpt_dir}"
// assert model_parallel_size == len(checkpoints), f"Loading a checkpoint for MP={len(checkpoints)} but world size is {model_parallel_size}"
// ckpt_path = checkpoints[get_model_parallel_rank()]
// ```
//
// Here is the same model split in two, and what each rank holds:

// %%
const ckptDir = "assets/llama-meta-mp2";
const checkpoints = fs.readdirSync(ckptDir).filter((f) => f.endsWith(".pth")).sort(); // sorted(Path(ckpt_dir).glob("*.pth"))
const shards = checkpoints.map((f) => loadCheckpoint(path.join(ckptDir, f)));
for (const key of ["tok_embeddings.weight", "layers.0.attention.wq.weight", "layers.0.attention.wo.weight", "layers.0.feed_forward.w2.weight", "norm.weight"]) {
  const shapes = shards.map((s) => `[${s.info(key).shape.join(", ")}]`).join("  ");
  console.log(`${key.padEnd(34)} full [${meta.info(key).shape.join(", ")}]  ranks: ${shapes}`);
}

// %% [markdown]
// The split follows the layer types of fairscale, which Meta's model uses:
//
// - **column-parallel** layers (`wq`, `wk`, `wv`, `w1`, `w3`, `output`) split their *output* rows, dim 0;
// - **row-parallel** layers (`wo`, `w2`) split their *input* columns, dim 1;
// - the embedding (`ParallelEmbedding`) splits the embedding dimension, dim 1;
// - the norms are small and copied whole into every shard.
//
// So merging is a concatenation along the right dimension. By hand, for two of them:

// %%
const merged = tf.tidy(() => {
  const wq = tf.concat(shards.map((s) => s.get("layers.0.attention.wq.weight")), 0);
  const wo = tf.concat(shards.map((s) => s.get("layers.0.attention.wo.weight")), 1);
  return [wq.sub(meta.get("layers.0.attention.wq.weight")).abs().max().dataSync()[0], wo.sub(meta.get("layers.0.attention.wo.weight")).abs().max().dataSync()[0]];
});
console.log(`wq merged on dim 0 differs from the unsplit wq by ${merged[0]}; wo merged on dim 1 by ${merged[1]}`);

// %% [markdown]
// `loadCheckpoint` on the folder does this for every tensor, and says what it did:

// %%
const mp = loadCheckpoint(ckptDir);
console.log(mp.warnings.join("\n"));
console.log(`merged: ${mp.keys().length} tensors, wq [${mp.info("layers.0.attention.wq.weight").shape.join(", ")}]`);

// %% [markdown]
// ## The same model from Hugging Face safetensors and from llama2.c
//
// Hugging Face renames the tensors (`model.layers.0.self_attn.q_proj.weight` …) and permutes the rows of
// `q_proj` and `k_proj` so its `rotate_half` rotary embedding matches Meta's interleaved one
// (`convert_llama_weights_to_hf.py`). llama2.c keeps Meta's layout in one flat float32 file after a
// 7-number header. `loadCheckpoint` gives every format Meta's names and layout, undoing HF's permutation:

// %%
const hf = loadCheckpoint("assets/llama-hf");
const llama2c = loadCheckpoint("assets/stories260K/stories260K.bin");
for (const [label, ckpt] of [["Hugging Face", hf], ["llama2.c", llama2c], ["Meta MP=2 merged", mp]] as const) {
  const worst = tf.tidy(() => Math.max(...["layers.2.attention.wq.weight", "layers.2.attention.wk.weight", "layers.4.feed_forward.w2.weight"]
    .map((key) => ckpt.get(key).sub(meta.get(key)).abs().max().dataSync()[0])));
  console.log(`${label.padEnd(18)} ${ckpt.format.padEnd(12)} ${ckpt.keys().length} tensors; wq, wk, w2 differ from Meta's by at most ${worst}`);
}

// %% [markdown]
// Same tensors, so the same model: loaded from each layout, the four give the same next-token logits
// after "Once upon a time".

// %%
const models = { meta: "assets/llama-meta", "meta-mp2": "assets/llama-meta-mp2", hf: "assets/llama-hf", llama2c: "assets/stories260K/stories260K.bin" };
const tokenizer = "assets/stories260K/tok512.model";
const logits: { [name: string]: Float32Array } = {};
for (const [label, dir] of Object.entries(models)) {
  const llama = Llama.load(dir, { tokenizer, maxSeqLen: 64, maxBatchSize: 1 });
  const tokens = llama.tokenizer!.encode("Once upon a time", { bos: true, eos: false });
  const all = llama.forwardLogits([tokens], 0); // (1, T, 512)
  logits[label] = all.slice(all.length - 512);
}
for (const label of Object.keys(models)) {
  const diff = Math.max(...logits[label].map((v, i) => Math.abs(v - logits.meta[i])));
  console.log(`${label.padEnd(9)} max |logit − meta's| = ${diff.toExponential(1)}`);
}

// %% [markdown]
// ## The two failures from the tutorial
//
// **"no checkpoint files found"**: `ckpt_dir` pointed at a folder without `*.pth` (a typo, or the download
// stopped after `params.json`). tensorbook says what it looked for and what the folder holds:

// %%
const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "llama-"));
fs.copyFileSync("assets/llama-meta/params.json", path.join(emptyDir, "params.json"));
try {
  Llama.load(emptyDir, { tokenizer });
} catch (err) {
  console.log((err as Error).message.replace(emptyDir, "<ckpt_dir>"));
}
fs.rmSync(emptyDir, { recursive: true });

// %% [markdown]
// **"Loading a checkpoint for MP=2 but world size is 1"**: a two-shard model started with
// `torchrun --nproc_per_node 1`. Meta's code needs one process per shard, because each process holds
// only its slice. tensorbook runs in one process and merges the shards instead (above), so there is no
// world size to get wrong; it says so when it loads a sharded folder:

// %%
const llamaMp = Llama.load("assets/llama-meta-mp2", { tokenizer, maxSeqLen: 64, maxBatchSize: 1 });
console.log(loadCheckpoint("assets/llama-meta-mp2").warnings[0]);
console.log(`loaded: dim ${llamaMp.params.dim}, ${llamaMp.params.n_layers} layers, ${llamaMp.params.n_heads} heads`);
