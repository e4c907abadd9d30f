// Kernel speed as Jupyter sees it (issue 2, "Done when"): launch → kernel_info_reply, and the execute
// round trip (execute_request → execute_reply) of 100 trivial cells, median and p95, measured by Jupyter's
// own client (bench/kernel_driver.py, jupyter_client) for tensorbook and, in the same run, Debian's
// ipykernel and tslab where it is installed. Each figure is printed beside ipykernel's, as a ratio.
//
//   npm run bench -- kernel [--runs N]     (N launches per kernel, default 5; medians are printed)
//
// tensorbook is measured twice: with the real runtime (TypeScript cells, what a user gets) and with the
// scripted test engine (test/kernel/fake-engine.ts), which isolates the cost of the protocol layer.
// Aims: start < 0.5 s, round trip < 2 ms.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../src/paths";
import { median, percentile } from "./stats";

const PYTHON = "/usr/bin/python3";
const root = path.join(__dirname, ".."); // the build folder (dist/, dist-kernel/)
const driver = path.join(packageRoot(), "bench", "kernel_driver.py");
const kernelJs = path.join(root, "src", "cli", "kernel.js");
const fakeEngine = path.join(root, "test", "kernel", "fake-engine.js");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const runs = Number(arg("--runs") ?? 5);
const cells = 100;

interface Peer {
  name: string;
  argv: string[];
  /** A trivial cell in the kernel's language. */
  code: string;
}

function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir !== "" && fs.existsSync(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

const peers: Peer[] = [
  { name: "ipykernel", argv: [PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"], code: "1" },
  { name: "tensorbook", argv: [process.execPath, kernelJs, "{connection_file}"], code: "1" },
  { name: "tensorbook (protocol only)", argv: [process.execPath, kernelJs, "{connection_file}", "--engine", fakeEngine], code: "= 1" },
];
const tslab = which("tslab");
if (tslab !== undefined) peers.push({ name: "tslab", argv: [tslab, "kernel", "--config-path", "{connection_file}"], code: "1" });


interface Figures {
  startup: number;
  median: number;
  p95: number;
}

interface Samples {
  startups: number[];
  medians: number[];
  p95s: number[];
}

/** One launch of `peer`: its start-up and the median / p95 of its round trips, in ms. */
function measureOnce(peer: Peer, into: Samples): void {
  const out = execFileSync(PYTHON, [driver, JSON.stringify(peer.argv), peer.code, String(cells)], { encoding: "utf8", env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" }, timeout: 180000 });
  const { startup_s, round_trip_s } = JSON.parse(out.trim().split("\n").at(-1)!) as { startup_s: number; round_trip_s: number[] };
  into.startups.push(startup_s * 1000);
  into.medians.push(median(round_trip_s) * 1000);
  into.p95s.push(percentile(round_trip_s, 95) * 1000);
}

function main(): void {
  if (!fs.existsSync(driver)) throw new Error(`bench/kernel: ${driver} is missing`);
  console.log(`kernel bench: ${runs} launches per kernel, ${cells} trivial cells each (after 10 warm-up), Jupyter's client (jupyter_client)`);
  // Rounds interleave the kernels, so a burst of load on a shared machine hits them all alike.
  const samples = new Map<string, Samples>(peers.map((p) => [p.name, { startups: [], medians: [], p95s: [] }]));
  for (let round = 1; round <= runs; round++) {
    process.stdout.write(`  round ${round}/${runs}: ${peers.map((p) => p.name).join(", ")}\n`);
    for (const peer of peers) measureOnce(peer, samples.get(peer.name)!);
  }
  const results = new Map<string, Figures>([...samples].map(([name, s]) => [name, { startup: median(s.startups), median: median(s.medians), p95: median(s.p95s) }]));
  const base = results.get("ipykernel")!;
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(28) : c.padStart(20))).join("");
  console.log("\n" + row(["kernel", "start → kernel_info", "round trip median", "round trip p95"]));
  for (const [name, f] of results) {
    const cell = (value: number, unit: "s" | "ms", baseValue: number): string =>
      `${unit === "s" ? (value / 1000).toFixed(3) + " s" : value.toFixed(2) + " ms"}${name === "ipykernel" ? "" : ` (${(value / baseValue).toFixed(2)}×)`}`;
    console.log(row([name, cell(f.startup, "s", base.startup), cell(f.median, "ms", base.median), cell(f.p95, "ms", base.p95)]));
  }
  console.log("\nratios are tensorbook ÷ ipykernel (below 1 is faster). Aims: start < 0.5 s, round trip < 2 ms.");
}

main();
