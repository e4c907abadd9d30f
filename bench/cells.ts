// How fast cells feel (issue 3, "Done when"): time to the first cell's result after start, p50/p95 of a
// trivial type-checked cell, of a 50-line type-checked cell, and of a completion request, for tensorbook's
// Engine and, in the same run, for tslab's executor (the same work: TypeScript cells, type-checked).
//
//   node dist/bench/cells.js [--tslab DIR] [--runs N]
//
// DIR holds node_modules/tslab (`npm install --ignore-scripts tslab@1.0.22` in a temp folder: the bench
// uses tslab's converter and executor in-process, not its zeromq kernel). Without it, tslab is skipped.
// Aims (issue 3): first result < 1.5 s, trivial checked cell < 30 ms, completion < 50 ms.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createEngine } from "../src/runtime/index";
import type { Engine } from "../src/runtime/engine";
import { median, percentile } from "./stats";

interface Peer {
  name: string;
  /** Starts the peer and runs `1 + 1`; resolves when its result is there. */
  start(): Promise<void>;
  /** Runs a cell; rejects when it fails (a type error included). */
  run(code: string): Promise<void>;
  complete(code: string, cursor: number): Promise<string[]>;
  close(): Promise<void>;
}

interface Figures {
  firstMs: number;
  /** CPU time of the whole process (all threads) to the first result: steadier than wall time on a busy machine. */
  firstCpuMs: number;
  trivial: number[];
  fifty: number[];
  completion: number[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg("--runs") ?? 30);

/** 50 lines of typed code, as a tutorial cell has: an interface, a class, functions, loops. */
function fiftyLineCell(i: number): string {
  const lines = [
    `interface Sample${i} { x: number[]; y: number }`,
    `class Stats${i} {`,
    `  private values: number[] = [];`,
    `  add(v: number): this { this.values.push(v); return this; }`,
    `  mean(): number { return this.values.reduce((a, b) => a + b, 0) / Math.max(1, this.values.length); }`,
    `  variance(): number {`,
    `    const m = this.mean();`,
    `    return this.values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, this.values.length);`,
    `  }`,
    `}`,
    `function dot${i}(a: number[], b: number[]): number {`,
    `  let s = 0;`,
    `  for (let k = 0; k < a.length; k++) s += a[k]! * (b[k] ?? 0);`,
    `  return s;`,
    `}`,
    `function makeSamples${i}(n: number): Sample${i}[] {`,
    `  const out: Sample${i}[] = [];`,
    `  for (let k = 0; k < n; k++) out.push({ x: [k, k + 1, k + 2], y: k % 2 });`,
    `  return out;`,
    `}`,
  ];
  while (lines.length < 46) {
    const k = lines.length;
    lines.push(`const v${i}_${k}: number = dot${i}([${k}, 1, 2], [1, ${k}, 3]) + ${k};`);
  }
  lines.push(`const stats${i} = new Stats${i}();`);
  lines.push(`for (const s of makeSamples${i}(20)) stats${i}.add(dot${i}(s.x, s.x) + s.y);`);
  lines.push(`const summary${i}: { mean: number; variance: number } = { mean: stats${i}.mean(), variance: stats${i}.variance() };`);
  lines.push(`summary${i}.mean`);
  return lines.join("\n");
}

function tensorbookPeer(cwd: string): Peer {
  let engine: Engine | undefined;
  let count = 0;
  const run = async (code: string): Promise<void> => {
    if (engine === undefined) throw new Error("not started");
    const outcome = await engine.execute(code, { executionCount: ++count, silent: false, storeHistory: true, allowStdin: false, userExpressions: {} },
      { output: () => {}, input: () => Promise.reject(new Error("no stdin in the bench")) });
    if (outcome.status !== "ok") throw new Error(`tensorbook: ${outcome.ename}: ${outcome.evalue}`);
  };
  return {
    name: "tensorbook",
    async start() {
      engine = createEngine({ cwd });
      await run("1 + 1");
    },
    run,
    async complete(code, cursor) {
      return (await engine!.complete(code, cursor)).matches;
    },
    async close() {
      await engine?.shutdown();
    },
  };
}

interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  complete(src: string, position: number): { candidates: string[] };
  close(): void;
}

