// The contract between the kernel (which knows messages) and the runtime (which runs cells).
// The kernel never sees TypeScript; the runtime never sees a message header. `tensorbook run` drives the
// same Engine without any kernel, so a notebook's outputs are the same in Jupyter and on the command line.
//
// Positions here are JavaScript string offsets (UTF-16 code units). The kernel converts the protocol's
// code-point cursor_pos to and from them (messaging spec 5.2+: "cursor_pos is in unicode code points").
import type { DisplayData, MimeBundle } from "../display/mime";

/** What a running cell sends out, in order, while it runs. */
export type CellOutput =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | ({ type: "display_data" } & DisplayData)
  | ({ type: "update_display_data" } & DisplayData & { transient: { display_id: string } })
  | { type: "clear_output"; wait: boolean };

export interface ExecuteOptions {
  /** The execution_count this cell will show ("Cell In[n]" in tracebacks). */
  executionCount: number;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  /** user_expressions: name → expression, evaluated after the cell in its scope. */
  userExpressions: { [name: string]: string };
}

/** A cell's error, as execute_reply / the error message carry it. */
export interface CellError {
  ename: string;
  evalue: string;
  /** Lines of the traceback, ANSI colours allowed, frames in cell coordinates. */
  traceback: string[];
}

export type UserExpressionResult =
  | { status: "ok"; data: MimeBundle; metadata: { [key: string]: unknown } }
  | ({ status: "error" } & CellError);

export type ExecuteOutcome =
  | {
      status: "ok";
      /** The last expression's value, for execute_result; absent when the cell has none. */
      result?: { data: MimeBundle; metadata: { [key: string]: unknown } };
      userExpressions: { [name: string]: UserExpressionResult };
    }
  | ({ status: "error" } & CellError);

export interface CellIO {
  /** Every output of the cell, in order; called before execute resolves, never after. */
  output(out: CellOutput): void;
  /** input_request on stdin; rejects when the frontend does not allow stdin. */
  input(prompt: string, password: boolean): Promise<string>;
}

export interface CompleteResult {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: { [key: string]: unknown };
}

export interface InspectResult {
  found: boolean;
  data: MimeBundle;
  metadata: { [key: string]: unknown };
}

export type IsCompleteResult =
  | { status: "complete" | "invalid" | "unknown" }
  | { status: "incomplete"; indent: string };

export interface Engine {
  execute(code: string, options: ExecuteOptions, io: CellIO): Promise<ExecuteOutcome>;
  complete(code: string, cursorPos: number): Promise<CompleteResult>;
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): Promise<InspectResult>;
  isComplete(code: string): Promise<IsCompleteResult>;
  /**
   * Stops the running cell (it ends with an error saying it was interrupted) and keeps the session's
   * state. Synchronous and safe to call from any thread state: it must work while a cell is busy.
   */
  interrupt(): void;
  /** Ends the session and frees its thread. */
  shutdown(): Promise<void>;
}
