// The kernel's handlers against an in-memory transport and a scripted engine: message order, parents,
// identities, execution counts, silent, stop_on_error, stdin, interrupt and shutdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Kernel } from "../../src/kernel/kernel";
import { FakeEngine } from "./fake-engine";
import { FakeTransport, executeContent, request } from "./fake-transport";
import type { Message } from "../../src/protocol/message";

function setup(): { kernel: Kernel; engine: FakeEngine; transport: FakeTransport; logs: string[]; shutdowns: boolean[] } {
  const engine = new FakeEngine();
  const transport = new FakeTransport();
  const logs: string[] = [];
  const shutdowns: boolean[] = [];
  const kernel = new Kernel({ engine, transport, log: (line) => logs.push(line), onShutdown: (restart) => void shutdowns.push(restart) });
  return { kernel, engine, transport, logs, shutdowns };
}

async function run(k: ReturnType<typeof setup>, code: string, extra = {}): Promise<{ req: Message; reply: Message; iopub: string[] }> {
  const req = request("execute_request", executeContent(code, extra));
  k.kernel.receive("shell", req);
  await k.transport.idle(req);
  const reply = await k.transport.reply(req);
  return { req, reply, iopub: k.transport.children(req, "iopub").map((m) => m.header.msg_type) };
}

test("status starting is published once, with no parent", () => {
  const k = setup();
  k.kernel.start();
  assert.equal(k.transport.sent.length, 1);
  assert.equal(k.transport.sent[0].channel, "iopub");
  assert.deepEqual(k.transport.sent[0].message.content, { execution_state: "starting" });
  assert.deepEqual(k.transport.sent[0].message.parent_header, {});
});

test("kernel_info: reply to the sender's identity and parent, busy/idle around it", async () => {
  const k = setup();
  const req = request("kernel_info_request", {}, "lab-42");
  k.kernel.receive("shell", req);
  const reply = await k.transport.reply(req);
  assert.deepEqual(reply.identities, [Buffer.from("lab-42")]);
  assert.deepEqual(reply.parent_header, req.header);
  assert.equal(reply.header.msg_type, "kernel_info_reply");
  assert.equal(reply.header.session, k.kernel.session.id);
  assert.equal(reply.content.protocol_version, "5.3");
  assert.equal((reply.content.language_info as { name: string }).name, "typescript");
  assert.equal((reply.content.language_info as { file_extension: string }).file_extension, ".ts");
  await k.transport.idle(req);
  const states = k.transport.children(req, "iopub").map((m) => m.content.execution_state);
  assert.deepEqual(states, ["busy", "idle"]);
});

test("execute: busy, execute_input, outputs in order, execute_result, reply, idle", async () => {
  const k = setup();
  const { req, reply, iopub } = await run(k, "print hi\neprint oops\ndisplay pic\nclear\n= 42");
  assert.deepEqual(iopub, ["status", "execute_input", "stream", "stream", "display_data", "clear_output", "execute_result", "status"]);
  const messages = k.transport.children(req, "iopub");
  assert.deepEqual(messages[1].content, { code: "print hi\neprint oops\ndisplay pic\nclear\n= 42", execution_count: 1 });
  assert.deepEqual(messages[2].content, { name: "stdout", text: "hi\n" });
  assert.deepEqual(messages[3].content, { name: "stderr", text: "oops\n" });
  assert.deepEqual(messages[4].content, { data: { "text/plain": "pic", "text/html": "<b>pic</b>" }, metadata: {} });
  assert.deepEqual(messages[6].content, { execution_count: 1, data: { "text/plain": "42" }, metadata: {} });
  assert.deepEqual(reply.content, { status: "ok", execution_count: 1, payload: [], user_expressions: {} });
  // iopub carries a topic, not the requester's identity; every message has its own id and a dated header
  assert.ok(messages.every((m) => m.identities[0].toString().startsWith(`kernel.${k.kernel.session.id}.`)));
  const ids = new Set(k.transport.sent.map((s) => s.message.header.msg_id));
  assert.equal(ids.size, k.transport.sent.length);
  assert.ok(messages.every((m) => !Number.isNaN(Date.parse(m.header.date)) && m.header.date.endsWith("Z")));
});

