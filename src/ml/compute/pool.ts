// The thread pool: worker_threads that run the kernels over the same shared arenas as the thread that owns
// the model, splitting a kernel's items (weight rows, quantization blocks, attention heads) into chunks
// that threads take with Atomics.add. A chunk is a range of outputs that only one thread writes, and every
// output is computed by the same code whichever thread takes it: one thread and N threads give the same
// bits.
//
// Why a hand-made control block instead of postMessage: a Llama token is ~10 kernel calls per layer, each
// a few hundred microseconds or less; a message round trip costs more than that. Workers spin briefly on
// the job counter, then sleep in Atomics.wait, so an idle model costs no CPU.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import * as path from "node:path";
import type { Arena } from "./arena";
import { kernelModule, type Kernels } from "./module";

/** The kernels a pool runs split; each takes its leading arguments, then the item range [i0, i1). */
export const POOL_KERNELS = ["matmul", "quantize_q8_0", "silu_mul", "add", "attention", "gemm_acc"] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

// the control block (Int32Array over a SharedArrayBuffer)
export const CTL = {
  GEN: 0, // job counter: workers wait for it to change
  KERNEL: 1, // index in POOL_KERNELS, or STOP
  ARENA: 2,
  CHUNKS: 3,
  NEXT: 4, // (job generation << 16) | next chunk to take
  DONE: 5, // chunks finished
  TOTAL: 6, // items
  ALIGN: 7, // chunk boundaries are multiples of this
  SLEEPERS: 8, // workers inside Atomics.wait
  FAILED: 9, // a worker's kernel threw
  NARGS: 10,
  ARGS: 16, // up to 16 i32 arguments
  SIZE: 32,
} as const;
export const STOP = -1;
/** Atomics.load polls before a thread sleeps (~10-20 µs): enough to catch the next kernel of a forward. */
export const SPIN = 2000;

/** The item range of chunk `c` of `chunks` over `total` items, boundaries aligned to `align`. */
export function chunkRange(c: number, chunks: number, total: number, align: number): [number, number] {
  const at = (k: number): number => (k >= chunks ? total : Math.min(total, Math.floor((total * k) / chunks / align) * align));
  return [at(c), at(c + 1)];
}

/** NEXT's value when job `gen` starts: its generation in the high bits, so a claim knows whose it is. */
export const firstClaim = (gen: number): number => (gen & 0x7fff) << 16;

/**
 * Claims the next chunk of job `gen`, or returns -1 when it has none left. The claim is a
 * compare-and-swap on (generation, chunk): a thread that finished the previous job's last chunk late
 * must not take a chunk of the next job with the previous job's arguments (seen: wrong logits at step 17
 * of a decode when NEXT was a plain counter reset per job).
 */
function claim(ctl: Int32Array, gen: number, chunks: number): number {
  for (;;) {
    const v = Atomics.load(ctl, CTL.NEXT);
    if (v >>> 16 !== (gen & 0x7fff) || (v & 0xffff) >= chunks) return -1;
    if (Atomics.compareExchange(ctl, CTL.NEXT, v, v + 1) === v) return v & 0xffff;
  }
}

/** Runs chunks of job `gen` until none is left (the pool's threads and the owner alike). */
export function takeChunks(ctl: Int32Array, gen: number, kernel: (...args: number[]) => void, args: number[]): void {
  const chunks = ctl[CTL.CHUNKS], total = ctl[CTL.TOTAL], align = ctl[CTL.ALIGN];
  for (let c = claim(ctl, gen, chunks); c >= 0; c = claim(ctl, gen, chunks)) {
    const [i0, i1] = chunkRange(c, chunks, total, align);
    try {
      if (i1 > i0) kernel(...args, i0, i1);
    } catch {
      Atomics.store(ctl, CTL.FAILED, 1);
    }
    if (Atomics.add(ctl, CTL.DONE, 1) + 1 === chunks) Atomics.notify(ctl, CTL.DONE);
  }
}

