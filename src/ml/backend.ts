// Which TensorFlow.js backend runs a notebook's tensors, chosen once, best first (DESIGN.md, "Tensors and
// devices"): tfjs-node-gpu (CUDA) → tfjs-node (libtensorflow) → WebGPU through Dawn → wasm → cpu.
// Each candidate is used only when its module loads, its backend initializes, and a one-op self-test
// (a 2×2 matMul read back) gives the right numbers; every skip keeps its reason, so `device()` and
// `tensorbook doctor` can say what was tried, why each was passed over, and what would enable it.
//
// Selection is asynchronous (wasm compiles its module, WebGPU asks for an adapter) and happens once:
// `ready()` starts it on first call and every later call gets the same promise. `TENSORBOOK_BACKEND=wasm`
// (or `selectBackend({ backend: "wasm" })`) forces one; a forced backend that cannot run is an error,
// never a silent fall back, as `torch.device("cuda")` on a machine without CUDA is.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display/mime";
import { escapeHtml } from "../display/html";
import { packageRoot } from "../paths";

/** tensorbook's names for the candidates, best first. */
export const BACKEND_IDS = ["node-gpu", "node", "webgpu", "wasm", "cpu"] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export interface Attempt {
  id: BackendId;
  /** The name tfjs registers it under (tf.getBackend() returns it). */
  tfjsName: string;
  status: "selected" | "skipped" | "not tried";
  /** Why it was skipped (or, when selected, what it is). */
  reason: string;
  /** The command that would make it available. */
  enable: string;
}

export interface DeviceInfo {
  id: BackendId;
  /** tf.getBackend() */
  backend: string;
  /** GPU adapter name (WebGPU) or libtensorflow device; absent on wasm/cpu. */
  adapter?: string;
  wasm?: { simd: boolean; threads: number; note: string };
  tfjsVersion: string;
  /** Set when TENSORBOOK_BACKEND or an option chose the backend. */
  forcedBy?: string;
  attempts: Attempt[];
}

export interface SelectOptions {
  /** Force one backend (a BackendId, or tfjs's own name: "tensorflow", "webgpu", "wasm", "cpu"). */
  backend?: string;
  /** Extra folders holding node_modules to load optional backends from (searched first). */
  modulePaths?: string[];
}

const ENABLE: { [id in BackendId]: string } = {
  "node-gpu": "npm install @tensorflow/tfjs-node-gpu@4.22.0   # Linux x64 with CUDA 11.2 and cuDNN 8.1; downloads libtensorflow",
  node: "npm install @tensorflow/tfjs-node@4.22.0   # downloads libtensorflow 2.9 at install time",
  webgpu: "npm install webgpu @tensorflow/tfjs-backend-webgpu@4.22.0   # plus a Vulkan driver and loader: apt install libvulkan1 mesa-vulkan-drivers (or the NVIDIA driver)",
  wasm: "npm install @tensorflow/tfjs-backend-wasm@4.22.0",
  cpu: "(built into @tensorflow/tfjs)",
};

const TFJS_NAME: { [id in BackendId]: string } = { "node-gpu": "tensorflow", node: "tensorflow", webgpu: "webgpu", wasm: "wasm", cpu: "cpu" };

// Node 20 gets no wasm threads: tfjs-backend-wasm's WASM_HAS_MULTITHREAD_SUPPORT flag is false under
// IS_NODE (tfjs issue #3830), and its threaded binary starts workers from a blob: URL that Node refuses
// (ERR_WORKER_PATH). Said in the device display so nobody hunts for a missing flag.
const WASM_THREADS_NOTE = "1 thread: tfjs turns wasm threads off in Node (tfjs#3830; its worker blob: URL fails with ERR_WORKER_PATH)";

