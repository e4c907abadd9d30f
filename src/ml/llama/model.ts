// The Llama a notebook holds: Meta's `Llama` class (llama/generation.py) around a Transformer and a
// tokenizer — forward, generate, text_completion — with tensorbook's additions (streaming, token
// probabilities, a seed), and Llama.load — Meta's Llama.build — from any format loadCheckpoint reads.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Checkpoint } from "../checkpoint/checkpoint";
import { loadCheckpoint } from "../checkpoint/load";
import { Compute } from "../compute/compute";
import { isWeightDType } from "../compute/dtype";
import { checkInterrupt } from "../../runtime/interrupt";
import { Tokenizer } from "../tokenizer/tokenizer";
import type { LlamaWeights, ModelArgs } from "./args";
import { generateAsync, generateSync, type GenerateOptions, type GenerateResult, type GenerateVocab } from "./generate";
import { availableMemory, describeNeed, formatBytes, total, type MemoryNeed } from "./memory";
import { TfTransformer } from "./tfjs_transformer";
import { kvBytesPerLayer, Transformer } from "./transformer";
import { loadWeights, modelArgs, planWeights, STAGING_BYTES, toFloat32, weightBytes, type ArgsOptions, type LoadDType } from "./weights";

/** What the Llama needs of a tokenizer (the tokenizer room's Tokenizer fits it). */
export interface LlamaTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  /** −1 when the vocabulary has no pad piece (SentencePiece's pad_id(), as Meta's Tokenizer). */
  readonly padId: number;
  readonly vocabSize: number;
  encode(text: string, opts: { bos: boolean; eos: boolean }): number[];
  decode(ids: number[]): string;
  idToPiece(id: number): string;
}

/** Meta's CompletionPrediction. */
export interface CompletionPrediction {
  generation: string;
  /** With logprobs: each generated token decoded on its own. */
  tokens?: string[];
  logprobs?: number[];
}

export interface TextCompletionOptions extends Omit<GenerateOptions, "maxGenLen"> {
  /** Meta's default: max_seq_len − 1. */
  maxGenLen?: number;
}

export interface LoadOptions extends ArgsOptions {
  /**
   * A tokenizer, or the path of a SentencePiece .model / llama2.c tokenizer.bin. Default: tokenizer.model
   * or tokenizer.bin in the model's folder, else a llama2.c-style tok*.model / tok*.bin beside the file;
   * none found ⇒ a model without tokenizer (generate on ids still works). `null`: do not look.
   */
  tokenizer?: LlamaTokenizer | string | null;
  /**
   * The dtype weights are kept in. "auto" (default) keeps the file's: bf16 stays bf16, f16 f16, a q8_0 or
   * q4_0 GGUF tensor stays quantized (ggml's other block types become q8_0, float64 float32).
   * "float32" | "bfloat16" | "float16" | "q8_0" | "q4_0" convert on load (q8_0 and q4_0 with ggml's
   * reference quantizers, so a block equals the one llama.cpp writes). Norm weights stay float32; a
   * matrix whose rows are not whole blocks of 32 keeps its float dtype, as llama.cpp's quantizer does.
   */
  dtype?: LoadDType;
  /** Threads the kernels run on (default os.availableParallelism()); 1 and N give the same tokens. */
  threads?: number;
}

/** The tokenizer file that goes with a checkpoint, by the conventions of Meta, HF and llama2.c folders. */
function findTokenizer(checkpointPath: string): string | undefined {
  const dir = fs.statSync(checkpointPath).isDirectory() ? checkpointPath : path.dirname(checkpointPath);
  const files = fs.readdirSync(dir).sort();
  const named = ["tokenizer.model", "tokenizer.bin"].find((f) => files.includes(f));
  if (named) return path.join(dir, named);
  const llama2c = files.filter((f) => /^tok.*\.model$/.test(f)).concat(files.filter((f) => /^tok.*\.bin$/.test(f)));
  return llama2c.length > 0 ? path.join(dir, llama2c[0]) : undefined;
}

/** Without a tokenizer, generate still runs on ids; pieces show as <id> and EOS/pad follow Llama's 2 / −1. */
const idsOnly: GenerateVocab = { eosId: 2, padId: -1, idToPiece: (id) => `<${id}>` };

// a model dropped without dispose() still ends its threads (and so frees its arenas) once collected
const disposeOnCollect = new FinalizationRegistry<Compute>((compute) => compute.dispose());

