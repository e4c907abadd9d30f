// Michael Nielsen's network.py ("Neural Networks and Deep Learning", chapter 1), in TypeScript, cell for
// cell: a feedforward network of sigmoid neurons trained by mini-batch stochastic gradient descent on the
// quadratic cost, with the names of the Python (sizes, biases, weights, nabla_b, nabla_w, eta, mini_batch).
//
// Two ways run the same math:
//   - the tutorial's, per sample, in tf ops: backprop(x, y) and updateMiniBatchPerSample, line for line;
//   - the default, the mini-batch as a matrix (one backprop per mini-batch) on Float32Array copies of the
//     parameters (kernels.ts): tf dispatch costs more than the arithmetic at these sizes (bench/sgd.ts).
// The parameters a cell sees are tf.Variables; the typed-array trainer keeps float32 master copies and
// writes them back into the variables whenever a cell can look (after a step, each epoch, on interrupt).
import * as tf from "@tensorflow/tfjs";
import { columnValues, checkPairs, labelOf, prefetchValues, targetValues, tensorValues, type TestPair, type TrainingPair } from "./data";
import { argmax, quadraticCost, sumNablas, type FlatParameters } from "./kernels";
import { BatchedTrainer } from "./trainer";
import { NumpyRandomState, PythonRandom } from "./random";
import { startTraining, type SGDOptions, type TrainingHistory } from "./live";

export interface NetworkOptions {
  /** Seeds np.random (weights, biases) and random (the shuffle) as network.py would see them. */
  seed?: number;
  /** false: updateMiniBatch and SGD run the per-sample tutorial form (tf ops), slower. Default true. */
  batched?: boolean;
}

/** backprop's result: the gradient of the cost for each layer's biases and weights. */
export interface Gradients {
  nablaB: tf.Tensor[];
  nablaW: tf.Tensor[];
}

export class Network {
  readonly numLayers: number;
  readonly sizes: readonly number[];
  batched: boolean;

  private trainer: BatchedTrainer; // holds the master copies of the parameters the typed-array path trains
  private readonly biasVariables: tf.Variable[];
  private readonly weightVariables: tf.Variable[];
  // The variables' dataIds when they last held exactly the flat copies: a variable whose dataId moved was
  // assigned by a cell (the tutorial update), so the flat copy must be read back before the next fast step.
  private syncedIds: object[];
  private flatAhead = false; // the flat copies hold steps the variables do not show yet
  private readonly random: PythonRandom;

