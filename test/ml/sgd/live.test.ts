// What SGD shows and obeys in a notebook: the live loss/accuracy curve and the progress bar through the
// display sink, and Stop (the runtime's interrupt check) ending training between mini-batches with the
// weights learned so far kept.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { setDisplaySink, type DisplaySink } from "../../../src/display/channel";
import type { DisplayData } from "../../../src/display/mime";
import { Network, fit, nielsenSequential } from "../../../src/ml/sgd";
import { datasets } from "../../../src/ml/datasets";

before(async () => {
  await tf.setBackend("cpu");
});

const PLOTLY = "application/vnd.plotly.v1+json";

interface PlotJson { data: { name: string; y: (number | null)[] }[] }

test("in a notebook SGD shows a live plot.losses (loss and accuracy per epoch) and a progress bar", async () => {
  const shown: DisplayData[] = [];
  const updates: DisplayData[] = [];
  const sink: DisplaySink = { rich: true, display: (o) => void shown.push(o), update: (o) => void updates.push(o), clearOutput: () => {} };
  const previous = setDisplaySink(sink);
  const { training, test: testData } = datasets.digits();
  const net = new Network([64, 30, 10], { seed: 1 });
  try {
    await net.SGD(training.slice(0, 300), 3, 10, 3.0, testData, { verbose: false });
  } finally {
    setDisplaySink(previous);
  }
  const plot = shown.find((o) => PLOTLY in o.data);
  const bar = shown.find((o) => !(PLOTLY in o.data));
  assert.ok(plot !== undefined && bar !== undefined, "a plot and a bar were displayed");
  assert.ok(typeof plot.data["text/plain"] === "string");
  const last = (id: string | undefined): DisplayData | undefined => updates.filter((u) => u.transient?.display_id === id).pop();
  const finalPlot = last(plot.transient?.display_id)?.data[PLOTLY] as PlotJson;
  const names = finalPlot.data.map((t) => t.name).sort();
  assert.deepEqual(names, ["accuracy", "loss"]);
  assert.equal(finalPlot.data.find((t) => t.name === "loss")?.y.length, 3, "one loss point an epoch");
  const finalBar = String(last(bar.transient?.display_id)?.data["text/plain"]);
  assert.match(finalBar, /900\/900/, `the bar counts samples: ${finalBar}`);
  net.dispose();
  for (const [x, y] of training) tf.dispose([x, y]);
  for (const [x] of testData) x.dispose();
});

test("Stop between mini-batches: SGD rejects with the interrupt, the weights learned so far are kept", async () => {
  const { training, test: testData } = datasets.digits();
  const net = new Network([64, 30, 10], { seed: 0 });
  const before = net.evaluate(testData);
  const key = Symbol.for("tensorbook.checkInterrupt");
  const holder = globalThis as { [k: symbol]: unknown };
  let calls = 0;
  class KeyboardInterrupt extends Error {}
  holder[key] = () => {
    if (++calls > 120) throw new KeyboardInterrupt("interrupted"); // mid-way through the first epoch
  };
  const held = net.weights[0];
  try {
    await assert.rejects(net.SGD(training, 5, 10, 3.0, testData, { verbose: false }), KeyboardInterrupt);
  } finally {
    delete holder[key];
  }
  assert.ok(calls <= 122, `stopped at once (${calls} checks)`);
  const after = net.evaluate(testData);
  assert.ok(after > before + 50, `120 mini-batches were learned and kept: ${before} → ${after} / 297`);
  // the tensors a cell holds show those weights: feedforward (tf ops on the variables) agrees with evaluate
  const viaTensors = tf.tidy(() => {
    const x = tf.concat(testData.map(([x]) => x), 1); // (64, 297)
    const predicted = tf.argMax(net.feedforward(x), 0).dataSync();
    return testData.filter(([, label], i) => predicted[i] === label).length;
  });
  assert.equal(viaTensors, after);
  assert.equal(held, net.weights[0], "the same variable, updated in place");
  net.dispose();
  for (const [x, y] of training) tf.dispose([x, y]);
  for (const [x] of testData) x.dispose();
});

test("fit shows the same live plot and bar in a notebook", async () => {
  const shown: DisplayData[] = [];
  const updates: DisplayData[] = [];
  const sink: DisplaySink = { rich: true, display: (o) => void shown.push(o), update: (o) => void updates.push(o), clearOutput: () => {} };
  const previous = setDisplaySink(sink);
  const { training, test: testData } = datasets.digits();
  const model = nielsenSequential([64, 30, 10], { seed: 1 });
  try {
    await fit(model, training.slice(0, 200), { epochs: 2, batchSize: 10, optimizer: tf.train.sgd(3.0), testData });
  } finally {
    setDisplaySink(previous);
  }
  const plot = shown.find((o) => PLOTLY in o.data);
  const finalPlot = updates.filter((u) => u.transient?.display_id === plot?.transient?.display_id).pop()?.data[PLOTLY] as PlotJson;
  assert.equal(finalPlot.data.find((t) => t.name === "accuracy")?.y.length, 2);
  const bar = shown.find((o) => !(PLOTLY in o.data));
  assert.match(String(updates.filter((u) => u.transient?.display_id === bar?.transient?.display_id).pop()?.data["text/plain"]), /400\/400/);
  model.dispose();
  for (const [x, y] of training) tf.dispose([x, y]);
  for (const [x] of testData) x.dispose();
});