export class Llama {
  readonly params: ModelArgs;
  /** Meta's `self.model`: the Transformer with its KV cache. */
  readonly model: Transformer;
  readonly tokenizer: LlamaTokenizer | undefined;

  /** A Llama over a loaded Transformer, or over plain float32 weights (Meta's layout), kept as float32. */
  constructor(params: ModelArgs, weights: LlamaWeights | Transformer, tokenizer?: LlamaTokenizer) {
    if (tokenizer !== undefined && tokenizer.vocabSize !== params.vocab_size) {
      throw new Error(`Llama: the tokenizer has ${tokenizer.vocabSize} pieces but the model's vocab_size is ${params.vocab_size}`);
    }
    this.params = params;
    this.model = weights instanceof Transformer ? weights : Transformer.fromArrays(params, weights, { checkInterrupt });
    this.tokenizer = tokenizer;
    disposeOnCollect.register(this, this.model.compute, this);
  }

  /**
   * Meta's Llama.build from any format loadCheckpoint reads (llama2.c .bin, Meta folder incl. bf16 and
   * model-parallel shards, Hugging Face folder, .pth/safetensors of Meta-named tensors). Each weight is
   * read from the file straight into the memory the kernels read, in `dtype`; before anything is read,
   * the bytes needed are checked against the memory free (an error names both, and a dtype that fits).
   * maxSeqLen defaults to the checkpoint's (llama2.c seq_len, HF max_position_embeddings; Meta's
   * params.json has none: 2048), maxBatchSize to 8, or the most that fits in memory.
   */
  static load(pathOrFolder: string, opts: LoadOptions = {}): Llama {
    const dtype = opts.dtype ?? "auto";
    if (dtype !== "auto" && !isWeightDType(dtype)) {
      throw new Error(`Llama.load: dtype ${JSON.stringify(dtype)} is not one of "auto", "float32", "bfloat16", "float16", "q8_0", "q4_0"`);
    }
    const threads = opts.threads ?? os.availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`Llama.load: threads must be a positive integer, got ${threads}`);
    const ckpt = loadCheckpoint(pathOrFolder);
    try {
      if (ckpt.params === undefined) {
        throw new Error(`Llama.load: ${pathOrFolder} is a ${ckpt.format} checkpoint without Llama params (params.json, config.json or a llama2.c header)`);
      }
      const { args, groups } = fitInMemory(ckpt, modelArgs(ckpt.params, opts), dtype, opts.maxBatchSize === undefined);
      const compute = new Compute(threads);
      let model: Transformer;
      try {
        const weights = loadWeights(ckpt, groups, compute, Transformer.activationBytes(args));
        model = new Transformer(args, weights, compute, { checkInterrupt });
      } catch (e) {
        compute.dispose();
        throw e;
      }
      let tokenizer: LlamaTokenizer | undefined;
      if (typeof opts.tokenizer === "string") tokenizer = Tokenizer.load(opts.tokenizer);
      else if (opts.tokenizer) tokenizer = opts.tokenizer;
      else if (opts.tokenizer === undefined) {
        const found = findTokenizer(pathOrFolder);
        if (found !== undefined) tokenizer = Tokenizer.load(found);
      }
      try {
        return new Llama(args, model, tokenizer);
      } catch (e) {
        model.dispose();
        throw e;
      }
    } finally {
      ckpt.close();
    }
  }

  /** Ends the model's threads and frees its memory; the Llama is unusable after. */
  dispose(): void {
    disposeOnCollect.unregister(this);
    this.model.dispose();
  }

  /**
   * Meta's Transformer.forward: logits (B, T, vocab) as a tf.Tensor for `tokens` (B rows of T ids) at
   * positions startPos.., reading and filling the KV cache. Dispose the tensor when done (or tf.tidy).
   */
  forward(tokens: number[][], startPos: number): tf.Tensor3D {
    const logits = this.model.forward(tokens, startPos);
    return tf.tensor3d(logits.slice(), [tokens.length, tokens[0].length, this.params.vocab_size], "float32");
  }

  /**
   * The same model as TensorFlow.js ops on tfjs's current backend (WebGPU on a GPU machine), with its own
   * KV cache: for devices and for looking at intermediate tensors. Dispose it when done.
   */
  tfjsModel(): TfTransformer {
    return new TfTransformer(this.params, toFloat32(this.model.weights));
  }

  /** The same forward as a Float32Array (B·T·vocab), without tfjs: a view the next call overwrites (.slice() keeps it). */
  forwardLogits(tokens: ArrayLike<number>[], startPos: number): Float32Array {
    return this.model.forward(tokens, startPos);
  }

  /**
   * Meta's Llama.generate (see generate.ts for the line-by-line correspondence). Async so that streamed
   * tokens (`onToken`) and live token-probability plots reach the notebook while it runs.
   */
  generate(promptTokens: number[][], opts: GenerateOptions): Promise<GenerateResult> {
    return generateAsync(this.model, this.vocab(), promptTokens, opts);
  }

  /** generate without ever yielding to the event loop (benchmarks, scripts). */
  generateSync(promptTokens: number[][], opts: GenerateOptions): GenerateResult {
    return generateSync(this.model, this.vocab(), promptTokens, opts);
  }

  /** Meta's text_completion: encode with BOS, generate, decode each row (and each token with logprobs). */
  async textCompletion(prompts: string[], opts: TextCompletionOptions = {}): Promise<CompletionPrediction[]> {
    const tokenizer = this.requireTokenizer("textCompletion");
    const maxGenLen = opts.maxGenLen ?? this.params.max_seq_len - 1;
    const promptTokens = prompts.map((x) => tokenizer.encode(x, { bos: true, eos: false }));
    const { tokens, logprobs } = await this.generate(promptTokens, { ...opts, maxGenLen });
    if (opts.logprobs && logprobs) {
      return tokens.map((t, i) => ({
        generation: tokenizer.decode(t),
        tokens: t.map((x) => tokenizer.decode([x])),
        logprobs: logprobs[i],
      }));
    }
    return tokens.map((t) => ({ generation: tokenizer.decode(t) }));
  }

  private vocab(): GenerateVocab {
    const t = this.tokenizer;
    return t === undefined ? idsOnly : { eosId: t.eosId, padId: t.padId, idToPiece: (id) => t.idToPiece(id), decode: (ids) => t.decode(ids) };
  }

  private requireTokenizer(what: string): LlamaTokenizer {
    if (this.tokenizer === undefined) {
      throw new Error(`Llama.${what}: this model has no tokenizer; load it with Llama.load(path, { tokenizer: "tokenizer.model" })`);
    }
    return this.tokenizer;
  }
}