/** Parses a user's name for a backend into a BackendId; throws listing the valid names. */
export function parseBackendName(name: string, where: string): BackendId {
  const n = name.trim().toLowerCase();
  if ((BACKEND_IDS as readonly string[]).includes(n)) return n as BackendId;
  if (n === "tensorflow" || n === "tfjs-node") return "node";
  if (n === "cuda" || n === "gpu" || n === "tfjs-node-gpu") return "node-gpu";
  throw new Error(`${where}: unknown backend '${name}'; use one of ${BACKEND_IDS.join(", ")} (or tfjs's name "tensorflow")`);
}

// ── loading optional modules from the notebook's folder, extra paths, then tensorbook's own deps ──

function searchPaths(options: SelectOptions): string[] {
  const extra = options.modulePaths ?? (process.env.TENSORBOOK_MODULE_PATH ?? "").split(path.delimiter).filter((p) => p !== "");
  return [...extra, process.cwd(), packageRoot()];
}

function resolveModule(name: string, paths: string[]): string | undefined {
  try {
    return require.resolve(name, { paths });
  } catch {
    return undefined;
  }
}

function installedVersion(resolved: string, name: string): string {
  // The entry file sits somewhere under the package folder: walk up to its package.json.
  for (let dir = path.dirname(resolved); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? "?";
    }
  }
  return "?";
}

/** Why a candidate was passed over: thrown inside a try, caught into the attempt's reason. */
class Skip extends Error {}

// ── the one-op self-test ──

async function selfTest(): Promise<void> {
  // (2, 2) @ (2, 2): exercises upload, a kernel and the asynchronous read back every backend must do.
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])));
  const got = Array.from(await y.data());
  y.dispose();
  if (got.join(",") !== "19,22,43,50") throw new Skip(`self-test [[1,2],[3,4]] @ [[5,6],[7,8]] gave [${got.join(", ")}], not [19, 22, 43, 50]`);
}

/**
 * Initializes a registered tfjs backend and makes it current. tfjs's own setBackend() swallows the
 * factory's error into a console warning and returns false; calling the factory here keeps the real
 * reason ("no adapter", "libvulkan.so.1 missing") for the attempt's record.
 */
async function activate(name: string): Promise<void> {
  if (tf.engine().registry[name] === undefined) {
    const factory = tf.findBackendFactory(name);
    if (factory == null) throw new Skip(`its module loaded but registered no '${name}' backend`);
    let instance: tf.KernelBackend;
    try {
      instance = await factory();
    } catch (err) {
      throw new Skip(`backend '${name}' failed to initialize: ${(err as Error).message ?? String(err)}`);
    }
    tf.removeBackend(name);
    tf.registerBackend(name, () => instance);
  }
  if (!(await tf.setBackend(name))) throw new Skip(`tf.setBackend('${name}') returned false`);
  await selfTest();
}

// ── the candidates ──

interface Loaded {
  adapter?: string;
  wasm?: DeviceInfo["wasm"];
}

async function loadTfjsNode(pkg: "@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node", paths: string[]): Promise<Loaded> {
  const resolved = resolveModule(pkg, paths);
  if (resolved === undefined) throw new Skip(`${pkg} is not installed`);
  try {
    require(resolved);
  } catch (err) {
    throw new Skip(`${pkg}@${installedVersion(resolved, pkg)} failed to load: ${(err as Error).message.split("\n")[0]}`);
  }
  await activate("tensorflow");
  return { adapter: pkg.endsWith("-gpu") ? "libtensorflow (CUDA)" : "libtensorflow (CPU)" };
}

/** The slice of WebGPU's API tensorbook touches; the `webgpu` package's types are not a dependency. */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

