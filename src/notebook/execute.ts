// Executing a notebook top to bottom on an Engine, the way nbclient drives a kernel: code cells in order,
// empty ones skipped, each numbered by the next execution_count, outputs recorded as Jupyter records them
// (outputs.ts), a failing cell stops the run unless errors are allowed. No Jupyter, no Python, no sockets:
// the Engine is the same one the kernel drives, so the outputs are the ones the kernel would send.
import type { CellError, CellOutput, Engine, ExecuteOutcome } from "../runtime/engine";
import type { MimeBundle } from "../display/mime";
import { joinText, type Notebook } from "./nbformat";
import { NotebookOutputs } from "./outputs";

export interface CellStart {
  /** Position of the cell in the notebook, from 1 (markdown cells count). */
  cellNumber: number;
  cellCount: number;
  executionCount: number;
  source: string;
}

export interface CellEnd extends CellStart {
  seconds: number;
  status: "ok" | "error";
  error?: CellError;
  /** The cell's value (its execute_result bundle), when it has one. */
  result?: MimeBundle;
}

/** Where progress goes (the terminal in `tensorbook run`; a list in tests). */
export interface RunReporter {
  cellStart(cell: CellStart): void;
  output(out: CellOutput, cell: CellStart): void;
  cellEnd(cell: CellEnd): void;
}

export interface RunOptions {
  /** Keep going after a cell error (nbclient's allow_errors). */
  allowErrors?: boolean;
  /** Interrupt a cell that runs longer than this many seconds; it then counts as failed. */
  timeoutS?: number;
  /** Aborting interrupts the running cell and starts no other (Ctrl-C in `tensorbook run`). */
  signal?: AbortSignal;
  reporter?: RunReporter;
  /** How long to wait for a cell to end after interrupting it before giving up on it (default 10 s). */
  interruptGraceMs?: number;
}

export interface RunResult {
  /** ok: every cell ran; error: a cell failed; timeout: a cell ran past timeoutS; interrupted: aborted. */
  status: "ok" | "error" | "timeout" | "interrupted";
  executed: number;
  errors: number;
  /** The cell that ended the run (from 1), when it did not finish. */
  stoppedAt?: number;
  /** True when a cell did not stop after its interrupt: the engine is stuck and must be shut down. */
  engineStuck: boolean;
}

const NO_REPORTER: RunReporter = { cellStart() {}, output() {}, cellEnd() {} };

export async function executeNotebook(nb: Notebook, engine: Engine, options: RunOptions = {}): Promise<RunResult> {
  const reporter = options.reporter ?? NO_REPORTER;
  const outputs = new NotebookOutputs();
  const result: RunResult = { status: "ok", executed: 0, errors: 0, engineStuck: false };
  let executionCount = 0;

  for (const [index, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const source = joinText(cell.source);
    if (source.trim() === "") continue; // nbclient skips empty cells: they get no number and keep their outputs
    if (options.signal?.aborted) {
      result.status = "interrupted";
      result.stoppedAt = index + 1;
      break;
    }
    executionCount += 1;
    const start: CellStart = { cellNumber: index + 1, cellCount: nb.cells.length, executionCount, source };
    reporter.cellStart(start);
    outputs.startCell(cell, executionCount);

    const began = process.hrtime.bigint();
    const ended = await runCell(engine, start, outputs, reporter, options);
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    result.executed += 1;

    const error = ended.outcome?.status === "error" ? ended.outcome : undefined;
    const value = ended.outcome?.status === "ok" ? ended.outcome.result?.data : undefined;
    reporter.cellEnd({ ...start, seconds, status: error === undefined && ended.stop === undefined ? "ok" : "error", error, result: value });
    if (error !== undefined) result.errors += 1;
    if (ended.stop !== undefined) {
      result.status = ended.stop;
      result.stoppedAt = index + 1;
      result.engineStuck = ended.outcome === undefined;
      break;
    }
    if (error !== undefined && !options.allowErrors) {
      result.status = "error";
      result.stoppedAt = index + 1;
      break;
    }
  }
  return result;
}

interface CellEnded {
  /** Undefined when the engine never answered after an interrupt. */
  outcome?: ExecuteOutcome;
  /** Why the run must stop here regardless of allowErrors. */
  stop?: "timeout" | "interrupted";
}

async function runCell(
  engine: Engine,
  start: CellStart,
  outputs: NotebookOutputs,
  reporter: RunReporter,
  options: RunOptions,
): Promise<CellEnded> {
  const graceMs = options.interruptGraceMs ?? 10_000;
  let stop: CellEnded["stop"];
  let finished = false;
  let giveUp: () => void = () => {};
  let grace: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => (giveUp = () => resolve(undefined)));
  const interrupt = (why: "timeout" | "interrupted"): void => {
    if (finished || stop !== undefined) return;
    stop = why;
    engine.interrupt();
    grace = setTimeout(giveUp, graceMs);
  };
  const onAbort = (): void => interrupt("interrupted");
  options.signal?.addEventListener("abort", onAbort);
  const timer = options.timeoutS !== undefined ? setTimeout(() => interrupt("timeout"), options.timeoutS * 1000) : undefined;

  const io = {
    output(out: CellOutput): void {
      if (finished) return; // the contract says never after execute resolves; a late one has no cell to go to
      outputs.add(out);
      reporter.output(out, start);
    },
    input(prompt: string): Promise<string> {
      // As nbclient with allow_stdin=False: a headless run has nobody to answer.
      return Promise.reject(new Error(`input("${prompt}") needs someone to answer: it is not available in \`tensorbook run\``));
    },
  };
  const options_ = { executionCount: start.executionCount, silent: false, storeHistory: true, allowStdin: false, userExpressions: {} };
  let outcome: ExecuteOutcome | undefined;
  try {
    outcome = await Promise.race([
      engine.execute(start.source, options_, io).catch((err: unknown): ExecuteOutcome => engineFailure(err)),
      gaveUp,
    ]);
  } finally {
    finished = true;
    clearTimeout(timer);
    clearTimeout(grace);
    options.signal?.removeEventListener("abort", onAbort);
  }

  if (stop === "timeout") {
    // Said in the notebook too, just above the error: the saved file must tell a reader why this cell stopped.
    outputs.add({ type: "stream", name: "stderr", text: `tensorbook run: the cell ran past --timeout ${options.timeoutS} s and was interrupted\n` });
  }
  if (outcome === undefined) {
    const evalue = `the cell did not stop within ${graceMs / 1000} s of being interrupted`;
    outputs.error({ ename: "InterruptError", evalue, traceback: [`InterruptError: ${evalue}`] });
    return { stop: stop ?? "interrupted" };
  }
  if (outcome.status === "error") outputs.error(outcome);
  else if (outcome.result !== undefined) outputs.result(outcome.result.data, outcome.result.metadata);
  return { outcome, stop };
}

/** The engine itself threw (a runtime bug, not a cell error): recorded as the cell's error so it is seen. */
function engineFailure(err: unknown): ExecuteOutcome {
  const e = err instanceof Error ? err : new Error(String(err));
  return { status: "error", ename: "EngineError", evalue: `tensorbook's runtime failed: ${e.message}`, traceback: (e.stack ?? e.message).split("\n") };
}
