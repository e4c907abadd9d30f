// Clear errors where tfjs gives an opaque one. Every tfjs op, tf.add(a, b) and a.add(b) alike, ends in
// engine.runKernel(kernelName, inputs, attrs); wrapping that one method covers them all, in every copy of
// tfjs (they share the engine on globalThis._tfengine):
//
// - Before the kernel runs, each input is checked. tfjs itself answers a disposed input, or one that
//   another tfjs engine made, with "Cannot read properties of undefined (reading 'backend')", and an
//   input whose backend was removed with "Cannot read properties of null (reading 'HEAPU8')".
// - A shape error from the kernel ("Operands could not be broadcast together with shapes 2,3 and 4,5.")
//   is re-raised as a ShapeError naming the op and every input's shape, as PyTorch's "mat1 and mat2
//   shapes cannot be multiplied (2x3 and 4x5)" does.
//
// tfjs moves a tensor's data between backends by itself when tensors from two backends meet (the engine
// copies it to the current backend), so PyTorch's "Expected all tensors to be on the same device" has no
// counterpart here; the display says which backend holds a tensor (src/display/tensor.ts, backendOf).
import * as tf from "@tensorflow/tfjs";

/** A tfjs op got inputs whose shapes do not fit; `op` is tfjs's op name, `shapes` each input's shape. */
export class ShapeError extends Error {
  override name = "ShapeError";
  constructor(message: string, readonly op: string, readonly shapes: { [input: string]: number[] }, options?: { cause: unknown }) {
    super(message, options);
  }
}

/** An input cannot be used at all: disposed, from another tfjs engine, or on a removed backend. */
export class DeviceError extends Error {
  override name = "DeviceError";
}

// tfjs kernel names → the op names a user typed (tf.matMul runs BatchMatMul; tf.div runs RealDiv).
const OP_NAMES: { [kernel: string]: string } = {
  Add: "add", Sub: "sub", Multiply: "mul", RealDiv: "div", FloorDiv: "floorDiv", Pow: "pow", Maximum: "maximum",
  Minimum: "minimum", SquaredDifference: "squaredDifference", Mod: "mod", Equal: "equal", NotEqual: "notEqual",
  Less: "less", LessEqual: "lessEqual", Greater: "greater", GreaterEqual: "greaterEqual", BatchMatMul: "matMul",
  _FusedMatMul: "fused.matMul", Select: "where", Concat: "concat", Reshape: "reshape", Transpose: "transpose",
  GatherV2: "gather", Slice: "slice", Softmax: "softmax", Conv2D: "conv2d",
};

export function opName(kernelName: string): string {
  return OP_NAMES[kernelName] ?? kernelName;
}

interface InputLike { shape?: number[]; dtype?: string; dataId?: object; isDisposed?: boolean }
type Inputs = { [name: string]: InputLike | InputLike[] };
type RunKernel = (kernelName: string, inputs: Inputs, attrs?: object) => tf.Tensor | tf.Tensor[];
interface EngineInternals {
  runKernel: RunKernel;
  registry: { [name: string]: object };
  state: { tensorInfo: { get(dataId: object): { backend: object } | undefined } };
}

const shapeText = (shape: number[] | undefined): string => `[${(shape ?? []).join(", ")}]`;

function eachInput(inputs: Inputs): [string, InputLike][] {
  const out: [string, InputLike][] = [];
  for (const [name, value] of Object.entries(inputs)) {
    if (Array.isArray(value)) value.forEach((v, i) => out.push([`${name}[${i}]`, v]));
    else if (value !== undefined && value !== null) out.push([name, value]);
  }
  return out;
}

/** Throws a DeviceError naming the op and input when `t` cannot reach any kernel. */
function checkInput(engine: EngineInternals, kernelName: string, name: string, t: InputLike): void {
  if (t.dataId === undefined) return;
  const info = t.isDisposed === true ? undefined : engine.state.tensorInfo.get(t.dataId);
  // The common case costs one map lookup and a scan of the few registered backends.
  if (info !== undefined && Object.values(engine.registry).includes(info.backend)) return;
  const what = `${opName(kernelName)}: input '${name}' (shape ${shapeText(t.shape)}, ${t.dtype})`;
  if (t.isDisposed === true) throw new DeviceError(`${what} was disposed (by dispose() or a tf.tidy() around it); keep it with tf.keep() or compute it again`);
  if (info === undefined) {
    throw new DeviceError(`${what} is unknown to this TensorFlow.js engine: it was made by another copy of @tensorflow/tfjs-core ` +
      `(tfjs ${tf.version.tfjs} runs here), or freed; make it again with this tf, e.g. tf.tensor(await t.data(), t.shape, t.dtype)`);
  }
  throw new DeviceError(`${what} lives on a backend that was removed (tf.removeBackend or engine reset); its data is gone`);
}

function checkInputs(engine: EngineInternals, kernelName: string, inputs: Inputs): void {
  for (const name in inputs) {
    const value = inputs[name];
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) checkInput(engine, kernelName, `${name}[${i}]`, value[i]);
    else if (value !== undefined && value !== null) checkInput(engine, kernelName, name, value);
  }
}

const SHAPE_WORDS = /shape|broadcast|rank|dimension|must match|inner|size of/i;

/** Makes the engine's runKernel explain bad inputs and shape errors. Idempotent; every tfjs copy shares it. */
export function installOpErrors(engine: EngineInternals = tf.engine() as unknown as EngineInternals): void {
  const MARK = Symbol.for("tensorbook.opErrors");
  const marked = engine as EngineInternals & { [MARK]?: true };
  if (marked[MARK]) return;
  const runKernel = engine.runKernel;
  engine.runKernel = function (this: EngineInternals, kernelName, inputs, attrs) {
    checkInputs(this, kernelName, inputs);
    try {
      return runKernel.call(this, kernelName, inputs, attrs);
    } catch (err) {
      // An op inside a gradient or a composite op may already have explained itself: keep the innermost.
      if (err instanceof ShapeError || err instanceof DeviceError || !(err instanceof Error) || !SHAPE_WORDS.test(err.message)) throw err;
      const shapes: { [input: string]: number[] } = {};
      for (const [name, t] of eachInput(inputs)) shapes[name] = t.shape ?? [];
      const listed = Object.entries(shapes).map(([name, s]) => `${name}=${shapeText(s)}`).join(", ");
      throw new ShapeError(`${opName(kernelName)}: shapes ${listed} do not fit: ${err.message}`, opName(kernelName), shapes, { cause: err });
    }
  };
  marked[MARK] = true;
}