async function loadWebGpu(paths: string[]): Promise<Loaded> {
  const dawnPath = resolveModule("webgpu", paths);
  if (dawnPath === undefined) throw new Skip("the 'webgpu' package (Dawn for Node) is not installed");
  const backendPath = resolveModule("@tensorflow/tfjs-backend-webgpu", paths);
  if (backendPath === undefined) throw new Skip("@tensorflow/tfjs-backend-webgpu is not installed");
  // The webgpu package is ESM only: a real dynamic import, by URL, since it may live outside our tree.
  const dawn = (await import(pathToFileURL(dawnPath).href)) as { create(flags: string[]): GpuLike; globals: object };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(["backend=vulkan"]);
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) throw new Skip("Dawn found no Vulkan adapter (no GPU, no driver, or no libvulkan.so.1)");
  // tfjs-backend-webgpu registers itself only where navigator.gpu exists; Node 20 has no navigator.
  const nav = ((globalThis as { navigator?: { gpu?: GpuLike } }).navigator ??= {});
  nav.gpu = gpu;
  require(backendPath);
  await activate("webgpu");
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s !== undefined && s !== "").join(" ");
  return { adapter: name === "" ? "unnamed Vulkan adapter" : name };
}

async function loadWasm(paths: string[]): Promise<Loaded> {
  const resolved = resolveModule("@tensorflow/tfjs-backend-wasm", paths);
  if (resolved === undefined) throw new Skip("@tensorflow/tfjs-backend-wasm is not installed");
  const wasm = require(resolved) as { getThreadsCount(): number };
  await activate("wasm");
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  return { wasm: { simd, threads: wasm.getThreadsCount(), note: WASM_THREADS_NOTE } };
}

/**
 * The cpu backend greets its first tensor in Node with "install tfjs-node to speed things up"; the chain
 * looks for tfjs-node itself and device() says so, so the banner is only noise.
 */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as (tf.KernelBackend & { firstUse?: boolean }) | null;
  if (cpu !== null) cpu.firstUse = false;
}

async function loadCpu(): Promise<Loaded> {
  silenceCpuBanner();
  await activate("cpu");
  return {};
}

