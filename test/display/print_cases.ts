// numpy's printing of a set of arrays (test/fixtures/tensor/print_cases.json, made by make_fixtures.py
// with python3-numpy), shared by the text/plain and text/html tests: each case's raw bytes as a tensor.
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { fixture } from "../helpers/tools";

/** One array: dtype, shape, its little-endian bytes (base64), and numpy's array2string of it. */
export interface PrintCase { name: string; dtype: "float32" | "int32" | "bool"; shape: number[]; bytes: string; text: string }

export const printCases = (JSON.parse(fs.readFileSync(fixture("tensor", "print_cases.json"), "utf8")) as { cases: PrintCase[] }).cases;

/** The case's values as a tensor of its dtype and shape. */
export function tensorOf(c: PrintCase): tf.Tensor {
  const raw = Buffer.from(c.bytes, "base64");
  const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const values = c.dtype === "float32" ? new Float32Array(buf) : c.dtype === "int32" ? new Int32Array(buf) : Uint8Array.from(new Uint8Array(buf));
  return tf.tensor(values, c.shape, c.dtype);
}
