// The WebAssembly SIMD loops (simd.ts) against the plain JS loops (kernels.ts) they replace: same forward
// activations and same updated parameters, on shapes that exercise every tail (784 = 98·8; 30 = 3·8 + 4 + 2;
// 10 = 8 + 2) and an odd mini-batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BatchedTrainer } from "../../../src/ml/sgd/trainer";
import { simdAvailable } from "../../../src/ml/sgd/simd";
import { NumpyRandomState } from "../../../src/ml/sgd/random";
import { assertClose } from "./close";

function trainers(sizes: number[], m: number): [BatchedTrainer, BatchedTrainer] {
  const rng = new NumpyRandomState(5);
  const init = { sizes, biases: sizes.slice(1).map((n) => rng.randn(n, 1)), weights: sizes.slice(1).map((n, l) => rng.randn(n, sizes[l])) };
  const simd = new BatchedTrainer(sizes, m, init);
  const js = new BatchedTrainer(sizes, m, init, { simd: false });
  for (const t of [simd, js]) {
    const input = new NumpyRandomState(9).randn(m, sizes[0]);
    t.buffers.activations[0].set(input.map((v) => (v > 0.8 ? v / 3 : 0)));
    for (let s = 0; s < m; s++) t.buffers.y[s * sizes[sizes.length - 1] + (s % sizes[sizes.length - 1])] = 1;
  }
  return [simd, js];
}

test("WebAssembly SIMD is there (Node 20 has it); without it the JS loops would run", () => {
  assert.equal(simdAvailable(), true);
  const [simd, js] = trainers([4, 3, 2], 2);
  assert.equal(simd.usesSimd, true);
  assert.equal(js.usesSimd, false);
});

for (const [sizes, m] of [[[784, 30, 10], 10], [[64, 30, 10], 7], [[6, 5, 4, 3], 3]] as const) {
  test(`SIMD and JS loops agree: [${sizes.join(", ")}], mini-batch ${m}, three steps`, () => {
    const [simd, js] = trainers([...sizes], m);
    for (let step = 0; step < 3; step++) {
      for (const t of [simd, js]) {
        t.forward(m);
        t.backward(m);
        t.update(m, 3.0);
      }
      simd.buffers.activations.forEach((a, l) => assertClose(a.subarray(0, m * sizes[l]), js.buffers.activations[l].subarray(0, m * sizes[l]), 1e-5, `step ${step} a[${l}]`));
      simd.buffers.deltas.forEach((d, l) => assertClose(d.subarray(0, m * sizes[l + 1]), js.buffers.deltas[l].subarray(0, m * sizes[l + 1]), 1e-5, `step ${step} delta[${l}]`));
    }
    simd.flat.weights.forEach((w, l) => assertClose(w, js.flat.weights[l], 1e-5, `weights[${l}]`));
    simd.flat.biases.forEach((b, l) => assertClose(b, js.flat.biases[l], 1e-5, `biases[${l}]`));
  });
}