function tslabPeer(dir: string, cwd: string): Peer {
  let executor: TslabExecutor | undefined;
  const dist = path.join(dir, "node_modules", "tslab", "dist");
  return {
    name: "tslab 1.0.22",
    async start() {
      const { createConverter } = require(path.join(dist, "converter.js")) as { createConverter(o: { isJS: boolean; isBrowser: boolean }): { close(): void } };
      const { createExecutor } = require(path.join(dist, "executor.js")) as {
        createExecutor(root: string, convs: object, console: { log(...a: unknown[]): void; error(...a: unknown[]): void }): TslabExecutor;
      };
      const node = createConverter({ isJS: false, isBrowser: false });
      const quiet = { log() {}, error() {} };
      executor = createExecutor(cwd, { node, browser: node, close: () => node.close() }, quiet);
      if (!(await executor.execute("1 + 1"))) throw new Error("tslab: 1 + 1 failed");
    },
    async run(code) {
      if (!(await executor!.execute(code))) throw new Error(`tslab: cell failed: ${code.slice(0, 60)}`);
    },
    async complete(code, cursor) {
      return executor!.complete(code, cursor).candidates;
    },
    async close() {
      executor?.close();
    },
  };
}

async function measure(peer: Peer): Promise<Figures> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await peer.start();
  const firstMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const firstCpuMs = (cpu.user + cpu.system) / 1000;
  const time = async (f: () => Promise<unknown>): Promise<number> => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  const trivial: number[] = [];
  for (let i = 0; i < runs; i++) trivial.push(await time(() => peer.run(`const t${i}: number = ${i};\nt${i} + 1`)));
  const fifty: number[] = [];
  for (let i = 0; i < Math.max(5, Math.round(runs / 3)); i++) fifty.push(await time(() => peer.run(fiftyLineCell(i))));
  await peer.run(`const word = "abc";`);
  const completion: number[] = [];
  for (let i = 0; i < runs; i++) {
    completion.push(await time(async () => {
      const matches = await peer.complete("word.toU", 8);
      if (!matches.includes("toUpperCase")) throw new Error(`${peer.name}: completion lacks toUpperCase: ${matches.join()}`);
    }));
  }
  await peer.close();
  return { firstMs, firstCpuMs, trivial, fifty, completion };
}

/** One peer, measured in this process (a child of the bench: each peer starts as cold as the other). */
async function measureOnly(name: string, cwd: string): Promise<void> {
  const tslabDir = arg("--tslab");
  const peer = name === "tensorbook" ? tensorbookPeer(cwd) : tslabPeer(tslabDir ?? "", cwd);
  process.stdout.write(JSON.stringify({ name: peer.name, figures: await measure(peer) }) + "\n");
}

function measureInChild(name: string): [string, Figures] {
  const args = [__filename, "--only", name, "--runs", String(runs), ...(arg("--tslab") !== undefined ? ["--tslab", arg("--tslab") ?? ""] : [])];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 600_000 });
  const line = child.stdout.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || !line.startsWith("{")) throw new Error(`${name} failed (status ${child.status}):\n${child.stderr}${child.stdout}`);
  const { name: peerName, figures } = JSON.parse(line) as { name: string; figures: Figures };
  return [peerName, figures];
}

async function main(): Promise<void> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-bench-cells-"));
  const only = arg("--only");
  if (only !== undefined) return measureOnly(only, cwd);
  const tslabDir = arg("--tslab");
  const names = ["tensorbook", ...(tslabDir !== undefined && fs.existsSync(path.join(tslabDir, "node_modules", "tslab")) ? ["tslab"] : [])];
  if (names.length === 1) console.log("# tslab not given (--tslab DIR with node_modules/tslab): tensorbook only");
  console.log(`# ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${runs} runs (50-line: ${Math.max(5, Math.round(runs / 3))}); each peer in its own process`);
  const results = names.map(measureInChild);
  const rows: [string, (f: Figures) => number][] = [
    ["first result after start (ms)", (f) => f.firstMs],
    ["  CPU time to it, all threads (ms)", (f) => f.firstCpuMs],
    ["trivial checked cell p50 (ms)", (f) => median(f.trivial)],
    ["trivial checked cell p95 (ms)", (f) => percentile(f.trivial, 95)],
    ["50-line checked cell p50 (ms)", (f) => median(f.fifty)],
    ["50-line checked cell p95 (ms)", (f) => percentile(f.fifty, 95)],
    ["completion p50 (ms)", (f) => median(f.completion)],
    ["completion p95 (ms)", (f) => percentile(f.completion, 95)],
  ];
  console.log(["figure".padEnd(36), ...results.map(([name]) => name.padStart(14)), results.length > 1 ? "ratio".padStart(8) : ""].join(""));
  for (const [label, pick] of rows) {
    const values = results.map(([, f]) => pick(f));
    const ratio = values.length > 1 ? `${((values[0] ?? NaN) / (values[1] ?? NaN)).toFixed(2)}x`.padStart(8) : "";
    console.log([label.padEnd(36), ...values.map((v) => v.toFixed(1).padStart(14)), ratio].join(""));
  }
  if (results.length > 1) console.log("# ratio = tensorbook / tslab (below 1: tensorbook faster)");
  fs.rmSync(cwd, { recursive: true, force: true });
}

main().then(
  // tslab's converter keeps file watchers open after close(): end the bench explicitly.
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
