// Start-up stays lean (issue 2: start < 0.5 s): the kernel's own modules load neither TypeScript nor
// TensorFlow.js, and the engine is loaded only when warmed up (after kernel_info) or first needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { LazyEngine } from "../../src/kernel/lazy-engine";
import { Kernel } from "../../src/kernel/kernel";
import { FakeEngine } from "./fake-engine";
import { FakeTransport, executeContent, request } from "./fake-transport";

test("loading the kernel entry point pulls in no TypeScript, TensorFlow.js or runtime module", () => {
  const entry = path.join(__dirname, "..", "..", "src", "cli", "kernel.js");
  const script = `require(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(require.cache)))`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  const loaded = JSON.parse(result.stdout) as string[];
  assert.ok(loaded.some((file) => file.endsWith(path.join("src", "kernel", "kernel.js"))), "the check sees the kernel's modules");
  const heavy = loaded.filter((file) => /node_modules[\\/](typescript|@tensorflow)[\\/]|[\\/]src[\\/](runtime|language|ml)[\\/]/.test(file));
  assert.deepEqual(heavy, []);
});

test("the engine loads on warm() or first use, once, and not for interrupt or shutdown before that", async () => {
  let loads = 0;
  const fake = new FakeEngine();
  const lazy = new LazyEngine(async () => (loads++, fake));
  lazy.interrupt();
  await lazy.shutdown();
  assert.equal(loads, 0);
  lazy.warm();
  lazy.warm();
  assert.equal((await lazy.isComplete("{")).status, "incomplete");
  assert.equal(loads, 1);
  lazy.interrupt();
  assert.equal(fake.interrupts, 1);
});

test("kernel_info is answered without the engine, and onKernelInfo fires to warm it", async () => {
  let loads = 0;
  let warmed = 0;
  const transport = new FakeTransport();
  const engine = new LazyEngine(async () => (loads++, new FakeEngine()));
  const kernel = new Kernel({ engine, transport, log: () => {}, onKernelInfo: () => warmed++ });
  const info = request("kernel_info_request", {});
  kernel.receive("shell", info);
  await transport.reply(info);
  assert.equal(loads, 0);
  assert.equal(warmed, 1);
  // a failing load is reported by the request that needed the engine, and the kernel goes on
  const broken = new Kernel({ engine: new LazyEngine(async () => { throw new Error("cannot find module ../runtime/index.js"); }), transport, log: () => {} });
  const cell = request("execute_request", executeContent("= 1"));
  broken.receive("shell", cell);
  const reply = await transport.reply(cell);
  assert.equal(reply.content.status, "error");
  assert.match(reply.content.evalue as string, /cannot find module/);
});
