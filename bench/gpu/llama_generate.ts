// Llama greedy decoding on the GPU (issue 6): a model of stories15M's shape (dim 288, 6 layers, 6 heads,
// vocab 32000, hidden 768; random weights, as speed does not depend on them) through TfTransformer on
// tfjs's WebGPU backend, next to the typed-array Transformer (wasm SIMD) on the same machine's CPU.
// First the two are checked against each other (logits of a prefill and 4 cached steps), then timed.
//
//   node dist/bench/gpu/llama_generate.js --modules DIR [--backend webgpu] [--steps 128] [--runs 3]
//        [--shape 15M|260K] [--out DIR]
//
// On the GPU machine through bench/gpu/llama.sh (which bench/gpu/pack.sh's bundle carries). --backend
// cpu or wasm makes a dry run on a machine without a GPU. Greedy picks the next token on the device
// (argMax) and reads back one int per token — `await data()`, as dataSync() throws on WebGPU in Node.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend, formatDevice } from "../../src/ml/backend";
import { ffnHiddenDim, type LlamaWeights, type ModelArgs } from "../../src/ml/llama/args";
import { Mulberry32, argmax } from "../../src/ml/llama/sampling";
import { TfTransformer } from "../../src/ml/llama/tfjs_transformer";
import { Transformer } from "../../src/ml/llama/transformer";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const backend = arg("--backend") ?? "webgpu";
const steps = Number(arg("--steps") ?? 128);
const runs = Number(arg("--runs") ?? 3);
const shape = arg("--shape") ?? "15M";

const SHAPES: { [name: string]: Omit<ModelArgs, "max_batch_size"> } = {
  // llama2.c stories15M: dim 288, 6 layers, 6 heads, seq 256, vocab 32000 (hidden from Meta's rule: 768)
  "15M": { dim: 288, n_layers: 6, n_heads: 6, n_kv_heads: 6, vocab_size: 32000, hidden_dim: ffnHiddenDim(288, 32), norm_eps: 1e-5, rope_theta: 10000, max_seq_len: 256 },
  "260K": { dim: 64, n_layers: 5, n_heads: 8, n_kv_heads: 4, vocab_size: 512, hidden_dim: 172, norm_eps: 1e-5, rope_theta: 10000, max_seq_len: 512 },
};

function randomWeights(args: ModelArgs): LlamaWeights {
  const rng = new Mulberry32(1234);
  const rand = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
  const { dim, hidden_dim, vocab_size } = args;
  const kv = (args.n_kv_heads * dim) / args.n_heads;
  const s = 1 / Math.sqrt(dim);
  return {
    tok_embeddings: rand(vocab_size * dim, 1), norm: rand(dim, 1), output: rand(vocab_size * dim, s),
    layers: Array.from({ length: args.n_layers }, () => ({
      attention_norm: rand(dim, 1), wq: rand(dim * dim, s), wk: rand(kv * dim, s), wv: rand(kv * dim, s), wo: rand(dim * dim, s),
      ffn_norm: rand(dim, 1), w1: rand(hidden_dim * dim, s), w2: rand(dim * hidden_dim, 1 / Math.sqrt(hidden_dim)), w3: rand(hidden_dim * dim, s),
    })),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const modules = arg("--modules");
  const info = await selectBackend({ backend, modulePaths: modules === undefined ? undefined : [path.resolve(modules)] });
  console.log(formatDevice(info));
  const args: ModelArgs = { ...SHAPES[shape], max_batch_size: 1 };
  const weights = randomWeights(args);
  const cpu = Transformer.fromArrays(args, weights);
  const gpu = new TfTransformer(args, weights);
  const V = args.vocab_size;

  // check: prefill [1, 5, 9] then 4 cached steps, logits against the typed-array forward
  const prompt = [1, 5, 9];
  let maxAbs = 0;
  let tok = prompt;
  for (let pos = 0; pos < prompt.length + 4; pos = pos === 0 ? prompt.length : pos + 1) {
    const chunk = pos === 0 ? prompt : [tok[0]];
    const logits = gpu.forward([chunk], pos);
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const ref = cpu.forward([chunk], pos);
    for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i] - ref[i]));
    tok = [argmax(ref.subarray(ref.length - V))];
  }
  const tolerance = 1e-3;
  console.log(`${maxAbs <= tolerance ? "ok  " : "FAIL"} logits ${backend} vs typed-array forward: max |Δ| ${maxAbs.toExponential(2)} (tolerance ${tolerance})`);

  const gpuRates: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const start = performance.now();
    let next = 1;
    for (let pos = 0; pos < steps; pos++) {
      const logits = gpu.forward([[next]], pos);
      const id = tf.tidy(() => tf.argMax(tf.reshape(logits, [V])));
      next = ((await id.data()) as Int32Array)[0];
      tf.dispose([logits, id]);
    }
    if (r > 0) gpuRates.push(steps / ((performance.now() - start) / 1000)); // run 0 compiles the shaders
  }
  const cpuRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    let next = 1;
    for (let pos = 0; pos < steps; pos++) next = argmax(cpu.forward([[next]], pos));
    cpuRates.push(steps / ((performance.now() - start) / 1000));
  }
  const result = {
    shape, params: args, steps, runs, backend: info,
    check: { maxAbs, tolerance, pass: maxAbs <= tolerance },
    tokens_per_s: { [`tfjs ${backend} (TfTransformer)`]: median(gpuRates), "CPU typed arrays + wasm SIMD (Transformer)": median(cpuRates) },
    runs_tokens_per_s: { gpu: gpuRates, cpu: cpuRates },
  };
  console.log(`greedy ${steps} tokens, ${shape} shape, median of ${runs}: tfjs ${backend} ${median(gpuRates).toFixed(1)} tok/s · CPU typed arrays ${median(cpuRates).toFixed(1)} tok/s`);
  const out = arg("--out");
  if (out !== undefined) fs.writeFileSync(path.join(out, "llama_gpu.json"), JSON.stringify(result, null, 2));
  process.exitCode = result.check.pass ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
