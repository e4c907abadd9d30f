// Nielsen's network against numpy running Nielsen's own network.py (test/fixtures/sgd/make_fixtures.py):
// the seeded draws, one backprop, one update_mini_batch (the hand computation), both implementations.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { fixture } from "../../helpers/tools";
import { Network, type TrainingPair } from "../../../src/ml/sgd";
import { PythonRandom } from "../../../src/ml/sgd/random";
import { assertClose } from "./close";

interface StepFixture {
  sizes: number[];
  eta: number;
  biases: number[][];
  weights: number[][];
  xs: number[][];
  labels: number[];
  backprop0: { nablaB: number[][]; nablaW: number[][] };
  sum_nablaB: number[][];
  sum_nablaW: number[][];
  biases_after: number[][];
  weights_after: number[][];
  feedforward_after_x0: number[];
}
interface NetworkFixture {
  seed2_784_30_10: { biases0_first5: number[]; biases1: number[]; weights0_first5: number[]; weights1_last5: number[] };
  python_shuffle_seed2_25: number[][];
  python_shuffle_seed_2pow40_plus5_10: number[];
  step: StepFixture;
}

const ref = JSON.parse(fs.readFileSync(fixture("sgd", "network.json"), "utf8")) as NetworkFixture;

/** A network holding the fixture's starting parameters, and the fixture's mini-batch as tensors. */
function fixtureNetwork(batched: boolean): { net: Network; miniBatch: TrainingPair[] } {
  const s = ref.step;
  const net = new Network(s.sizes, { batched, seed: 7 }); // one seed: both shuffle alike
  tf.tidy(() => {
    net.biases = s.biases.map((b, l) => tf.tensor2d(b, [s.sizes[l + 1], 1]));
    net.weights = s.weights.map((w, l) => tf.tensor2d(w, [s.sizes[l + 1], s.sizes[l]]));
  });
  const miniBatch = s.xs.map((x, i): TrainingPair => {
    const y = new Array<number>(s.sizes[s.sizes.length - 1]).fill(0);
    y[s.labels[i]] = 1;
    return [tf.tensor2d(x, [x.length, 1]), tf.tensor2d(y, [y.length, 1])];
  });
  return { net, miniBatch };
}

function disposePairs(pairs: TrainingPair[]): void {
  for (const [x, y] of pairs) tf.dispose([x, y]);
}

before(async () => {
  await tf.setBackend("cpu");
});

describe("seeded like network.py", () => {
  test("Network(sizes, { seed }) draws biases then weights as np.random.seed(seed); np.random.randn", () => {
    const net = new Network([784, 30, 10], { seed: 2 });
    const r = ref.seed2_784_30_10;
    assertClose(net.biases[0].dataSync().slice(0, 5), r.biases0_first5, 1e-6, "biases[0]");
    assertClose(net.biases[1].dataSync(), r.biases1, 1e-6, "biases[1]");
    assertClose(net.weights[0].dataSync().slice(0, 5), r.weights0_first5, 1e-6, "weights[0]");
    assertClose(net.weights[1].dataSync().slice(-5), r.weights1_last5, 1e-6, "weights[1]");
    assert.deepEqual(net.weights.map((w) => w.shape), [[30, 784], [10, 30]]);
    assert.deepEqual(net.biases.map((b) => b.shape), [[30, 1], [10, 1]]);
    net.dispose();
  });

  test("the shuffle is random.seed(seed); random.shuffle(list), epoch after epoch", () => {
    const random = new PythonRandom(2);
    const order = Array.from({ length: 25 }, (_, i) => i);
    random.shuffle(order);
    assert.deepEqual(order, ref.python_shuffle_seed2_25[0]);
    random.shuffle(order);
    assert.deepEqual(order, ref.python_shuffle_seed2_25[1]);
    const big = new PythonRandom(2 ** 40 + 5); // a seed over 32 bits: two key words
    const ten = Array.from({ length: 10 }, (_, i) => i);
    big.shuffle(ten);
    assert.deepEqual(ten, ref.python_shuffle_seed_2pow40_plus5_10);
  });
});