// A driver can hang in requestAdapter or a first dispatch; a notebook must not hang with it.
const LOAD_TIMEOUT_MS = 60_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Skip(`${what} did not finish within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function load(id: BackendId, paths: string[]): Promise<Loaded> {
  return withTimeout(loadOne(id, paths), `loading the ${id} backend`);
}

function loadOne(id: BackendId, paths: string[]): Promise<Loaded> {
  switch (id) {
    case "node-gpu": return loadTfjsNode("@tensorflow/tfjs-node-gpu", paths);
    case "node": return loadTfjsNode("@tensorflow/tfjs-node", paths);
    case "webgpu": return loadWebGpu(paths);
    case "wasm": return loadWasm(paths);
    case "cpu": return loadCpu();
  }
}

// ── selection ──

/** Runs the chain (or the forced backend) now and makes the winner current. Most code wants ready(). */
export async function selectBackend(options: SelectOptions = {}): Promise<DeviceInfo> {
  const fromEnv = process.env.TENSORBOOK_BACKEND;
  const forcedName = options.backend ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined);
  const forcedBy = options.backend !== undefined ? `option backend: "${options.backend}"` : forcedName !== undefined ? `TENSORBOOK_BACKEND=${forcedName}` : undefined;
  const forced = forcedName === undefined ? undefined : parseBackendName(forcedName, forcedBy ?? "backend");
  const paths = searchPaths(options);
  const attempts: Attempt[] = [];
  let chosen: { id: BackendId; loaded: Loaded } | undefined;
  for (const id of BACKEND_IDS) {
    const attempt: Attempt = { id, tfjsName: TFJS_NAME[id], status: "not tried", reason: "", enable: ENABLE[id] };
    attempts.push(attempt);
    if (chosen !== undefined) { attempt.reason = `a better backend (${chosen.id}) was already selected`; continue; }
    if (forced !== undefined && id !== forced) { attempt.reason = `${forcedBy} forces ${forced}`; continue; }
    try {
      const loaded = await load(id, paths);
      chosen = { id, loaded };
      attempt.status = "selected";
      attempt.reason = "loaded and passed the self-test";
    } catch (err) {
      attempt.status = "skipped";
      attempt.reason = err instanceof Skip ? err.message : `unexpected error: ${(err as Error).message ?? String(err)}`;
      if (forced !== undefined) {
        throw new Error(`${forcedBy}: backend ${id} cannot run here: ${attempt.reason}. To enable it: ${attempt.enable}`);
      }
    }
  }
  if (chosen === undefined) throw new Error(`no TensorFlow.js backend could run:\n${formatAttempts(attempts)}`);
  const info: DeviceInfo = { id: chosen.id, backend: tf.getBackend(), tfjsVersion: tf.version.tfjs, attempts, ...chosen.loaded };
  if (forcedBy !== undefined) info.forcedBy = forcedBy;
  current = info;
  // A later selection (a notebook forcing "cpu" to compare, say) is what ready() and device() report from now on.
  (globalThis as ReadyHolder)[READY] = Promise.resolve(info);
  return info;
}

// Kept on globalThis like the display sink: two copies of tensorbook in one notebook share one choice.
const READY = Symbol.for("tensorbook.backendReady");
type ReadyHolder = { [READY]?: Promise<DeviceInfo> };
let current: DeviceInfo | undefined;

/** Selects the backend on first call; every later call returns the same promise. */
export function ready(options: SelectOptions = {}): Promise<DeviceInfo> {
  const holder = globalThis as ReadyHolder;
  return (holder[READY] ??= selectBackend(options));
}

/** What was selected, once ready() has finished; undefined before. */
export function selectedDevice(): DeviceInfo | undefined {
  return current;
}

// ── display: device() in a cell, the doctor's report ──

function formatAttempts(attempts: Attempt[]): string {
  const width = Math.max(...attempts.map((a) => a.id.length));
  return attempts.map((a) => {
    const mark = a.status === "selected" ? "✔" : a.status === "skipped" ? "✘" : "·";
    const line = `  ${mark} ${a.id.padEnd(width)}  ${a.status}: ${a.reason}`;
    return a.status === "skipped" ? `${line}\n  ${" ".repeat(width + 4)}enable: ${a.enable}` : line;
  }).join("\n");
}

export function formatDevice(info: DeviceInfo): string {
  const lines = [`backend: ${info.backend} (${info.id})${info.forcedBy !== undefined ? `, forced by ${info.forcedBy}` : ""}`];
  if (info.adapter !== undefined) lines.push(`adapter: ${info.adapter}`);
  if (info.wasm !== undefined) lines.push(`wasm: SIMD ${info.wasm.simd ? "on" : "off"}, ${info.wasm.note}`);
  lines.push(`tfjs: ${info.tfjsVersion}`, "tried, best first:", formatAttempts(info.attempts));
  return lines.join("\n");
}

function deviceHtml(info: DeviceInfo): string {
  const rows = info.attempts.map((a) => `<tr><td>${a.status === "selected" ? "✔" : a.status === "skipped" ? "✘" : "·"}</td><td><code>${a.id}</code></td>` +
    `<td>${escapeHtml(a.reason)}</td><td>${a.status === "skipped" ? `<code>${escapeHtml(a.enable)}</code>` : ""}</td></tr>`);
  const head = escapeHtml(formatDevice({ ...info, attempts: [] }).split("\ntried, best first:")[0]).replace(/\n/g, "<br>");
  return `<div class="tensorbook-device"><p>${head}</p><table><thead><tr><th></th><th>backend</th><th>result</th><th>to enable</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** The selected device, as a value that displays itself in a cell (text and an HTML table). */
export type Device = DeviceInfo & { [JUPYTER_DISPLAY](): MimeBundle; toString(): string };

/** Waits for selection and returns what runs; a cell's last line `await device()` shows it. */
export async function device(): Promise<Device> {
  const info = await ready();
  return {
    ...info,
    [JUPYTER_DISPLAY]: () => ({ "text/plain": formatDevice(info), "text/html": deviceHtml(info) }),
    toString: () => formatDevice(info),
  };
}

/** The text `tensorbook doctor` prints for its backends section. */
export async function backendReport(options: SelectOptions = {}): Promise<string> {
  try {
    return formatDevice(await ready(options));
  } catch (err) {
    return `no backend: ${(err as Error).message}`;
  }
}
