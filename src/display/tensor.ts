// How a tensor shows in a cell (text/plain like PyTorch, HTML table for 1-D/2-D). Owned by issue 4;
// the runtime's formatter calls tensorBundle() for any value isTensorLike() accepts.
import type { MimeBundle } from "./mime";

/** A tfjs Tensor from any copy of tfjs (duck-typed: user code may import its own @tensorflow/tfjs). */
export interface TensorLike {
  readonly shape: number[];
  readonly dtype: string;
  readonly rank: number;
  readonly size: number;
  readonly dataId: object;
  readonly isDisposed: boolean;
  dataSync(): ArrayLike<number | string | boolean> | ArrayLike<number>;
}

export function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && Array.isArray(v.shape) && typeof v.dtype === "string" &&
    typeof v.rank === "number" && typeof v.dataId === "object";
}

export function tensorBundle(t: TensorLike): MimeBundle {
  return { "text/plain": `Tensor(shape=[${t.shape.join(", ")}], dtype=${t.dtype})` };
}
