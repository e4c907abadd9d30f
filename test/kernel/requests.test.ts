// complete / inspect / is_complete / history / comms through the kernel, with code-point cursors.
import { test } from "node:test";
import * as fs from "node:fs";
import assert from "node:assert/strict";
import { Kernel } from "../../src/kernel/kernel";
import { codePointsToUtf16, utf16ToCodePoints } from "../../src/kernel/cursor";
import { globToRegExp } from "../../src/kernel/history";
import type { JsonObject } from "../../src/protocol/message";
import { FakeEngine } from "./fake-engine";
import { FakeTransport, executeContent, request } from "./fake-transport";
import { fixture } from "../helpers/tools";

function setup(): { kernel: Kernel; engine: FakeEngine; transport: FakeTransport; logs: string[] } {
  const engine = new FakeEngine();
  const transport = new FakeTransport();
  const logs: string[] = [];
  return { kernel: new Kernel({ engine, transport, log: (line) => logs.push(line) }), engine, transport, logs };
}

async function ask(k: ReturnType<typeof setup>, msgType: string, content: JsonObject): Promise<JsonObject> {
  const req = request(msgType, content);
  k.kernel.receive("shell", req);
  const reply = await k.transport.reply(req);
  await k.transport.idle(req);
  return reply.content;
}

test("cursor: code points ↔ UTF-16 across astral characters", () => {
  // "a𝔼é😀b": 𝔼 and 😀 are outside the BMP (two UTF-16 units each); é is one unit.
  const text = "a𝔼é😀b";
  assert.equal(text.length, 7);
  const utf16ByCodePoint = [0, 1, 3, 4, 6, 7];
  utf16ByCodePoint.forEach((offset, codePoints) => {
    assert.equal(codePointsToUtf16(text, codePoints), offset);
    assert.equal(utf16ToCodePoints(text, offset), codePoints);
  });
  assert.equal(codePointsToUtf16(text, 99), 7, "clamped to the end");
  assert.equal(utf16ToCodePoints(text, 2), 2, "an offset inside a pair counts the pair as passed");
});

test("complete: the engine sees UTF-16 offsets, the reply counts code points", async () => {
  const k = setup();
  const code = "const 𝔼 = 1; 𝔼va";
  const reply = await ask(k, "complete_request", { code, cursor_pos: [...code].length });
  assert.deepEqual(reply, { status: "ok", matches: ["𝔼value"], cursor_start: 13, cursor_end: 16, metadata: {} });
  // cursor_pos omitted means the end of the code
  const atEnd = await ask(k, "complete_request", { code: "con" });
  assert.deepEqual(atEnd.matches, ["console", "const", "constructor"]);
});

test("inspect: found with data, not found with empty data", async () => {
  const k = setup();
  assert.deepEqual(await ask(k, "inspect_request", { code: "x = tensor", cursor_pos: 10, detail_level: 0 }), { status: "ok", found: true, data: { "text/plain": "tensor: a word" }, metadata: {} });
  assert.deepEqual(await ask(k, "inspect_request", { code: "zzz", cursor_pos: 3, detail_level: 0 }), { status: "ok", found: false, data: {}, metadata: {} });
});

test("is_complete: complete, incomplete with indent, invalid", async () => {
  const k = setup();
  assert.deepEqual(await ask(k, "is_complete_request", { code: "f() {}" }), { status: "complete" });
  assert.deepEqual(await ask(k, "is_complete_request", { code: "f() { if (x) {" }), { status: "incomplete", indent: "    " });
  assert.deepEqual(await ask(k, "is_complete_request", { code: "}" }), { status: "invalid" });
});

