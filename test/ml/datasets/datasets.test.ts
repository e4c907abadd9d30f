// The loaders against numpy reading the same files (test/fixtures/sgd/make_fixtures.py → datasets.json):
// digits as shipped in data/, MNIST IDX gzipped and not, Nielsen's pickle in its Python 2 and 3 forms.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { fixture } from "../../helpers/tools";
import { datasets, readIdx, type Dataset } from "../../../src/ml/datasets";

interface Part { n: number; x_sum: number; x_last_row_sum: number; labels_first5: number[] }
interface DatasetsFixture {
  digits: { n: number; row0: number[]; label0: number; train_label_counts: number[]; test_label_counts: number[]; test_x_sum: number };
  mnist: { n: number; labels_first10: number[]; image0_sum_over_255: number; image9999_argmax: number; label_counts: number[] };
  [pickle: string]: unknown;
}
const ref = JSON.parse(fs.readFileSync(fixture("sgd", "datasets.json"), "utf8")) as DatasetsFixture;

const sum = (t: tf.Tensor): number => (t.dataSync() as Float32Array).reduce((a, b) => a + b, 0);
const oneHotLabel = (y: tf.Tensor): number => (y.dataSync() as Float32Array).indexOf(1);
const counts = (labels: number[]): number[] => labels.reduce((c, l) => (c[l]++, c), new Array<number>(10).fill(0));

function disposeDataset(d: Dataset): void {
  for (const [x, y] of d.training) tf.dispose([x, y]);
  for (const [x] of [...(d.validation ?? []), ...d.test]) x.dispose();
}

before(async () => {
  await tf.setBackend("cpu");
});

