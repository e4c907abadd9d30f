// What `import { tf } from "tensorbook"` gives a cell before and after the backend selection finishes
// (src/ml/tf.ts): ops right after the import run on cpu; the cell hook waits for the selection, after
// which ops run on the chosen backend and tfjs moves the early tensors there.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

test("ops right after the import run on cpu; after the cell hook, on the selected backend", () => {
  const dist = path.join(__dirname, "../../../src");
  const script = `
    const { tf } = require(${JSON.stringify(path.join(dist, "ml/tf.js"))});
    const { cellHooks } = require(${JSON.stringify(path.join(dist, "runtime/hooks.js"))});
    const { backendOf } = require(${JSON.stringify(path.join(dist, "display/tensor.js"))});
    const x = tf.tensor([1, 2]).add(1);
    console.log("before", tf.getBackend(), backendOf(x), Array.from(x.dataSync()).join(","));
    Promise.all(cellHooks().map((h) => h.onCellEnd && h.onCellEnd(1))).then(() => {
      const y = x.mul(10);
      console.log("after", tf.getBackend(), backendOf(x), backendOf(y), Array.from(y.dataSync()).join(","));
    });`;
  const out = execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TENSORBOOK_BACKEND: "wasm" }, encoding: "utf8", timeout: 60_000 });
  assert.equal(out, "before cpu cpu 2,3\nafter wasm wasm wasm 20,30\n"); // no cpu banner either
});
