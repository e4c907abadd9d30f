// Done-when of issue 7: Nielsen's algorithm learns the digits. [64, 30, 10], eta 3.0, mini-batch 10,
// 30 epochs on the 1500 training digits reaches ≥ 0.90 on the 297 held out, as network.py itself does
// on the same split with the same seeds (test/fixtures/sgd/digits_nielsen.json, made by numpy).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { fixture } from "../../helpers/tools";
import { Network, type EpochResult } from "../../../src/ml/sgd";
import { datasets } from "../../../src/ml/datasets";

interface Run { seed: number; correct_per_epoch: number[]; test_n: number }
const nielsen = JSON.parse(fs.readFileSync(fixture("sgd", "digits_nielsen.json"), "utf8")) as { runs: Run[] };

before(async () => {
  await tf.setBackend("cpu");
});

test("digits, [64, 30, 10], eta 3.0, mini-batch 10, 30 epochs: ≥ 0.90 held out, as network.py", async () => {
  const { training, test: testData } = datasets.digits();
  for (const run of nielsen.runs) {
    const net = new Network([64, 30, 10], { seed: run.seed });
    const epochs: EpochResult[] = [];
    const history = await net.SGD(training, 30, 10, 3.0, testData, { verbose: false, onEpoch: (e) => void epochs.push(e) });
    assert.deepEqual(history.epochs, epochs);
    const final = net.evaluate(testData);
    assert.equal(final, epochs[29].correct);
    assert.ok(final / testData.length >= 0.9, `seed ${run.seed}: ${final} / ${testData.length}`);
    // the same seeds give network.py's shuffles and start; float32 against float64 drifts a few digits apart
    const theirs = run.correct_per_epoch[29];
    assert.ok(Math.abs(final - theirs) <= 8, `seed ${run.seed}: ${final} here, ${theirs} in network.py`);
    assert.ok(epochs[29].loss < epochs[0].loss, "the cost falls");
    net.dispose();
  }
  for (const [x, y] of training) tf.dispose([x, y]);
  for (const [x] of testData) x.dispose();
});
