// Nielsen's mini-batch step with the whole mini-batch as a matrix, on the compute layer's kernels: the
// path Network.SGD runs by default. Parameters and mini-batch buffers live in one arena, as Float32Array
// views, so the kernels and the few JS loops (BP1, σ' and the bias sums) work on the same floats.
//
// Why not tf ops: at these sizes ([64,30,10], [784,30,10], mini-batch 10) a step is ~20 small kernels and
// tfjs spends ~7 µs dispatching each one (PEERS.md), more than the arithmetic. See bench/sgd.ts.
//
// Layout: weights[l] is (sizes[l+1], sizes[l]) row-major, numpy's `w` of shape (y, x); biases[l] is
// (sizes[l+1]). A mini-batch of m samples is held sample-major: activations[l] is (m, sizes[l]), one
// sample's activation vector a row.
import type { Arena } from "../compute/arena";
import { Compute, Weight } from "../compute/compute";
import { MiniBatchBuffers, outputDeltas, type FlatParameters } from "./kernels";

export class BatchedTrainer {
  readonly flat: FlatParameters;
  readonly buffers: MiniBatchBuffers;
  private readonly compute: Compute;
  private readonly arena: Arena;
  private readonly layers: Weight[]; // the weights as the matmul kernel reads them
  private readonly coefficients: Float32Array; // (nOut, m): −(eta/m)·delta transposed, for the update

  /** Room for mini-batches (and evaluation chunks) of up to `capacity` samples; starts from `init`. */
  constructor(readonly sizes: readonly number[], readonly capacity: number, init: FlatParameters) {
    // one thread: a [784, 30, 10] step is ~500k multiply-adds, less than handing chunks to another thread costs
    this.compute = new Compute(1);
    this.arena = this.compute.newArena();
    const arena = this.arena;
    const alloc = (length: number): Float32Array => arena.f32(arena.alloc(4 * length, 16), length);
    this.flat = {
      sizes,
      weights: init.weights.map((w) => copyInto(alloc(w.length), w)),
      biases: init.biases.map((b) => copyInto(alloc(b.length), b)),
    };
    this.layers = this.flat.weights.map((w, l) => new Weight(arena, w.byteOffset, sizes[l + 1], sizes[l], "float32"));
    this.buffers = new MiniBatchBuffers(sizes, capacity, alloc);
    this.coefficients = alloc(capacity * Math.max(...sizes.slice(1)));
  }

  /** a_{l+1} = sigmoid(w_l · a_l + b_l) for the first m rows. */
  forward(m: number): void {
    const a = this.buffers.activations;
    for (let l = 0; l < this.layers.length; l++) {
      this.compute.matmul(a[l + 1].byteOffset, a[l].byteOffset, this.layers[l], m);
      this.arena.kernels.sigmoid_bias(a[l + 1].byteOffset, this.flat.biases[l].byteOffset, m, this.sizes[l + 1]);
    }
  }

  /**
   * The backward pass for the whole mini-batch, with the weights as they were before the step:
   *   delta_L = cost_derivative(a_L, y) * sigmoid_prime(z_L)          (BP1)
   *   delta_l = (w_{l+1}^T · delta_{l+1}) * sigmoid_prime(z_l)        (BP2)
   * sigmoid_prime(z) = sigmoid(z)(1 − sigmoid(z)) = a(1 − a), so z need not be kept. BP2's product, one row
   * per sample, is gemm_acc's shape: dHere (m, nHere) += delta_{l+1} (m, nNext) · w_{l+1} (nNext, nHere).
   */
  backward(m: number): void {
    const { activations, deltas, y } = this.buffers;
    const L = this.layers.length;
    outputDeltas(activations[L], y, deltas[L - 1], m * this.sizes[L]);
    for (let l = L - 1; l >= 1; l--) {
      const nHere = this.sizes[l];
      const dHere = deltas[l - 1];
      const aHere = activations[l];
      dHere.fill(0, 0, m * nHere);
      this.compute.gemmAcc(this.arena, dHere.byteOffset, deltas[l].byteOffset, this.flat.weights[l].byteOffset, m, this.sizes[l + 1], nHere);
      for (let k = 0; k < m * nHere; k++) {
        const a = aHere[k];
        dHere[k] *= a * (1 - a);
      }
    }
  }

  /**
   * w - (eta/len(mini_batch))*nw and b - (eta/len(mini_batch))*nb, nw and nb from the last backward and
   * never stored: w (nOut, nIn) += c (nOut, m) · a (m, nIn) with c = −(eta/m)·deltaᵀ.
   */
  update(m: number, eta: number): void {
    const scale = eta / m;
    const c = this.coefficients;
    for (let l = 0; l < this.layers.length; l++) {
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
      this.compute.gemmAcc(this.arena, this.flat.weights[l].byteOffset, c.byteOffset, this.buffers.activations[l].byteOffset, nOut, m, this.sizes[l]);
    }
  }
}

function copyInto(target: Float32Array, source: Float32Array): Float32Array {
  target.set(source);
  return target;
}
