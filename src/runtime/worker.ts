// The cell worker: one per session, it holds the user's globals and runs compiled cells in its own realm
// with vm.runInThisContext (not a separate vm context: tfjs and typed arrays break across realms, e.g.
// `instanceof Float32Array` fails). The main thread keeps the kernel's sockets live meanwhile.
import * as vm from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { setDisplaySink, type DisplaySink } from "../display/channel";
import { clearOutput, display } from "../display/display";
import { formatValue } from "../display/format";
import { isAlreadyShown } from "../display/mime";
import type { CellError, CellOutput, ExecuteOutcome, UserExpressionResult } from "./engine";
import { cellHooks } from "./hooks";
import type { FromWorker, RunCell, ToWorker, WorkerConfig } from "./messages";
import type { CompiledExpression } from "../language/protocol";
import { CHECK } from "./interrupt";
import { captureConsole, StreamCoalescer } from "./output";
import { createImporter } from "./resolve";
import { cellSource, formatError, type CellSource } from "./traceback";

if (parentPort === null) throw new Error("tensorbook: runtime/worker.js must run in a worker thread");
const port = parentPort;
const config = workerData as WorkerConfig;
const flag = new Int32Array(config.flag);
const post = (message: FromWorker): void => port.postMessage(message);
// V8 keeps 10 frames by default: an error thrown deep inside tfjs would lose the cell's own frame.
Error.stackTraceLimit = 64;

/** The error an interrupted cell ends with (IPython's name, so frontends and users recognise it). */
export class KeyboardInterrupt extends Error {
  override name = "KeyboardInterrupt";
  constructor() {
    super("the cell was interrupted (interrupt_request or SIGINT); variables set before the interrupt are kept");
  }
}

let current: { id: number; interrupt: (e: KeyboardInterrupt) => void } | undefined;
const cells = new Map<string, CellSource>();
const importer = createImporter(config.cwd);

const streams = new StreamCoalescer((name, text) => emit({ type: "stream", name, text }));
/** Displays and updates from background work while no cell runs: sent at the start of the next cell. */
const lateOutputs: CellOutput[] = [];
function emit(out: CellOutput): void {
  if (current === undefined) {
    if (out.type === "stream") streams.write(out.name, out.text);
    else lateOutputs.push(out);
    return;
  }
  post({ kind: "output", id: current.id, out });
}
captureConsole(streams);

// Library code (plots, progress bars) reaches the cell through the display sink (display/channel.ts).
const sink: DisplaySink = {
  rich: true,
  display(output) {
    streams.flush();
    emit({ type: "display_data", data: output.data, metadata: output.metadata, ...(output.transient ? { transient: output.transient } : {}) });
  },
  update(output) {
    streams.flush();
    emit({ type: "update_display_data", data: output.data, metadata: output.metadata, transient: output.transient });
  },
  clearOutput(wait) {
    streams.flush();
    emit({ type: "clear_output", wait });
  },
};
setDisplaySink(sink);

// input()/password(): an input_request through the main thread's CellIO.
let nextInput = 0;
const pendingInputs = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
function askInput(prompt: string, password: boolean): Promise<string> {
  if (current === undefined) return Promise.reject(new Error("input() is only available while a cell runs"));
  streams.flush();
  const id = nextInput++;
  post({ kind: "input", id, cellId: current.id, prompt, password });
  return new Promise((resolve, reject) => pendingInputs.set(id, { resolve, reject }));
}

// The globals every cell has (their types: language/globals.ts).
Object.assign(globalThis, {
  display,
  clearOutput,
  input: (prompt = "") => askInput(String(prompt), false),
  password: (prompt = "") => askInput(String(prompt), true),
  require: Object.assign((spec: string) => importer.require(spec), {
    resolve: (spec: string) => importer.resolve(spec),
    cache: require.cache,
  }),
});

/** What the compiled wrapper receives as `__tb` (language/transform.ts). */
const services = {
  flag,
  import: (spec: string) => importer.import(spec),
  defaultOf: (m: unknown) => importer.defaultOf(m),
  interrupted(): never {
    throw new KeyboardInterrupt();
  },
};
// Library loops (training, generation) can stop on interrupt too: they call this between steps.
(globalThis as { [CHECK]?: () => void })[CHECK] = (): void => {
  if (flag[0] !== 0) throw new KeyboardInterrupt();
};

