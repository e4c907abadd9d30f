// Data in Nielsen's shapes, and the bridge from it to the typed-array trainer.
//
// network.py's mnist_loader hands SGD a list of (x, y) with x a (784, 1) column and y a one-hot (10, 1)
// column, and hands evaluate a list of (x, label). Cells keep exactly those shapes, as tf.Tensors; the
// batched trainer reads each tensor's values once and keeps them (a WeakMap, so they go when the tensor
// does), then copies rows into a mini-batch buffer each step. tfjs tensors are immutable, so a cached copy
// never goes stale. On the cpu backend dataSync() returns the tensor's own array (no copy); on wasm it is
// a copy, so a dataset is held twice while its tensors live.
import type * as tf from "@tensorflow/tfjs";
import { argmax } from "./kernels";

/** A training sample: x of shape [n_in, 1], y one-hot of shape [n_out, 1]. */
export type TrainingPair = [x: tf.Tensor, y: tf.Tensor];
/** A validation or test sample: x of shape [n_in, 1] and the digit it shows. */
export type TestPair = [x: tf.Tensor, label: number];

// Keyed by dataId, not by tensor: a tf.Variable keeps its identity when assigned new data (a new dataId),
// and a clone shares its source's dataId and values.
const valuesOf = new WeakMap<object, Float32Array>();

/** The values of any tensor as float32, read once per data (dataSync here; prefetchValues for WebGPU). */
export function tensorValues(t: tf.Tensor): Float32Array {
  const cached = valuesOf.get(t.dataId);
  if (cached !== undefined) return cached;
  const values = asFloat32(t.dataSync());
  valuesOf.set(t.dataId, values);
  return values;
}

/**
 * The values of a sample tensor of `size` elements as float32, read once. `where` names the sample in the
 * error (e.g. "trainingData[12] x") when the tensor is not a column of the expected length.
 */
export function columnValues(t: tf.Tensor, size: number, where: string): Float32Array {
  if (t === null || typeof t !== "object" || !Array.isArray(t.shape)) {
    throw new TypeError(`${where} is not a tensor (got ${describe(t)})`);
  }
  if (t.isDisposed) throw new Error(`${where} is a disposed tensor`);
  const columnShape = t.shape.length === 2 && t.shape[1] === 1 ? t.shape[0] : t.shape.length === 1 ? t.shape[0] : -1;
  if (columnShape !== size) {
    throw new RangeError(`${where} has shape [${t.shape.join(", ")}]; the network takes a column of shape [${size}, 1]`);
  }
  return tensorValues(t);
}

/**
 * Reads the values of every tensor in `tensors` not read yet with `await t.data()`: the way that works on
 * every backend (WebGPU's dataSync() throws in Node, PEERS.md). SGD calls it first, so its later reads hit
 * the cache. Shapes are checked later, by columnValues, with the sample's name.
 */
export async function prefetchValues(tensors: Iterable<unknown>): Promise<void> {
  for (const t of tensors) {
    const tensor = t as tf.Tensor;
    if (tensor === null || typeof tensor !== "object" || typeof tensor.data !== "function" || tensor.isDisposed) continue; // columnValues says what is wrong
    if (valuesOf.has(tensor.dataId)) continue;
    valuesOf.set(tensor.dataId, asFloat32(await tensor.data()));
  }
}

/** Checks that `data` is an array of pairs and returns it typed; `name` is the argument's name in errors. */
export function checkPairs<T extends TrainingPair | TestPair>(data: readonly T[], name: string): readonly T[] {
  if (!Array.isArray(data)) throw new TypeError(`${name} must be an array of [x, y] pairs (got ${describe(data)})`);
  for (let i = 0; i < data.length; i++) {
    const pair = data[i] as unknown;
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`${name}[${i}] must be an [x, y] pair (got ${describe(pair)})`);
    }
  }
  return data;
}

/** The digit a test pair names: a number label, or (as Nielsen's training data) a one-hot column. */
export function labelOf(y: tf.Tensor | number, size: number, where: string): number {
  if (typeof y === "number") {
    if (!Number.isInteger(y) || y < 0 || y >= size) throw new RangeError(`${where} label ${y} is not an integer in [0, ${size})`);
    return y;
  }
  return argmax(columnValues(y, size, where), 0, size);
}

/** A training target's values: a one-hot column as it is, or a number label as its one-hot column. */
export function targetValues(y: tf.Tensor | number, size: number, where: string): Float32Array {
  if (typeof y !== "number") return columnValues(y, size, `${where} y`);
  const oneHot = new Float32Array(size);
  oneHot[labelOf(y, size, where)] = 1;
  return oneHot;
}

function asFloat32(data: tf.TypedArray | string[] | Uint8Array[]): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}
