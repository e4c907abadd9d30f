// Nielsen's mnist.pkl.gz (from deeplearning.net, used by his mnist_loader.py): a gzipped Python 2 pickle of
// (training_data, validation_data, test_data), each a tuple (X, y) with X a float32 numpy array (n, 784)
// and y an int64 array (n,). Read with the checkpoint room's restricted unpickler (src/ml/checkpoint),
// which only rebuilds numpy arrays and plain containers and refuses any other global: loading never runs
// code from the file. Python 2 `str` buffers are read as latin1, as pickle.load(f, encoding="latin1").
import { NdArray, loadPickle } from "../checkpoint/numpy";
import type { PyValue } from "../checkpoint/pickle";
import { testPairs, trainingPairs, type Dataset, type Samples } from "./pairs";

/** load_data_wrapper(): training as [x (784,1), one-hot (10,1)] pairs, validation and test as [x, label]. */
export function nielsen(file: string): Dataset {
  const value = loadPickle(file);
  const parts = tupleOf(value, 3, `${file}: the pickle`);
  const [training, validation, test] = (["training_data", "validation_data", "test_data"] as const).map((name, k) => samples(parts[k], `${file}: ${name}`));
  return { training: trainingPairs(training), validation: testPairs(validation), test: testPairs(test) };
}

function samples(part: PyValue, where: string): Samples {
  const [xV, yV] = tupleOf(part, 2, where);
  if (!(xV instanceof NdArray) || !(yV instanceof NdArray)) throw new Error(`${where} must be a tuple of two numpy arrays (X, y)`);
  if (xV.shape.length !== 2) throw new Error(`${where}: X has shape (${xV.shape.join(", ")}), expected (n, 784)`);
  const [n, nIn] = xV.shape;
  if (yV.shape.length !== 1 || yV.shape[0] !== n) throw new Error(`${where}: y has shape (${yV.shape.join(", ")}), expected (${n},)`);
  const y = yV.asInt32();
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (y[i] < 0 || y[i] > 9) throw new Error(`${where}: y[${i}] is ${y[i]}, not a digit`);
    labels[i] = y[i];
  }
  return { x: xV.asFloat32(), labels, n, nIn };
}

function tupleOf(v: PyValue, length: number, where: string): PyValue[] {
  if (!Array.isArray(v) || v.length !== length) throw new Error(`${where} must be a tuple of ${length}, got ${Array.isArray(v) ? `a tuple of ${v.length}` : typeof v}`);
  return v as PyValue[];
}
