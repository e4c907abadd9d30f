// The batched trainer's (trainer.ts) flat parameters and mini-batch buffers, and the small loops around
// its kernels: BP1, the nabla sums Network.backpropMiniBatch returns, argmax and the quadratic cost.
//
// Layout: weights[l] is (sizes[l+1], sizes[l]) row-major, numpy's `w` of shape (y, x); biases[l] is
// (sizes[l+1]). A mini-batch of m samples is held sample-major: activations[l] is (m, sizes[l]), one
// sample's activation vector a row. Sums accumulate in float64 (JS numbers) and are stored as float32.

export interface FlatParameters {
  readonly sizes: readonly number[];
  readonly weights: Float32Array[]; // weights[l]: (sizes[l+1], sizes[l])
  readonly biases: Float32Array[]; // biases[l]: (sizes[l+1])
}

/** Scratch space for one mini-batch size: reused from step to step, so a step allocates nothing. */
export class MiniBatchBuffers {
  /** activations[0] is the input x rows (m, sizes[0]); activations[l] = sigmoid(z) of layer l (m, sizes[l]). */
  readonly activations: Float32Array[];
  /** deltas[l]: ∂C/∂z of layer l+1, (m, sizes[l+1]). */
  readonly deltas: Float32Array[];
  /** The one-hot targets y (m, sizes[L-1]). */
  readonly y: Float32Array;

  /** `alloc` places the arrays (trainer.ts puts them in its arena); plain arrays by default. */
  constructor(readonly sizes: readonly number[], readonly capacity: number, alloc: (length: number) => Float32Array = (n) => new Float32Array(n)) {
    this.activations = sizes.map((n) => alloc(capacity * n));
    this.deltas = sizes.slice(1).map((n) => alloc(capacity * n));
    this.y = alloc(capacity * sizes[sizes.length - 1]);
  }
}

/** BP1 for `count` output values: delta_L = cost_derivative(a, y) * sigmoid_prime(z) = (a − y)·a(1 − a). */
export function outputDeltas(aL: Float32Array, y: Float32Array, deltaL: Float32Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const a = aL[k];
    deltaL[k] = (a - y[k]) * a * (1 - a);
  }
}

/**
 * nabla_b[l] = Σ_s delta_l[s] and nabla_w[l] = Σ_s delta_l[s] ⊗ a_{l-1}[s] (BP3, BP4), summed over the
 * mini-batch as Nielsen's update_mini_batch sums backprop's per-sample results. Written into nablaB/nablaW.
 */
export function sumNablas(p: FlatParameters, buffers: MiniBatchBuffers, m: number, nablaB: Float32Array[], nablaW: Float32Array[]): void {
  for (let l = 0; l < p.weights.length; l++) {
    const nIn = p.sizes[l];
    const nOut = p.sizes[l + 1];
    const delta = buffers.deltas[l];
    const a = buffers.activations[l];
    const nb = nablaB[l];
    const nw = nablaW[l];
    for (let o = 0; o < nOut; o++) {
      let sum = 0;
      for (let s = 0; s < m; s++) sum += delta[s * nOut + o];
      nb[o] = sum;
      const w0 = o * nIn;
      for (let i = 0; i < nIn; i++) {
        let acc = 0;
        for (let s = 0; s < m; s++) acc += delta[s * nOut + o] * a[s * nIn + i];
        nw[w0 + i] = acc;
      }
    }
  }
}

/** Index of the largest of n values starting at offset (np.argmax: the first one on ties). */
export function argmax(values: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

/** Σ_s ½‖a_L[s] − y[s]‖², the quadratic cost of the last forward pass summed over the mini-batch. */
export function quadraticCost(p: FlatParameters, buffers: MiniBatchBuffers, m: number): number {
  const L = p.weights.length;
  const aL = buffers.activations[L];
  const y = buffers.y;
  let sum = 0;
  for (let k = 0; k < m * p.sizes[L]; k++) {
    const d = aL[k] - y[k];
    sum += d * d;
  }
  return sum / 2;
}
