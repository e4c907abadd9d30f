// The shell requests that only ask questions: complete, inspect, is_complete, history, comm_info, and the
// comm messages (messaging spec 5.3, "Messages on the shell (ROUTER/DEALER) channel"). Positions cross the
// boundary here: the protocol's code points become the Engine's UTF-16 offsets and back (cursor.ts).
import type { Engine } from "../runtime/engine";
import type { JsonObject } from "../protocol/message";
import type { CommRegistry, Comm } from "./comms";
import { codePointsToUtf16, utf16ToCodePoints } from "./cursor";
import type { History, HistoryRequest } from "./history";
import type { RequestScope } from "./scope";

function codeAndCursor(content: JsonObject, msgType: string): { code: string; cursor: number } {
  const code = content.code;
  if (typeof code !== "string") throw new Error(`${msgType}: content.code must be a string`);
  const cursorPos = content.cursor_pos;
  // cursor_pos may be omitted or null: "the end of the code" (as jupyter_client's complete() sends it).
  if (cursorPos !== undefined && cursorPos !== null && (typeof cursorPos !== "number" || !Number.isInteger(cursorPos) || cursorPos < 0)) {
    throw new Error(`${msgType}: content.cursor_pos must be a non-negative integer, got ${JSON.stringify(cursorPos)}`);
  }
  const cursor = typeof cursorPos === "number" ? codePointsToUtf16(code, cursorPos) : code.length;
  return { code, cursor };
}

export async function complete(scope: RequestScope, engine: Engine): Promise<void> {
  const { code, cursor } = codeAndCursor(scope.request.content, "complete_request");
  const result = await engine.complete(code, cursor);
  scope.reply({
    status: "ok",
    matches: result.matches,
    cursor_start: utf16ToCodePoints(code, result.cursorStart),
    cursor_end: utf16ToCodePoints(code, result.cursorEnd),
    metadata: result.metadata,
  });
}

export async function inspect(scope: RequestScope, engine: Engine): Promise<void> {
  const { code, cursor } = codeAndCursor(scope.request.content, "inspect_request");
  const detail = scope.request.content.detail_level === 1 ? 1 : 0;
  const result = await engine.inspect(code, cursor, detail);
  scope.reply({ status: "ok", found: result.found, data: result.found ? result.data : {}, metadata: result.metadata });
}

export async function isComplete(scope: RequestScope, engine: Engine): Promise<void> {
  const code = scope.request.content.code;
  if (typeof code !== "string") throw new Error("is_complete_request: content.code must be a string");
  const result = await engine.isComplete(code);
  scope.reply(result.status === "incomplete" ? { status: "incomplete", indent: result.indent } : { status: result.status });
}

export function parseHistoryRequest(content: JsonObject): HistoryRequest {
  const type = content.hist_access_type;
  if (type !== "tail" && type !== "range" && type !== "search") {
    throw new Error(`history_request: hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(type)}`);
  }
  const number = (name: string): number | undefined => {
    const value = content[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`history_request: content.${name} must be an integer`);
    return value;
  };
  const pattern = content.pattern;
  if (pattern !== undefined && typeof pattern !== "string") throw new Error("history_request: content.pattern must be a string");
  return {
    hist_access_type: type,
    output: content.output === true,
    raw: content.raw !== false,
    session: number("session"),
    start: number("start"),
    stop: number("stop"),
    n: number("n"),
    pattern,
    unique: content.unique === true,
  };
}

export function history(scope: RequestScope, history: History): void {
  scope.reply({ status: "ok", history: history.query(parseHistoryRequest(scope.request.content)) });
}

export function commInfo(scope: RequestScope, comms: CommRegistry): void {
  const target = scope.request.content.target_name;
  scope.reply({ status: "ok", comms: comms.info(typeof target === "string" ? target : undefined) });
}

function commId(content: JsonObject, msgType: string): string {
  if (typeof content.comm_id !== "string" || content.comm_id === "") throw new Error(`${msgType}: content.comm_id must be a non-empty string`);
  return content.comm_id;
}

function commData(content: JsonObject): JsonObject {
  const data = content.data;
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as JsonObject) : {};
}

export function commOpen(scope: RequestScope, comms: CommRegistry, log: (line: string) => void): void {
  const content = scope.request.content;
  const id = commId(content, "comm_open");
  const targetName = typeof content.target_name === "string" ? content.target_name : "";
  // The comm answers through the request that opened it: its messages name comm_open as their parent.
  const comm: Comm = {
    commId: id,
    targetName,
    send: (data, buffers = []) => scope.publish("comm_msg", { comm_id: id, data }, {}, buffers),
    close: (data = {}) => {
      comms.forget(id);
      scope.publish("comm_close", { comm_id: id, data });
    },
  };
  if (!comms.opened(comm, commData(content), scope.request.buffers)) {
    log(`tensorbook kernel: comm_open for unknown target ${JSON.stringify(targetName)}; closing comm ${id}`);
    scope.publish("comm_close", { comm_id: id, data: {} });
  }
}

export function commMsg(scope: RequestScope, comms: CommRegistry, log: (line: string) => void): void {
  const id = commId(scope.request.content, "comm_msg");
  if (!comms.message(id, commData(scope.request.content), scope.request.buffers)) log(`tensorbook kernel: comm_msg for unknown comm ${id}`);
}

export function commClose(scope: RequestScope, comms: CommRegistry, log: (line: string) => void): void {
  const id = commId(scope.request.content, "comm_close");
  if (!comms.closed(id, commData(scope.request.content))) log(`tensorbook kernel: comm_close for unknown comm ${id}`);
}
