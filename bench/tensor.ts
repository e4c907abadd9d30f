// Tensor speed (issue 4, "Done when"): float32 matMul GFLOP/s at n = 64, 256, 1024 and a softmax over
// [32, 32000] for each TensorFlow.js backend available here, next to numpy (Debian python3-numpy,
// bench/tensor_numpy.py) measured in the same run. Each figure is the median of RUNS runs; a run repeats
// the op until ~50 ms have passed and reads the result back (so the time covers the work, not a queue).
// Last, the cost of one tiny op (a one-element add, read back) with tfjs as it comes and with
// tensorbook's op-error wrapper on engine.runKernel (src/ml/tensor/errors.ts), beside numpy's.
//
//   node dist/bench/tensor.js [--runs N] [--backends wasm,cpu] [--quick]
//
// --quick skips the cpu backend's 1024² matMul (about 5 s each on this machine's 2 cores).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend, parseBackendName } from "../src/ml/backend";
import { installOpErrors } from "../src/ml/tensor/errors";
import { packageRoot } from "../src/paths";
import { median } from "./stats";

const PYTHON = "/usr/bin/python3";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const RUNS = Number(arg("--runs") ?? 7);
const BACKENDS = (arg("--backends") ?? "wasm,cpu").split(",").map((b) => parseBackendName(b, "--backends"));
const QUICK = process.argv.includes("--quick");

/** Seconds per call of `op`, one entry per run; `op` returns a tensor that is read back and freed. */
async function timedRuns(op: () => tf.Tensor, runs: number, minSeconds = 0.05): Promise<number[]> {
  const once = async (): Promise<void> => { const y = op(); await y.data(); y.dispose(); };
  await once(); // warm up: kernels compiled, buffers allocated
  const t0 = performance.now();
  await once();
  const reps = Math.max(1, Math.floor(minSeconds / Math.max((performance.now() - t0) / 1e3, 1e-7)));
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) await once();
    out.push((performance.now() - start) / 1e3 / reps);
  }
  return out;
}

interface Figures { matmul: { [n: string]: number | undefined }; softmaxMs: number; tinyUs?: number; tinyWrappedUs?: number }

async function measure(): Promise<Figures> {
  const matmul: Figures["matmul"] = {};
  for (const n of [64, 256, 1024]) {
    if (QUICK && n === 1024 && tf.getBackend() === "cpu") { matmul[n] = undefined; continue; }
    const a = tf.randomNormal([n, n], 0, 1, "float32", 1), b = tf.randomNormal([n, n], 0, 1, "float32", 2);
    // The cpu backend takes seconds per 1024² product: fewer runs there keep the bench under a few minutes.
    const runs = tf.getBackend() === "cpu" && n === 1024 ? 3 : RUNS;
    matmul[n] = median((await timedRuns(() => tf.matMul(a, b), runs)).map((t) => (2 * n ** 3) / t / 1e9));
    tf.dispose([a, b]);
  }
  const x = tf.randomNormal([32, 32000], 0, 1, "float32", 3);
  const softmaxMs = median(await timedRuns(() => tf.softmax(x), RUNS)) * 1e3;
  x.dispose();
  return { matmul, softmaxMs };
}

interface NumpyFigures { numpy: string; matmul_gflops: { [n: string]: number[] }; softmax_ms: number[]; tiny_add_us: number[] }

/** Microseconds per one-element add, read back synchronously (wasm and cpu can). */
async function tinyAddUs(): Promise<number> {
  const one = tf.ones([1]);
  const us = median(await timedRuns(() => { const y = tf.add(one, one); y.dataSync(); return y; }, RUNS)) * 1e6;
  one.dispose();
  return us;
}

async function main(): Promise<void> {
  const script = path.join(packageRoot(), "bench", "tensor_numpy.py");
  const py = JSON.parse(execFileSync(PYTHON, [script, "--runs", String(RUNS)], { encoding: "utf8" })) as NumpyFigures;
  const ours: { [backend: string]: Figures } = {};
  for (const id of BACKENDS) {
    try {
      await selectBackend({ backend: id });
    } catch (err) {
      console.log(`# ${id}: not available here (${(err as Error).message.split(". To enable")[0]})`);
      continue;
    }
    ours[id] = await measure();
  }
  // The wrapper is installed once for the process, so every backend's plain figure comes first.
  for (const id of Object.keys(ours)) { await selectBackend({ backend: id }); ours[id].tinyUs = await tinyAddUs(); }
  installOpErrors();
  for (const id of Object.keys(ours)) { await selectBackend({ backend: id }); ours[id].tinyWrappedUs = await tinyAddUs(); }
  const np = { matmul: Object.fromEntries(Object.entries(py.matmul_gflops).map(([n, v]) => [n, median(v)])), softmaxMs: median(py.softmax_ms) };
  console.log(`float32; medians of ${RUNS} runs; node ${process.version}, tfjs ${tf.version.tfjs}; numpy ${py.numpy} in the same run`);
  const cols = ["numpy", ...Object.keys(ours)];
  console.log(`${"".padEnd(22)}${cols.map((c) => c.padStart(10)).join("")}   ratio to numpy (tfjs / numpy)`);
  const fmt = (v: number | undefined, digits: number): string => (v === undefined ? "—" : v.toFixed(digits)).padStart(10);
  for (const n of ["64", "256", "1024"]) {
    const vals = [np.matmul[n], ...Object.values(ours).map((f) => f.matmul[n])];
    const ratios = Object.entries(ours).map(([b, f]) => `${b} ×${f.matmul[n] === undefined ? "—" : (f.matmul[n]! / np.matmul[n]).toFixed(3)}`);
    console.log(`matMul ${n}² GFLOP/s`.padEnd(22) + vals.map((v) => fmt(v, 2)).join("") + "   " + ratios.join(", "));
  }
  const sm = [np.softmaxMs, ...Object.values(ours).map((f) => f.softmaxMs)];
  // For time, the ratio is numpy's time over ours: above 1 would mean faster than numpy, as for GFLOP/s.
  const smRatios = Object.entries(ours).map(([b, f]) => `${b} ×${(np.softmaxMs / f.softmaxMs).toFixed(3)}`);
  console.log("softmax [32,32000] ms".padEnd(22) + sm.map((v) => fmt(v, 2)).join("") + "   " + smRatios.join(", ") + " (speed)");
  const npTiny = median(py.tiny_add_us);
  for (const [label, key] of [["1-elem add µs", "tinyUs"], ["  + op-error wrapper", "tinyWrappedUs"]] as const) {
    const vals = [key === "tinyUs" ? npTiny : undefined, ...Object.values(ours).map((f) => f[key])];
    const ratios = Object.entries(ours).map(([b, f]) => `${b} ×${(npTiny / f[key]!).toFixed(3)}`);
    console.log(label.padEnd(22) + vals.map((v) => fmt(v, 2)).join("") + "   " + ratios.join(", ") + " (speed)");
  }
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
