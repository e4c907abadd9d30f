// Golden tests: the same model (Karpathy's stories260K) written by real torch.save (Meta fp32, bf16, two
// model-parallel shards), by the real safetensors library and as a Hugging Face folder (see the fixtures'
// PROVENANCE in /work/shared/data) must give back, under Meta's names, exactly the llama2.c weights.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../../helpers/tools";
import { Checkpoint, LlamaParams } from "../../../src/ml/checkpoint/checkpoint";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";

const ck = (...p: string[]): string => fixture("checkpoint", ...p);
const reference = loadCheckpoint(ck("llama2c", "stories260K.bin"));
const info = JSON.parse(fs.readFileSync(ck("llama-meta", "fixture_info.json"), "utf8")) as { hidden_dim: number; max_seq_len: number; rope_theta: number };
const baseParams: LlamaParams = { dim: 64, n_layers: 5, n_heads: 8, n_kv_heads: 4, vocab_size: 512, norm_eps: 1e-5, hidden_dim: info.hidden_dim, max_seq_len: null, rope_theta: info.rope_theta };

/** torch's float32 → bfloat16 cast: round to nearest, ties to even, on the top 16 bits. */
function toBf16(x: Float32Array): Float32Array {
  const bits = new Uint32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
  for (let i = 0; i < bits.length; i++) bits[i] = ((bits[i] + 0x7fff + ((bits[i] >>> 16) & 1)) >>> 16) << 16;
  return new Float32Array(bits.buffer);
}

function assertSameWeights(c: Checkpoint, round: (x: Float32Array) => Float32Array = (x) => x): void {
  for (const name of reference.keys()) {
    assert.ok(c.has(name), `${c.path} has ${name}`);
    const want = reference.getFloat32(name);
    const got = c.getFloat32(name);
    assert.deepEqual(got.shape, want.shape, `${name} shape`);
    assert.deepEqual(got.data, round(want.data), `${name} values`);
  }
}

test("llama-meta (consolidated.00.pth, float32): every tensor equals stories260K.bin", () => {
  const c = loadCheckpoint(ck("llama-meta"));
  assert.equal(c.format, "meta");
  assert.deepEqual(c.params, baseParams);
  assert.deepEqual(c.warnings, []);
  assertSameWeights(c);
  assert.deepEqual(c.info("rope.freqs"), { shape: [4], dtype: "float32", bytes: 16 });
  c.close();
});

test("llama-meta-bf16: every tensor is bfloat16 and equals the llama2.c weights rounded as torch rounds", () => {
  const c = loadCheckpoint(ck("llama-meta-bf16"));
  assert.equal(c.info("layers.3.feed_forward.w2.weight").dtype, "bfloat16");
  assert.equal(c.info("layers.3.feed_forward.w2.weight").bytes, 64 * 172 * 2);
  assertSameWeights(c, toBf16);
  c.close();
});

test("llama-meta-mp2: two model-parallel shards merged (column-parallel on dim 0, row-parallel and embeddings on dim 1)", () => {
  const c = loadCheckpoint(ck("llama-meta-mp2"));
  assert.deepEqual(c.params, baseParams);
  assert.equal(c.warnings.length, 1);
  assert.match(c.warnings[0], /found 2 model-parallel shards \(consolidated\.00\.pth, consolidated\.01\.pth\).*merged/);
  assert.deepEqual(c.info("tok_embeddings.weight"), { shape: [512, 64], dtype: "float32", bytes: 512 * 64 * 4 });
  assertSameWeights(c);
  c.close();
});

