// Source of notebooks/04-devices-and-backends.ipynb (percent format; test/notebooks/build.ts builds it).

// %% [markdown]
// # Devices and backends
//
// In PyTorch you choose a device: `torch.device("cuda")` or `"cpu"`, and you move tensors with `.to(device)`.
// TensorFlow.js has *backends* instead, and one is active at a time: `tensorflow` (libtensorflow through
// `@tensorflow/tfjs-node`, CUDA with `-gpu`), `webgpu`, `wasm` and the pure-JavaScript `cpu`.
// tensorbook tries them best first and keeps the first that loads and passes a one-op self-test.
// `device()` says what runs here, and why each better one was passed over:

// %%
import { device, plot, tf } from "tensorbook";

await device()

// %% [markdown]
// On a plain machine that is `wasm`: TensorFlow.js's WebAssembly kernels with SIMD. The GPU backends need
// packages that download native libraries (libtensorflow, a Vulkan driver for WebGPU), so they are
// optional; the lines above give the command that would enable each. `TENSORBOOK_BACKEND=cpu` (or `wasm`,
// `webgpu`, …) in the environment forces one, and fails loudly if it cannot run, like
// `torch.device("cuda")` on a machine without CUDA.
//
// ## "Expected all tensors to be on the same device"
//
// The PyTorch tutorials meet this error when a model is on the GPU and its input is still on the CPU:
//
// ```
// RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!
// ```
//
// PyTorch never copies behind your back; you call `.to("cuda")`. TensorFlow.js does the opposite: when
// an op meets a tensor that lives on another backend, it copies the data to the active backend first.
// Here a tensor is made on the `cpu` backend, then used on the default one:

// %%
const active = tf.getBackend();
await tf.setBackend("cpu");
const onCpu = tf.tensor([[1, 2], [3, 4]]);
await tf.setBackend(active);
const sum = onCpu.add(tf.ones([2, 2]));
console.log(`made on cpu, added on ${tf.getBackend()}: ${JSON.stringify(sum.arraySync())}`);

// %% [markdown]
// No error: the copy happened inside `add`. (The "Hi, looks like you are running TensorFlow.js in Node.js"
// banner is TensorFlow.js's own, printed the first time its `cpu` backend stores a tensor.) That is convenient, and it is also where time goes when a
// loop quietly copies the same tensor every step. The rule that keeps it fast is PyTorch's: create
// tensors on the backend that will use them (here: after `await tf.ready()`, never switching backends
// mid-way).
//
// ## "Distributed package doesn't have NCCL built in"
//
// Meta's `example_text_completion.py` starts with `torch.distributed.init_process_group("nccl")`. On a
// machine whose PyTorch has no NCCL (macOS, Windows, CPU-only builds) that line fails before any model
// code runs:
//
// ```
// RuntimeError: Distributed package doesn't have NCCL built in
// ```
//
// The process group is there for model parallelism: one process per checkpoint shard, exchanging
// activations through NCCL. tensorbook has no process group. It runs one process and merges the shards
// into one model as it loads them (notebook 02 shows the rule), so there is no communication backend to
// choose and nothing to initialise. What remains true is the memory bill: the merged model must fit in
// one machine.
//
// ## Timing one operation on each backend present
//
// A 256×256 matrix product, 2·256³ ≈ 33.5 million floating-point operations, on every backend that
// initialises here. Each timing is the median of 15 runs after a warm-up, and waits for the result to be
// read back (backends run asynchronously).

// %%
async function time(backend: string, n: number): Promise<number> {
  await tf.setBackend(backend);
  const a = tf.randomNormal([n, n], 0, 1, "float32", 0);
  const b = tf.randomNormal([n, n], 0, 1, "float32", 1);
  await tf.matMul(a, b).data(); // warm-up: compiles kernels, allocates
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    times.push(performance.now() - start);
    c.dispose();
  }
  tf.dispose([a, b]);
  return times.sort((x, y) => x - y)[7];
}

const n = 256;
const gflops: { [backend: string]: number } = {};
for (const backend of ["tensorflow", "webgpu", "wasm", "cpu"]) {
  if (tf.findBackendFactory(backend) === null) continue; // not installed here
  try {
    const ms = await time(backend, n);
    gflops[backend] = (2 * n ** 3) / (ms * 1e6);
    console.log(`${backend.padEnd(10)} ${ms.toFixed(2).padStart(7)} ms   ${gflops[backend].toFixed(2)} GFLOP/s`);
  } catch (err) {
    console.log(`${backend.padEnd(10)} could not run: ${(err as Error).message}`);
  }
}
await tf.setBackend(active);
plot.bar(Object.values(gflops), { x: Object.keys(gflops), title: `matMul ${n}×${n}, float32`, yTitle: "GFLOP/s" })

// %% [markdown]
// The gap between `wasm` and `cpu` is SIMD and compiled kernels against plain JavaScript loops. At the
// sizes of these tutorials another cost dominates: every op pays a fixed dispatch overhead of a few
// microseconds, whatever its size, which is why tensorbook's Llama and SGD loops run on typed arrays
// rather than one tfjs op per step.
