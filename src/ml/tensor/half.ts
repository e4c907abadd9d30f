// 16-bit floats ↔ float32. tfjs has no 16-bit float dtype, so checkpoints in fp16/bf16 (Meta's Llama
// ships bf16) become float32 on load (DESIGN.md, "Checkpoints"). Both directions round to nearest even,
// bit for bit as numpy's float16 cast (npy_floatbits_to_halfbits) and torch's bfloat16 cast
// (c10::detail::round_to_nearest_even) do; test/fixtures/tensor/half.json holds their output.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE binary16 bits (numpy's float16). */
export function toFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    const mant = x & 0x7fffff;
    if (exp === 0xff) {
      // NaN keeps its top payload bits and stays a NaN (numpy: 0x7c00 + (mant >> 13), never 0x7c00).
      out[i] = sign | (mant === 0 ? 0x7c00 : Math.max(0x7c01, 0x7c00 + (mant >>> 13)));
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) { out[i] = sign | 0x7c00; continue; } // overflow → ±inf
    if (e <= 0) {
      // Subnormal half (or zero): shift the implicit-1 mantissa into place, round half to even.
      if (e < -10) { out[i] = sign; continue; }
      const m = mant | 0x800000;
      const shift = 14 - e;
      let h = m >>> shift;
      const rest = m & ((1 << shift) - 1), half = 1 << (shift - 1);
      if (rest > half || (rest === half && (h & 1) === 1)) h++;
      out[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa bumps the exponent, up to inf: the same add does both.
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    out[i] = sign | h;
  }
  return out;
}

/** IEEE binary16 bits → float32 (exact: every half is a float32). */
export function fromFloat16Bits(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) {
      if (mant === 0) out[i] = sign * Infinity;
      // NaN: written as bits, since a signaling NaN passed through a JS number comes out quieted.
      else outBits[i] = (((h & 0x8000) << 16) | 0x7f800000 | (mant << 13)) >>> 0;
    } else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** float32 → bfloat16 bits: the top half of the float32, rounded to nearest even; NaN → 0x7fc0 (torch). */
export function toBFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    if (Number.isNaN(f32[0])) { out[i] = 0x7fc0; continue; }
    const x = u32[0];
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** bfloat16 bits → float32 (exact: the bits become the top half). */
export function fromBFloat16Bits(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = (bits[i] & 0xffff) << 16;
  return out;
}
