// execute_request (messaging spec, "Execute"): the order every frontend relies on is
//
//   status busy → execute_input → stream / display_data / … → execute_result | error → execute_reply → idle
//
// (busy and idle are sent by the dispatcher, kernel.ts). execution_count counts only store_history cells;
// silent runs the cell without execute_input, outputs or a history entry.
import type { CellError, CellOutput, Engine, ExecuteOutcome } from "../runtime/engine";
import type { MimeBundle } from "../display/mime";
import type { History } from "./history";
import type { RequestScope } from "./scope";
import type { StdinBroker } from "./stdin";

export interface ExecuteRequest {
  code: string;
  silent: boolean;
  storeHistory: boolean;
  userExpressions: { [name: string]: string };
  allowStdin: boolean;
  stopOnError: boolean;
}

/** Reads execute_request's content with the spec's defaults; throws saying which field is wrong. */
export function parseExecuteRequest(content: { [key: string]: unknown }): ExecuteRequest {
  const code = content.code;
  if (typeof code !== "string") throw new Error("execute_request: content.code must be a string");
  const flag = (name: string, fallback: boolean): boolean => {
    const value = content[name];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw new Error(`execute_request: content.${name} must be a boolean`);
    return value;
  };
  const silent = flag("silent", false);
  const expressions = content.user_expressions ?? {};
  if (typeof expressions !== "object" || expressions === null || Array.isArray(expressions) || Object.values(expressions).some((e) => typeof e !== "string")) {
    throw new Error("execute_request: content.user_expressions must map names to expression strings");
  }
  return {
    code,
    silent,
    // "silent=True forces store_history to be False" (messaging spec).
    storeHistory: !silent && flag("store_history", true),
    userExpressions: expressions as { [name: string]: string },
    allowStdin: flag("allow_stdin", true),
    stopOnError: flag("stop_on_error", true),
  };
}

/** execute_result and display_data always carry text/plain (DESIGN.md, "Display and plots"). */
export function withTextPlain(data: MimeBundle): MimeBundle {
  if (typeof data["text/plain"] === "string") return data;
  return { "text/plain": `<${Object.keys(data).join(", ") || "no data"}>`, ...data };
}

export interface ExecuteState {
  readonly engine: Engine;
  readonly history: History;
  readonly stdin: StdinBroker;
  /** The count of the last stored cell; execute() advances it. */
  executionCount: number;
}

function publishOutput(scope: RequestScope, out: CellOutput): void {
  switch (out.type) {
    case "stream":
      scope.publish("stream", { name: out.name, text: out.text });
      return;
    case "display_data":
      scope.publish("display_data", { data: withTextPlain(out.data), metadata: out.metadata, ...(out.transient ? { transient: out.transient } : {}) });
      return;
    case "update_display_data":
      scope.publish("update_display_data", { data: withTextPlain(out.data), metadata: out.metadata, transient: out.transient });
      return;
    case "clear_output":
      scope.publish("clear_output", { wait: out.wait });
      return;
  }
}

/** Runs one execute_request; returns the outcome's status so the dispatcher can apply stop_on_error. */
export async function execute(scope: RequestScope, state: ExecuteState): Promise<"ok" | "error"> {
  const request = parseExecuteRequest(scope.request.content);
  if (request.storeHistory) state.executionCount++;
  const executionCount = state.executionCount;
  if (!request.silent) scope.publish("execute_input", { code: request.code, execution_count: executionCount });
  if (request.storeHistory) state.history.record(executionCount, request.code);

  let outcome: ExecuteOutcome;
  let open = true; // CellIO: outputs after the cell resolved are a runtime bug; drop them, don't misfile them
  try {
    outcome = await state.engine.execute(
      request.code,
      { executionCount, silent: request.silent, storeHistory: request.storeHistory, allowStdin: request.allowStdin, userExpressions: request.userExpressions },
      {
        output: (out) => {
          if (open && !request.silent) publishOutput(scope, out);
        },
        input: (prompt, password) => state.stdin.request(scope.request, prompt, password),
      },
    );
  } catch (e) {
    // The engine itself failed (not the cell): report it as the cell's error, the kernel keeps serving.
    const error = e instanceof Error ? e : new Error(String(e));
    outcome = { status: "error", ename: error.name, evalue: error.message, traceback: [error.stack ?? `${error.name}: ${error.message}`] };
  } finally {
    open = false;
  }

  if (outcome.status === "ok") {
    if (outcome.result !== undefined && !request.silent) {
      const data = withTextPlain(outcome.result.data);
      scope.publish("execute_result", { execution_count: executionCount, data, metadata: outcome.result.metadata });
      if (request.storeHistory) state.history.recordOutput(executionCount, data["text/plain"] as string);
    }
    scope.reply({ status: "ok", execution_count: executionCount, payload: [], user_expressions: outcome.userExpressions });
    return "ok";
  }
  const error: CellError = { ename: outcome.ename, evalue: outcome.evalue, traceback: outcome.traceback };
  if (!request.silent) scope.publish("error", { ...error });
  scope.reply({ status: "error", execution_count: executionCount, ...error, payload: [], user_expressions: {} }, { status: "error" });
  return request.stopOnError ? "error" : "ok";
}
