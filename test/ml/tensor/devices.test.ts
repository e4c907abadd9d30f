// "Expected all tensors to be on the same device": what tensorbook does when tensors from two tfjs
// backends meet (tfjs moves the data; the display says where each lives), and the clear errors where it
// cannot go on (a disposed tensor, a tensor from another tfjs engine, a removed backend, bad shapes).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { tf } from "../../../src/ml/tf";
import { ready } from "../../../src/ml/backend";
import { ShapeError, DeviceError } from "../../../src/ml/tensor";
import { backendOf, tensorBundle } from "../../../src/display/tensor";

test("tensors from the wasm and cpu backends meet: tfjs moves the data to the current backend", async () => {
  await ready();
  await tf.setBackend("cpu");
  const onCpu = tf.tensor([1, 2, 3]);
  await tf.setBackend("wasm");
  const onWasm = tf.tensor([10, 20, 30]);
  assert.equal(backendOf(onCpu), "cpu");
  assert.match(tensorBundle(onCpu)["text/plain"] as string, /backend=cpu\)$/);
  const sum = onWasm.add(onCpu);
  assert.deepEqual(Array.from(sum.dataSync()), [11, 22, 33]);
  assert.equal(backendOf(sum), "wasm");
  assert.equal(backendOf(onCpu), "wasm"); // moved, not copied: the display now says wasm
  assert.match(tensorBundle(onCpu)["text/plain"] as string, /backend=wasm\)$/);
  tf.dispose([onCpu, onWasm, sum]);
});

test("a disposed input is a DeviceError naming the op and the input", () => {
  const a = tf.ones([2, 3]);
  const b = tf.ones([2, 3]);
  b.dispose();
  assert.throws(() => tf.add(a, b), (e: unknown) => e instanceof DeviceError &&
    e.message === "add: input 'b' (shape [2, 3], float32) was disposed (by dispose() or a tf.tidy() around it); keep it with tf.keep() or compute it again");
  a.dispose();
});

test("a tensor from another tfjs engine is refused with the reason, not a TypeError", () => {
  // What a second copy of @tensorflow/tfjs-core with its own engine hands over: a Tensor whose data this
  // engine never registered (tfjs's instanceof accepts it, then fails reading '.backend' of undefined).
  const foreign = new tf.Tensor([2], "float32", {}, -1);
  const a = tf.ones([2]);
  assert.throws(() => a.mul(foreign), /^DeviceError: mul: input 'b' \(shape \[2\], float32\) is unknown to this TensorFlow\.js engine: it was made by another copy of @tensorflow\/tfjs-core \(tfjs 4\.22\.0 runs here\)/);
  assert.equal(backendOf(foreign), "unknown to this process's tfjs engine");
  a.dispose();
});

test("shape errors name the op and both shapes, from tf.op() and tensor.op() alike", () => {
  const a = tf.ones([2, 3]), b = tf.ones([4, 5]);
  assert.throws(() => tf.add(a, b), (e: unknown) => e instanceof ShapeError && e.op === "add" &&
    e.message === "add: shapes a=[2, 3], b=[4, 5] do not fit: Operands could not be broadcast together with shapes 2,3 and 4,5." &&
    JSON.stringify(e.shapes) === '{"a":[2,3],"b":[4,5]}');
  assert.throws(() => a.sub(b), /^ShapeError: sub: shapes a=\[2, 3\], b=\[4, 5\] do not fit/);
  assert.throws(() => a.matMul(b), /^ShapeError: matMul: shapes a=\[2, 3\], b=\[4, 5\] do not fit: Error in matMul: inner shapes \(3\) and \(4\)/);
  // Inside tf.tidy and under gradients the same.
  assert.throws(() => tf.grad((x: tf.Tensor) => x.mul(b).sum())(a), /^ShapeError: mul: shapes a=\[2, 3\], b=\[4, 5\]/);
  tf.dispose([a, b]);
});

test("a tensor on a removed backend is a DeviceError (its data went with the backend)", async () => {
  await tf.setBackend("cpu");
  const lost = tf.tensor([1, 2]);
  tf.removeBackend("cpu");
  try {
    await tf.setBackend("wasm");
    assert.throws(() => tf.add(lost, 1), /^DeviceError: add: input 'a' \(shape \[2\], float32\) lives on a backend that was removed/);
    assert.equal(backendOf(lost), "a removed backend");
  } finally {
    // Put the cpu backend back for whoever runs next in this process.
    const { MathBackendCPU } = require("@tensorflow/tfjs-backend-cpu") as { MathBackendCPU: new () => tf.KernelBackend };
    tf.registerBackend("cpu", () => new MathBackendCPU(), 1);
  }
});
