// MNIST from Yann LeCun's IDX files (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"), gzipped or not:
// a big-endian header (two zero bytes, a type code — 0x08 unsigned byte — and the number of dimensions),
// one big-endian int32 per dimension, then the values in C order. Images: 2051, [n, 28, 28]; labels:
// 2049, [n]. Pixels 0..255 become x = pixel/255 (as torchvision's ToTensor; Nielsen's pickle used /256).
//
// mnist(folder) reads the standard names, train-images-idx3-ubyte(.gz) etc. (also the "train-images.idx3-ubyte"
// spelling of some copies), and splits like Nielsen's mnist_loader: the last 10000 training images become
// the validation set, the first 50000 the training set; t10k is the test set.
import * as fs from "node:fs";
import * as path from "node:path";
import { readMaybeGzipped, testPairs, trainingPairs, type Dataset, type Samples } from "./pairs";

export interface Idx {
  shape: number[];
  data: Uint8Array;
}

/** Reads one IDX file of unsigned bytes; gzip is recognised by its magic, not by the name. */
export function readIdx(file: string): Idx {
  const bytes = readMaybeGzipped(file);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${file}: not an IDX file (it must start with two zero bytes)`);
  if (bytes[2] !== 0x08) throw new Error(`${file}: IDX type code 0x${bytes[2].toString(16)} is not 0x08 (unsigned byte), the only type MNIST uses`);
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || bytes.length < header) throw new Error(`${file}: truncated IDX header (rank ${rank}, ${bytes.length} bytes)`);
  const shape = Array.from({ length: rank }, (_, d) => bytes.readUInt32BE(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + count) {
    throw new Error(`${file}: IDX shape [${shape.join(", ")}] needs ${header + count} bytes, the file has ${bytes.length}`);
  }
  return { shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + header, count) };
}

/** An images file and its labels file as samples: x (n, rows*cols) = pixel/255. */
export function readMnistPair(imagesFile: string, labelsFile: string): Samples {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.shape.length !== 3) throw new Error(`${imagesFile}: images must be [n, rows, cols], got [${images.shape.join(", ")}]`);
  if (labels.shape.length !== 1) throw new Error(`${labelsFile}: labels must be [n], got [${labels.shape.join(", ")}]`);
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) throw new Error(`${imagesFile} holds ${n} images but ${labelsFile} holds ${labels.shape[0]} labels`);
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${bad} is ${labels.data[bad]}, not a digit`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, labels: labels.data, n, nIn: rows * cols };
}

export interface MnistOptions {
  /** How many of the last training images form the validation set (Nielsen: 10000). */
  validationSize?: number;
}

/**
 * The MNIST folder as { training, validation, test } in Nielsen's shapes. A set whose two files are not in
 * the folder comes back empty and is named in `missing` (so a folder with only t10k still loads); a folder
 * with neither is an error.
 */
export function mnist(folder: string, { validationSize = 10000 }: MnistOptions = {}): Dataset & { missing: string[] } {
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new Error(`mnist: ${folder} is not a folder holding MNIST's IDX files`);
  const missing: string[] = [];
  const read = (set: "train" | "t10k"): Samples | undefined => {
    const images = find(folder, set, "images", "idx3");
    const labels = find(folder, set, "labels", "idx1");
    if (images === undefined || labels === undefined) {
      missing.push(...[images === undefined && `${set}-images-idx3-ubyte[.gz]`, labels === undefined && `${set}-labels-idx1-ubyte[.gz]`].filter((m): m is string => m !== false));
      return undefined;
    }
    return readMnistPair(images, labels);
  };
  const train = read("train");
  const test = read("t10k");
  if (train === undefined && test === undefined) throw new Error(`mnist: ${folder} holds none of ${missing.join(", ")}`);
  const result: Dataset & { missing: string[] } = { training: [], validation: [], test: [], missing };
  if (train !== undefined) {
    const cut = Math.max(0, train.n - validationSize);
    result.training = trainingPairs(train, 0, cut);
    result.validation = testPairs(train, cut);
  }
  if (test !== undefined) result.test = testPairs(test);
  return result;
}

function find(folder: string, set: string, kind: string, idx: string): string | undefined {
  for (const name of [`${set}-${kind}-${idx}-ubyte`, `${set}-${kind}.${idx}-ubyte`]) {
    for (const file of [name + ".gz", name]) if (fs.existsSync(path.join(folder, file))) return path.join(folder, file);
  }
  return undefined;
}
