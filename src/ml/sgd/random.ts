// Seeded randomness for Nielsen's network, drawn the way his Python draws it, so that a notebook and
// network.py given the same seed start from the same weights and visit the mini-batches in the same order:
//   - weights and biases: numpy's legacy `np.random.seed(seed); np.random.randn(...)` (MT19937 seeded by
//     init_genrand, Gaussians by the polar method two at a time; numpy/random/src/legacy/legacy-distributions.c)
//   - the shuffle each epoch: Python's `random.seed(seed); random.shuffle(list)` (MT19937 seeded by
//     init_by_array, Fisher-Yates with _randbelow by rejection on getrandbits; CPython Lib/random.py).
// MT19937 itself is Matsumoto & Nishimura's mt19937ar.c.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The Mersenne Twister, 32-bit words, as mt19937ar.c. */
export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** init_genrand(s): numpy's legacy int seeding. */
  static fromSeed(seed: number): MT19937 {
    const rng = new MT19937();
    rng.initGenrand(seed >>> 0);
    return rng;
  }

  /** init_by_array(key): CPython's random.seed(int) with the int's 32-bit words, least significant first. */
  static fromKey(key: number[]): MT19937 {
    const rng = new MT19937();
    rng.initByArray(key);
    return rng;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, mod 2^32, without losing bits to float64
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000; // MSB is 1, assuring a non-zero initial array
    this.mti = N;
  }

  /** genrand_int32: the next 32-bit word, as an unsigned number. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** genrand_res53: a double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/** numpy's legacy RandomState, the part Nielsen uses: `np.random.seed(seed)` then `np.random.randn(...)`. */
export class NumpyRandomState {
  private readonly mt: MT19937;
  private gauss: number | undefined; // the second Gaussian of the last polar draw, kept as numpy keeps it

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer between 0 and 2**32 - 1 (as numpy's), got ${seed}`);
    }
    this.mt = MT19937.fromSeed(seed);
  }

  /** One N(0, 1) draw: legacy_gauss. */
  standardNormal(): number {
    if (this.gauss !== undefined) {
      const g = this.gauss;
      this.gauss = undefined;
      return g;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2 * this.mt.nextDouble() - 1;
      x2 = 2 * this.mt.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }

  /** np.random.randn(rows, cols), row-major (C order), as float32. */
  randn(rows: number, cols: number): Float32Array {
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < out.length; i++) out[i] = this.standardNormal();
    return out;
  }
}

/** CPython's `random` module, the part Nielsen uses: `random.seed(seed)` then `random.shuffle(list)`. */
export class PythonRandom {
  private readonly mt: MT19937;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    // random.seed(int) seeds with abs(int)'s 32-bit words, least significant first; 0 gives [0].
    let n = Math.abs(seed);
    const key: number[] = [];
    do {
      key.push(n % 0x100000000);
      n = Math.floor(n / 0x100000000);
    } while (n > 0);
    this.mt = MT19937.fromKey(key);
  }

  /** getrandbits(k) for 0 < k <= 32. */
  private getrandbits(k: number): number {
    return this.mt.nextUint32() >>> (32 - k);
  }

  /** _randbelow(n): uniform in [0, n), by rejection on the fewest bits that hold n. */
  randbelow(n: number): number {
    const k = 32 - Math.clz32(n); // n.bit_length()
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** random.shuffle(x), in place. */
  shuffle<T>(x: { length: number; [index: number]: T }): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
  }
}
