// An arena: one shared WebAssembly.Memory that model weights, caches and activations live in, and that
// every thread of the pool runs the kernels over. wasm32 addresses reach 4 GiB, so a model larger than
// that (Llama-2-7B in bf16 is 13.5 GB) spans several arenas, each holding whole layers.
//
// Layout: [0, 256 KiB) ggml's f16 → f32 table (the quantized kernels read block scales through it),
// [256 KiB, +64) the kernels' scratch, then a bump allocator. Pages are committed by the OS only when
// first written, so an arena costs what is stored in it, not its 4 GiB reservation.
import { instantiate, kernelModule, type Kernels } from "./module";

const PAGE = 65536;
/** wasm32's limit: 65536 pages of 64 KiB. */
export const ARENA_MAX_BYTES = 65536 * PAGE;
const F16_TABLE_BYTES = 65536 * 4;
const HEAP_START = F16_TABLE_BYTES + 64;

/** f16 bits → f32, exactly (every f16 is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 31;
  const mantissa = h & 1023;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

let f16Table: Float32Array | undefined;
const table = (): Float32Array => (f16Table ??= Float32Array.from({ length: 65536 }, (_, h) => halfToFloat(h)));

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export class Arena {
  readonly memory: WebAssembly.Memory;
  /** The kernels over this arena, for the thread that made it. */
  readonly kernels: Kernels;
  private top = HEAP_START;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(HEAP_START / PAGE), maximum: ARENA_MAX_BYTES / PAGE, shared: true });
    new Float32Array(this.memory.buffer, 0, 65536).set(table());
    this.kernels = instantiate(kernelModule(), this.memory);
  }

  /** Bytes allocated so far (the f16 table included). */
  get used(): number {
    return this.top;
  }

  /** Bytes still free for allocations. */
  get free(): number {
    return ARENA_MAX_BYTES - this.top;
  }

  /** `bytes` of fresh memory (zero until written), 64-byte aligned; its byte address. */
  alloc(bytes: number, align = 64): number {
    const ptr = alignUp(this.top, align);
    const end = ptr + bytes;
    if (!Number.isSafeInteger(bytes) || bytes < 0 || end > ARENA_MAX_BYTES) {
      throw new RangeError(`arena: ${bytes} bytes do not fit (${this.free} of ${ARENA_MAX_BYTES} left)`);
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** The allocator's position, to give back everything allocated after it with release(). */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark` (its bytes keep their values until reused). */
  release(mark: number): void {
    if (mark > this.top || mark < HEAP_START) throw new RangeError(`arena: release(${mark}) outside [${HEAP_START}, ${this.top}]`);
    this.top = mark;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  bytes(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }
}
