// Looking at a tensor's numbers: describe() (min/max/mean/std/NaN count, ignoring NaNs as
// torch.nanmean does) and topk() with torch's signature. Both compute on the tensor's device and read back
// only the few numbers they return.
import * as tf from "@tensorflow/tfjs";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display/mime";

export interface Description {
  shape: number[];
  dtype: string;
  /** Over the non-NaN elements. */
  min: number;
  max: number;
  mean: number;
  /** Unbiased (n − 1), torch.std's default. */
  std: number;
  /** How many elements are NaN. */
  nan: number;
  [JUPYTER_DISPLAY](): MimeBundle;
}

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6));

/** min/max/mean/std/NaN count of a tensor, NaNs left out of the statistics and counted. */
export async function describe(t: tf.Tensor): Promise<Description> {
  if (t.isDisposed) throw new Error(`describe: the tensor (shape [${t.shape.join(", ")}]) was disposed`);
  if (t.dtype === "string" || t.dtype === "complex64") throw new Error(`describe: needs a numeric tensor, got dtype ${t.dtype}`);
  const stats = tf.tidy(() => {
    const x = t.flatten().cast("float32");
    const nan = tf.isNaN(x);
    const keep = tf.logicalNot(nan);
    const count = keep.cast("float32").sum();
    const zero = tf.zerosLike(x);
    const mean = tf.where(keep, x, zero).sum().div(count);
    const sq = tf.where(keep, x.sub(mean).square(), zero).sum();
    return tf.stack([
      tf.where(keep, x, tf.fill(x.shape, Infinity)).min(),
      tf.where(keep, x, tf.fill(x.shape, -Infinity)).max(),
      mean,
      sq.div(count.sub(1)).sqrt(),
      nan.cast("float32").sum(),
    ]);
  });
  const [min, max, mean, std, nan] = Array.from(await stats.data());
  stats.dispose();
  const text = `shape [${t.shape.join(", ")}] ${t.dtype}: min ${num(min)}, max ${num(max)}, mean ${num(mean)}, std ${num(std)}, NaN ${nan}`;
  return {
    shape: t.shape.slice(), dtype: t.dtype, min, max, mean, std, nan,
    [JUPYTER_DISPLAY]: () => ({ "text/plain": text }),
  };
}

export interface TopK {
  values: tf.Tensor;
  /** int32 indices along `dim`. */
  indices: tf.Tensor;
}

/** torch.topk(input, k, dim=-1, largest=true, sorted=true): the k largest (or smallest) along dim. */
export function topk(input: tf.Tensor, k: number, dim = -1, largest = true, sorted = true): TopK {
  const rank = input.rank;
  if (rank === 0) throw new Error("topk: needs a tensor of rank ≥ 1, got a scalar");
  const axis = dim < 0 ? dim + rank : dim;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) throw new Error(`topk: dim ${dim} is out of range for a tensor of rank ${rank}`);
  if (!Number.isInteger(k) || k < 0 || k > input.shape[axis]) {
    throw new Error(`topk: k=${k} must be an integer in [0, ${input.shape[axis]}] (the size of dim ${dim} of shape [${input.shape.join(", ")}])`);
  }
  return tf.tidy(() => {
    // tf.topk works on the last axis and finds the largest: move dim last, negate for the smallest.
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[axis] = rank - 1;
    perm[rank - 1] = axis;
    const moved = axis === rank - 1 ? input : input.transpose(perm);
    const { values, indices } = tf.topk(largest ? moved : moved.neg(), k, sorted);
    const v = largest ? values : values.neg();
    return axis === rank - 1 ? { values: v, indices } : { values: v.transpose(perm), indices: indices.transpose(perm) };
  });
}
