// The relaxed-SIMD build of the kernels (kernels.relaxed.wasm), picked where the engine validates it:
// Node 20 only behind --experimental-wasm-relaxed-simd, so the kernel tests run again in such a child,
// against the same references (llama.cpp's blocks and continuations, float64 arithmetic).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";

const flag = "--experimental-wasm-relaxed-simd";
const features = (env: NodeJS.ProcessEnv = {}): string =>
  execFileSync(process.execPath, [flag, "-e", `process.stdout.write(require(${JSON.stringify(path.join(__dirname, "../../../src/ml/compute/module.js"))}).kernelFeatures())`],
    { env: { ...process.env, ...env }, encoding: "utf8" });

test("an engine with relaxed SIMD gets the relaxed build; TENSORBOOK_RELAXED_SIMD=0 keeps the baseline", () => {
  assert.equal(features(), "relaxed-simd");
  assert.equal(features({ TENSORBOOK_RELAXED_SIMD: "0" }), "simd");
});

test("the relaxed build passes the kernel tests and gives llama.cpp's q8_0/q4_0 continuations", () => {
  const files = [path.join(__dirname, "kernels.test.js"), path.join(__dirname, "../llama/dtypes.test.js")];
  // a child of `node --test` would report to its parent's runner through NODE_TEST_CONTEXT: run it as a top-level one
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, [flag, "--expose-gc", "--test", ...files], { encoding: "utf8", timeout: 300_000, env });
  assert.equal(run.status, 0, run.stdout.split("\n").filter((l) => /^not ok|error|Error/.test(l)).join("\n"));
  assert.match(run.stdout, /# fail 0/);
});