describe("datasets.digits()", () => {
  test("1500 training pairs and the 297 held out, x/16 in Nielsen's shapes", () => {
    const d = datasets.digits();
    assert.equal(d.training.length, 1500);
    assert.equal(d.test.length, 297);
    assert.equal(d.validation, undefined);
    const [x0, y0] = d.training[0];
    assert.deepEqual(x0.shape, [64, 1]);
    assert.deepEqual(y0.shape, [10, 1]);
    assert.deepEqual(Array.from(x0.dataSync()), ref.digits.row0);
    assert.equal(oneHotLabel(y0), ref.digits.label0);
    assert.deepEqual(counts(d.training.map(([, y]) => oneHotLabel(y))), ref.digits.train_label_counts);
    assert.deepEqual(counts(d.test.map(([, label]) => label)), ref.digits.test_label_counts);
    const testSum = d.test.reduce((s, [x]) => s + sum(x), 0);
    assert.ok(Math.abs(testSum - ref.digits.test_x_sum) < 1e-3, `Σ test x = ${testSum}, numpy ${ref.digits.test_x_sum}`);
    disposeDataset(d);
  });

  test("a bad row is named by line and field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "digits-"));
    const file = path.join(dir, "bad.csv.gz");
    fs.writeFileSync(file, zlib.gzipSync("0,".repeat(64) + "3\n" + "0,".repeat(63) + "17,3\n"));
    assert.throws(() => datasets.digits(file), /bad\.csv\.gz: line 2, field 64 is "17", expected an integer in 0\.\.16/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("datasets.mnist(folder)", () => {
  test("t10k gzipped: 10000 test pairs equal to numpy's reading; no train files is said, not hidden", () => {
    const d = datasets.mnist(fixture("sgd", "mnist"));
    assert.equal(d.test.length, ref.mnist.n);
    assert.deepEqual(d.training, []);
    assert.deepEqual(d.missing, ["train-images-idx3-ubyte[.gz]", "train-labels-idx1-ubyte[.gz]"]);
    assert.deepEqual(d.test.slice(0, 10).map(([, label]) => label), ref.mnist.labels_first10);
    assert.deepEqual(counts(d.test.map(([, label]) => label)), ref.mnist.label_counts);
    assert.deepEqual(d.test[0][0].shape, [784, 1]);
    assert.ok(Math.abs(sum(d.test[0][0]) - ref.mnist.image0_sum_over_255) < 1e-3);
    assert.equal(tf.tidy(() => tf.argMax(d.test[9999][0].flatten()).dataSync()[0]), ref.mnist.image9999_argmax);
    disposeDataset(d);
  });

  test("uncompressed IDX reads the same values as the gzipped file", () => {
    const raw = readIdx(fixture("sgd", "mnist-raw", "t10k-images-idx3-ubyte"));
    const gz = readIdx(fixture("sgd", "mnist", "t10k-images-idx3-ubyte.gz"));
    assert.deepEqual(raw.shape, [100, 28, 28]);
    assert.deepEqual(raw.data, gz.data.subarray(0, 100 * 784));
    const d = datasets.mnist(fixture("sgd", "mnist-raw"));
    assert.deepEqual(d.test.slice(0, 10).map(([, label]) => label), ref.mnist.labels_first10);
    disposeDataset(d);
  });

  test("a train set is split as Nielsen's loader: the last validationSize images validate", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mnist-"));
    for (const kind of ["images-idx3", "labels-idx1"]) {
      fs.copyFileSync(fixture("sgd", "mnist-raw", `t10k-${kind}-ubyte`), path.join(dir, `train-${kind}-ubyte`));
    }
    const d = datasets.mnist(dir, { validationSize: 30 });
    assert.equal(d.training.length, 70);
    assert.equal(d.validation?.length, 30);
    assert.deepEqual(d.training.slice(0, 10).map(([, y]) => oneHotLabel(y)), ref.mnist.labels_first10);
    assert.deepEqual(d.missing, ["t10k-images-idx3-ubyte[.gz]", "t10k-labels-idx1-ubyte[.gz]"]);
    disposeDataset(d);
    fs.writeFileSync(path.join(dir, "train-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0, 0, 0, 99]));
    assert.throws(() => datasets.mnist(dir), /holds 100 images but .*train-labels-idx1-ubyte holds 99 labels|needs 107 bytes, the file has 8/);
    fs.rmSync(dir, { recursive: true });
    assert.throws(() => datasets.mnist(fixture("sgd")), /holds none of train-images-idx3-ubyte\[\.gz\]/);
  });
});

describe("datasets.nielsen(path)", () => {
  for (const name of ["mnist_t10k_nielsen_py2style.pkl.gz", "mnist_t10k_nielsen_small_py3.pkl.gz"]) {
    test(`${name}: load_data_wrapper's shapes and numpy's values`, () => {
      const d = datasets.nielsen(fixture("sgd", "nielsen", name));
      const expected = ref[name] as { training: Part; validation: Part; test: Part };
      assert.equal(d.training.length, expected.training.n);
      assert.equal(d.validation?.length, expected.validation.n);
      assert.equal(d.test.length, expected.test.n);
      assert.deepEqual(d.training[0][0].shape, [784, 1]);
      assert.deepEqual(d.training[0][1].shape, [10, 1]);
      assert.deepEqual(d.training.slice(0, 5).map(([, y]) => oneHotLabel(y)), expected.training.labels_first5);
      assert.deepEqual(d.test.slice(0, 5).map(([, label]) => label), expected.test.labels_first5);
      const parts: [string, [tf.Tensor, unknown][]][] = [["training", d.training], ["validation", d.validation ?? []], ["test", d.test]];
      for (const [part, pairs] of parts) {
        const p = expected[part as "training"];
        const total = pairs.reduce((s, [x]) => s + sum(x), 0);
        assert.ok(Math.abs(total - p.x_sum) < 1e-6 * p.x_sum + 1e-2, `${part}: Σx ${total} vs numpy ${p.x_sum}`);
        assert.ok(Math.abs(sum(pairs[pairs.length - 1][0]) - p.x_last_row_sum) < 1e-3, `${part}: last row`);
      }
      disposeDataset(d);
    });
  }
});