test("llama-hf (model.safetensors by the safetensors library): Meta names, rotary permutation undone", () => {
  const c = loadCheckpoint(ck("llama-hf"));
  assert.equal(c.format, "huggingface");
  assert.deepEqual(c.params, { ...baseParams, max_seq_len: 512 });
  assert.equal(c.keys().length, 2 + 5 * 9 + 1);
  assert.equal(c.keys()[0], "tok_embeddings.weight");
  assertSameWeights(c);
  // the raw file keeps HF's names and the permuted rows: q_proj differs from wq, v_proj does not
  const raw = loadCheckpoint(ck("llama-hf", "model.safetensors"));
  assert.equal(raw.format, "safetensors");
  assert.deepEqual(raw.metadata, { format: "pt" });
  assert.notDeepEqual(raw.getFloat32("model.layers.0.self_attn.q_proj.weight").data, reference.getFloat32("layers.0.attention.wq.weight").data);
  assert.deepEqual(raw.getFloat32("model.layers.0.self_attn.v_proj.weight").data, reference.getFloat32("layers.0.attention.wv.weight").data);
  c.close();
  raw.close();
});

test("llama-hf through pytorch_model.bin, a sharded index and tied embeddings", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-hf-"));
  for (const f of ["config.json", "pytorch_model.bin"]) fs.copyFileSync(ck("llama-hf", f), path.join(tmp, f));
  const bin = loadCheckpoint(tmp);
  assert.equal(bin.format, "huggingface");
  assertSameWeights(bin);
  bin.close();
  fs.rmSync(tmp, { recursive: true });

  const full = loadCheckpoint(ck("llama-hf"));
  const sharded = loadCheckpoint(ck("hf-variants", "sharded"));
  assert.equal(sharded.params?.n_layers, 1);
  assert.deepEqual(sharded.keys(), full.keys().filter((k) => !/^layers\.[1-9]/.test(k)));
  for (const k of sharded.keys()) assert.deepEqual(sharded.getFloat32(k).data, full.getFloat32(k).data, k);

  const tied = loadCheckpoint(ck("hf-variants", "tied"));
  assert.deepEqual(tied.getFloat32("output.weight").data, full.getFloat32("tok_embeddings.weight").data);
  for (const c of [full, sharded, tied]) c.close();
});

test("Meta folders: no checkpoint, a missing shard, and misnumbered shards", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-meta-"));
  const folder = (name: string, files: [string, string][]): string => {
    const d = path.join(tmp, name);
    fs.mkdirSync(d);
    for (const [from, to] of files) fs.copyFileSync(from, path.join(d, to));
    return d;
  };
  const params = ck("llama-meta-mp2", "params.json");
  const empty = folder("empty", [[params, "params.json"]]);
  assert.throws(() => loadCheckpoint(empty), /empty: no checkpoint found: params\.json is there but no \*\.pth \(Meta's loader globs "\*\.pth", e\.g\. consolidated\.00\.pth\); the folder holds: params\.json/);
  const nothing = folder("nothing", [[ck("llama-meta", "fixture_info.json"), "notes.json"]]);
  assert.throws(() => loadCheckpoint(nothing), /no checkpoint found in this folder\. Looked for: params\.json \+ \*\.pth .*model\.safetensors.*pytorch_model\.bin.*llama2\.c .bin\. The folder holds: notes\.json/);
  const half = folder("half", [[params, "params.json"], [ck("llama-meta-mp2", "consolidated.00.pth"), "consolidated.00.pth"]]);
  assert.throws(() => loadCheckpoint(half), /half: after merging, "tok_embeddings\.weight" is \[512,32\] but params\.json \(dim 64, n_heads 8, n_kv_heads 4, vocab_size 512\) needs \[512,64\]: is a shard missing/);
  const gap = folder("gap", [[params, "params.json"], [ck("llama-meta-mp2", "consolidated.00.pth"), "consolidated.00.pth"], [ck("llama-meta-mp2", "consolidated.01.pth"), "consolidated.02.pth"]]);
  const merged = loadCheckpoint(gap);
  assert.match(merged.warnings[0], /not consolidated\.00\.pth … consolidated\.01\.pth in order \(found consolidated\.00\.pth, consolidated\.02\.pth\)/);
  assertSameWeights(merged);
  merged.close();
  fs.rmSync(tmp, { recursive: true });
});