describe("one step, against Nielsen's numpy code", () => {
  const s = ref.step;

  test("backprop(x, y) gives Nielsen's nabla_b and nabla_w", () => {
    const { net, miniBatch } = fixtureNetwork(false);
    const { nablaB, nablaW } = net.backprop(miniBatch[0][0], miniBatch[0][1]);
    nablaB.forEach((nb, l) => assertClose(nb.dataSync(), s.backprop0.nablaB[l], 1e-5, `nablaB[${l}]`));
    nablaW.forEach((nw, l) => assertClose(nw.dataSync(), s.backprop0.nablaW[l], 1e-5, `nablaW[${l}]`));
    assert.deepEqual(nablaW.map((nw) => nw.shape), net.weights.map((w) => w.shape));
    tf.dispose([...nablaB, ...nablaW]);
    disposePairs(miniBatch);
    net.dispose();
  });

  for (const batched of [true, false]) {
    test(`updateMiniBatch (${batched ? "batched" : "per sample"}) equals update_mini_batch: w - (eta/len(mini_batch))*nw`, () => {
      const { net, miniBatch } = fixtureNetwork(batched);
      net.updateMiniBatch(miniBatch, s.eta);
      net.weights.forEach((w, l) => assertClose(w.dataSync(), s.weights_after[l], 1e-5, `weights[${l}]`));
      net.biases.forEach((b, l) => assertClose(b.dataSync(), s.biases_after[l], 1e-5, `biases[${l}]`));
      const out = net.feedforward(miniBatch[0][0]);
      assertClose(out.dataSync(), s.feedforward_after_x0, 1e-5, "feedforward(x0)");
      out.dispose();
      disposePairs(miniBatch);
      net.dispose();
    });
  }

  test("the batched backprop of a mini-batch equals the sum of per-sample backprops", () => {
    const { net, miniBatch } = fixtureNetwork(true);
    const batched = net.backpropMiniBatch(miniBatch);
    const perSample = miniBatch.map(([x, y]) => net.backprop(x, y));
    batched.nablaW.forEach((nw, l) => {
      const sum = tf.tidy(() => tf.addN(perSample.map((g) => g.nablaW[l])).dataSync());
      assertClose(nw.dataSync(), sum, 1e-5, `Σ nablaW[${l}]`);
      assertClose(nw.dataSync(), s.sum_nablaW[l], 1e-5, `nabla_w[${l}] (numpy)`);
    });
    batched.nablaB.forEach((nb, l) => assertClose(nb.dataSync(), s.sum_nablaB[l], 1e-5, `nabla_b[${l}] (numpy)`));
    tf.dispose([...batched.nablaB, ...batched.nablaW, ...perSample.flatMap((g) => [...g.nablaB, ...g.nablaW])]);
    disposePairs(miniBatch);
    net.dispose();
  });

  test("batched and per-sample SGD stay together over several epochs", async () => {
    const a = fixtureNetwork(true);
    const b = fixtureNetwork(false);
    const data = [...a.miniBatch, ...a.miniBatch.map(([x, y]): TrainingPair => [tf.mul(x, 0.5), y])];
    const test = data.map(([x], i): [tf.Tensor, number] => [x, s.labels[i % s.labels.length]]);
    await a.net.SGD(data, 5, 3, s.eta, test, { verbose: false });
    await b.net.SGD(data, 5, 3, s.eta, test, { verbose: false });
    a.net.weights.forEach((w, l) => assertClose(w.dataSync(), b.net.weights[l].dataSync(), 1e-4, `weights[${l}]`));
    a.net.biases.forEach((w, l) => assertClose(w.dataSync(), b.net.biases[l].dataSync(), 1e-4, `biases[${l}]`));
    tf.dispose(data.slice(a.miniBatch.length).map(([x]) => x));
    disposePairs(a.miniBatch);
    disposePairs(b.miniBatch);
    a.net.dispose();
    b.net.dispose();
  });
});

