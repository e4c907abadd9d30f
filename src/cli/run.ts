// `tensorbook run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout S] [--allow-errors]`
//
// Executes every code cell in order in tensorbook's runtime, in this process (no Jupyter, no Python), and
// writes the notebook with its outputs, atomically. The terminal shows which cell runs, how long it took
// and its output as it comes. A failing cell stops the run (unless --allow-errors); Ctrl-C or SIGTERM
// interrupts the running cell, and so does a cell's timeout (10 minutes unless --timeout says otherwise); in
// every case what ran is written, with the error, and the exit status is non-zero. Arguments are read by
// node:util's parseArgs. A Python notebook is never overwritten (--inplace refuses it), and a symlinked
// notebook is written through its link.
import * as path from "node:path";
import { parseArgs as parseArgv } from "node:util";
import type { Engine, CellOutput } from "../runtime/engine";
import type { MimeBundle } from "../display/mime";
import { stripAnsi } from "../export/ansi";
import {
  executeNotebook, foreignLanguage, readNotebook, removeStaleTemps, setTensorbookMetadata, writeNotebook, NotebookFormatError,
  type CellEnd, type CellStart, type Notebook, type RunReporter, type RunResult,
} from "../notebook";

/**
 * A cell that runs longer is interrupted and fails. nbclient has no default (None) and waits forever, which
 * in CI means a job that hangs until the runner kills it and saves nothing; ten minutes is far above any
 * tutorial cell here (the slowest trains for seconds) and ends a stuck run with its notebook written.
 */
const DEFAULT_TIMEOUT_S = 600;

/** After SIGTERM (a CI runner, systemd, `docker stop`, which sends SIGKILL about 10 s later) the cell gets this long to stop before what ran is saved. */
const TERM_GRACE_MS = 3000;

const USAGE = `usage: tensorbook run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout S] [--allow-errors]

  -o, --output OUT.ipynb  where to write the executed notebook (default: NOTEBOOK.out.ipynb beside it)
  --inplace               write the outputs back into NOTEBOOK.ipynb (through a symlink, to the file it names)
  --html OUT.html         also export the executed notebook as one self-contained HTML page
  --timeout S             interrupt a cell that runs longer than S seconds (it then fails); 0 or none: no
                          limit; default $TENSORBOOK_RUN_TIMEOUT, else ${DEFAULT_TIMEOUT_S}
  --allow-errors          keep going after a cell error, and exit 0 (as nbconvert's --allow-errors)

Ctrl-C (SIGINT) or SIGTERM interrupts the running cell and writes what ran; a second one stops at once.`;

