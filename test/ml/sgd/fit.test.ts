// The tfjs way: tf.sequential + tf.train.sgd(eta) + optimizer.minimize on the quadratic cost is Nielsen's
// update (the same numpy hand computation as network.test.ts), leaks nothing, and learns the digits.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { fixture } from "../../helpers/tools";
import { fit, nielsenSequential, Network, type StepResult, type TrainingPair } from "../../../src/ml/sgd";
import { datasets } from "../../../src/ml/datasets";
import { assertClose } from "./close";

interface Step { sizes: number[]; eta: number; biases: number[][]; weights: number[][]; xs: number[][]; labels: number[]; biases_after: number[][]; weights_after: number[][] }
const step = (JSON.parse(fs.readFileSync(fixture("sgd", "network.json"), "utf8")) as { step: Step }).step;

before(async () => {
  await tf.setBackend("cpu");
});

function fixtureModel(): { model: tf.Sequential; data: TrainingPair[] } {
  const model = nielsenSequential(step.sizes, { seed: 7 });
  tf.tidy(() => model.layers.forEach((layer, l) => layer.setWeights([
    tf.transpose(tf.tensor2d(step.weights[l], [step.sizes[l + 1], step.sizes[l]])), tf.tensor1d(step.biases[l]),
  ])));
  const data = step.xs.map((x, i): TrainingPair => [tf.tensor2d(x, [x.length, 1]), tf.oneHot([step.labels[i]], 3).reshape([3, 1])]);
  return { model, data };
}

test("nielsenSequential starts where Network(sizes, { seed }) starts", () => {
  const model = nielsenSequential([64, 30, 10], { seed: 3 });
  const net = new Network([64, 30, 10], { seed: 3 });
  const [kernel, bias] = model.layers[1].getWeights();
  assertClose(tf.tidy(() => tf.transpose(kernel).dataSync()), net.weights[1].dataSync(), 0, "weights[1]");
  assertClose(bias.dataSync(), net.biases[1].dataSync(), 0, "biases[1]");
  model.dispose();
  net.dispose();
});

test("fit with tf.train.sgd(eta) on the quadratic cost takes Nielsen's step: w - (eta/len(mini_batch))*nw", async () => {
  const { model, data } = fixtureModel();
  const steps: StepResult[] = [];
  await fit(model, data, { epochs: 1, batchSize: data.length, optimizer: tf.train.sgd(step.eta), seed: 1, onStep: (s) => void steps.push(s) });
  assert.equal(steps.length, 1);
  model.layers.forEach((layer, l) => {
    const [kernel, bias] = layer.getWeights();
    assertClose(tf.tidy(() => tf.transpose(kernel).dataSync()), step.weights_after[l], 1e-5, `weights[${l}]`);
    assertClose(bias.dataSync(), step.biases_after[l], 1e-5, `biases[${l}]`);
  });
  for (const [x, y] of data) tf.dispose([x, y]);
  model.dispose();
});

test("a fit step leaves tf.memory().numTensors unchanged", async () => {
  const { model, data } = fixtureModel();
  const optimizer = tf.train.sgd(1);
  await fit(model, data, { epochs: 1, batchSize: 2, optimizer }); // warm: layers build lazily
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  await fit(model, data, { epochs: 2, batchSize: 2, optimizer, testData: data.map(([x], i): [tf.Tensor, number] => [x, step.labels[i]]), onStep: () => void counts.push(tf.memory().numTensors) });
  assert.deepEqual(counts, new Array<number>(4).fill(before));
  assert.equal(tf.memory().numTensors, before);
  for (const [x, y] of data) tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
});

test("fit learns the digits with tf.train.sgd(3.0) as SGD does", async () => {
  const { training, test: testData } = datasets.digits();
  const model = nielsenSequential([64, 30, 10], { seed: 0 });
  const history = await fit(model, training, { epochs: 10, batchSize: 10, optimizer: tf.train.sgd(3.0), seed: 0, testData });
  const last = history.epochs[9];
  assert.ok((last.accuracy ?? 0) >= 0.85, `accuracy after 10 epochs: ${last.accuracy}`);
  assert.ok(last.loss < history.epochs[0].loss);
  await assert.rejects(fit(model, training, { epochs: 1, batchSize: 0, optimizer: tf.train.sgd(1) }), /batchSize must be a positive integer, got 0/);
  model.dispose();
  for (const [x, y] of training) tf.dispose([x, y]);
  for (const [x] of testData) x.dispose();
});
