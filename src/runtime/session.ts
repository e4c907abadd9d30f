// The Engine (engine.ts) of one session: a language worker that type-checks and compiles cells and answers
// complete/inspect/is_complete, and a cell worker that runs them. Both are off the main thread, so the
// kernel's sockets, heartbeat and control stay live during `while (true) {}` and during a slow type check.
//
// Interrupt: a SharedArrayBuffer flag, set synchronously here; compiled loops check it (language/transform.ts)
// and a cell that awaits forever is ended by a message the worker handles when its event loop is free.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { CellIO, CompleteResult, Engine, ExecuteOptions, ExecuteOutcome, InspectResult, IsCompleteResult } from "./engine";
import type { FromWorker, ToWorker, WorkerConfig } from "./messages";
import { LanguageClient } from "../language/client";
import type { CompileResult } from "../language/protocol";

export interface EngineOptions {
  /** The notebook's folder: imports resolve from here upward, relative files load from here. */
  cwd: string;
}

const INTERRUPTED: ExecuteOutcome = {
  status: "error",
  ename: "KeyboardInterrupt",
  evalue: "the cell was interrupted before it ran",
  traceback: ["\u001b[0;31mKeyboardInterrupt\u001b[0m: the cell was interrupted before it ran"],
};

/** The reply of a cell the session cannot run or finish: its worker died, or the session was shut down. */
function deadKernel(error: Error, advice = ""): ExecuteOutcome {
  return { status: "error", ename: "DeadKernelError", evalue: error.message, traceback: [`DeadKernelError: ${error.message}${advice}`] };
}

class Session implements Engine {
  private readonly flag = new SharedArrayBuffer(4);
  private readonly flagView = new Int32Array(this.flag);
  private readonly cellWorker: Worker;
  private readonly language: LanguageClient;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  /** The cell between compile and reply, if any. */
  private running: { id: number; io: CellIO; phase: "compile" | "run"; interrupted: boolean; done: (o: ExecuteOutcome) => void } | undefined;
  private dead: Error | undefined;

  constructor(private readonly options: EngineOptions) {
    // Worker threads cannot chdir; a notebook's relative paths (fs.readFileSync("data/x.bin")) are read
    // from the process's cwd, so it becomes the notebook's folder, as Jupyter starts kernels there.
    if (path.resolve(options.cwd) !== process.cwd()) process.chdir(options.cwd);
    const config: WorkerConfig = { cwd: options.cwd, flag: this.flag };
    this.cellWorker = new Worker(path.join(__dirname, "worker.js"), { workerData: config, stdout: false, stderr: false });
    this.cellWorker.on("message", (message: FromWorker) => this.onWorkerMessage(message));
    this.cellWorker.on("error", (error) => this.onWorkerExit(error));
    this.cellWorker.on("exit", (code) => this.onWorkerExit(new Error(`the cell worker exited with code ${code}`)));
    this.language = new LanguageClient(options.cwd);
  }

  execute(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome> {
    const result = this.queue.then(() => this.executeNow(code, options, io));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async executeNow(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome> {
    if (this.dead !== undefined) {
      return deadKernel(this.dead, "; restart the kernel");
    }
    const id = this.nextId++;
    const outcome = new Promise<ExecuteOutcome>((done) => {
      this.running = { id, io, phase: "compile", interrupted: false, done };
    });
    const running = this.running!;
    const fileName = `Cell In[${options.executionCount}]`;
    let compiled: CompileResult;
    try {
      compiled = await this.language.compile(code, fileName, options.userExpressions);
    } catch (e) {
      this.running = undefined;
      const message = e instanceof Error ? e.message : String(e);
      return { status: "error", ename: "TensorbookInternalError", evalue: `compiling the cell failed: ${message}`, traceback: [`TensorbookInternalError: compiling the cell failed: ${message}`] };
    }
    if (running.interrupted) {
      this.running = undefined;
      return INTERRUPTED;
    }
    if (!compiled.ok) {
      this.running = undefined;
      return { status: "error", ...compiled.error };
    }
    if (compiled.warning !== undefined) io.output({ type: "stream", name: "stderr", text: compiled.warning });
    running.phase = "run";
    Atomics.store(this.flagView, 0, 0);
    const message: ToWorker = {
      kind: "run", id, executionCount: options.executionCount, js: compiled.js, sourceMap: compiled.sourceMap,
      source: code, fileName, userExpressions: compiled.userExpressions,
    };
    this.cellWorker.postMessage(message);
    const result = await outcome;
    this.running = undefined;
    return result;
  }

  private onWorkerMessage(message: FromWorker): void {
    const running = this.running;
    switch (message.kind) {
      case "ready":
        return;
      case "output":
        if (running?.id === message.id) running.io.output(message.out);
        return;
      case "input": {
        const reply = (r: { value?: string; error?: string }): void => this.cellWorker.postMessage({ kind: "input-reply", id: message.id, ...r } satisfies ToWorker);
        if (running?.id !== message.cellId) return reply({ error: "input() was called after its cell finished" });
        running.io.input(message.prompt, message.password).then((value) => reply({ value }), (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }));
        return;
      }
      case "done":
        if (running?.id === message.id) running.done(message.outcome);
        return;
    }
  }

  private onWorkerExit(error: Error): void {
    if (this.dead !== undefined) return;
    this.dead = error;
    this.running?.done(deadKernel(error));
  }

  complete(code: string, cursorPos: number): Promise<CompleteResult> {
    return this.language.complete(code, cursorPos);
  }

  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectResult> {
    return this.language.inspect(code, cursorPos, detailLevel);
  }

  isComplete(code: string): Promise<IsCompleteResult> {
    return this.language.isComplete(code);
  }

  interrupt(): void {
    const running = this.running;
    if (running === undefined) return;
    running.interrupted = true;
    if (running.phase === "run") {
      Atomics.store(this.flagView, 0, 1);
      this.cellWorker.postMessage({ kind: "interrupt" } satisfies ToWorker);
    }
  }

  async shutdown(): Promise<void> {
    this.dead ??= new Error("the session was shut down");
    // A cell still running gets its reply (the kernel awaits it), then the threads go.
    this.running?.done(deadKernel(this.dead));
    await Promise.all([this.cellWorker.terminate(), this.language.shutdown()]);
  }
}

export function createSession(options: EngineOptions): Engine {
  return new Session(options);
}