export class ThreadPool {
  /** Threads that run kernels, the owner's included. */
  readonly threads: number;
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CTL.SIZE * 4));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly arenas: Arena[] = [];
  private closed = false;

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    const module = kernelModule();
    for (let i = 1; i < threads; i++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(path.join(__dirname, "worker.js"), {
        workerData: { kernels: module, ctl: this.ctl.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref(); // an idle pool never keeps a script alive; dispose() ends it
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  /** Makes an arena's memory known to the pool's threads; returns its index for run(). */
  attach(arena: Arena): number {
    const index = this.arenas.indexOf(arena);
    if (index >= 0) return index;
    this.arenas.push(arena);
    // a worker blocked in Atomics.wait cannot take a message: it pulls these with receiveMessageOnPort
    // when a job names an arena it does not have yet
    for (const port of this.ports) port.postMessage({ memory: arena.memory });
    return this.arenas.length - 1;
  }

  /**
   * Runs kernels[name](...args, i0, i1) over items [0, total), split into chunks of at least `minItems`
   * items (boundaries multiples of `align`), on every thread; returns when all are done.
   */
  run(arena: Arena, name: PoolKernel, args: number[], total: number, { align = 1, minItems = 1 } = {}): void {
    if (this.closed) throw new Error("the model's thread pool was disposed");
    const kernel = arena.kernels[name] as (...a: number[]) => void;
    const chunks = Math.min(this.threads * 4, 0xffff, Math.floor(total / Math.max(minItems, align)));
    if (this.workers.length === 0 || chunks < 2) {
      if (total > 0) kernel(...args, 0, total);
      return;
    }
    const ctl = this.ctl;
    ctl[CTL.KERNEL] = POOL_KERNELS.indexOf(name);
    ctl[CTL.ARENA] = this.attach(arena);
    ctl[CTL.CHUNKS] = chunks;
    ctl[CTL.TOTAL] = total;
    ctl[CTL.ALIGN] = align;
    ctl[CTL.NARGS] = args.length;
    for (let i = 0; i < args.length; i++) ctl[CTL.ARGS + i] = args[i];
    const gen = ctl[CTL.GEN] + 1;
    Atomics.store(ctl, CTL.DONE, 0);
    Atomics.store(ctl, CTL.FAILED, 0);
    Atomics.store(ctl, CTL.NEXT, firstClaim(gen));
    Atomics.store(ctl, CTL.GEN, gen); // publishes the job (Atomics order the plain stores before it)
    if (Atomics.load(ctl, CTL.SLEEPERS) > 0) Atomics.notify(ctl, CTL.GEN);
    takeChunks(ctl, gen, kernel, args);
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(ctl, CTL.DONE);
      if (done >= chunks) break;
      if (spins > SPIN) Atomics.wait(ctl, CTL.DONE, done, 1);
    }
    if (ctl[CTL.FAILED]) throw new Error(`${name}: a kernel failed on a pool thread (out-of-bounds pointer?)`);
  }

  /** Ends the pool's threads (they finish the job in hand, if any). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctl[CTL.KERNEL] = STOP;
    Atomics.add(this.ctl, CTL.GEN, 1);
    Atomics.notify(this.ctl, CTL.GEN);
    for (const w of this.workers) void w.terminate();
    for (const p of this.ports) p.close();
  }
}

/** A worker's loop (worker.ts): wait for a job, take chunks, repeat until STOP. */
export function workerLoop(module: WebAssembly.Module, ctl: Int32Array, port: MessagePort, instantiate: (m: WebAssembly.Module, mem: WebAssembly.Memory) => Kernels): void {
  const instances: Kernels[] = [];
  let seen = Atomics.load(ctl, CTL.GEN);
  for (;;) {
    for (let spins = 0; Atomics.load(ctl, CTL.GEN) === seen; spins++) {
      if (spins < SPIN) continue;
      Atomics.add(ctl, CTL.SLEEPERS, 1);
      Atomics.wait(ctl, CTL.GEN, seen);
      Atomics.sub(ctl, CTL.SLEEPERS, 1);
    }
    seen = Atomics.load(ctl, CTL.GEN);
    const k = ctl[CTL.KERNEL];
    if (k === STOP) return;
    const arena = ctl[CTL.ARENA];
    while (instances.length <= arena) {
      const message = receiveMessageOnPort(port) as { message: { memory: WebAssembly.Memory } } | undefined;
      if (message === undefined) throw new Error(`pool worker: job names arena ${arena}, which was never attached`);
      instances.push(instantiate(module, message.message.memory));
    }
    const args = Array.from(ctl.subarray(CTL.ARGS, CTL.ARGS + ctl[CTL.NARGS]));
    takeChunks(ctl, seen, instances[arena][POOL_KERNELS[k]] as (...a: number[]) => void, args);
  }
}
