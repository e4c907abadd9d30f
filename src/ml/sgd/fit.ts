// The second way to train the same net: TensorFlow.js does the calculus. A tf.sequential of dense sigmoid
// layers (or any function of a batch), a loss, and an optimizer from tf.train; each step is
//   optimizer.minimize(() => loss(model(xBatch), yBatch))
// which records the forward pass, backpropagates through it and applies the update, as PyTorch's
// loss.backward(); optimizer.step(). With tf.train.sgd(eta) and the quadratic cost averaged over the
// mini-batch this is exactly Nielsen's update (tested against Network.updateMiniBatch).
//
// Data stays in Nielsen's shapes (columns [n_in, 1]); fit stacks a mini-batch into rows [m, n_in], the
// layout tf.layers expect.
import * as tf from "@tensorflow/tfjs";
import { columnValues, checkPairs, labelOf, targetValues, type TestPair, type TrainingPair } from "./data";
import { Network } from "./network";
import { PythonRandom } from "./random";
import { Training, type EpochResult } from "./live";

/** A model: a tf.LayersModel (tf.sequential …) or a function from a batch of rows to outputs. */
export type Model = tf.LayersModel | ((x: tf.Tensor2D) => tf.Tensor);

/** ½‖a − y‖² averaged over the mini-batch: Nielsen's quadratic cost C = (1/2n) Σ_x ‖y(x) − a‖². */
export function quadraticCost(yPred: tf.Tensor, yTrue: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.square(tf.sub(yPred, yTrue))), 2 * yPred.shape[0]) as tf.Scalar);
}

export interface StepResult {
  step: number;
  epoch: number;
  loss: number;
}

/** One epoch's figures: Network.SGD's EpochResult, with loss the mean of the epoch's mini-batch losses. */
export type FitEpochResult = EpochResult;

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** tf.train.sgd(eta), tf.train.adam(), … */
  optimizer: tf.Optimizer;
  /** Default quadraticCost; tf.losses.softmaxCrossEntropy etc. fit too. */
  loss?: (yPred: tf.Tensor, yTrue: tf.Tensor) => tf.Scalar;
  /** Evaluated after each epoch (argmax of the output against the label). */
  testData?: readonly TestPair[];
  /** Seeds the shuffle each epoch (Python's random.shuffle, as Network.SGD). */
  seed?: number;
  /** After each mini-batch, with its loss (reading the loss back costs a sync each step). */
  onStep?: (step: StepResult) => void | Promise<void>;
  onEpoch?: (epoch: FitEpochResult) => void | Promise<void>;
  /** A live plot.losses of loss (and accuracy) per epoch, as Network.SGD's. Default: in a notebook. */
  plot?: boolean;
  /** A progress bar counting samples. Default: in a notebook. */
  progress?: boolean;
}

export interface FitHistory {
  epochs: FitEpochResult[];
}