/**
 * The model's args and weight plan, checked against the memory free before anything is allocated. With
 * `chooseBatch` (no maxBatchSize given), max_batch_size is 8, or the most whose KV cache still fits.
 */
function fitInMemory(ckpt: Checkpoint, args: ModelArgs, dtype: LoadDType, chooseBatch: boolean): { args: ModelArgs; groups: ReturnType<typeof planWeights> } {
  const available = availableMemory();
  const plan = (a: ModelArgs, d: LoadDType): { groups: ReturnType<typeof planWeights>; need: MemoryNeed } => {
    const groups = planWeights(ckpt, a, d, kvBytesPerLayer(a));
    const weights = weightBytes(groups);
    const arenas = Math.max(1, Math.ceil(weights / 3.8e9));
    // activations and staging per arena, plus what the JS side of the runtime holds (~200 MB)
    return { groups, need: { weights, kvCache: a.n_layers * kvBytesPerLayer(a), working: arenas * (Transformer.activationBytes(a) + STAGING_BYTES) + 200e6 } };
  };
  let fitted = plan(args, dtype);
  while (chooseBatch && total(fitted.need) > available && args.max_batch_size > 1) {
    args = { ...args, max_batch_size: Math.max(1, args.max_batch_size >> 1) };
    fitted = plan(args, dtype);
  }
  if (total(fitted.need) > available) {
    const smaller = (["bfloat16", "q8_0", "q4_0"] as const)
      .map((d) => ({ d, need: plan(args, d).need }))
      .filter(({ need }) => need.weights < fitted.need.weights);
    const fits = smaller.find(({ need }) => total(need) <= available);
    const advice = fits
      ? `as ${fits.d} it needs ${formatBytes(total(fits.need))}: Llama.load(path, { dtype: "${fits.d}" })`
      : `no dtype fits (q4_0 would need ${formatBytes(total(smaller[smaller.length - 1]?.need ?? fitted.need))}); a smaller maxSeqLen or maxBatchSize shrinks the KV cache`;
    throw new Error(`Llama.load: ${ckpt.path} needs ${describeNeed(fitted.need)} with dtype "${dtype}", max_seq_len ${args.max_seq_len} and max_batch_size ${args.max_batch_size}, but ${formatBytes(available)} of memory is free; ${advice}`);
  }
  return { args, groups: fitted.groups };
}
