// `tensorbook doctor`: what this machine has, where Jupyter will find the kernel, and what is missing,
// each missing piece with the command that fixes it. Exit status 0 when nothing essential is missing.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dependencyVersion, packageRoot, packageVersion } from "../paths";
import { onPath, userDataDir } from "./install";

const WIDTH = 29;

interface Report {
  lines: string[];
  missing: string[];
}

function versions(report: Report): void {
  report.lines.push("versions:");
  report.lines.push(`  ${"tensorbook".padEnd(WIDTH)} ${packageVersion()} (${packageRoot()})`);
  report.lines.push(`  ${"node".padEnd(WIDTH)} ${process.versions.node} (${process.execPath})`);
  const [major] = process.versions.node.split(".").map(Number);
  if (major < 20) report.missing.push(`Node.js >= 20 (this is ${process.versions.node})`);
  for (const name of ["typescript", "zeromq", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "plotly.js-dist-min"]) {
    const version = dependencyVersion(name);
    report.lines.push(`  ${name.padEnd(WIDTH)} ${version ?? "MISSING"}`);
    if (version === undefined) report.missing.push(`the npm package ${name}: run \`npm ci\` in ${packageRoot()}`);
  }
}

/** Jupyter's data dirs in its search order (jupyter_core.paths.jupyter_path): JUPYTER_PATH, user, env, system. */
export function jupyterDataDirs(): string[] {
  const dirs = (process.env.JUPYTER_PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  dirs.push(userDataDir());
  for (const env of [process.env.VIRTUAL_ENV, process.env.CONDA_PREFIX]) if (env) dirs.push(path.join(env, "share", "jupyter"));
  if (process.platform !== "win32") dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

interface FoundSpec {
  dir: string;
  argv: string[];
}

/** Kernelspecs whose argv runs a tensorbook kernel.js, in Jupyter's search order. */
function tensorbookKernelspecs(): FoundSpec[] {
  const found: FoundSpec[] = [];
  for (const data of jupyterDataDirs()) {
    const kernels = path.join(data, "kernels");
    if (!fs.existsSync(kernels)) continue;
    for (const name of fs.readdirSync(kernels)) {
      const file = path.join(kernels, name, "kernel.json");
      try {
        const spec = JSON.parse(fs.readFileSync(file, "utf8")) as { argv?: string[] };
        if (spec.argv?.some((arg) => /tensorbook|dist[^/]*\/src\/cli\/kernel\.js$/.test(arg))) found.push({ dir: path.dirname(file), argv: spec.argv });
      } catch {
        // not a readable kernelspec: not ours to judge
      }
    }
  }
  return found;
}

function kernelspec(report: Report): void {
  report.lines.push("kernelspec:");
  const specs = tensorbookKernelspecs();
  if (specs.length === 0) {
    report.lines.push("  none found in " + jupyterDataDirs().join(", "));
    report.missing.push("the kernelspec: run `npx tensorbook install --user` (or --sys-prefix / --prefix DIR)");
  }
  for (const spec of specs) {
    const broken = spec.argv.slice(0, 2).filter((file) => !fs.existsSync(file));
    report.lines.push(`  ${spec.dir}${broken.length > 0 ? `  (BROKEN: ${broken.join(", ")} not found)` : ""}`);
    report.lines.push(`    argv: ${JSON.stringify(spec.argv)}`);
    if (broken.length > 0) report.missing.push(`a working kernelspec in ${spec.dir}: run \`npx tensorbook install\` again from this checkout`);
  }
}

function jupyter(report: Report): void {
  report.lines.push("jupyter:");
  const jupyterBin = onPath("jupyter");
  if (jupyterBin === undefined) {
    report.lines.push(`  ${"jupyter".padEnd(WIDTH)} not on PATH`);
    report.missing.push("Jupyter (to use the kernel): e.g. `apt install jupyter-notebook jupyter-console` or `pip install jupyterlab`");
    return;
  }
  report.lines.push(`  ${"jupyter".padEnd(WIDTH)} ${jupyterBin}`);
  for (const tool of ["jupyter-lab", "jupyter-notebook", "jupyter-console", "jupyter-nbconvert"]) {
    report.lines.push(`  ${tool.padEnd(WIDTH)} ${onPath(tool) ?? "not installed"}`);
  }
  try {
    const listed = execFileSync(jupyterBin, ["kernelspec", "list", "--json"], { encoding: "utf8", timeout: 20000, stdio: ["ignore", "pipe", "ignore"] });
    const names = Object.keys((JSON.parse(listed) as { kernelspecs: object }).kernelspecs);
    report.lines.push(`  kernelspecs Jupyter sees: ${names.join(", ")}`);
  } catch (e) {
    report.lines.push(`  \`jupyter kernelspec list\` failed: ${(e as Error).message.split("\n")[0]}`);
  }
}

// ── backends (issue 4) ──
// Which tensor backends were tried (tfjs-node-gpu, tfjs-node, WebGPU, wasm, cpu), which one was taken,
// why the others were not, and the command that would enable each (src/ml/backend.ts). The selection runs
// in a child process: it is asynchronous (wasm compiles, WebGPU asks for an adapter), loads native
// addons the doctor itself never needs, and a driver that hangs or prints to stderr stays out of the report.
function backends(report: Report): void {
  report.lines.push("backends:");
  const backendModule = path.join(__dirname, "..", "ml", "backend.js");
  const script = `require(${JSON.stringify(backendModule)}).backendReport().then((r) => process.stdout.write(r))`;
  let text: string;
  try {
    text = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120000, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    report.lines.push(`  backend selection failed: ${(e as Error).message.split("\n")[0]}`);
    report.missing.push("a working TensorFlow.js backend: run `npm ci` (it installs @tensorflow/tfjs-backend-wasm)");
    return;
  }
  report.lines.push(...text.split("\n").map((line) => `  ${line}`));
  // wasm or better is what notebooks expect; the cpu backend alone is ~30× slower (bench/tensor.ts).
  if (!/^backend: (tensorflow|webgpu|wasm) /.test(text)) {
    report.missing.push(`a fast backend (${text.startsWith("no backend") ? "none could run" : "only cpu runs"}): see the "enable:" lines under backends`);
  }
}
// ── end backends ──

// ── compute (issue 11) ──
// The Llama and SGD kernels (src/ml/compute): which WebAssembly build the engine runs and on how many
// threads a model runs by default.
function compute(report: Report): void {
  report.lines.push("compute:");
  try {
    const { kernelFeatures } = require("../ml/compute/module") as typeof import("../ml/compute/module");
    const features = kernelFeatures();
    report.lines.push(`  ${"kernels".padEnd(WIDTH)} WebAssembly ${features === "relaxed-simd" ? "SIMD + relaxed SIMD" : "SIMD (relaxed SIMD: not in this engine)"}`);
    report.lines.push(`  ${"threads".padEnd(WIDTH)} ${os.availableParallelism()} (Llama.load's default)`);
  } catch (e) {
    report.lines.push(`  kernels failed to load: ${(e as Error).message.split("\n")[0]}`);
    report.missing.push("the compute kernels: run `npm run build` (it assembles src/ml/compute/kernels/*.wat)");
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length > 0 && (argv[0] === "-h" || argv[0] === "--help")) {
    console.log("usage: tensorbook doctor\nprints versions, the kernelspec Jupyter will use, backends, and what is missing");
    return 0;
  }
  const report: Report = { lines: [], missing: [] };
  versions(report);
  kernelspec(report);
  jupyter(report);
  backends(report);
  compute(report);
  console.log(report.lines.join("\n"));
  if (report.missing.length === 0) {
    console.log("\nnothing missing");
    return 0;
  }
  console.log("\nmissing:\n" + report.missing.map((m) => `  - ${m}`).join("\n"));
  return 1;
}
