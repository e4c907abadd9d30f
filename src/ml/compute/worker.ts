// A thread of the compute pool (pool.ts): instantiates the kernels over each arena it is given and runs
// chunks of the jobs the owning thread publishes, until the pool closes.
import { workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { instantiate } from "./module";
import { workerLoop } from "./pool";

const { module, ctl, port } = workerData as { module: WebAssembly.Module; ctl: SharedArrayBuffer; port: MessagePort };
workerLoop(module, new Int32Array(ctl), port, instantiate);
