// The batched trainer's memory and its choice of loops: parameters and mini-batch buffers live in one
// WebAssembly memory (as Float32Array views), so the SIMD kernels (simd.ts) and the JS kernels
// (kernels.ts) work on the same floats. Where WebAssembly SIMD is missing, plain arrays and the JS loops.
import { MiniBatchBuffers, applyUpdate, backward, forward, outputDeltas, sigmoid, type FlatParameters } from "./kernels";
import { instantiate, type SimdKernels } from "./simd";

export class BatchedTrainer {
  readonly flat: FlatParameters;
  readonly buffers: MiniBatchBuffers;
  private readonly coefficients: Float32Array; // (nOut, m): −(eta/m)·delta transposed, for update_layer
  private readonly simd: SimdKernels | null;

  /**
   * Room for mini-batches (and evaluation chunks) of up to `capacity` samples; starts from `init`.
   * `simd: false` runs the JS loops even where WebAssembly SIMD exists (tests compare the two).
   */
  constructor(readonly sizes: readonly number[], readonly capacity: number, init: FlatParameters, { simd = true }: { simd?: boolean } = {}) {
    const widest = Math.max(...sizes.slice(1));
    const floats = 2 * sizes.slice(1).reduce((sum, n, l) => sum + n * (sizes[l] + 1) + 4, 0) +
      sizes.reduce((sum, n) => sum + capacity * n + 4, 0) * 2 + capacity * widest + 16;
    this.simd = simd ? instantiate(floats * 4) : null;
    let offset = 0; // bytes; every array starts 16-byte aligned
    const alloc = this.simd === null
      ? (length: number) => new Float32Array(length)
      : (length: number) => {
        const view = new Float32Array((this.simd as SimdKernels).memory.buffer, offset, length);
        offset += Math.ceil(length / 4) * 16;
        return view;
      };
    this.flat = {
      sizes,
      weights: init.weights.map((w) => copyInto(alloc(w.length), w)),
      biases: init.biases.map((b) => copyInto(alloc(b.length), b)),
    };
    this.buffers = new MiniBatchBuffers(sizes, capacity, alloc);
    this.coefficients = alloc(capacity * widest);
  }

  /** Whether the WebAssembly SIMD loops run (else kernels.ts's). */
  get usesSimd(): boolean {
    return this.simd !== null;
  }

  /** a_{l+1} = sigmoid(w_l · a_l + b_l) for the first m rows. */
  forward(m: number): void {
    if (this.simd === null) return forward(this.flat, this.buffers, m);
    const { weights, biases } = this.flat;
    const a = this.buffers.activations;
    for (let l = 0; l < weights.length; l++) {
      const nOut = this.sizes[l + 1];
      this.simd.forwardLayer(weights[l].byteOffset, biases[l].byteOffset, a[l].byteOffset, a[l + 1].byteOffset, m, this.sizes[l], nOut);
      const out = a[l + 1];
      for (let k = 0; k < m * nOut; k++) out[k] = sigmoid(out[k]);
    }
  }

  /**
   * BP1 and BP2 for the first m rows. BP2's product (w_{l+1}^T · delta_{l+1}), one row per sample, is
   * update_layer's shape: out (m, nHere) += C (m, nNext) · A (nNext, nHere) with C = delta_{l+1}, A = w.
   */
  backward(m: number): void {
    if (this.simd === null) return backward(this.flat, this.buffers, m);
    const { weights } = this.flat;
    const { activations, deltas, y } = this.buffers;
    const L = weights.length;
    outputDeltas(activations[L], y, deltas[L - 1], m * this.sizes[L]);
    for (let l = L - 1; l >= 1; l--) {
      const nHere = this.sizes[l];
      const dHere = deltas[l - 1];
      const aHere = activations[l];
      dHere.fill(0, 0, m * nHere);
      this.simd.updateLayer(dHere.byteOffset, deltas[l].byteOffset, weights[l].byteOffset, this.sizes[l + 1], nHere, m);
      for (let k = 0; k < m * nHere; k++) {
        const a = aHere[k];
        dHere[k] *= a * (1 - a); // * sigmoid_prime(z)
      }
    }
  }

  /** w - (eta/len(mini_batch))*nw and b - (eta/len(mini_batch))*nb, nw and nb from the last backward. */
  update(m: number, eta: number): void {
    if (this.simd === null) return applyUpdate(this.flat, this.buffers, m, eta);
    const scale = eta / m;
    const c = this.coefficients;
    for (let l = 0; l < this.flat.weights.length; l++) {
      const nOut = this.sizes[l + 1];
      const delta = this.buffers.deltas[l];
      const b = this.flat.biases[l];
      for (let o = 0; o < nOut; o++) {
        let nb = 0;
        for (let s = 0; s < m; s++) {
          const d = delta[s * nOut + o];
          nb += d;
          c[o * m + s] = -scale * d;
        }
        b[o] -= scale * nb;
      }
      this.simd.updateLayer(this.flat.weights[l].byteOffset, c.byteOffset, this.buffers.activations[l].byteOffset, m, this.sizes[l], nOut);
    }
  }
}

function copyInto(target: Float32Array, source: Float32Array): Float32Array {
  target.set(source);
  return target;
}
