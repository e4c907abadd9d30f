// The tfjs-ops Transformer (the WebGPU path) against the typed-array one, on the tfjs cpu backend:
// prefill + cached decoding, a batch of two, cache rewinding, and no tensors leaked per step.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { TfTransformer } from "../../../src/ml/llama/tfjs_transformer";
import { Transformer } from "../../../src/ml/llama/transformer";
import { toFloat32 } from "../../../src/ml/llama/weights";
import { maxAbsDiff, tinyArgs, tinyWeights } from "./tiny";
import { loadStories, storiesReference } from "./stories";

const args = tinyArgs();
const rows = [[1, 5, 9, 3, 17, 4, 30, 2], [2, 8, 8, 1, 0, 29, 14, 7]];

test("tfjs ops equal the typed-array forward: prefill of 5, then three cached steps, batch of two", async () => {
  await tf.setBackend("cpu");
  const ref = Transformer.fromArrays(args, tinyWeights(args), { threads: 1 });
  const model = new TfTransformer(args, tinyWeights(args));
  const check = (chunk: number[][], pos: number): void => {
    const logits = model.forward(chunk, pos);
    assert.deepEqual(logits.shape, [2, chunk[0].length, args.vocab_size]);
    const d = maxAbsDiff(logits.dataSync(), ref.forward(chunk, pos));
    assert.ok(d < 1e-4, `start_pos ${pos}: |Δ| ${d}`);
    logits.dispose();
  };
  check(rows.map((r) => r.slice(0, 5)), 0);
  const before = tf.memory().numTensors;
  for (let pos = 5; pos < 8; pos++) check(rows.map((r) => [r[pos]]), pos);
  assert.equal(tf.memory().numTensors, before, "no tensors left behind per step");
  // back to start_pos 2: the cache forgets positions 2.. as Meta's would overwrite them
  check(rows.map((r) => r.slice(2, 6)), 2);
  model.dispose();
  ref.dispose();
});

test("stories260K through tfjs ops: the reference's last-position logits within 1e-4", async () => {
  await tf.setBackend("cpu");
  const llama = loadStories();
  const weights = toFloat32(llama.model.weights);
  const model = llama.tfjsModel();
  const ref = storiesReference.prompts[1];
  const logits = model.forward([ref.prompt_token_ids], 0);
  const last = logits.dataSync().subarray((ref.prompt_token_ids.length - 1) * 512);
  assert.ok(maxAbsDiff(last, ref.last_position_logits) < 1e-4);
  logits.dispose();
  model.dispose();
  assert.throws(() => new TfTransformer(llama.params, weights).forward([[1]], 3), /start_pos 3 but the cache holds 0 positions/);
});
