// The batched trainer on the compute kernels against Nielsen's update_mini_batch transcribed in float64
// (backprop per sample, nablas summed, w - (eta/len(mini_batch))*nw): same activations, deltas and
// parameters after three steps, on shapes that exercise every SIMD tail (784 = 196·4; 30 = 7·4 + 2;
// 10 = 2·4 + 2) and an odd mini-batch. (network.test.ts checks one step against numpy itself.)
import { test } from "node:test";
import { BatchedTrainer } from "../../../src/ml/sgd/trainer";
import { NumpyRandomState } from "../../../src/ml/sgd/random";
import { assertClose } from "./close";

/** Nielsen's network.py step in float64: per-sample backprop, summed, then the update. */
function referenceStep(sizes: number[], weights: Float64Array[], biases: Float64Array[], x: Float64Array[], y: Float64Array[], eta: number): Float64Array[][] {
  const L = sizes.length - 1;
  const nablaW = weights.map((w) => new Float64Array(w.length));
  const nablaB = biases.map((b) => new Float64Array(b.length));
  const allActivations: Float64Array[][] = [];
  x.forEach((xs, s) => {
    const activations = [xs];
    for (let l = 0; l < L; l++) {
      const a = new Float64Array(sizes[l + 1]);
      for (let o = 0; o < sizes[l + 1]; o++) {
        let z = biases[l][o];
        for (let i = 0; i < sizes[l]; i++) z += weights[l][o * sizes[l] + i] * activations[l][i];
        a[o] = 1 / (1 + Math.exp(-z));
      }
      activations.push(a);
    }
    allActivations.push(activations);
    let delta = activations[L].map((a, k) => (a - y[s][k]) * a * (1 - a));
    for (let l = L - 1; l >= 0; l--) {
      for (let o = 0; o < sizes[l + 1]; o++) {
        nablaB[l][o] += delta[o];
        for (let i = 0; i < sizes[l]; i++) nablaW[l][o * sizes[l] + i] += delta[o] * activations[l][i];
      }
      if (l > 0) {
        const next = new Float64Array(sizes[l]);
        for (let i = 0; i < sizes[l]; i++) {
          let sum = 0;
          for (let o = 0; o < sizes[l + 1]; o++) sum += weights[l][o * sizes[l] + i] * delta[o];
          next[i] = sum * activations[l][i] * (1 - activations[l][i]);
        }
        delta = next;
      }
    }
  });
  weights.forEach((w, l) => w.forEach((v, k) => (w[k] = v - (eta / x.length) * nablaW[l][k])));
  biases.forEach((b, l) => b.forEach((v, k) => (b[k] = v - (eta / x.length) * nablaB[l][k])));
  return allActivations;
}

for (const [sizes, m] of [[[784, 30, 10], 10], [[64, 30, 10], 7], [[6, 5, 4, 3], 3]] as const) {
  test(`the batched trainer equals Nielsen's step in float64: [${sizes.join(", ")}], mini-batch ${m}, three steps`, () => {
    const rng = new NumpyRandomState(5);
    const init = { sizes, biases: sizes.slice(1).map((n) => rng.randn(n, 1)), weights: sizes.slice(1).map((n, l) => rng.randn(n, sizes[l])) };
    const trainer = new BatchedTrainer(sizes, m, init);
    const weights = init.weights.map((w) => Float64Array.from(w));
    const biases = init.biases.map((b) => Float64Array.from(b));
    const input = new NumpyRandomState(9).randn(m, sizes[0]).map((v) => (v > 0.8 ? v / 3 : 0));
    const nOut = sizes[sizes.length - 1];
    trainer.buffers.activations[0].set(input);
    for (let s = 0; s < m; s++) trainer.buffers.y[s * nOut + (s % nOut)] = 1;
    const x = Array.from({ length: m }, (_, s) => Float64Array.from(input.subarray(s * sizes[0], (s + 1) * sizes[0])));
    const y = Array.from({ length: m }, (_, s) => Float64Array.from({ length: nOut }, (_, k) => (k === s % nOut ? 1 : 0)));
    for (let step = 0; step < 3; step++) {
      trainer.forward(m);
      trainer.backward(m);
      trainer.update(m, 3.0);
      const activations = referenceStep([...sizes], weights, biases, x, y, 3.0);
      for (let l = 1; l < sizes.length; l++) {
        const want = Float32Array.from(activations.flatMap((a) => Array.from(a[l])));
        assertClose(trainer.buffers.activations[l].subarray(0, m * sizes[l]), want, 1e-5, `step ${step} a[${l}]`);
      }
    }
    trainer.flat.weights.forEach((w, l) => assertClose(w, Float32Array.from(weights[l]), 1e-5, `weights[${l}]`));
    trainer.flat.biases.forEach((b, l) => assertClose(b, Float32Array.from(biases[l]), 1e-5, `biases[${l}]`));
  });
}
