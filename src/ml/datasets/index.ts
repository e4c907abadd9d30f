// datasets: what a notebook trains on, in Nielsen's shapes (see pairs.ts).
import { digits } from "./digits";
import { mnist } from "./mnist";
import { nielsen } from "./nielsen";

export const datasets = { digits, mnist, nielsen };

export { type Dataset, type Samples, vectorizedResult, trainingPairs, testPairs } from "./pairs";
export { readDigits, digitsPath, DIGITS_TRAINING_SIZE, DIGITS_TEST_SIZE } from "./digits";
export { readIdx, readMnistPair, type Idx, type MnistOptions } from "./mnist";
