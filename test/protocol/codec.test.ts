// The wire codec against jupyter_client itself: frames that jupyter_client's Session serialized and signed
// (test/fixtures/kernel/signed-messages.json, made by make_signed.py) must decode and verify here, and
// frames we encode must pass jupyter_client's own deserialize(), signature check included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { decode, encode, ProtocolError, type Message } from "../../src/protocol/message";
import { DigestHistory, Signer } from "../../src/protocol/signature";
import { fixture, haveTool, PYTHON } from "../helpers/tools";

interface Sample {
  msg_id: string;
  msg_type: string;
  content: { [key: string]: unknown };
  frames: string[];
}
const reference = JSON.parse(fs.readFileSync(fixture("kernel", "signed-messages.json"), "utf8")) as { key: string; signed: Sample[]; unsigned: Sample[] };
const frames = (sample: Sample): Buffer[] => sample.frames.map((f) => Buffer.from(f, "base64"));
const signer = new Signer(reference.key, "hmac-sha256");

test("decodes and verifies messages signed by jupyter_client", () => {
  for (const sample of reference.signed) {
    const message = decode(frames(sample), signer);
    assert.equal(message.header.msg_id, sample.msg_id);
    assert.equal(message.header.msg_type, sample.msg_type);
    assert.equal(message.header.username, "student");
    assert.deepEqual(message.content, sample.content);
    assert.deepEqual(message.identities, [Buffer.from("client-1")]);
    assert.deepEqual(message.parent_header, {});
  }
  assert.equal((decode(frames(reference.signed[0]), signer).content as { code: string }).code, 'const 𝔼 = "é"; 𝔼');
});

test("a signature made with another key, or any changed byte, is refused", () => {
  const good = frames(reference.signed[0]);
  assert.throws(() => decode(good, new Signer("another key")), { name: "ProtocolError", message: "invalid signature" });
  for (const part of [3, 4, 5, 6]) {
    const tampered = good.map((f) => Buffer.from(f));
    tampered[part][tampered[part].length - 2] ^= 1;
    assert.throws(() => decode(tampered, signer), { name: "ProtocolError", message: "invalid signature" }, `frame ${part}`);
  }
  const unsigned = good.map((f) => Buffer.from(f));
  unsigned[2] = Buffer.alloc(0);
  assert.throws(() => decode(unsigned, signer), { message: "missing signature" });
  const short = good.map((f) => Buffer.from(f));
  short[2] = short[2].subarray(0, 10);
  assert.throws(() => decode(short, signer), { message: "invalid signature" });
});

test("a replayed message (a signature seen before) is refused", () => {
  const history = new DigestHistory(2);
  const [first, second] = reference.signed.map(frames);
  decode(first, signer, history);
  assert.throws(() => decode(first, signer, history), { name: "ProtocolError", message: "duplicate signature: a replayed message" });
  decode(second, signer, history);
  // only the last `size` signatures are kept
  const other = new DigestHistory(1);
  decode(first, signer, other);
  decode(second, signer, other);
  decode(first, signer, other);
});

test("an empty key means unsigned: jupyter_client's unsigned frames decode", () => {
  const message = decode(frames(reference.unsigned[0]), new Signer(""));
  assert.deepEqual(message.content, { code: "Math.fl", cursor_pos: 7 });
  assert.equal(new Signer("").sign([Buffer.from("x")]), "");
});

test("malformed frames: a ProtocolError that says what is wrong", () => {
  const none = new Signer("");
  const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
  const header = json({ msg_id: "1", msg_type: "kernel_info_request", session: "s", username: "u", date: "", version: "5.3" });
  const cases: [Buffer[], RegExp][] = [
    [[Buffer.from("garbage")], /no <IDS\|MSG> delimiter/],
    [[Buffer.from("<IDS|MSG>"), Buffer.alloc(0), header], /2 frames after the delimiter, expected at least 5/],
    [[Buffer.from("<IDS|MSG>"), Buffer.alloc(0), Buffer.from("{not json"), json({}), json({}), json({})], /header frame is not valid JSON/],
    [[Buffer.from("<IDS|MSG>"), Buffer.alloc(0), header, json({}), json([]), json({})], /metadata frame is not a JSON object/],
    [[Buffer.from("<IDS|MSG>"), Buffer.alloc(0), json({ msg_id: "1" }), json({}), json({}), json({})], /header\.msg_type must be a non-empty string/],
  ];
  for (const [input, message] of cases) assert.throws(() => decode(input, none), (e: unknown) => e instanceof ProtocolError && message.test(e.message));
});

test("encode → decode keeps the message, buffers included", () => {
  const message: Message = {
    identities: [Buffer.from("peer")],
    header: { msg_id: "m1", session: "s", username: "u", date: "2026-11-27T00:00:00.000Z", msg_type: "comm_msg", version: "5.3" },
    parent_header: { msg_id: "p", session: "s", username: "u", date: "2026-11-27T00:00:00.000Z", msg_type: "comm_open", version: "5.3" },
    metadata: { a: 1 },
    content: { comm_id: "c", data: { text: "😀" } },
    buffers: [Buffer.from([0, 1, 2])],
  };
  assert.deepEqual(decode(encode(message, signer), signer), message);
});

test("jupyter_client's Session.deserialize accepts what we encode (signature checked)", { skip: !haveTool("jupyter_client") }, () => {
  const message: Message = {
    identities: [],
    header: { msg_id: "m-1", session: "kernel-s", username: "kernel", date: new Date().toISOString(), msg_type: "execute_result", version: "5.3" },
    parent_header: {},
    metadata: {},
    content: { execution_count: 3, data: { "text/plain": "'𝔼' é" }, metadata: {} },
    buffers: [],
  };
  const wire = encode(message, signer).map((f) => f.toString("base64"));
  const script = [
    "import sys, json, base64",
    "from jupyter_client.session import Session",
    `s = Session(key=${JSON.stringify(reference.key)}.encode(), signature_scheme="hmac-sha256")`,
    "frames = [base64.b64decode(f) for f in json.load(sys.stdin)]",
    "idents, msg = s.feed_identities(frames, copy=True)",
    "m = s.deserialize(msg, content=True)",
    "print(json.dumps({'type': m['header']['msg_type'], 'content': m['content']}))",
  ].join("\n");
  const out = JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(wire), encoding: "utf8" })) as { type: string; content: unknown };
  assert.deepEqual(out, { type: "execute_result", content: message.content });
  // and a wrong key makes jupyter_client refuse it too, so the check above is a real one
  const forged = encode(message, new Signer("wrong")).map((f) => f.toString("base64"));
  assert.throws(() => execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(forged), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }), /Invalid Signature/);
});