test("history: tail, range, search with glob, unique, output", async () => {
  const k = setup();
  for (const code of ["= 1", "= 2", "print x", "= 1"]) {
    const req = request("execute_request", executeContent(code));
    k.kernel.receive("shell", req);
    await k.transport.idle(req);
  }
  const silent = request("execute_request", executeContent("= 9", { silent: true }));
  k.kernel.receive("shell", silent);
  await k.transport.idle(silent);

  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true })).history, [[1, 3, "print x"], [1, 4, "= 1"]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "tail", n: 2, output: true, raw: true })).history, [[1, 3, ["print x", null]], [1, 4, ["= 1", "1"]]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "range", session: 1, start: 2, stop: 4, output: false, raw: true })).history, [[1, 2, "= 2"], [1, 3, "print x"]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "range", session: 0, start: 4, stop: 0, output: false, raw: true })).history, [[1, 4, "= 1"]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "range", session: 7, start: 1, stop: 9, output: false, raw: true })).history, []);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "search", pattern: "= ?", output: false, raw: true })).history, [[1, 1, "= 1"], [1, 2, "= 2"], [1, 4, "= 1"]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "search", pattern: "= ?", unique: true, output: false, raw: true })).history, [[1, 2, "= 2"], [1, 4, "= 1"]]);
  assert.deepEqual((await ask(k, "history_request", { hist_access_type: "search", pattern: "*", n: 1, output: false, raw: true })).history, [[1, 4, "= 1"]]);
  const bad = await ask(k, "history_request", { hist_access_type: "sideways", output: false, raw: true });
  assert.equal(bad.status, "error");
  assert.match(bad.evalue as string, /hist_access_type must be/);
});

test("history search patterns match exactly as sqlite's GLOB (IPython's search) does", () => {
  const reference = JSON.parse(fs.readFileSync(fixture("kernel", "glob-cases.json"), "utf8")) as { cases: [string, string, boolean][] };
  assert.ok(reference.cases.length > 200 && reference.cases.some((c) => c[2]) && reference.cases.some((c) => !c[2]));
  for (const [pattern, input, expected] of reference.cases) assert.equal(globToRegExp(pattern).test(input), expected, `${JSON.stringify(pattern)} GLOB ${JSON.stringify(input)}`);
});

test("comms: unknown target is closed, a registered target opens, receives and answers", async () => {
  const k = setup();
  const unknown = request("comm_open", { comm_id: "c-unknown", target_name: "nobody", data: {} });
  k.kernel.receive("shell", unknown);
  await k.transport.idle(unknown);
  const closed = k.transport.children(unknown, "iopub").find((m) => m.header.msg_type === "comm_close")!;
  assert.deepEqual(closed.content, { comm_id: "c-unknown", data: {} });
  assert.match(k.logs.at(-1)!, /unknown target "nobody"/);

  const received: JsonObject[] = [];
  let closedWith: JsonObject | undefined;
  k.kernel.comms.registerTarget("echo", (comm, data) => {
    comm.send({ opened: data.hello });
    return { onMessage: (msg) => (received.push(msg), comm.send({ echo: msg.n })), onClose: (data) => (closedWith = data) };
  });
  const open = request("comm_open", { comm_id: "c-1", target_name: "echo", data: { hello: "there" } });
  k.kernel.receive("shell", open);
  await k.transport.idle(open);
  assert.deepEqual(k.transport.children(open, "iopub").filter((m) => m.header.msg_type === "comm_msg").map((m) => m.content), [{ comm_id: "c-1", data: { opened: "there" } }]);
  assert.deepEqual((await ask(k, "comm_info_request", {})).comms, { "c-1": { target_name: "echo" } });
  assert.deepEqual((await ask(k, "comm_info_request", { target_name: "other" })).comms, {});

  const msg = request("comm_msg", { comm_id: "c-1", data: { n: 7 } });
  k.kernel.receive("shell", msg);
  await k.transport.idle(msg);
  assert.deepEqual(received, [{ n: 7 }]);
  assert.ok(k.transport.sent.some((s) => s.message.header.msg_type === "comm_msg" && (s.message.content.data as JsonObject).echo === 7));

  const close = request("comm_close", { comm_id: "c-1", data: { bye: true } });
  k.kernel.receive("shell", close);
  await k.transport.idle(close);
  assert.deepEqual(closedWith, { bye: true });
  assert.deepEqual((await ask(k, "comm_info_request", {})).comms, {});
  const stray = request("comm_msg", { comm_id: "c-1", data: {} });
  k.kernel.receive("shell", stray);
  await k.transport.idle(stray);
  assert.match(k.logs.at(-1)!, /comm_msg for unknown comm c-1/);
});