/** Mini-batch training with a tfjs optimizer, in Nielsen's loop: shuffle, slice, step, evaluate. */
export async function fit(model: Model, data: readonly TrainingPair[], options: FitOptions): Promise<FitHistory> {
  const { epochs, batchSize, optimizer, loss = quadraticCost, testData, onStep, onEpoch } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  if (optimizer === undefined || typeof optimizer.minimize !== "function") throw new TypeError("fit: options.optimizer must be a tf.train optimizer, e.g. tf.train.sgd(3.0)");
  checkPairs(data, "data");
  if (data.length === 0) throw new RangeError("fit: data is empty");
  const forward = typeof model === "function" ? model : (x: tf.Tensor2D) => model.apply(x, { training: true }) as tf.Tensor;
  const nIn = data[0][0].size;
  const nOut = typeof data[0][1] === "number" ? outputSize(forward, nIn) : (data[0][1] as tf.Tensor).size;
  const xs = data.map(([x], i) => columnValues(x, nIn, `data[${i}] x`));
  const ys = data.map(([, y], i) => targetValues(y, nOut, `data[${i}]`));
  const random = new PythonRandom(options.seed ?? Math.floor(Math.random() * 0xffffffff));
  const order = Int32Array.from({ length: data.length }, (_, i) => i);
  // the same loss plot, progress bar, interrupt check and history as Network.SGD; fit prints nothing
  const training = new Training({ epochs, n: data.length, nTest: testData?.length, miniBatchSize: batchSize },
    { onEpoch, plot: options.plot, progress: options.progress, verbose: false }, `fit: ${data.length} samples, batch ${batchSize}`);
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      random.shuffle(order);
      let lossSum = 0;
      let batches = 0;
      for (let k = 0; k < data.length; k += batchSize) {
        const batch = order.subarray(k, k + batchSize);
        const cost = tf.tidy(() => {
          const x = tf.tensor2d(gather(xs, batch, nIn), [batch.length, nIn]); // (m, n_in)
          const y = tf.tensor2d(gather(ys, batch, nOut), [batch.length, nOut]); // (m, n_out)
          return optimizer.minimize(() => loss(forward(x), y), true) as tf.Scalar;
        });
        const value = (await cost.data())[0];
        cost.dispose();
        lossSum += value;
        batches++;
        await onStep?.({ step: step++, epoch, loss: value });
        const turn = training.afterMiniBatch(batch.length); // Stop ends training between steps
        if (turn !== undefined) await turn;
      }
      await training.endEpoch(epoch, lossSum / batches, testData !== undefined ? () => evaluateModel(forward, testData, nIn, nOut) : undefined);
    }
  } finally {
    training.finish();
  }
  return training.history;
}

/** How many test inputs the model classifies right (argmax of its output against the label). */
export function evaluateModel(forward: (x: tf.Tensor2D) => tf.Tensor, testData: readonly TestPair[], nIn: number, nOut: number): number {
  checkPairs(testData, "testData");
  const xs = testData.map(([x], i) => columnValues(x, nIn, `testData[${i}] x`));
  const labels = testData.map(([, label], i) => labelOf(label, nOut, `testData[${i}]`));
  let correct = 0;
  for (let start = 0; start < xs.length; start += 512) {
    const idx = Int32Array.from({ length: Math.min(512, xs.length - start) }, (_, i) => start + i);
    const predicted = tf.tidy(() => tf.argMax(forward(tf.tensor2d(gather(xs, idx, nIn), [idx.length, nIn])), 1).dataSync());
    predicted.forEach((p, i) => { if (p === labels[idx[i]]) correct++; });
  }
  return correct;
}

/**
 * tf.sequential of dense sigmoid layers shaped like Network(sizes), starting from the same weights as
 * `new Network(sizes, { seed })` (a dense kernel is w transposed: [n_in, n_out]).
 */
export function nielsenSequential(sizes: number[], { seed }: { seed?: number } = {}): tf.Sequential {
  const net = new Network(sizes, { seed });
  const model = tf.sequential();
  sizes.slice(1).forEach((units, l) => {
    model.add(tf.layers.dense({ units, activation: "sigmoid", ...(l === 0 && { inputShape: [sizes[0]] }) }));
  });
  tf.tidy(() => {
    model.layers.forEach((layer, l) => layer.setWeights([tf.transpose(net.weights[l]), tf.reshape(net.biases[l], [sizes[l + 1]])]));
  });
  net.dispose();
  return model;
}

function gather(rows: Float32Array[], indices: Int32Array, width: number): Float32Array {
  const out = new Float32Array(indices.length * width);
  indices.forEach((i, s) => out.set(rows[i], s * width));
  return out;
}

function outputSize(forward: (x: tf.Tensor2D) => tf.Tensor, nIn: number): number {
  return tf.tidy(() => forward(tf.zeros([1, nIn])).shape[1] ?? 1);
}
