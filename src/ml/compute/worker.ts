// A thread of the compute pool (pool.ts): instantiates the kernels over each arena it is given and runs
// chunks of the jobs the owning thread publishes, until the pool closes.
import { workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { instantiate } from "./module";
import { workerLoop } from "./pool";

// (not `module`: this compiles to CommonJS, where `module` is taken)
const { kernels, ctl, port } = workerData as { kernels: WebAssembly.Module; ctl: SharedArrayBuffer; port: MessagePort };
workerLoop(kernels, new Int32Array(ctl), port, instantiate);
