// Tensor helpers with PyTorch's names, for tutorials that translate cell by cell. Each concern has its
// own file under ./tensor/; this is the list a notebook imports from.
export { manualSeed, randn, rand, randint, arange, linspace } from "./tensor/create";
export { describe, topk, type Description, type TopK } from "./tensor/stats";
export { toFloat16Bits, fromFloat16Bits, toBFloat16Bits, fromBFloat16Bits } from "./tensor/half";
export { memory, leakNotes, leakNote, type Memory } from "./tensor/leaks";
export { ShapeError, DeviceError, installOpErrors } from "./tensor/errors";
export { backendOf, tensorBundle, tensorBundleAsync } from "../display/tensor";
