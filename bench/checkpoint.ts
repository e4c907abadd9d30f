// bench/checkpoint: load throughput (MB/s) and peak memory for a ~1 GB checkpoint, as a .pth written by
// torch.save and as safetensors, beside reading the same file raw (fs.readSync in 64 MiB chunks: the
// floor) and torch.load (Debian python3-torch 1.13), all measured in this run. "Load" means every tensor
// in memory as float32 (getFloat32 on each key, all kept alive), as torch.load gives them. Each load runs
// in a fresh process so its peak resident memory (above what the process held before) is its own.
// The files are made in a temporary folder by bench/checkpoint_torch.py and deleted afterwards.
//
//   npx tsc -p . --outDir dist-ckpt && node dist-ckpt/bench/checkpoint.js [runs=5] [MB=1024]
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageRoot } from "../src/paths";
import { median } from "./stats";

const PYTHON = "/usr/bin/python3";

interface Figure {
  seconds: number;
  peak_bytes: number;
  bytes: number;
}

/** Peak resident bytes of this process so far, and now. */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** Child mode: load one file one way and print a Figure. */
async function child(mode: string, file: string): Promise<void> {
  const { loadCheckpoint } = await import("../src/ml/checkpoint/load.js");
  const base = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  const keep: Float32Array[] = [];
  if (mode === "raw") {
    const fd = fs.openSync(file, "r");
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafeSlow(size);
    for (let at = 0; at < size; ) at += fs.readSync(fd, buf, at, Math.min(64 << 20, size - at), at);
    fs.closeSync(fd);
    bytes = size;
    keep.push(new Float32Array(buf.buffer, 0, 1));
  } else {
    const ck = loadCheckpoint(file);
    for (const key of ck.keys()) {
      const t = ck.getFloat32(key).data;
      keep.push(t);
      bytes += t.byteLength;
    }
    ck.close();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const figure: Figure = { seconds, peak_bytes: peakRss() - base, bytes };
  process.stdout.write(JSON.stringify(figure) + "\n");
  void keep.length;
}

function runChild(args: string[]): Figure {
  const out = args[0] === "torch"
    ? execFileSync(PYTHON, [path.join(packageRoot(), "bench", "checkpoint_torch.py"), "load", args[1]], { encoding: "utf8" })
    : execFileSync(process.execPath, [__filename, "--child", ...args], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()!) as Figure;
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3], process.argv[4]);
  const runs = Number(process.argv[2] ?? 5);
  const mb = Number(process.argv[3] ?? 1024);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tb-bench-ckpt-"));
  try {
    execFileSync(PYTHON, [path.join(packageRoot(), "bench", "checkpoint_torch.py"), "make", dir, String(mb)], { stdio: "inherit" });
    const pth = path.join(dir, "model.pth");
    const st = path.join(dir, "model.safetensors");
    const size = (f: string): number => fs.statSync(f).size;
    console.log(`checkpoint load, ${runs} runs each (median), files of ${(size(pth) / 1e6).toFixed(0)} MB (.pth) and ${(size(st) / 1e6).toFixed(0)} MB (safetensors), page cache warm`);
    const cases: [string, string[], number][] = [
      ["raw read of the .pth (floor)", ["raw", pth], size(pth)],
      ["torch.load .pth (python3-torch)", ["torch", pth], size(pth)],
      ["tensorbook .pth", ["ours", pth], size(pth)],
      ["raw read of the safetensors (floor)", ["raw", st], size(st)],
      ["tensorbook safetensors", ["ours", st], size(st)],
    ];
    runChild(["raw", pth]); // warm the page cache for both files
    runChild(["raw", st]);
    // round-robin, so the load other processes put on the machine falls on every reader alike
    const figures = cases.map((): Figure[] => []);
    for (let r = 0; r < runs; r++) cases.forEach(([, args], i) => figures[i].push(runChild(args)));
    const results = new Map<string, { mbps: number; peak: number; size: number }>();
    cases.forEach(([name, , fileSize], i) => {
      const mbps = median(figures[i].map((f) => f.bytes / 1e6 / f.seconds));
      const peak = median(figures[i].map((f) => f.peak_bytes));
      results.set(name, { mbps, peak, size: fileSize });
    });
    const torch = results.get("torch.load .pth (python3-torch)")!;
    const rawPth = results.get("raw read of the .pth (floor)")!;
    const rawSt = results.get("raw read of the safetensors (floor)")!;
    console.log("| reader | MB/s | × torch.load | × raw read | peak MB | peak / file size |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const [name, r] of results) {
      const raw = name.includes("safetensors") ? rawSt : rawPth;
      console.log(`| ${name} | ${r.mbps.toFixed(0)} | ${(r.mbps / torch.mbps).toFixed(2)} | ${(r.mbps / raw.mbps).toFixed(2)} | ${(r.peak / 1e6).toFixed(0)} | ${(r.peak / r.size).toFixed(2)} |`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
