// `import { tf } from "tensorbook"`: TensorFlow.js itself (the same namespace as @tensorflow/tfjs), with
// tensorbook's backend choice (./backend.ts) and its clearer op errors (./tensor/errors.ts) installed.
//
// How `tf` is usable in a cell right after the import: importing starts the backend selection at once
// (wasm compiles asynchronously, so it cannot finish inside the import). Then
// - later cells need nothing: a cell hook waits for the selection to finish before the importing cell
//   ends, so every later cell runs on the chosen backend;
// - in the same cell, `await ready()` (or `await device()`, which also shows what runs) before the first op.
//   An op run before that throws tfjs's own "Backend 'wasm' has not yet been initialized. Make sure to
//   await tf.ready() or await tf.setBackend()", and `await tf.ready()` works too.
// A selection that fails (a forced backend that cannot run) fails the importing cell with the reason.
import * as tf from "@tensorflow/tfjs";
import { registerCellHooks } from "../runtime/hooks";
import { ready } from "./backend";
import { installOpErrors } from "./tensor/errors";

// Re-exported as the namespace itself, so types work too: `let w: tf.Tensor2D`.
export { tf };

installOpErrors();
const selection = ready();
// Reported where it is awaited (ready(), device(), the cell hook), not as an unhandled rejection.
selection.catch(() => undefined);
registerCellHooks("tensorbook.backend", { onCellEnd: async () => { await selection; } });
