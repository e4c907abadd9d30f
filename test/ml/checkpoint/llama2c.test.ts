// llama2.c model files: Karpathy's stories260K (PROVENANCE: byte copy of the published tinyllamas file).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { fixture } from "../../helpers/tools";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";
import { CheckpointError } from "../../../src/ml/checkpoint/source";

const bin = fixture("checkpoint", "llama2c", "stories260K.bin");
const info = JSON.parse(fs.readFileSync(fixture("checkpoint", "llama-meta", "fixture_info.json"), "utf8")) as { max_seq_len: number; hidden_dim: number; rope_theta: number };

test("stories260K.bin: params from the 7-int header, Meta names, shared classifier", () => {
  const ck = loadCheckpoint(bin);
  assert.equal(ck.format, "llama2c");
  assert.deepEqual(ck.params, { dim: 64, n_layers: 5, n_heads: 8, n_kv_heads: 4, vocab_size: 512, norm_eps: 1e-5, hidden_dim: info.hidden_dim, max_seq_len: info.max_seq_len, rope_theta: info.rope_theta });
  assert.equal(ck.keys().length, 5 * 9 + 3);
  assert.deepEqual(ck.info("layers.4.attention.wk.weight"), { shape: [32, 64], dtype: "float32", bytes: 32 * 64 * 4 });
  assert.deepEqual(ck.info("layers.0.feed_forward.w2.weight").shape, [64, 172]);
  assert.deepEqual(ck.getFloat32("output.weight").data, ck.getFloat32("tok_embeddings.weight").data);
  // the first embedding row sits right after the 28-byte header
  const raw = fs.readFileSync(bin);
  assert.deepEqual(ck.getFloat32("tok_embeddings.weight").data.subarray(0, 64), new Float32Array(raw.buffer.slice(raw.byteOffset + 28, raw.byteOffset + 28 + 256)));
  // norm.weight is the last tensor before the two RoPE tables (seq_len × head_dim/2 floats each)
  const normAt = raw.length - 2 * 512 * 4 * 4 - 64 * 4;
  assert.deepEqual(ck.getFloat32("norm.weight").data, new Float32Array(raw.buffer.slice(raw.byteOffset + normAt, raw.byteOffset + normAt + 256)));
  const t = ck.get("layers.1.attention_norm.weight");
  assert.deepEqual(t.shape, [64]);
  t.dispose();
  ck.close();
});

test("a truncated llama2.c file fails with the sizes its header implies", () => {
  const dir = fs.mkdtempSync("/tmp/tb-l2c-");
  const cut = `${dir}/cut.bin`;
  fs.writeFileSync(cut, fs.readFileSync(bin).subarray(0, 500000));
  assert.throws(() => loadCheckpoint(cut), (e: unknown) => e instanceof CheckpointError && /cut\.bin: llama2\.c tensors at byte 500000: the header \(dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512, shared classifier\) implies 1056540 bytes, the file has 500000/.test(e.message));
  fs.writeFileSync(cut, Buffer.from("not a model at all, just text"));
  assert.throws(() => loadCheckpoint(cut), /cut\.bin: file header at byte 0: not a checkpoint this reader knows/);
  fs.rmSync(dir, { recursive: true });
});
