// The backend chain: best first, each skip with its reason and the command that would enable it;
// forced backends (option and TENSORBOOK_BACKEND) win or fail loudly, never fall back in silence.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend, device, backendReport, formatDevice, parseBackendName } from "../../../src/ml/backend";
import { JUPYTER_DISPLAY } from "../../../src/display/mime";
import { repoRoot } from "../../helpers/tools";

const installed = (name: string): boolean => {
  try { require.resolve(name, { paths: [repoRoot] }); return true; } catch { return false; }
};

test("the default chain takes the best backend that passes the self-test, and says why it skipped the others", async () => {
  delete process.env.TENSORBOOK_BACKEND;
  const info = await selectBackend();
  const byId = Object.fromEntries(info.attempts.map((a) => [a.id, a]));
  assert.deepEqual(info.attempts.map((a) => a.id), ["node-gpu", "node", "webgpu", "wasm", "cpu"]);
  // On this machine (and in CI) none of the optional three is installed; where one is, it must win.
  for (const [id, pkg] of [["node-gpu", "@tensorflow/tfjs-node-gpu"], ["node", "@tensorflow/tfjs-node"], ["webgpu", "webgpu"]] as const) {
    if (installed(pkg)) continue;
    assert.equal(byId[id].status, "skipped");
    assert.match(byId[id].reason, /is not installed/);
    assert.match(byId[id].enable, /^npm install /);
  }
  if (!installed("@tensorflow/tfjs-node-gpu") && !installed("@tensorflow/tfjs-node") && !installed("webgpu")) {
    assert.equal(info.id, "wasm");
    assert.equal(tf.getBackend(), "wasm");
    assert.equal(byId.wasm.status, "selected");
    assert.equal(byId.cpu.status, "not tried");
    assert.equal(info.wasm?.simd, true); // Node 20's V8 has wasm SIMD
    assert.equal(info.wasm?.threads, 1);
    assert.match(info.wasm?.note ?? "", /ERR_WORKER_PATH/);
  }
  assert.equal(info.tfjsVersion, tf.version.tfjs);
  // The chosen backend really computes.
  assert.deepEqual(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()), [11]);
});

test("device() displays what runs, what was tried, and how to enable the rest", async () => {
  const d = await device();
  const bundle = d[JUPYTER_DISPLAY]();
  const text = bundle["text/plain"] as string;
  assert.match(text, new RegExp(`^backend: ${tf.getBackend()} \\(`));
  assert.match(text, /tfjs: 4\.22\.0/);
  assert.match(text, /tried, best first:\n {2}. node-gpu/);
  assert.match(bundle["text/html"] as string, /<table>.*<th>to enable<\/th>/);
  assert.equal(String(d), text);
  assert.equal(await backendReport(), formatDevice(d));
});

test("a forced backend is used even when a better one loads", async () => {
  const info = await selectBackend({ backend: "cpu" });
  assert.equal(info.id, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(info.forcedBy, 'option backend: "cpu"');
  assert.ok(info.attempts.filter((a) => a.id !== "cpu").every((a) => a.status === "not tried" && a.reason.includes("forces cpu")));
  await selectBackend({ backend: "wasm" });
  assert.equal(tf.getBackend(), "wasm");
});

test("forcing a backend that cannot run is an error with the reason and the fix", async () => {
  if (installed("@tensorflow/tfjs-node-gpu")) return;
  await assert.rejects(selectBackend({ backend: "node-gpu" }),
    /option backend: "node-gpu": backend node-gpu cannot run here: @tensorflow\/tfjs-node-gpu is not installed\. To enable it: npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  assert.throws(() => parseBackendName("tpu", "TENSORBOOK_BACKEND"), /TENSORBOOK_BACKEND: unknown backend 'tpu'; use one of node-gpu, node, webgpu, wasm, cpu/);
});

test("TENSORBOOK_BACKEND forces the backend that `import { tf }` selects", () => {
  const tfModule = path.join(repoRoot, path.relative(repoRoot, __dirname), "../../../src/ml/tf.js");
  const script = `const { tf } = require(${JSON.stringify(tfModule)}); require(${JSON.stringify(tfModule.replace(/tf\.js$/, "backend.js"))}).ready()` +
    `.then((d) => console.log(d.id, tf.getBackend(), d.forcedBy), (e) => { console.log("error:", e.message); });`;
  const run = (value: string): string => execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TENSORBOOK_BACKEND: value }, encoding: "utf8", timeout: 60_000 }).trim();
  assert.equal(run("cpu"), "cpu cpu TENSORBOOK_BACKEND=cpu");
  assert.equal(run("wasm"), "wasm wasm TENSORBOOK_BACKEND=wasm");
  assert.match(run("TPU"), /^error: TENSORBOOK_BACKEND=TPU: unknown backend 'TPU'/);
});

test("WebGPU through Dawn is tried when its packages are present (here: no Vulkan adapter)", async (t) => {
  // bench/gpu/run.sh installs them into a scratch folder like this one; the repository never depends on them.
  const scratch = process.env.TENSORBOOK_GPU_DEPS ?? "/tmp/gpu-deps/node_modules";
  if (!fs.existsSync(path.join(scratch, "webgpu")) || !fs.existsSync(path.join(scratch, "@tensorflow/tfjs-backend-webgpu"))) {
    t.skip(`no webgpu packages in ${scratch} (optional: npm install --prefix /tmp/gpu-deps webgpu @tensorflow/tfjs-backend-webgpu@4.22.0)`);
    return;
  }
  const info = await selectBackend({ modulePaths: [scratch] });
  const webgpu = info.attempts.find((a) => a.id === "webgpu")!;
  if (info.id === "webgpu") assert.ok(info.adapter !== undefined && info.adapter.length > 0);
  else assert.match(webgpu.reason, /Dawn found no Vulkan adapter|failed to initialize/);
});

test("`tensorbook doctor` prints the same report under backends:", () => {
  const doctor = path.join(__dirname, "../../../src/cli/doctor.js");
  const script = `require(${JSON.stringify(doctor)}).main([]).then(() => {})`;
  const out = execFileSync(process.execPath, ["-e", script], { env: { ...process.env, TENSORBOOK_BACKEND: "wasm" }, encoding: "utf8", timeout: 120_000 });
  const section = out.slice(out.indexOf("\nbackends:\n") + 1).split("\n\n")[0];
  assert.match(section, /^backends:\n {2}backend: wasm \(wasm\), forced by TENSORBOOK_BACKEND=wasm\n {2}wasm: SIMD on, 1 thread: .*\n {2}tfjs: 4\.22\.0\n {2}tried, best first:\n/);
  assert.match(section, / {4}✔ wasm {6}selected: loaded and passed the self-test/);
  assert.doesNotMatch(out, /a fast backend/);
});

test("after a later selectBackend, device() reports the new choice", async () => {
  await selectBackend({ backend: "cpu" });
  assert.match((await device()).toString(), /^backend: cpu \(cpu\), forced by option backend: "cpu"/);
  await selectBackend({ backend: "wasm" });
  assert.equal((await device()).id, "wasm");
});
