// The public API: what `import { … } from "tensorbook"` gives a notebook.
// Each room adds its exports in its own section below; keep names as PyTorch and Meta's Llama code use them.

export { JUPYTER_DISPLAY, type MimeBundle, type DisplayData, type Displayable } from "./display/mime";

// ── display / runtime (issue 3) ──
export { display, clearOutput, type DisplayHandle, type DisplayFunction } from "./display/display";
export { displaySink, setDisplaySink, type DisplaySink } from "./display/channel";
export { formatValue } from "./display/format";
export { registerCellHooks, type CellHooks } from "./runtime/hooks";
export { checkInterrupt } from "./runtime/interrupt";

// ── ml: backend, tensor helpers, plots (issue 4) ──
export { tf } from "./ml/tf";
export { ready, device, selectBackend, backendReport, type Device, type DeviceInfo, type BackendId, type SelectOptions } from "./ml/backend";
export { manualSeed, randn, rand, randint, arange, linspace, describe, topk, memory, leakNotes } from "./ml/tensor";
export { toFloat16Bits, fromFloat16Bits, toBFloat16Bits, fromBFloat16Bits, ShapeError, DeviceError } from "./ml/tensor";
export { backendOf, tensorBundle, tensorBundleAsync } from "./ml/tensor";
export type { Description, TopK, Memory } from "./ml/tensor";
export { plot, Plot, LossesPlot, TokenProbsPlot, figureBundle, renderFigure, flushPendingUpdates } from "./ml/plot";
export type { Figure, Trace, Layout, History, HistoryEntry, TokenStep, TokenCandidate } from "./ml/plot";
export { progress, Progress, type ProgressOptions } from "./display/progress";
export { exportHtml, type ExportOptions } from "./export";

// ── ml: checkpoints and tokenizers (issue 5) ──
export { loadPickle, NdArray, type LoadPickleOptions } from "./ml/checkpoint/numpy";
export { PickleError, RefusedGlobalError, type PyValue } from "./ml/checkpoint/pickle";
export { loadCheckpoint } from "./ml/checkpoint/load";
export { Checkpoint, type CheckpointFormat, type LlamaParams, type Metadata, type TensorInfo } from "./ml/checkpoint/checkpoint";
export { CheckpointError } from "./ml/checkpoint/source";
export { type DType } from "./ml/checkpoint/dtypes";
export { Tokenizer, type EncodeOptions } from "./ml/tokenizer/tokenizer";

// ── ml: llama (issue 6) ──
export { Llama, type LlamaTokenizer, type LoadOptions, type CompletionPrediction, type TextCompletionOptions } from "./ml/llama/model";
export { Transformer, type TransformerOptions } from "./ml/llama/transformer";
export { TfTransformer } from "./ml/llama/tfjs_transformer";
export { ffnHiddenDim, type ModelArgs, type LlamaWeights, type LayerWeights } from "./ml/llama/args";
export { generateSync, generateAsync, type GenerateOptions, type GenerateResult, type TokenProbStep, type StreamedToken } from "./ml/llama/generate";
export { sampleTopP, topPNucleus, Mulberry32 } from "./ml/llama/sampling";

// ── ml: sgd and datasets (issue 7) ──
export { Network, fit, nielsenSequential, quadraticCost, evaluateModel, sigmoidPrime } from "./ml/sgd";
export type { NetworkOptions, Gradients, TrainingPair, TestPair, SGDOptions, EpochResult, TrainingHistory } from "./ml/sgd";
export type { Model, FitOptions, FitHistory, FitEpochResult, StepResult } from "./ml/sgd";
export { datasets, vectorizedResult, readIdx, type Dataset } from "./ml/datasets";
