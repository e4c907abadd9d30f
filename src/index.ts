// The public API: what `import { … } from "tensorbook"` gives a notebook.
// Each room adds its exports in its own section below; keep names as PyTorch and Meta's Llama code use them.

export { JUPYTER_DISPLAY, type MimeBundle, type DisplayData, type Displayable } from "./display/mime";

// ── display / runtime (issue 3) ──

// ── ml: backend, tensor helpers, plots (issue 4) ──

// ── ml: checkpoints and tokenizers (issue 5) ──
export { loadPickle, NdArray, type LoadPickleOptions } from "./ml/checkpoint/numpy";
export { PickleError, RefusedGlobalError, type PyValue } from "./ml/checkpoint/pickle";

// ── ml: llama (issue 6) ──

// ── ml: sgd and datasets (issue 7) ──
