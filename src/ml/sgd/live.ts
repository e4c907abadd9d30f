// What a training loop shows and obeys while it runs: Nielsen's "Epoch j: correct / n" lines, a live
// loss/accuracy curve (plot.losses, one point an epoch), a progress bar counting samples (its rate is
// samples/s), the onEpoch callback, the history SGD returns, and the interrupt check between mini-batches.
// The curve and the bar are shown by default where outputs are rich (a notebook), not in a terminal.
//
// Interrupt: training is library code, which the runtime does not instrument, so the loop asks:
// checkInterrupt() (src/runtime/interrupt.ts) throws KeyboardInterrupt once Stop/Ctrl-C was pressed (a
// flag in shared memory, so it works from a synchronous loop too). Besides, every ~50 ms the loop awaits a macrotask, so timers, display messages
// and an interrupt that rejects the cell's promise get their turn. Outside a kernel neither exists and
// the loop just runs.
import { displaySink } from "../../display/channel";
import { Progress } from "../../display/progress";
import { checkInterrupt } from "../../runtime/interrupt";
import { losses, type LossesPlot } from "../plot/losses";

/** One epoch's figures, as SGD's (and fit's) history and onEpoch get them. */
export interface EpochResult {
  epoch: number;
  /**
   * SGD: mean quadratic cost ½‖a − y‖² over the epoch's training samples, measured as they were trained
   * on; fit: mean of the epoch's mini-batch losses.
   */
  loss: number;
  /** evaluate(testData), when test data was given. */
  correct?: number;
  total?: number;
  /** correct / total. */
  accuracy?: number;
  /** Training samples per second this epoch (evaluation excluded). */
  samplesPerSecond: number;
}

export interface TrainingHistory {
  epochs: EpochResult[];
}

export interface SGDOptions {
  /** Called after each epoch (after evaluation); may be async, training waits for it. */
  onEpoch?: (result: EpochResult) => void | Promise<void>;
  /** Print "Epoch j: correct / n" (or "Epoch j complete") as network.py does. Default true. */
  verbose?: boolean;
  /** A live plot.losses of loss (and accuracy) per epoch. Default: in a notebook. */
  plot?: boolean;
  /** A progress bar over all epochs' samples (its rate is samples/s). Default: in a notebook. */
  progress?: boolean;
}

export interface TrainingShape {
  epochs: number;
  n: number;
  nTest?: number;
  miniBatchSize: number;
}

const YIELD_EVERY_MS = 50;

/** Lets the event loop run one turn (a macrotask, so I/O and timers get theirs). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Training {
  readonly history: TrainingHistory = { epochs: [] };
  private epochStart = performance.now();
  private lastYield = performance.now();
  private trainingMs = 0;
  private readonly plot: LossesPlot | undefined;
  private readonly bar: Progress | undefined;

  /** `title` names the live plot; fit passes its own. */
  constructor(readonly shape: TrainingShape, private readonly options: SGDOptions,
    title = `SGD: ${shape.n} samples, mini-batch ${shape.miniBatchSize}`) {
    const rich = displaySink().rich;
    if (options.plot ?? rich) this.plot = losses([], { title }).show();
    if (options.progress ?? rich) this.bar = new Progress(undefined, { total: shape.epochs * shape.n, desc: "samples" });
  }

  /**
   * Between mini-batches: the interrupt check, and now and then a turn of the event loop — returned as a
   * promise to await, undefined otherwise (a promise per mini-batch would cost more than a small step).
   */
  afterMiniBatch(m: number): Promise<void> | undefined {
    this.bar?.update(m);
    checkInterrupt();
    if (performance.now() - this.lastYield < YIELD_EVERY_MS) return undefined;
    return yieldToEventLoop().then(() => {
      checkInterrupt();
      this.lastYield = performance.now();
    });
  }

  /** After an epoch's last mini-batch: `evaluate` (when there is test data) runs off the training clock. */
  async endEpoch(epoch: number, loss: number, evaluate: (() => number) | undefined): Promise<void> {
    this.trainingMs = performance.now() - this.epochStart;
    const correct = evaluate?.();
    const { n, nTest } = this.shape;
    const result: EpochResult = { epoch, loss, samplesPerSecond: n / Math.max(this.trainingMs / 1000, 1e-9) };
    if (correct !== undefined && nTest !== undefined) Object.assign(result, { correct, total: nTest, accuracy: correct / nTest });
    this.history.epochs.push(result);
    if (this.options.verbose ?? true) {
      // print "Epoch {0}: {1} / {2}".format(j, self.evaluate(test_data), n_test)
      console.log(correct !== undefined ? `Epoch ${epoch}: ${correct} / ${nTest}` : `Epoch ${epoch} complete`);
    }
    this.plot?.push({ epoch, loss, ...(result.accuracy !== undefined && { accuracy: result.accuracy }) });
    await this.options.onEpoch?.(result);
    this.epochStart = performance.now();
  }

  /** Done or interrupted: the bar's and the plot's last state are sent. */
  finish(): void {
    this.bar?.close();
    this.plot?.flush();
  }
}

export function startTraining(shape: TrainingShape, options: SGDOptions): Training {
  if (options.onEpoch !== undefined && typeof options.onEpoch !== "function") {
    throw new TypeError(`SGD options.onEpoch must be a function, got ${typeof options.onEpoch}`);
  }
  return new Training(shape, options);
}