test("execution_count advances only for store_history; silent sends no execute_input nor outputs", async () => {
  const k = setup();
  assert.equal((await run(k, "= 1")).reply.content.execution_count, 1);
  const unstored = await run(k, "= 2", { store_history: false });
  assert.equal(unstored.reply.content.execution_count, 1);
  assert.deepEqual(unstored.iopub, ["status", "execute_input", "execute_result", "status"]);
  const silent = await run(k, "print quiet\n= 3", { silent: true });
  assert.deepEqual(silent.iopub, ["status", "status"]);
  assert.equal(silent.reply.content.status, "ok");
  assert.equal(k.engine.executed[2].options.storeHistory, false, "silent forces store_history off");
  assert.equal((await run(k, "= 4")).reply.content.execution_count, 2);
  assert.deepEqual(k.engine.executed.map((e) => e.options.executionCount), [1, 1, 1, 2]);
});

test("an error: error message on iopub and an error reply with ename, evalue, traceback", async () => {
  const k = setup();
  const { req, reply, iopub } = await run(k, "fail TypeError x is not a function");
  assert.deepEqual(iopub, ["status", "execute_input", "error", "status"]);
  const error = k.transport.children(req, "iopub")[2];
  assert.deepEqual(error.content, { ename: "TypeError", evalue: "x is not a function", traceback: ["TypeError: x is not a function", "    at Cell In[1], line 1"] });
  assert.equal(reply.content.status, "error");
  assert.equal(reply.content.ename, "TypeError");
  assert.equal(reply.content.execution_count, 1);
});

test("stop_on_error aborts the executes queued at that moment, not later ones nor other requests", async () => {
  const k = setup();
  const failing = request("execute_request", executeContent("fail Error boom"));
  const queued1 = request("execute_request", executeContent("= 1"));
  const info = request("kernel_info_request", {});
  const queued2 = request("execute_request", executeContent("= 2"));
  for (const r of [failing, queued1, info, queued2]) k.kernel.receive("shell", r);
  assert.equal((await k.transport.reply(failing)).content.status, "error");
  assert.deepEqual((await k.transport.reply(queued1)).content, { status: "aborted", execution_count: 1 });
  assert.equal((await k.transport.reply(info)).content.status, "ok");
  assert.equal((await k.transport.reply(queued2)).content.status, "aborted");
  await k.transport.idle(queued2);
  assert.deepEqual(k.transport.children(queued1, "iopub").map((m) => m.content.execution_state), ["busy", "idle"]);
  assert.deepEqual(k.engine.executed.map((e) => e.code), ["fail Error boom"]);
  // after the abort, a new request runs normally
  assert.equal((await run(k, "= 3")).reply.content.status, "ok");
});

test("stop_on_error false lets queued executes run", async () => {
  const k = setup();
  const failing = request("execute_request", executeContent("fail Error boom", { stop_on_error: false }));
  const next = request("execute_request", executeContent("= 1"));
  k.kernel.receive("shell", failing);
  k.kernel.receive("shell", next);
  assert.equal((await k.transport.reply(next)).content.status, "ok");
});

test("execute_result always carries text/plain", async () => {
  const k = setup();
  const { req } = await run(k, "bundle image/svg+xml");
  const result = k.transport.children(req, "iopub").find((m) => m.header.msg_type === "execute_result")!;
  assert.deepEqual(result.content.data, { "text/plain": "<image/svg+xml>", "image/svg+xml": "<svg/>" });
});

test("user_expressions reach the engine and come back in the reply", async () => {
  const k = setup();
  const { reply } = await run(k, "= 1", { user_expressions: { a: "x + 1" } });
  assert.deepEqual(reply.content.user_expressions, { a: { status: "ok", data: { "text/plain": "X + 1" }, metadata: {} } });
});

test("update_display_data keeps its display_id", async () => {
  const k = setup();
  const { req } = await run(k, "update bar 50%");
  const update = k.transport.children(req, "iopub").find((m) => m.header.msg_type === "update_display_data")!;
  assert.deepEqual(update.content, { data: { "text/plain": "50%" }, metadata: {}, transient: { display_id: "bar" } });
});