// Background work must never kill the worker (issue 3): report it on stderr instead.
process.on("uncaughtException", (error) => backgroundError("an uncaught exception", error));
process.on("unhandledRejection", (reason) => backgroundError("an unhandled promise rejection", reason));
function backgroundError(what: string, error: unknown): void {
  if (error instanceof KeyboardInterrupt) return; // a loop of an interrupted cell stopping late
  const formatted = formatError(error, cells);
  streams.write("stderr", `[${what} in background work]\n${formatted.traceback.join("\n")}\n`);
}

async function run(message: RunCell): Promise<ExecuteOutcome> {
  cells.set(message.fileName, cellSource(message.source, message.sourceMap));
  let cellFunction: (services: object) => Promise<{ value: unknown } | undefined>;
  try {
    cellFunction = vm.runInThisContext(message.js, { filename: message.fileName, displayErrors: false }) as typeof cellFunction;
  } catch (error) {
    return { status: "error", ...formatError(error, cells) };
  }
  const interrupted = new Promise<never>((_, reject) => {
    current = { id: message.id, interrupt: reject };
  });
  try {
    const boxed = await Promise.race([cellFunction(services), interrupted]);
    const outcome: ExecuteOutcome = { status: "ok", userExpressions: await evaluateUserExpressions(message.userExpressions) };
    if (boxed !== undefined && boxed.value !== undefined && !isAlreadyShown(boxed.value)) outcome.result = { data: formatValue(boxed.value), metadata: {} };
    return outcome;
  } catch (error) {
    return { status: "error", ...formatError(error, cells) };
  }
}

async function evaluateUserExpressions(expressions: { [name: string]: CompiledExpression }): Promise<{ [name: string]: UserExpressionResult }> {
  const results: { [name: string]: UserExpressionResult } = {};
  for (const [name, expression] of Object.entries(expressions)) {
    const fileName = `user_expressions[${name}]`;
    cells.set(fileName, cellSource(expression.source, expression.sourceMap));
    try {
      const run = vm.runInThisContext(expression.js, { filename: fileName }) as (services: object) => Promise<{ value: unknown } | undefined>;
      const boxed = await run(services);
      results[name] = { status: "ok", data: formatValue(boxed?.value), metadata: {} };
    } catch (error) {
      results[name] = { status: "error", ...formatError(error, cells) };
    }
  }
  return results;
}

async function runWithHooks(message: RunCell): Promise<ExecuteOutcome> {
  const late = streams.begin();
  current = { id: message.id, interrupt: () => {} };
  if (late !== "") emit({ type: "stream", name: "stderr", text: late });
  // An update_display_data finds its output wherever it is; a display_data shows here, after the note.
  for (const out of lateOutputs.splice(0)) emit(out);
  const hookErrors: string[] = [];
  for (const hooks of cellHooks()) {
    try {
      hooks.onCellStart?.(message.executionCount);
    } catch (e) {
      hookErrors.push(`cell hook onCellStart threw: ${String(e)}`);
    }
  }
  const outcome = await run(message);
  for (const hooks of cellHooks()) {
    try {
      await hooks.onCellEnd?.(message.executionCount);
    } catch (e) {
      hookErrors.push(`cell hook onCellEnd threw: ${String(e)}`);
    }
  }
  if (hookErrors.length > 0) streams.write("stderr", hookErrors.join("\n") + "\n");
  streams.end();
  current = undefined;
  return outcome;
}

port.on("message", (message: ToWorker) => {
  switch (message.kind) {
    case "run":
      void runWithHooks(message).then((outcome) => post({ kind: "done", id: message.id, outcome }),
        (error: unknown) => post({ kind: "done", id: message.id, outcome: internalError(error) }));
      break;
    case "interrupt":
      current?.interrupt(new KeyboardInterrupt());
      break;
    case "input-reply": {
      const pending = pendingInputs.get(message.id);
      pendingInputs.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.value ?? "");
      break;
    }
  }
});

function internalError(error: unknown): ExecuteOutcome {
  const e: CellError = formatError(error, cells);
  return { status: "error", ename: "TensorbookInternalError", evalue: e.evalue, traceback: e.traceback };
}

post({ kind: "ready" });
