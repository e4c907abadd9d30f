// Headless notebook execution (issue 8): `tensorbook run` against Jupyter's own way to run a notebook,
// `jupyter nbconvert --to notebook --execute`, measured in the same run, wall time from command start to
// the executed notebook written (process start-up included: that is what a user waits for).
//
//   node dist/bench/notebooks.js [--runs N] [--tutorial NAME]     (medians of N runs, default 3)
//
// Workloads: one trivial cell (start-up dominated) and 50 trivial cells (per-cell cost), each as a
// TypeScript notebook and as the same notebook in Python; and, with --tutorial, a notebook of notebooks/.
// Peers: nbconvert driving the tensorbook kernel through its kernelspec (the same cells through Jupyter),
// and nbconvert driving Debian's ipykernel on the Python twin (what a Python user waits for).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageRoot } from "../src/paths";
import { fromPercent } from "../src/notebook/percent";
import { writeNotebook } from "../src/notebook/write";
import type { Notebook } from "../src/notebook/nbformat";
import { median } from "./stats";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg("--runs") ?? 3);
const tutorial = arg("--tutorial");
const main = path.join(__dirname, "..", "src", "cli", "main.js"); // this build's CLI (dist/ or dist-*)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-bench-notebooks-"));
const env = { ...process.env, JUPYTER_PATH: path.join(dir, "prefix", "share", "jupyter"), JUPYTER_DATA_DIR: path.join(dir, "data") };

function tensorbookArgs(args: string[]): string[] {
  return ["-e", `require(${JSON.stringify(main)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`, ...args];
}

/** Seconds to run `command`, which must succeed. */
function seconds(command: string, args: string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const ran = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 600_000 });
  if (ran.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${ran.status}):\n${ran.stderr.slice(-2000)}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}


function twin(name: string, cells: number, ts: string, py: string): { ts: string; py: string } {
  const tsNb = fromPercent(Array.from({ length: cells }, (_, i) => `// %%\n${ts.replaceAll("$i", String(i))}`).join("\n"), name);
  const pyNb: Notebook = { ...fromPercent(Array.from({ length: cells }, (_, i) => `// %%\n${py.replaceAll("$i", String(i))}`).join("\n"), name), metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } } };
  const files = { ts: path.join(dir, `${name}.ipynb`), py: path.join(dir, `${name}-py.ipynb`) };
  writeNotebook(files.ts, tsNb);
  writeNotebook(files.py, pyNb);
  return files;
}

const install = spawnSync(process.execPath, tensorbookArgs(["install", "--prefix", path.join(dir, "prefix")]), { encoding: "utf8" });
if (install.status !== 0) throw new Error(`tensorbook install failed: ${install.stderr}`);
const haveJupyter = fs.existsSync("/usr/bin/jupyter");
const nbconvert = (file: string, kernel: string): number =>
  seconds("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", `--ExecutePreprocessor.kernel_name=${kernel}`, "--ExecutePreprocessor.timeout=600", "--output", `${path.basename(file, ".ipynb")}.out.ipynb`, file], path.dirname(file));

const workloads: { name: string; ts: string; py?: string }[] = [
  { name: "1 trivial cell", ...twin("one-cell", 1, "1 + 1", "1 + 1") },
  { name: "50 trivial cells", ...twin("fifty-cells", 50, "const x$i = $i * 2;\nx$i", "x$i = $i * 2\nx$i") },
];
if (tutorial !== undefined) {
  const file = path.join(packageRoot(), "notebooks", `${tutorial}.ipynb`);
  const copy = path.join(packageRoot(), "notebooks", `.bench-${tutorial}.ipynb`); // beside its assets/
  fs.copyFileSync(file, copy);
  workloads.push({ name: tutorial, ts: copy });
}

console.log(`tensorbook run vs jupyter nbconvert --execute, wall seconds, median of ${runs} (node ${process.versions.node}, ${os.cpus().length} cores)`);
console.log(`${"workload".padEnd(30)} ${"tensorbook run".padStart(15)} ${"nbconvert+tensorbook".padStart(21)} ${"ratio".padStart(6)} ${"nbconvert+ipykernel".padStart(20)} ${"ratio".padStart(6)}`);
try {
  for (const w of workloads) {
    const ours: number[] = [], viaJupyter: number[] = [], ipykernel: number[] = [];
    for (let r = 0; r < runs; r++) {
      // Interleaved, so a burst of load on the shared machine hits every peer alike.
      ours.push(seconds(process.execPath, tensorbookArgs(["run", w.ts, "-o", path.join(dir, "out.ipynb")]), dir));
      if (haveJupyter) viaJupyter.push(nbconvert(w.ts, "tensorbook"));
      if (haveJupyter && w.py !== undefined) ipykernel.push(nbconvert(w.py, "python3"));
    }
    const a = median(ours);
    const b = viaJupyter.length ? median(viaJupyter) : NaN;
    const c = ipykernel.length ? median(ipykernel) : NaN;
    const show = (x: number): string => (Number.isNaN(x) ? "—" : x.toFixed(2));
    console.log(`${w.name.padEnd(30)} ${show(a).padStart(15)} ${show(b).padStart(21)} ${show(a / b).padStart(6)} ${show(c).padStart(20)} ${show(a / c).padStart(6)}`);
  }
} finally {
  if (tutorial !== undefined) {
    for (const f of [`.bench-${tutorial}.ipynb`, `.bench-${tutorial}.out.ipynb`]) fs.rmSync(path.join(packageRoot(), "notebooks", f), { force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log("ratio = tensorbook run ÷ peer (below 1: tensorbook run is faster)");