  constructor(sizes: number[], { seed, batched = true }: NetworkOptions = {}) {
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n > 0)) {
      throw new RangeError(`Network(sizes): sizes must list at least two positive integer layer sizes, got ${JSON.stringify(sizes)}`);
    }
    seed ??= Math.floor(Math.random() * 0xffffffff);
    this.numLayers = sizes.length;
    this.sizes = [...sizes];
    this.batched = batched;
    const np = new NumpyRandomState(seed);
    // self.biases = [np.random.randn(y, 1) for y in sizes[1:]]
    const biases = sizes.slice(1).map((y) => np.randn(y, 1));
    // self.weights = [np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])]
    const weights = sizes.slice(1).map((y, l) => np.randn(y, sizes[l]));
    this.trainer = new BatchedTrainer(this.sizes, EVALUATION_CHUNK, { sizes: this.sizes, weights, biases });
    this.biasVariables = biases.map((b, l) => variableOf(b, [sizes[l + 1], 1]));
    this.weightVariables = weights.map((w, l) => variableOf(w, [sizes[l + 1], sizes[l]]));
    this.syncedIds = this.variables().map((v) => v.dataId);
    this.random = new PythonRandom(seed);
  }

  /** biases[l], shape [sizes[l+1], 1]. Assigning a list of tensors sets them (the tutorial's update). */
  get biases(): tf.Variable[] {
    this.pushToTensors();
    return [...this.biasVariables];
  }
  set biases(values: tf.Tensor[]) {
    this.assign(this.biasVariables, values, "biases");
  }

  /** weights[l], shape [sizes[l+1], sizes[l]]: numpy's w of shape (y, x). */
  get weights(): tf.Variable[] {
    this.pushToTensors();
    return [...this.weightVariables];
  }
  set weights(values: tf.Tensor[]) {
    this.assign(this.weightVariables, values, "weights");
  }

  /** Return the output of the network if `a` is input: a column [n_in, 1] (or n columns [n_in, n]). */
  feedforward(a: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      for (const [b, w] of zip(this.biases, this.weights)) a = tf.sigmoid(tf.add(tf.matMul(w, a), b));
      return a;
    });
  }

  /**
   * Nielsen's backprop, one sample: the gradient of the cost C_x as { nablaB, nablaW }, layer by layer
   * shaped like this.biases and this.weights. The caller owns the returned tensors.
   */
  backprop(x: tf.Tensor, y: tf.Tensor): Gradients {
    return tf.tidy(() => {
      const nablaB: tf.Tensor[] = new Array<tf.Tensor>(this.numLayers - 1);
      const nablaW: tf.Tensor[] = new Array<tf.Tensor>(this.numLayers - 1);
      // feedforward
      let activation = x;
      const activations = [x]; // list to store all the activations, layer by layer
      const zs: tf.Tensor[] = []; // list to store all the z vectors, layer by layer
      for (const [b, w] of zip(this.biases, this.weights)) {
        const z = tf.add(tf.matMul(w, activation), b);
        zs.push(z);
        activation = tf.sigmoid(z);
        activations.push(activation);
      }
      // backward pass
      let delta = tf.mul(this.costDerivative(at(activations, -1), y), sigmoidPrime(at(zs, -1)));
      nablaB[nablaB.length - 1] = delta;
      nablaW[nablaW.length - 1] = tf.matMul(delta, at(activations, -2), false, true); // np.dot(delta, a[-2].T)
      // l = 1 is the last layer of neurons, l = 2 the second-last, and so on (Nielsen's negative indices)
      for (let l = 2; l < this.numLayers; l++) {
        const z = at(zs, -l);
        const sp = sigmoidPrime(z);
        delta = tf.mul(tf.matMul(at(this.weights, -l + 1), delta, true, false), sp); // np.dot(w[-l+1].T, delta) * sp
        nablaB[nablaB.length - l] = delta;
        nablaW[nablaW.length - l] = tf.matMul(delta, at(activations, -l - 1), false, true);
      }
      return { nablaB, nablaW };
    });
  }

  /** The vector of partial derivatives ∂C_x/∂a for the output activations (quadratic cost). */
  costDerivative(outputActivations: tf.Tensor, y: tf.Tensor): tf.Tensor {
    return tf.sub(outputActivations, y);
  }

  /**
   * Update the network's weights and biases by applying gradient descent using backpropagation to a single
   * mini batch: the batched form by default, the per-sample tutorial form when `batched` is false.
   */
  updateMiniBatch(miniBatch: readonly TrainingPair[], eta: number): void {
    if (this.batched) this.updateMiniBatchBatched(miniBatch, eta);
    else this.updateMiniBatchPerSample(miniBatch, eta);
  }

  /** The tutorial's update_mini_batch, line for line: one backprop per sample, summed. */
  updateMiniBatchPerSample(miniBatch: readonly TrainingPair[], eta: number): void {
    checkPairs(miniBatch, "miniBatch");
    tf.tidy(() => {
      let nablaB = this.biases.map((b) => tf.zerosLike(b));
      let nablaW = this.weights.map((w) => tf.zerosLike(w));
      for (const [x, y] of miniBatch) {
        const { nablaB: deltaNablaB, nablaW: deltaNablaW } = this.backprop(x, y);
        nablaB = nablaB.map((nb, l) => tf.add(nb, deltaNablaB[l]));
        nablaW = nablaW.map((nw, l) => tf.add(nw, deltaNablaW[l]));
      }
      this.weights = this.weights.map((w, l) => tf.sub(w, tf.mul(eta / miniBatch.length, nablaW[l])));
      this.biases = this.biases.map((b, l) => tf.sub(b, tf.mul(eta / miniBatch.length, nablaB[l])));
    });
  }

  /** The same update with the mini-batch as a matrix: one batched backprop on the typed-array copies. */
  updateMiniBatchBatched(miniBatch: readonly TrainingPair[], eta: number): void {
    const { xs, ys } = this.readTraining(checkPairs(miniBatch, "miniBatch"), "miniBatch");
    this.pullFromTensors();
    this.step(xs, ys, identity(miniBatch.length), 0, miniBatch.length, eta);
    this.pushToTensors();
  }

  /** Σ over the mini-batch of backprop(x, y), computed batched; the caller owns the returned tensors. */
  backpropMiniBatch(miniBatch: readonly TrainingPair[]): Gradients {
    const { xs, ys } = this.readTraining(checkPairs(miniBatch, "miniBatch"), "miniBatch");
    this.pullFromTensors();
    const m = this.load(xs, ys, identity(miniBatch.length), 0, miniBatch.length);
    this.trainer.forward(m);
    this.trainer.backward(m);
    const nablaB = this.flat.biases.map((b) => new Float32Array(b.length));
    const nablaW = this.flat.weights.map((w) => new Float32Array(w.length));
    sumNablas(this.flat, this.trainer.buffers, m, nablaB, nablaW);
    return {
      nablaB: nablaB.map((nb, l) => tf.tensor2d(nb, [this.sizes[l + 1], 1])),
      nablaW: nablaW.map((nw, l) => tf.tensor2d(nw, [this.sizes[l + 1], this.sizes[l]])),
    };
  }

  /**
   * Train the neural network using mini-batch stochastic gradient descent. If testData is given the
   * network is evaluated against it after each epoch and the partial progress printed out, as Nielsen's.
   * Resolves when done; an interrupt (Stop, Ctrl-C) stops it between mini-batches with the weights
   * learned so far kept.
   */
  async SGD(trainingData: readonly TrainingPair[], epochs: number, miniBatchSize: number, eta: number,
    testData?: readonly TestPair[], options: SGDOptions = {}): Promise<TrainingHistory> {
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`SGD: epochs must be a non-negative integer, got ${epochs}`);
    if (!Number.isInteger(miniBatchSize) || miniBatchSize < 1) throw new RangeError(`SGD: miniBatchSize must be a positive integer, got ${miniBatchSize}`);
    if (!(eta > 0)) throw new RangeError(`SGD: eta must be a positive number, got ${eta}`);
    checkPairs(trainingData, "trainingData");
    if (testData !== undefined) checkPairs(testData, "testData");
    // read asynchronously first: the only way that works on every backend (WebGPU); later reads are cached
    await prefetchValues([...trainingData.flat(), ...(testData ?? []).map(([x]) => x), ...this.variables()]);
    const { xs, ys } = this.readTraining(trainingData, "trainingData");
    if (testData !== undefined) this.readTest(checkPairs(testData, "testData"), "testData"); // fail now, not after epoch 0
    const n = trainingData.length;
    const order = identity(n); // shuffling indices leaves the caller's array as it was
    const training = startTraining({ epochs, n, nTest: testData?.length, miniBatchSize }, options);
    this.pullFromTensors();
    try {
      for (let j = 0; j < epochs; j++) {
        this.random.shuffle(order); // random.shuffle(training_data)
        let cost = 0;
        for (let k = 0; k < n; k += miniBatchSize) {
          const m = Math.min(miniBatchSize, n - k); // mini_batch = training_data[k:k+mini_batch_size]
          cost += this.batched ? this.step(xs, ys, order, k, m, eta) : this.stepPerSample(trainingData, order.subarray(k, k + m), eta);
          const turn = training.afterMiniBatch(m); // a promise only when the event loop gets a turn
          if (turn !== undefined) await turn;
        }
        this.pushToTensors();
        await training.endEpoch(j, cost / n, testData !== undefined ? () => this.evaluate(testData) : undefined);
        await prefetchValues(this.variables()); // onEpoch may have assigned weights or biases:
        this.pullFromTensors(); // read them back
      }
    } finally {
      this.pushToTensors(); // interrupted or not, a cell sees the weights learned so far
      training.finish();
    }
    return training.history;
  }

  /** The number of test inputs for which the network outputs the correct result: argmax of the output. */
  evaluate(testData: readonly TestPair[]): number {
    const { xs, labels } = this.readTest(checkPairs(testData, "testData"), "testData");
    this.pullFromTensors();
    const chunk = EVALUATION_CHUNK;
    const buffers = this.trainerFor(chunk).buffers;
    const nIn = this.sizes[0];
    const nOut = this.sizes[this.numLayers - 1];
    const out = buffers.activations[this.numLayers - 1];
    let correct = 0;
    for (let start = 0; start < xs.length; start += chunk) {
      const m = Math.min(chunk, xs.length - start);
      for (let s = 0; s < m; s++) buffers.activations[0].set(xs[start + s], s * nIn);
      this.trainer.forward(m);
      for (let s = 0; s < m; s++) if (argmax(out, s * nOut, nOut) === labels[start + s]) correct++;
    }
    return correct;
  }

  /** Frees the parameter tensors. */
  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }

  // ── the typed-array path ──

  /** One batched update_mini_batch on samples order[start..start+m); returns the mini-batch's summed cost. */
  private step(xs: Float32Array[], ys: Float32Array[], order: Int32Array, start: number, m: number, eta: number): number {
    this.load(xs, ys, order, start, m);
    this.trainer.forward(m);
    const cost = quadraticCost(this.flat, this.trainer.buffers, m);
    this.trainer.backward(m);
    this.trainer.update(m, eta); // w - (eta/len(mini_batch))*nw, b - (eta/len(mini_batch))*nb
    this.flatAhead = true;
    return cost;
  }

  /** The per-sample tutorial update inside SGD; returns the mini-batch's summed cost (measured before it). */
  private stepPerSample(trainingData: readonly TrainingPair[], indices: Int32Array, eta: number): number {
    const miniBatch = Array.from(indices, (i) => trainingData[i]);
    const cost = tf.tidy(() => {
      const x = tf.concat(miniBatch.map(([x]) => tf.reshape(x, [-1, 1])), 1); // (n_in, m)
      const y = tf.concat(miniBatch.map(([, y]) => tf.reshape(y, [-1, 1])), 1);
      return tf.sum(tf.square(tf.sub(this.feedforward(x), y))).dataSync()[0] / 2;
    });
    this.updateMiniBatchPerSample(miniBatch, eta);
    return cost;
  }

  /** Copies samples order[start..start+m) into the mini-batch buffers; returns m. */
  private load(xs: Float32Array[], ys: Float32Array[], order: Int32Array, start: number, m: number): number {
    const buffers = this.trainerFor(m).buffers;
    const nIn = this.sizes[0];
    const nOut = this.sizes[this.numLayers - 1];
    for (let s = 0; s < m; s++) {
      buffers.activations[0].set(xs[order[start + s]], s * nIn);
      buffers.y.set(ys[order[start + s]], s * nOut);
    }
    return m;
  }

  /** The trainer, moved to a larger one (parameters copied) when m outgrows it. */
  private trainerFor(m: number): BatchedTrainer {
    if (this.trainer.capacity < m) this.trainer = new BatchedTrainer(this.sizes, m, this.flat);
    return this.trainer;
  }

  private get flat(): FlatParameters {
    return this.trainer.flat;
  }

  private readTraining(data: readonly TrainingPair[], name: string): { xs: Float32Array[]; ys: Float32Array[] } {
    const nIn = this.sizes[0];
    const nOut = this.sizes[this.numLayers - 1];
    const xs = data.map(([x], i) => columnValues(x, nIn, `${name}[${i}] x`));
    const ys = data.map(([, y], i) => targetValues(y, nOut, `${name}[${i}]`));
    return { xs, ys };
  }

  private readTest(data: readonly TestPair[], name: string): { xs: Float32Array[]; labels: number[] } {
    const nOut = this.sizes[this.numLayers - 1];
    return {
      xs: data.map(([x], i) => columnValues(x, this.sizes[0], `${name}[${i}] x`)),
      labels: data.map(([, label], i) => labelOf(label, nOut, `${name}[${i}]`)),
    };
  }

  // ── keeping the variables and the flat copies equal ──

  private variables(): tf.Variable[] {
    return [...this.biasVariables, ...this.weightVariables];
  }
  private flats(): Float32Array[] {
    return [...this.flat.biases, ...this.flat.weights];
  }

  /** Before a typed-array step: read back any variable a cell assigned since the last sync. */
  private pullFromTensors(): void {
    if (this.flatAhead) return;
    const flats = this.flats();
    this.variables().forEach((v, k) => {
      if (v.dataId === this.syncedIds[k]) return;
      flats[k].set(tensorValues(v)); // prefetched by SGD (any backend), else dataSync (cpu, wasm)
      this.syncedIds[k] = v.dataId;
    });
  }

  /** After typed-array steps: write the flat copies into the variables (new data; identities stay). */
  private pushToTensors(): void {
    if (!this.flatAhead) return;
    const flats = this.flats();
    this.variables().forEach((v, k) => {
      const value = tf.tensor(flats[k].slice(), v.shape, "float32"); // a copy: the flat array keeps changing
      v.assign(value);
      value.dispose(); // the variable holds its own reference to the data
      this.syncedIds[k] = v.dataId;
    });
    this.flatAhead = false;
  }

  private assign(variables: tf.Variable[], values: tf.Tensor[], name: string): void {
    if (!Array.isArray(values) || values.length !== variables.length) {
      throw new RangeError(`Network.${name} must be a list of ${variables.length} tensors, got ${Array.isArray(values) ? values.length : typeof values}`);
    }
    this.pushToTensors(); // the other list's pending steps must not be lost
    values.forEach((t, l) => {
      if (t.shape.join() !== variables[l].shape.join()) {
        throw new RangeError(`Network.${name}[${l}] must have shape [${variables[l].shape.join(", ")}], got [${t.shape.join(", ")}]`);
      }
    });
    values.forEach((t, l) => {
      const value = t.dtype === "float32" ? t : tf.cast(t, "float32");
      variables[l].assign(value);
      if (value !== t) value.dispose();
    });
  }
}

/** A trainable variable holding a copy of `values` (the initial tensor is released: the variable keeps the data). */
function variableOf(values: Float32Array, shape: [number, number]): tf.Variable {
  const initial = tf.tensor2d(values.slice(), shape);
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

/** σ'(z) = σ(z)(1 − σ(z)). */
export function sigmoidPrime(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const s = tf.sigmoid(z);
    return tf.mul(s, tf.sub(1, s));
  });
}

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
  return a.map((x, i) => [x, b[i]]);
}

/** Python's negative indexing: at(list, -1) is the last item. */
function at<T>(list: readonly T[], index: number): T {
  return list[index < 0 ? list.length + index : index];
}

// Evaluation runs this many samples a forward pass; the trainer's buffers are sized for it.
const EVALUATION_CHUNK = 256;

function identity(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}
