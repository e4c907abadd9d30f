// Nielsen's backprop, batched over a mini-batch, on flat Float32Arrays: the path SGD runs by default.
//
// Why not tf ops: at these sizes ([64,30,10], [784,30,10], mini-batch 10) a step is ~20 small kernels and
// tfjs spends ~7 µs dispatching each one (PEERS.md), more than the arithmetic. Plain loops over typed
// arrays have no dispatch at all; V8 compiles them to scalar float code. See bench/sgd.ts.
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

  /** `alloc` places the arrays (trainer.ts puts them in WebAssembly memory); plain arrays by default. */
  constructor(readonly sizes: readonly number[], readonly capacity: number, alloc: (length: number) => Float32Array = (n) => new Float32Array(n)) {
    this.activations = sizes.map((n) => alloc(capacity * n));
    this.deltas = sizes.slice(1).map((n) => alloc(capacity * n));
    this.y = alloc(capacity * sizes[sizes.length - 1]);
  }
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** a' = sigmoid(w·a + b) for each layer, for the first m rows of buffers.activations[0]. */
export function forward(p: FlatParameters, buffers: MiniBatchBuffers, m: number): void {
  for (let l = 0; l < p.weights.length; l++) {
    layerForward(p.weights[l], p.biases[l], buffers.activations[l], buffers.activations[l + 1], m, p.sizes[l], p.sizes[l + 1]);
  }
}

// out[s, o] = sigmoid(b[o] + Σ_i w[o, i] · a[s, i]). Two samples share each pass over a weight row,
// and each sum has two accumulators, so the loads of w are halved and the adds can overlap.
function layerForward(w: Float32Array, b: Float32Array, a: Float32Array, out: Float32Array, m: number, nIn: number, nOut: number): void {
  const nEven = nIn & ~1;
  let s = 0;
  for (; s + 1 < m; s += 2) {
    const a0 = s * nIn;
    const a1 = a0 + nIn;
    for (let o = 0; o < nOut; o++) {
      const w0 = o * nIn;
      let z0 = 0, z0b = 0, z1 = 0, z1b = 0;
      let i = 0;
      for (; i < nEven; i += 2) {
        const wi = w[w0 + i];
        const wj = w[w0 + i + 1];
        z0 += wi * a[a0 + i];
        z0b += wj * a[a0 + i + 1];
        z1 += wi * a[a1 + i];
        z1b += wj * a[a1 + i + 1];
      }
      if (i < nIn) {
        z0 += w[w0 + i] * a[a0 + i];
        z1 += w[w0 + i] * a[a1 + i];
      }
      out[s * nOut + o] = sigmoid(z0 + z0b + b[o]);
      out[(s + 1) * nOut + o] = sigmoid(z1 + z1b + b[o]);
    }
  }
  for (; s < m; s++) {
    const a0 = s * nIn;
    for (let o = 0; o < nOut; o++) {
      const w0 = o * nIn;
      let z = 0;
      for (let i = 0; i < nIn; i++) z += w[w0 + i] * a[a0 + i];
      out[s * nOut + o] = sigmoid(z + b[o]);
    }
  }
}

/**
 * The backward pass for the whole mini-batch, with the weights as they were before the step:
 *   delta_L = cost_derivative(a_L, y) * sigmoid_prime(z_L)          (BP1)
 *   delta_l = (w_{l+1}^T · delta_{l+1}) * sigmoid_prime(z_l)        (BP2)
 * sigmoid_prime(z) = sigmoid(z)(1 - sigmoid(z)) = a(1 - a), so z need not be kept.
 */
export function backward(p: FlatParameters, buffers: MiniBatchBuffers, m: number): void {
  const L = p.weights.length;
  outputDeltas(buffers.activations[L], buffers.y, buffers.deltas[L - 1], m * p.sizes[L]);
  for (let l = L - 1; l >= 1; l--) {
    const w = p.weights[l]; // (nNext, nHere)
    const nHere = p.sizes[l];
    const nNext = p.sizes[l + 1];
    const dNext = buffers.deltas[l];
    const dHere = buffers.deltas[l - 1];
    const aHere = buffers.activations[l];
    dHere.fill(0, 0, m * nHere);
    for (let s = 0; s < m; s++) {
      const row = s * nHere;
      for (let o = 0; o < nNext; o++) {
        const d = dNext[s * nNext + o];
        const w0 = o * nHere;
        for (let i = 0; i < nHere; i++) dHere[row + i] += d * w[w0 + i];
      }
      for (let i = 0; i < nHere; i++) {
        const a = aHere[row + i];
        dHere[row + i] *= a * (1 - a);
      }
    }
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

/**
 * w = w - (eta/len(mini_batch))*nw and b = b - (eta/len(mini_batch))*nb, with nw and nb never stored:
 * each weight row takes its outer-product terms straight from the deltas, two samples a pass.
 */
export function applyUpdate(p: FlatParameters, buffers: MiniBatchBuffers, m: number, eta: number): void {
  const scale = eta / m; // eta/len(mini_batch)
  for (let l = 0; l < p.weights.length; l++) {
    const nIn = p.sizes[l];
    const nOut = p.sizes[l + 1];
    const delta = buffers.deltas[l];
    const a = buffers.activations[l];
    const w = p.weights[l];
    const b = p.biases[l];
    for (let o = 0; o < nOut; o++) {
      const w0 = o * nIn;
      let nb = 0;
      let s = 0;
      for (; s + 1 < m; s += 2) {
        const d0 = delta[s * nOut + o];
        const d1 = delta[(s + 1) * nOut + o];
        nb += d0 + d1;
        const c0 = scale * d0;
        const c1 = scale * d1;
        const a0 = s * nIn;
        const a1 = a0 + nIn;
        for (let i = 0; i < nIn; i++) w[w0 + i] -= c0 * a[a0 + i] + c1 * a[a1 + i];
      }
      for (; s < m; s++) {
        const d0 = delta[s * nOut + o];
        nb += d0;
        const c0 = scale * d0;
        const a0 = s * nIn;
        for (let i = 0; i < nIn; i++) w[w0 + i] -= c0 * a[a0 + i];
      }
      b[o] -= scale * nb;
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
