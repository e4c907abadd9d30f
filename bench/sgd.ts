// bench/sgd: one epoch of Nielsen's mini-batch SGD (mini-batch 10, eta 3.0), samples per second, for
//   [784, 30, 10] on 50,000 synthetic samples (80% zero pixels, like MNIST) and
//   [64, 30, 10] on the 1500 training digits,
// tensorbook's Network.SGD (typed-array batched) and fit() (tfjs optimizer, one op per step) beside
// numpy running Nielsen's network.py loop and a matrix-batched numpy version (bench/sgd_numpy.py, Debian's
// python3-numpy), all measured in this run. Each figure is the median of `RUNS` epochs (default 5); the
// numpy loop and tfjs run on a prefix of the data (their rate is what is compared), the rest on all of it.
//
//   npx tsc -p . --outDir dist-sgd && node dist-sgd/bench/sgd.js [runs]
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { packageRoot } from "../src/paths";
import { Network, fit, nielsenSequential, type TrainingPair } from "../src/ml/sgd";
import { datasets, digitsPath } from "../src/ml/datasets";
import { selectBackend } from "../src/ml/backend";
import { median } from "./stats";

const RUNS = Number(process.argv[2] ?? 5);
const PYTHON = "/usr/bin/python3";

interface NumpyFigures {
  numpy: string;
  nielsen: number[];
  batched: number[];
  nielsen_samples: number;
}

/** n samples of [n_in, 1] with 80% zeros (the pixel statistics of MNIST) and random one-hot targets. */
function synthetic(nIn: number, n: number): TrainingPair[] {
  let state = 7;
  const rand = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pairs: TrainingPair[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(nIn);
    for (let k = 0; k < nIn; k++) x[k] = rand() > 0.8 ? rand() : 0;
    const y = new Float32Array(10);
    y[Math.floor(rand() * 10)] = 1;
    pairs.push([tf.tensor2d(x, [nIn, 1]), tf.tensor2d(y, [10, 1])]);
  }
  return pairs;
}

function numpy(args: string[]): NumpyFigures {
  const script = path.join(packageRoot(), "bench", "sgd_numpy.py");
  const out = execFileSync(PYTHON, [script, ...args, "--runs", String(RUNS)], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop() as string) as NumpyFigures;
}

async function networkRate(sizes: number[], data: TrainingPair[], runs: number): Promise<number[]> {
  const net = new Network(sizes, { seed: 0 });
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const history = await net.SGD(data, 1, 10, 3.0, undefined, { verbose: false });
    rates.push(history.epochs[0].samplesPerSecond);
  }
  net.dispose();
  return rates;
}

async function fitRate(sizes: number[], data: TrainingPair[], limit: number): Promise<number[]> {
  const model = nielsenSequential(sizes, { seed: 0 });
  const optimizer = tf.train.sgd(3.0);
  const rates: number[] = [];
  const subset = data.slice(0, limit); // tfjs is slow at this size: a prefix gives the rate
  for (let r = 0; r < RUNS; r++) {
    const history = await fit(model, subset, { epochs: 1, batchSize: 10, optimizer, seed: r });
    rates.push(history.epochs[0].samplesPerSecond);
  }
  model.dispose();
  optimizer.dispose();
  return rates;
}

function row(name: string, rate: number, ours?: number): string {
  const ratio = ours === undefined ? "" : `   tensorbook ×${(ours / rate).toFixed(2)}`;
  return `  ${name.padEnd(46)} ${Math.round(rate).toLocaleString("en-US").padStart(9)}${ratio}`;
}

async function main(): Promise<void> {
  let backend = "cpu";
  try {
    backend = (await selectBackend({ backend: "wasm" })).backend;
  } catch {
    await tf.setBackend("cpu");
  }
  const cases: { title: string; sizes: number[]; data: () => TrainingPair[]; numpyArgs: string[]; fitLimit: number }[] = [
    {
      title: "[784, 30, 10], one epoch of 50,000 synthetic samples",
      sizes: [784, 30, 10],
      data: () => synthetic(784, 50000),
      numpyArgs: ["--sizes", "784,30,10", "--samples", "50000", "--nielsen-samples", "3000"],
      fitLimit: 2000,
    },
    {
      title: "[64, 30, 10], one epoch of the 1500 training digits",
      sizes: [64, 30, 10],
      data: () => datasets.digits().training,
      numpyArgs: ["--sizes", "64,30,10", "--data", `digits:${digitsPath()}`, "--samples", "1500", "--nielsen-samples", "1500"],
      fitLimit: 1500,
    },
  ];
  console.log(`mini-batch 10, eta 3.0; samples/s, median of ${RUNS} epochs; node ${process.version}, tfjs ${tf.version.tfjs} (${backend})`);
  for (const c of cases) {
    const data = c.data();
    // ours half before and half after the peers, so a change in the machine's load hits both sides
    const first = await networkRate(c.sizes, data, Math.ceil(RUNS / 2));
    const tfjs = median(await fitRate(c.sizes, data, c.fitLimit));
    const py = numpy(c.numpyArgs);
    const ours = median([...first, ...(await networkRate(c.sizes, data, Math.floor(RUNS / 2)))]);
    console.log(`\n${c.title}`);
    console.log(row("tensorbook Network.SGD (typed-array batched)", ours));
    console.log(row(`tensorbook fit, tf.train.sgd (${backend}, ${c.fitLimit} samples)`, tfjs, ours));
    console.log(row(`numpy ${py.numpy}, Nielsen's loop (${py.nielsen_samples} samples)`, median(py.nielsen), ours));
    console.log(row(`numpy ${py.numpy}, batched per mini-batch`, median(py.batched), ours));
    for (const [x, y] of data) tf.dispose([x, y]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