test("stdin: input_request to the executing frontend, input_reply answers it", async () => {
  const k = setup();
  const req = request("execute_request", executeContent("input name?"), "frontend-7");
  k.kernel.receive("shell", req);
  const ask = (await k.transport.waitFor((s) => s.channel === "stdin")).message;
  assert.equal(ask.header.msg_type, "input_request");
  assert.deepEqual(ask.content, { prompt: "name?", password: false });
  assert.deepEqual(ask.identities, [Buffer.from("frontend-7")]);
  assert.deepEqual(ask.parent_header, req.header);
  const answer = request("input_reply", { value: "Ada" }, "frontend-7");
  answer.parent_header = ask.header;
  k.kernel.receive("stdin", answer);
  await k.transport.idle(req);
  assert.deepEqual(k.transport.children(req, "iopub").find((m) => m.header.msg_type === "stream")!.content, { name: "stdout", text: "got Ada\n" });
});

test("stdin: refused when allow_stdin is false; a stray input_reply is logged, not fatal", async () => {
  const k = setup();
  k.kernel.receive("stdin", request("input_reply", { value: "nobody asked" }));
  assert.match(k.logs[0], /no input_request is waiting/);
  const { reply } = await run(k, "input name?", { allow_stdin: false });
  assert.equal(reply.content.status, "error");
  assert.match(reply.content.evalue as string, /allow_stdin is false/);
  assert.equal(k.transport.sent.filter((s) => s.channel === "stdin").length, 0);
});

test("control answers while a cell runs; interrupt stops it", async () => {
  const k = setup();
  const cell = request("execute_request", executeContent("sleep 60000"));
  k.kernel.receive("shell", cell);
  await k.transport.waitFor((s) => s.message.header.msg_type === "execute_input");
  const info = request("kernel_info_request", {});
  k.kernel.receive("control", info);
  const infoReply = await k.transport.reply(info);
  assert.equal(infoReply.header.msg_type, "kernel_info_reply");
  assert.equal(k.transport.sent.some((s) => s.message.header.msg_type === "execute_reply"), false, "the cell is still running");
  const interrupt = request("interrupt_request", {});
  k.kernel.receive("control", interrupt);
  const interruptReply = await k.transport.reply(interrupt);
  assert.deepEqual(interruptReply.content, { status: "ok" });
  assert.equal(interruptReply.header.msg_type, "interrupt_reply");
  const cellReply = await k.transport.reply(cell);
  assert.equal(cellReply.content.ename, "InterruptedError");
  assert.equal(k.engine.interrupts, 1);
});

test("interrupt cancels a prompt waiting for input", async () => {
  const k = setup();
  const cell = request("execute_request", executeContent("input name?"));
  k.kernel.receive("shell", cell);
  await k.transport.waitFor((s) => s.channel === "stdin");
  k.kernel.receive("control", request("interrupt_request", {}));
  const reply = await k.transport.reply(cell);
  assert.equal(reply.content.status, "error");
  assert.match(reply.content.evalue as string, /KeyboardInterrupt/);
});

test("shutdown on control: the reply echoes restart, the engine stops, then onShutdown", async () => {
  for (const restart of [false, true]) {
    const k = setup();
    const req = request("shutdown_request", { restart });
    k.kernel.receive("control", req);
    const reply = await k.transport.reply(req);
    assert.equal(reply.header.msg_type, "shutdown_reply");
    assert.deepEqual(reply.content, { status: "ok", restart });
    await k.transport.idle(req);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(k.engine.shutdowns, 1);
    assert.deepEqual(k.shutdowns, [restart]);
    // requests after shutdown are ignored, not answered
    const late = request("kernel_info_request", {});
    k.kernel.receive("shell", late);
    assert.equal(k.transport.children(late).length, 0);
  }
});

test("bad input is logged and the kernel keeps serving", async () => {
  const k = setup();
  k.kernel.receive("shell", request("no_such_request", {}));
  assert.match(k.logs.at(-1)!, /unknown message type "no_such_request" on shell/);
  for (const inherited of ["constructor", "__proto__", "toString"]) {
    k.kernel.receive("shell", request(inherited, {}));
    assert.match(k.logs.at(-1)!, new RegExp(`unknown message type "${inherited}"`));
  }
  k.kernel.receive("control", request("execute_request", executeContent("= 1")));
  assert.match(k.logs.at(-1)!, /execute_request on control/);
  const bad = request("execute_request", { silent: "yes" });
  k.kernel.receive("shell", bad);
  const reply = await k.transport.reply(bad);
  assert.equal(reply.content.status, "error");
  assert.match(reply.content.evalue as string, /content\.code must be a string/);
  assert.equal((await run(k, "= 5")).reply.content.status, "ok");
});
