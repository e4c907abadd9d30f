// What the session's main thread and its cell worker say to each other (worker_threads messages).
// The main thread owns the kernel's sockets; the worker owns the user's globals (DESIGN.md: heartbeat,
// control and stdin must answer while a cell is busy).
import type { CellOutput, ExecuteOutcome } from "./engine";
import type { CompiledExpression } from "../language/protocol";

export interface RunCell {
  kind: "run";
  id: number;
  executionCount: number;
  /** The compiled cell (language/transform.ts) and its source map back to `source`. */
  js: string;
  sourceMap: string;
  source: string;
  fileName: string;
  userExpressions: { [name: string]: CompiledExpression };
}

export type ToWorker =
  | RunCell
  /** Ends a cell that is awaiting (the flag alone stops synchronous loops). */
  | { kind: "interrupt" }
  | { kind: "input-reply"; id: number; value?: string; error?: string };

export type FromWorker =
  | { kind: "ready" }
  | { kind: "output"; id: number; out: CellOutput }
  | { kind: "input"; id: number; cellId: number; prompt: string; password: boolean }
  | { kind: "done"; id: number; outcome: ExecuteOutcome };

/** workerData of the cell worker. */
export interface WorkerConfig {
  cwd: string;
  /** Int32Array view over it: [0] = interrupt requested. */
  flag: SharedArrayBuffer;
}
