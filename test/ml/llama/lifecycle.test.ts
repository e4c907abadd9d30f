// A model's threads and memory: Llama.load checks the memory it needs before allocating (and says what
// would fit), its pool's threads end with dispose(), and a model nobody refers to ends them too.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { Llama } from "../../../src/ml/llama/model";
import { FORMATS, TOKENIZER } from "./stories";

/** OS threads of this process (Linux: one entry per thread in /proc/self/task). */
const threads = (): number => fs.readdirSync("/proc/self/task").length;

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !until(); i++) await new Promise((r) => setTimeout(r, 10));
}

test("a model's pool threads start with it and end with dispose(); its Transformer refuses work after", async () => {
  const before = threads();
  const llama = Llama.load(FORMATS["llama2c .bin"], { tokenizer: TOKENIZER, threads: 3 });
  await settle(() => threads() >= before + 2);
  assert.ok(threads() >= before + 2, `${threads()} threads, ${before} before a 3-thread model`);
  llama.dispose();
  await settle(() => threads() <= before);
  assert.equal(threads(), before, "every pool thread ended");
  assert.throws(() => llama.generateSync([[1, 2, 3, 4, 5, 6, 7, 8, 9]], { maxGenLen: 2, temperature: 0 }), /disposed/);
});

test("a model dropped without dispose() ends its threads once collected", { skip: typeof globalThis.gc !== "function" && "run node with --expose-gc" }, async () => {
  const before = threads();
  (() => Llama.load(FORMATS["llama2c .bin"], { tokenizer: TOKENIZER, threads: 2 }))();
  await settle(() => {
    globalThis.gc!();
    return threads() <= before;
  });
  assert.equal(threads(), before);
});

/** Runs `f` as if `bytes` of memory were free (TENSORBOOK_MEMORY_AVAILABLE, read at each load). */
function withMemory<T>(bytes: number, f: () => T): T {
  process.env.TENSORBOOK_MEMORY_AVAILABLE = String(bytes);
  try {
    return f();
  } finally {
    delete process.env.TENSORBOOK_MEMORY_AVAILABLE;
  }
}

test("a model that cannot fit is refused before anything is allocated, with the bytes needed and free, and a dtype that fits", () => {
  // stories260K's weights are 1 MB in float32; 200 MB of the need is the runtime's own share
  const need = (dtype: "float32" | "bfloat16"): number => {
    try {
      withMemory(1, () => Llama.load(FORMATS["llama2c .bin"], { dtype, maxSeqLen: 64, maxBatchSize: 1 }));
    } catch (e) {
      return Number(/needs ([\d.]+) MB/.exec((e as Error).message)![1]) * 1e6;
    }
    throw new Error("loaded in 1 byte");
  };
  const [f32, bf16] = [need("float32"), need("bfloat16")];
  assert.ok(bf16 < f32);
  assert.throws(() => withMemory((f32 + bf16) / 2, () => Llama.load(FORMATS["llama2c .bin"], { dtype: "float32", maxSeqLen: 64, maxBatchSize: 1 })), (e: Error) => {
    assert.match(e.message, /stories260K\.bin needs [\d.]+ MB \(weights 1 MB \+ KV cache 0 MB \+ [\d.]+ MB working memory\) with dtype "float32", max_seq_len 64 and max_batch_size 1, but [\d.]+ MB of memory is free; as bfloat16 it needs [\d.]+ MB: Llama\.load\(path, \{ dtype: "bfloat16" \}\)/);
    return true;
  });
  assert.throws(() => withMemory(1e6, () => Llama.load(FORMATS["llama2c .bin"], { maxSeqLen: 64 })), /no dtype fits \(q4_0 would need [\d.]+ MB\); a smaller maxSeqLen or maxBatchSize shrinks the KV cache/);
});

test("without maxBatchSize, the batch is the most (≤ 8) whose KV cache fits; with it, what was asked or an error", () => {
  // 2^16 positions: a batch row's KV cache is 5 layers × 2 × 2^16 × 32 floats × 4 bytes = 168 MB
  const row = 5 * 2 * 65536 * 32 * 4;
  const llama = withMemory(3.2 * row + 260e6, () => Llama.load(FORMATS["llama2c .bin"], { tokenizer: TOKENIZER, maxSeqLen: 1 << 16, threads: 1 }));
  assert.equal(llama.params.max_batch_size, 2);
  llama.dispose();
  assert.throws(() => withMemory(3.2 * row + 260e6, () => Llama.load(FORMATS["llama2c .bin"], { maxSeqLen: 1 << 16, maxBatchSize: 8 })), /max_batch_size 8, but/);
});

test("a layer whose KV cache outgrows WebAssembly's 4 GiB address space is refused with the way out", () => {
  assert.throws(() => withMemory(1e12, () => Llama.load(FORMATS["llama2c .bin"], { maxSeqLen: 1 << 22, maxBatchSize: 8 })), /a layer and its KV cache take 8\.59 GB, more than one 4 GiB arena .* holds; a smaller maxSeqLen or maxBatchSize shrinks the cache/);
});