describe("no tensor leaks", () => {
  test("a Network holds four tensors for [n, h, o] and gives them all back on dispose()", () => {
    const before = tf.memory().numTensors;
    const net = new Network([64, 30, 10], { seed: 0 });
    assert.equal(tf.memory().numTensors, before + 4);
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  for (const batched of [true, false]) {
    test(`a training step leaves tf.memory().numTensors unchanged (${batched ? "batched" : "per sample"})`, async () => {
      const { net, miniBatch } = fixtureNetwork(batched);
      net.updateMiniBatch(miniBatch, 3); // warm: any lazily made tensor is made now
      const before = tf.memory().numTensors;
      net.updateMiniBatch(miniBatch, 3);
      assert.equal(tf.memory().numTensors, before, "updateMiniBatch");
      await net.SGD(miniBatch, 2, 2, 3, miniBatch.map(([x], i): [tf.Tensor, number] => [x, i % 3]), { verbose: false });
      assert.equal(tf.memory().numTensors, before, "SGD");
      net.evaluate(miniBatch.map(([x]): [tf.Tensor, number] => [x, 0]));
      tf.dispose(net.feedforward(miniBatch[0][0]));
      assert.equal(tf.memory().numTensors, before, "evaluate, feedforward");
      disposePairs(miniBatch);
      net.dispose();
    });
  }
});

describe("parameters a cell sees", () => {
  test("weights read after training are the trained values; a tensor held from before sees them too", () => {
    const { net, miniBatch } = fixtureNetwork(true);
    const held = net.weights[0];
    net.updateMiniBatch(miniBatch, ref.step.eta);
    assertClose(held.dataSync(), ref.step.weights_after[0], 1e-5, "held weights[0]");
    disposePairs(miniBatch);
    net.dispose();
  });

  test("weights assigned by a cell are what the next batched step starts from", () => {
    const { net, miniBatch } = fixtureNetwork(true);
    net.weights = net.weights.map((w) => tf.zerosLike(w)); // the typed-array copy must be read back
    net.biases = net.biases.map((b) => tf.zerosLike(b));
    net.updateMiniBatch(miniBatch, 1);
    // from all-zero parameters every hidden activation is 1/2 and a_L = 1/2: nabla_b[L] = Σ (1/2 - y)/4
    const bL = net.biases[2].dataSync();
    const counts = [0, 0, 0];
    for (const label of ref.step.labels) counts[label]++;
    const expected = counts.map((c) => -(1 / 4) * (4 * 0.5 - c) * 0.25);
    assertClose(bL, expected, 1e-6, "biases[2]");
    disposePairs(miniBatch);
    net.dispose();
  });

  test("SGD reads tensors with await data(), so it trains where dataSync() throws (WebGPU in Node)", async () => {
    const { net, miniBatch } = fixtureNetwork(true);
    const noSync = (): never => {
      throw new Error("dataSync() is not available here");
    };
    const data = miniBatch.map(([x, y]): TrainingPair => [tf.clone(x), tf.clone(y)]);
    for (const t of [...data.flat(), ...net.weights, ...net.biases]) Object.defineProperty(t, "dataSync", { value: noSync });
    const history = await net.SGD(data, 1, 4, ref.step.eta, data.map(([x], i): [tf.Tensor, number] => [x, ref.step.labels[i]]), { verbose: false });
    assert.equal(history.epochs.length, 1);
    const after = await net.weights[0].data(); // one mini-batch of all four samples: the fixture's step
    assertClose(after, ref.step.weights_after[0], 1e-5, "weights[0]");
    for (const [x, y] of data) tf.dispose([x, y]);
    disposePairs(miniBatch);
    net.dispose();
  });

  test("bad input says what and where", async () => {
    const net = new Network([4, 3, 2], { seed: 1 });
    const x = tf.zeros([5, 1]);
    const y = tf.tensor2d([1, 0], [2, 1]);
    assert.throws(() => net.updateMiniBatch([[x, y]], 1), /miniBatch\[0\] x has shape \[5, 1\]; the network takes a column of shape \[4, 1\]/);
    await assert.rejects(net.SGD([[tf.zeros([4, 1]), y]], 1, 0, 1), /miniBatchSize must be a positive integer, got 0/);
    assert.throws(() => net.evaluate([[tf.zeros([4, 1]), 7]]), /testData\[0\] label 7 is not an integer in \[0, 2\)/);
    assert.throws(() => { net.weights = [tf.zeros([3, 4])]; }, /Network.weights must be a list of 2 tensors, got 1/);
    assert.throws(() => new Network([4]), /at least two positive integer layer sizes/);
    net.dispose();
  });
});
