// Making tensors with PyTorch's names: manualSeed / randn / rand / randint, arange, linspace.
//
// Random tensors are reproducible, not torch's numbers: torch.manual_seed(0) seeds a Mersenne Twister on
// the CPU and Philox on CUDA, while tfjs draws from seedrandom's alea given a per-call seed. tensorbook keeps
// one generator (splitmix32, per process) that hands every randn/rand call the next seed, so a notebook run
// top to bottom after manualSeed(s) gives the same tensors every time, on every backend.
import * as tf from "@tensorflow/tfjs";

const STATE = Symbol.for("tensorbook.randomState");
type StateHolder = { [STATE]?: { s: number } };

function state(): { s: number } {
  // Unseeded, start from the clock like torch's default generator does from its default seed.
  return ((globalThis as StateHolder)[STATE] ??= { s: (Date.now() ^ (process.pid << 16)) >>> 0 });
}

/** torch.manual_seed: every later random tensor follows from `seed`. */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
  state().s = Math.trunc(seed) >>> 0;
}

/** The next seed for a tfjs random op (splitmix32 step). */
function nextSeed(): number {
  const st = state();
  let z = (st.s = (st.s + 0x9e3779b9) >>> 0);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkShape(op: string, shape: number[]): void {
  if (!Array.isArray(shape) || shape.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new Error(`${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** torch.randn: standard normal float32 values. */
export function randn(shape: number[]): tf.Tensor {
  checkShape("randn", shape);
  return tf.randomNormal(shape, 0, 1, "float32", nextSeed());
}

/** torch.rand: uniform on [0, 1). */
export function rand(shape: number[]): tf.Tensor {
  checkShape("rand", shape);
  return tf.randomUniform(shape, 0, 1, "float32", nextSeed());
}

/** torch.randint(low, high, shape): uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: number[]): tf.Tensor {
  checkShape("randint", shape);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new Error(`randint: need integers low < high, got ${low}, ${high}`);
  return tf.tidy(() => tf.floor(tf.randomUniform(shape, low, high, "float32", nextSeed())).clipByValue(low, high - 1).cast("int32"));
}

/**
 * torch.arange(end) / arange(start, end, step=1): int32 when every argument is an integer (torch: int64),
 * else float32. The length is ceil((end - start) / step), as torch computes it.
 */
export function arange(startOrEnd: number, end?: number, step = 1): tf.Tensor1D {
  const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a nonzero finite number, got ${step}`);
  if ((stop - start) / step < 0) throw new Error(`arange: upper bound and step are inconsistent with the sign (start ${start}, end ${stop}, step ${step})`);
  const ints = [start, stop, step].every(Number.isInteger);
  const n = Math.ceil((stop - start) / step);
  const values = ints ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return tf.tensor1d(values, ints ? "int32" : "float32");
}

/**
 * torch.linspace(start, end, steps): float32, bit for bit as torch's CPU kernel computes it (1.13,
 * RangeFactoriesKernel.cpp, AVX2): the first half counts up from `start`, the second half down from `end`,
 * so the last value is exactly `end` (tf.linspace counts from the start only). The kernel runs pairs of
 * 8-wide vectors, each from a fused multiply-add base plus j·step rounded per lane, then a scalar tail of
 * fused multiply-adds; the roundings below follow it, since they decide the last bit.
 */
export function linspace(start: number, end: number, steps: number): tf.Tensor1D {
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const fr = Math.fround;
  const values = new Float32Array(steps);
  if (steps === 1) values[0] = fr(start);
  if (steps <= 1) return tf.tensor1d(values, "float32");
  const [a, b] = [fr(start), fr(end)];
  const step = fr(fr(b - a) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  // A float32 times an index is exact in a double, so one fround is the fused multiply-add's one rounding.
  const fma = (i: number): number => (i < halfway ? fr(a + step * i) : fr(b - step * (steps - i - 1)));
  const VEC = 8;
  let i = 0;
  while (i + 2 * VEC <= steps) {
    for (let v = 0; v < 2; v++, i += VEC) {
      const base = fma(i);
      for (let j = 0; j < VEC; j++) values[i + j] = fr(base + fr(j * step));
    }
  }
  for (; i < steps; i++) values[i] = fma(i);
  return tf.tensor1d(values, "float32");
}
