// `import { tf } from "tensorbook"`: TensorFlow.js itself (the same namespace as @tensorflow/tfjs), with
// tensorbook's backend choice (./backend.ts) and its clearer op errors (./tensor/errors.ts) installed.
//
// How `tf` is usable in a cell right after the import: importing starts the backend selection at once,
// but wasm compiles asynchronously, so the selection cannot finish inside the import. Therefore:
// - in the importing cell, ops before `await ready()` (or `await device()`, which also shows what runs)
//   run on the cpu backend, which needs no initialization; their display says backend=cpu;
// - a cell hook waits for the selection before the importing cell ends, so every later cell runs on the
//   chosen backend, and tfjs moves the early tensors' data there the first time an op uses them;
// - a selection that fails (a forced backend that cannot run) fails the importing cell with the reason.
// The usual first cell is therefore `import { tf, device } from "tensorbook"; await device()`.
import * as tf from "@tensorflow/tfjs";
import { registerCellHooks } from "../runtime/hooks";
import { ready, silenceCpuBanner } from "./backend";
import { installOpErrors } from "./tensor/errors";

// Re-exported as the namespace itself, so types work too: `let w: tf.Tensor2D`.
export { tf };

installOpErrors();
silenceCpuBanner(); // ops before the selection ends run on cpu
// Until the selection ends, ops run on cpu: set it now (its setBackend completes synchronously), or tfjs
// would pick the highest-priority registered backend (wasm, once the chain requires it) and throw
// "backend 'wasm' has not yet been initialized" at the first op.
if ((tf.engine() as unknown as { backendName: string | null }).backendName == null) void tf.setBackend("cpu");
const selection = ready();
// Reported where it is awaited (ready(), device(), the cell hook), not as an unhandled rejection.
selection.catch(() => undefined);
registerCellHooks("tensorbook.backend", { onCellEnd: async () => { await selection; } });
