// Connection files as jupyter_client writes them, and clear errors for broken ones.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { endpoint, parseConnectionInfo, readConnectionFile } from "../../src/protocol/connection";
import { haveTool, PYTHON } from "../helpers/tools";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tb-conn-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("reads a connection file written by jupyter_client", { skip: !haveTool("jupyter_client") }, () => {
  const file = path.join(tmp, "kernel-1.json");
  execFileSync(PYTHON, ["-c", `from jupyter_client.connect import write_connection_file\nwrite_connection_file(${JSON.stringify(file)}, key=b"k3y", kernel_name="tensorbook")`]);
  const written = JSON.parse(fs.readFileSync(file, "utf8")) as { shell_port: number; hb_port: number };
  const info = readConnectionFile(file);
  assert.equal(info.key, "k3y");
  assert.equal(info.signature_scheme, "hmac-sha256");
  assert.equal(info.transport, "tcp");
  assert.equal(info.kernel_name, "tensorbook");
  assert.equal(info.shell_port, written.shell_port);
  assert.equal(endpoint(info, info.hb_port), `tcp://127.0.0.1:${written.hb_port}`);
});

test("ipc endpoints are named ip-port, as jupyter_client names them", () => {
  const info = parseConnectionInfo({ transport: "ipc", ip: "/tmp/kernel-x", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: "" }, "test");
  assert.equal(endpoint(info, info.control_port), "ipc:///tmp/kernel-x-4");
});

test("broken connection files: errors that name the file and the field", () => {
  const ports = { shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5 };
  assert.throws(() => parseConnectionInfo({ ...ports, hb_port: "5" }, "connection file k.json"), /connection file k\.json: hb_port must be an integer port 1\.\.65535, got "5"/);
  assert.throws(() => parseConnectionInfo({ ...ports, transport: "udp" }, "f"), /transport must be "tcp" or "ipc"/);
  assert.throws(() => parseConnectionInfo({ ...ports, signature_scheme: "rsa" }, "f"), /signature_scheme must look like "hmac-sha256"/);
  assert.throws(() => parseConnectionInfo([], "f"), /expected a JSON object/);
  const bad = path.join(tmp, "bad.json");
  fs.writeFileSync(bad, "{ not json");
  assert.throws(() => readConnectionFile(bad), new RegExp(`connection file ${bad}: not valid JSON`));
  assert.throws(() => readConnectionFile(path.join(tmp, "missing.json")), /missing\.json: cannot read it/);
});
