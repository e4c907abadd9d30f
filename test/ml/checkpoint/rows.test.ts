// readRows, the path Llama.load fills model memory by: for every format, any run of rows read in place
// equals the same rows of read() — merged Meta shards and un-permuted Hugging Face q/k included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../../helpers/tools";
import { Checkpoint, rowBytes } from "../../../src/ml/checkpoint/checkpoint";
import { loadCheckpoint } from "../../../src/ml/checkpoint/load";

function assertRowsMatchRead(c: Checkpoint): void {
  for (const name of c.keys()) {
    const info = c.info(name);
    const rows = info.shape.length > 1 ? info.shape[0] : 1;
    const whole = c.read(name).data;
    const bytes = new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength);
    const size = rowBytes(info);
    // the whole tensor, and a run that starts and ends inside it (crossing an MP shard's boundary)
    for (const [first, count] of [[0, rows], [Math.floor(rows / 3), Math.max(1, Math.floor(rows / 2))]]) {
      const dest = new Uint8Array(count * size);
      c.readRows(name, first, count, dest);
      assert.deepEqual(dest, bytes.subarray(first * size, (first + count) * size), `${c.path}: ${name} rows [${first}, ${first + count})`);
    }
  }
}

for (const folder of ["llama-meta", "llama-meta-bf16", "llama-meta-mp2", "llama-hf", "llama2c/stories260K.bin"]) {
  test(`${folder}: readRows equals read() for every tensor`, () => {
    const c = loadCheckpoint(fixture("checkpoint", ...folder.split("/")));
    try {
      assertRowsMatchRead(c);
    } finally {
      c.close();
    }
  });
}

test("readRows refuses rows outside the tensor and a dest of the wrong size", () => {
  const c = loadCheckpoint(fixture("checkpoint", "llama-meta"));
  assert.throws(() => c.readRows("norm.weight", 0, 2, new Uint8Array(8 * 64)), /rows \[0, 2\) of a tensor of 1 rows/);
  assert.throws(() => c.readRows("tok_embeddings.weight", 0, 1, new Uint8Array(3)), /need 256 bytes, dest has 3/);
  c.close();
});