interface Args {
  input: string;
  output: string;
  inplace: boolean;
  html?: string;
  /** Undefined: no limit. */
  timeoutS?: number;
  allowErrors: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args | "help" {
  let parsed: ReturnType<typeof parseRunArgv>;
  try {
    parsed = parseRunArgv(argv);
  } catch (err) {
    // node:util's own messages ("Unknown option '--frob'…", "Option '-o, --output <value>' argument missing")
    if ((err as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((err as Error).message);
    throw err;
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  const [input, ...more] = positionals;
  if (input === undefined) throw new UsageError("which notebook? give NOTEBOOK.ipynb");
  if (more.length > 0) throw new UsageError(`one notebook at a time: '${input}' and '${more[0]}'`);
  const inplace = values.inplace === true;
  const { output, html } = values;
  if (inplace && output !== undefined) throw new UsageError("-o and --inplace exclude each other");
  if (html !== undefined && html.endsWith(".ipynb")) throw new UsageError(`--html ${html}: the page would overwrite a notebook; give it a .html name`);
  const resolvedInput = path.resolve(input);
  const resolvedOutput = inplace ? resolvedInput
    : output !== undefined ? path.resolve(output)
    : path.join(path.dirname(resolvedInput), path.basename(resolvedInput, ".ipynb") + ".out.ipynb");
  return {
    input: resolvedInput, output: resolvedOutput, inplace, html: html === undefined ? undefined : path.resolve(html),
    timeoutS: parseTimeout(values.timeout), allowErrors: values["allow-errors"] === true,
  };
}

function parseRunArgv(argv: string[]) {
  return parseArgv({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: "string", short: "o" },
      inplace: { type: "boolean" },
      html: { type: "string" },
      timeout: { type: "string" },
      "allow-errors": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** --timeout, else $TENSORBOOK_RUN_TIMEOUT (a CI job's own default), else DEFAULT_TIMEOUT_S. */
function parseTimeout(flag: string | undefined): number | undefined {
  const env = process.env.TENSORBOOK_RUN_TIMEOUT;
  const [text, from] = flag !== undefined ? [flag, "--timeout"] : env !== undefined && env !== "" ? [env, "TENSORBOOK_RUN_TIMEOUT"] : [undefined, ""];
  if (text === undefined) return DEFAULT_TIMEOUT_S;
  if (text === "none" || text === "0") return undefined;
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${from} takes a number of seconds above 0 (or 0 or none: no limit), not '${text}'`);
  }
  return seconds;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    const parsed = parseArgs(argv);
    if (parsed === "help") {
      console.log(USAGE);
      return 0;
    }
    args = parsed;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`tensorbook run: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  let nb: Notebook;
  try {
    nb = readNotebook(args.input);
  } catch (err) {
    if (!(err instanceof NotebookFormatError)) throw err;
    console.error(`tensorbook run: ${err.message}`);
    return 1;
  }
  const foreign = foreignLanguage(nb);
  if (foreign !== undefined && args.inplace) {
    // Running it would replace the notebook's own outputs with TypeScript errors and its kernelspec with ours.
    const spec = nb.metadata.kernelspec;
    const kernel = spec !== undefined ? `kernel "${spec.name}"${spec.display_name ? ` (${spec.display_name})` : ""}` : `language ${foreign}`;
    console.error(`tensorbook run: ${shown(args.input)} is a ${foreign} notebook (${kernel}), not a TypeScript one: --inplace would overwrite ` +
      `its outputs and kernelspec, so it is refused and the file is untouched. Run it with its own kernel (jupyter nbconvert --execute --inplace), ` +
      `or give -o OUT.ipynb to try its cells as TypeScript`);
    return 1;
  }
  if (foreign !== undefined) console.error(`tensorbook run: warning: ${shown(args.input)} is a ${foreign} notebook; running its cells as TypeScript`);
  // a save that a kill -9 cut short left its temp file; it goes now, not after the run
  removeStaleTemps(args.output);

  // Jupyter starts a kernel in the notebook's folder, so relative paths in cells (notebooks/assets/…) mean
  // the same here; every path of ours was made absolute above.
  const cwd = path.dirname(args.input);
  process.chdir(cwd);
  const engine = await createEngine(cwd);
  // Wait until the runtime answers before the first cell, as nbclient waits for kernel_info_reply: its
  // start-up (workers, the language service) must not count against the first cell's --timeout.
  const starting = process.hrtime.bigint();
  await engine.isComplete("");
  terminal.note(`runtime ready in ${(Number(process.hrtime.bigint() - starting) / 1e9).toFixed(2)} s; running ${shown(args.input)}`);

  // SIGINT (Ctrl-C) and SIGTERM alike: the first interrupts the running cell and the run ends with what ran
  // written; a second (or, for SIGTERM, TERM_GRACE_MS without the cell stopping) saves and exits at once.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const exitCode = (signal: NodeJS.Signals): number => (signal === "SIGTERM" ? 143 : 130);
  const stopNow = (signal: NodeJS.Signals): never => {
    terminal.note("stopping without waiting for the cell");
    process.exit(save(nb, args) ? exitCode(signal) : 1);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy !== undefined) stopNow(signal);
    stoppedBy = signal;
    const again = signal === "SIGINT" ? "Ctrl-C again" : "SIGTERM again";
    terminal.note(`${signal}: interrupting the running cell (${again} to stop waiting for it)`);
    controller.abort();
    if (signal === "SIGTERM") graceTimer = setTimeout(() => stopNow(signal), TERM_GRACE_MS);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let result: RunResult;
  try {
    result = await executeNotebook(nb, engine, { allowErrors: args.allowErrors, timeoutS: args.timeoutS, signal: controller.signal, reporter: terminal });
  } finally {
    clearTimeout(graceTimer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const saved = save(nb, args);
  await shutdown(engine, result.engineStuck);
  if (!saved) return 1;

  if (args.html !== undefined && !(await exportPage(nb, args, args.html))) return 1;
  return report(result, args, stoppedBy);
}

/** The runtime room's Engine; loaded on demand so `tensorbook --help` does not start TypeScript. */
async function createEngine(cwd: string): Promise<Engine> {
  return (await import("../runtime/index.js")).createEngine({ cwd });
}

/** Writes the executed notebook; false (said on stderr) when it cannot, e.g. a folder that is not writable. */
function save(nb: Notebook, args: Args): boolean {
  setTensorbookMetadata(nb);
  try {
    writeNotebook(args.output, nb);
    return true;
  } catch (err) {
    console.error(`tensorbook run: ${(err as Error).message}; the input ${shown(args.input)} is unchanged`);
    return false;
  }
}

async function shutdown(engine: Engine, stuck: boolean): Promise<void> {
  // A stuck cell may never let shutdown finish; the notebook is written already, so do not wait long.
  await Promise.race([engine.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, stuck ? 1000 : 10_000).unref())]);
}

/** The plot room's exporter (src/export), on the notebook just written: one self-contained page. */
async function exportPage(nb: Notebook, args: Args, html: string): Promise<boolean> {
  try {
    const { exportHtml, titleFromPath } = await import("../export/index.js");
    exportHtml(nb, { title: typeof nb.metadata.title === "string" ? nb.metadata.title : titleFromPath(args.input), out: html });
    return true;
  } catch (err) {
    console.error(`tensorbook run: the HTML export failed: ${(err as Error).message}; the notebook itself was written to ${shown(args.output)}`);
    return false;
  }
}

function report(result: RunResult, args: Args, stoppedBy: NodeJS.Signals | undefined): number {
  const where = `executed notebook: ${shown(args.output)}${args.html !== undefined ? `\nHTML page:         ${shown(args.html)}` : ""}`;
  const cells = `${result.executed} cell${result.executed === 1 ? "" : "s"}`;
  switch (result.status) {
    case "ok":
      // As `jupyter nbconvert --execute --allow-errors`: errors were asked for, so they do not fail the run.
      console.log(result.errors === 0 ? `ran ${cells}, no errors\n${where}` : `ran ${cells}, ${result.errors} with errors (--allow-errors)\n${where}`);
      return 0;
    case "error":
      console.log(`stopped at cell ${result.stoppedAt} on an error (ran ${cells}); --allow-errors runs on past errors\n${where}`);
      return 1;
    case "timeout":
      console.log(`stopped at cell ${result.stoppedAt}: it ran past --timeout ${args.timeoutS} s (ran ${cells})\n${where}`);
      return 1;
    case "interrupted":
      if (stoppedBy === "SIGTERM") {
        console.log(`terminated (SIGTERM) at cell ${result.stoppedAt} (ran ${cells})\n${where}`);
        return 143;
      }
      console.log(`interrupted at cell ${result.stoppedAt} (ran ${cells})\n${where}`);
      return 130;
  }
}

/** A path as the user would type it: relative to where they ran the command, when that is shorter. */
const startDir = process.cwd();
function shown(file: string): string {
  const rel = path.relative(startDir, file);
  return rel !== "" && !rel.startsWith("..") && rel.length < file.length ? rel : file;
}

/** Progress on the terminal: the cell, its output as it comes, its time. Streams go to their own fd. */
const terminal = new (class implements RunReporter {
  private atLineStart = true;
  private readonly tty = process.stderr.isTTY === true;
  private readonly dim = (s: string): string => (this.tty ? `\x1b[2m${s}\x1b[22m` : s);

  cellStart(cell: CellStart): void {
    const firstLine = cell.source.split("\n").find((line) => line.trim() !== "") ?? "";
    this.line(this.dim(`[${cell.executionCount}] cell ${cell.cellNumber}/${cell.cellCount}: ${firstLine.trim().slice(0, 70)}`));
  }

  output(out: CellOutput): void {
    if (out.type === "stream") {
      (out.name === "stdout" ? process.stdout : process.stderr).write(out.text);
      this.atLineStart = out.text.endsWith("\n");
    } else if (out.type === "display_data") {
      this.line(this.dim(preview(out.data, "display")));
    }
  }

  cellEnd(cell: CellEnd): void {
    if (cell.result !== undefined) this.line(preview(cell.result, `Out[${cell.executionCount}]`));
    if (cell.error !== undefined) this.line(cell.error.traceback.join("\n"));
    const mark = cell.status === "ok" ? "ok" : "FAILED";
    this.line(this.dim(`[${cell.executionCount}] ${mark} in ${cell.seconds.toFixed(2)} s`));
  }

  note(text: string): void {
    this.line(`tensorbook run: ${text}`);
  }

  private line(text: string): void {
    // Tracebacks carry ANSI colours (as IPython's do); a log file or CI page gets them without.
    if (!this.tty) text = stripAnsi(text);
    process.stderr.write((this.atLineStart ? "" : "\n") + text + "\n");
    this.atLineStart = true;
  }
})();

/** text/plain of a bundle, cut to a few lines: the terminal is a progress view, the notebook has it all. */
function preview(bundle: MimeBundle, label: string): string {
  const text = typeof bundle["text/plain"] === "string" ? bundle["text/plain"] : `(${Object.keys(bundle).join(", ")})`;
  const lines = text.split("\n");
  const cut = lines.length > 12 ? [...lines.slice(0, 12), `… ${lines.length - 12} more lines`] : lines;
  return `${label}: ${cut.join("\n")}`;
}
