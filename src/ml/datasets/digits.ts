// The 8x8 digits (UCI optdigits test set, as scikit-learn ships it): 1797 images of 8x8 pixels counting
// 0..16, shipped with tensorbook in data/digits.csv.gz (see data/digits.rst for its origin and licence).
// Each line: 64 pixel counts, then the digit. x is scaled to [0, 1] by /16.
//
// The split is fixed and documented so results compare across notebooks and with network.py: the first
// 1500 rows train, the last 297 are held out for test (no validation set). The rows come in writer order,
// so the held-out digits are mostly from writers the network never saw.
import * as path from "node:path";
import { packageRoot } from "../../paths";
import { readMaybeGzipped, testPairs, trainingPairs, type Dataset, type Samples } from "./pairs";

export const DIGITS_TRAINING_SIZE = 1500;
export const DIGITS_TEST_SIZE = 297;

/** The digits file shipped with the package. */
export function digitsPath(): string {
  return path.join(packageRoot(), "data", "digits.csv.gz");
}

/** Reads a digits csv (gzipped or not): rows of 64 counts in 0..16 and a label in 0..9. */
export function readDigits(file: string = digitsPath()): Samples {
  const lines = readMaybeGzipped(file).toString("latin1").split("\n").filter((line) => line.trim() !== "");
  const nIn = 64;
  const x = new Float32Array(lines.length * nIn);
  const labels = new Uint8Array(lines.length);
  lines.forEach((line, i) => {
    const fields = line.split(",");
    if (fields.length !== nIn + 1) throw new Error(`${file}: line ${i + 1} has ${fields.length} fields, expected ${nIn + 1} (64 pixels and a label)`);
    for (let k = 0; k <= nIn; k++) {
      const v = Number(fields[k]);
      const max = k < nIn ? 16 : 9;
      if (!Number.isInteger(v) || v < 0 || v > max) throw new Error(`${file}: line ${i + 1}, field ${k + 1} is ${JSON.stringify(fields[k])}, expected an integer in 0..${max}`);
      if (k < nIn) x[i * nIn + k] = v / 16;
      else labels[i] = v;
    }
  });
  return { x, labels, n: lines.length, nIn };
}

/** { training: 1500 [x (64,1), y (10,1)] pairs, test: 297 [x, label] pairs }. */
export function digits(file?: string): Dataset {
  const samples = readDigits(file);
  if (samples.n < DIGITS_TRAINING_SIZE + 1) throw new Error(`digits: ${samples.n} rows, need more than ${DIGITS_TRAINING_SIZE}`);
  return { training: trainingPairs(samples, 0, DIGITS_TRAINING_SIZE), test: testPairs(samples, DIGITS_TRAINING_SIZE) };
}
