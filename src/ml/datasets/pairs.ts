// Nielsen's data shapes (mnist_loader.load_data_wrapper): each training input a (n_in, 1) column and its
// target a one-hot (10, 1) column; each validation or test input a column and its digit as a number.
// Every loader reads its file (readMaybeGzipped) into one flat Float32Array and makes these pairs from it.
import * as fs from "node:fs";
import * as zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import type { TestPair, TrainingPair } from "../sgd/data";

export interface Dataset {
  training: TrainingPair[];
  validation?: TestPair[];
  test: TestPair[];
}

/** Samples as rows: x is (n, nIn) row-major, labels[i] the class of row i. */
export interface Samples {
  x: Float32Array;
  labels: Uint8Array;
  n: number;
  nIn: number;
}

/** vectorized_result(j): a (classes, 1) column with 1.0 in the j-th place. */
export function vectorizedResult(j: number, classes = 10): tf.Tensor2D {
  const e = new Float32Array(classes);
  e[j] = 1;
  return tf.tensor2d(e, [classes, 1]);
}

/** Rows [start, end) as training pairs [x (nIn, 1), y one-hot (classes, 1)]. */
export function trainingPairs(samples: Samples, start = 0, end = samples.n, classes = 10): TrainingPair[] {
  const pairs: TrainingPair[] = [];
  for (let i = start; i < end; i++) pairs.push([column(samples, i), vectorizedResult(samples.labels[i], classes)]);
  return pairs;
}

/** Rows [start, end) as test pairs [x (nIn, 1), label]. */
export function testPairs(samples: Samples, start = 0, end = samples.n): TestPair[] {
  const pairs: TestPair[] = [];
  for (let i = start; i < end; i++) pairs.push([column(samples, i), samples.labels[i]]);
  return pairs;
}

/** A file's bytes, gunzipped when it starts with gzip's magic (the name is not trusted). */
export function readMaybeGzipped(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    throw new Error(`${file}: the gzip stream is corrupt (${(e as Error).message})`);
  }
}

function column(samples: Samples, i: number): tf.Tensor2D {
  return tf.tensor2d(samples.x.slice(i * samples.nIn, (i + 1) * samples.nIn), [samples.nIn, 1]);
}
