// `tensorbook run` end to end: a child process running the real runtime on small notebooks of plain
// TypeScript cells (test/fixtures/notebook/), as a user runs it from the terminal.
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "../helpers/tools";
import type { CodeCell, Notebook } from "../../src/notebook/nbformat";

const MAIN = path.resolve(__dirname, "../../src/cli/main.js");

interface Ran { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs `tensorbook run ARGS` in `cwd`; `whenStderr` is called on each stderr chunk (to send a signal). */
function tensorbookRun(args: string[], cwd: string, whenStderr?: (all: string, child: ReturnType<typeof spawn>) => void, env?: NodeJS.ProcessEnv): Promise<Ran> {
  const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(MAIN)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`, "run", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); whenStderr?.(stderr, child); });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) => child.on("close", (code, signal) => { clearTimeout(killer); resolve({ code, signal, stdout, stderr }); }));
}

const workdirs: string[] = [];
after(() => { for (const dir of workdirs) fs.rmSync(dir, { recursive: true, force: true }); });

function workdir(...notebooks: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-run-"));
  workdirs.push(dir);
  for (const name of notebooks) fs.copyFileSync(fixture("notebook", name), path.join(dir, name));
  return dir;
}

const read = (file: string): Notebook => JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
const code = (nb: Notebook, index: number): CodeCell => nb.cells[index] as CodeCell;
const texts = (cell: CodeCell): unknown[] => cell.outputs.map((o) => (o.output_type === "stream" ? [o.name, (o.text as string[]).join("")] : o.output_type === "error" ? ["error", o.ename] : [o.output_type, (o.data["text/plain"] as string[]).join("")]));

test("runs every cell, saves outputs as Jupyter would, and says where it wrote", async () => {
  const dir = workdir("basic.ipynb");
  const ran = await tensorbookRun(["basic.ipynb", "-o", "out/basic.ipynb"], dir);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /^ran 3 cells, no errors\nexecuted notebook: out\/basic\.ipynb\n$/m);
  const nb = read(path.join(dir, "out", "basic.ipynb"));
  assert.deepEqual(nb.cells.map((c) => (c.cell_type === "code" ? c.execution_count : c.cell_type)), ["markdown", 1, null, 2, 3]);
  assert.deepEqual(texts(code(nb, 1)), [["stdout", "x is 42\n"], ["execute_result", "42"]]);
  assert.deepEqual(texts(code(nb, 3)), [["stdout", "done\n"]], "\\r progress overwritten as Jupyter shows it");
  assert.deepEqual(texts(code(nb, 4)), [["display_data", "{ loss: 0.5 }"], ["execute_result", "43"]], "display updated in place");
  assert.equal(nb.metadata.kernelspec?.name, "tensorbook");
  assert.equal(nb.metadata.language_info?.name, "typescript");
  assert.match(ran.stderr, /\[1\] cell 2\/5: const x: number = 6 \* 7;\nOut\[1\]: 42\n\[1\] ok in \d+\.\d\d s/);
  assert.equal(fs.readFileSync(path.join(dir, "basic.ipynb"), "utf8"), fs.readFileSync(fixture("notebook", "basic.ipynb"), "utf8"), "the input is untouched");
});

test("a failing cell stops the run: what ran and the error are written, exit 1; --allow-errors runs on", async () => {
  const dir = workdir("fails.ipynb");
  const ran = await tensorbookRun(["fails.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 1);
  assert.match(ran.stdout, /stopped at cell 2 on an error/);
  assert.match(ran.stderr, /RangeError: n is 3\n\[2\] FAILED/);
  const nb = read(path.join(dir, "fails.ipynb"));
  assert.deepEqual(texts(code(nb, 0)), [["stdout", "before the error\n"]]);
  const [error] = code(nb, 1).outputs;
  assert.ok(error.output_type === "error");
  assert.equal(`${error.ename}: ${error.evalue}`, "RangeError: n is 3");
  assert.ok(error.traceback.some((line) => line.includes("Cell In[2], line 2")), error.traceback.join("\n"));
  assert.equal(code(nb, 2).execution_count, null);

  // Without -o or --inplace the executed notebook goes beside the input as NAME.out.ipynb.
  const allowed = await tensorbookRun(["fails.ipynb", "--allow-errors"], dir);
  assert.equal(allowed.code, 0);
  assert.match(allowed.stdout, /ran 3 cells, 1 with errors \(--allow-errors\)\nexecuted notebook: fails\.out\.ipynb/);
  assert.deepEqual(texts(code(read(path.join(dir, "fails.out.ipynb")), 2)), [["stdout", "after the error\n"]]);
});

test("--timeout interrupts a while(true) cell, writes it with the reason and the interrupt, exit 1", async () => {
  // The spinning cell is the first: a cell's time includes its type check, which a loaded machine makes
  // slow, so a cell before it could itself run past a short timeout.
  const dir = workdir("spin.ipynb");
  const ran = await tensorbookRun(["spin.ipynb", "-o", "out.ipynb", "--timeout", "2"], dir);
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(ran.stdout, /stopped at cell 1: it ran past --timeout 2 s \(ran 1 cell\)/);
  const nb = read(path.join(dir, "out.ipynb"));
  assert.deepEqual(texts(code(nb, 0)).slice(-2), [["stderr", "tensorbook run: the cell ran past --timeout 2 s and was interrupted\n"], ["error", "KeyboardInterrupt"]]);
  assert.equal(code(nb, 1).execution_count, null);
});

test("Ctrl-C (SIGINT) interrupts the running cell, still writes the notebook, exits 130", async () => {
  const dir = workdir("loop.ipynb");
  let sent = false;
  const ran = await tensorbookRun(["loop.ipynb", "-o", "out.ipynb"], dir, (stderr, child) => {
    if (!sent && stderr.includes("[2] cell 2/3")) {
      sent = true;
      setTimeout(() => child.kill("SIGINT"), 300);
    }
  });
  assert.equal(ran.code, 130, ran.stderr);
  assert.match(ran.stdout, /interrupted at cell 2 \(ran 2 cells\)\nexecuted notebook: out\.ipynb/);
  const nb = read(path.join(dir, "out.ipynb"));
  assert.deepEqual(texts(code(nb, 1)).at(-1), ["error", "KeyboardInterrupt"]);
  assert.equal(code(nb, 2).execution_count, null);
});

test("invalid JSON or an old nbformat: a clear error, exit 1, the file untouched, nothing written", async () => {
  const dir = workdir();
  const broken = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {},\n "cells": [\n  {"cell_type": "code", "source": "1"\n]}\n';
  fs.writeFileSync(path.join(dir, "broken.ipynb"), broken);
  const ran = await tensorbookRun(["broken.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 1);
  assert.match(ran.stderr, /^tensorbook run: \/.*broken\.ipynb: not valid JSON at line 4, column 1: /);
  fs.writeFileSync(path.join(dir, "v3.ipynb"), JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }));
  const old = await tensorbookRun(["v3.ipynb", "-o", "v3.out.ipynb"], dir);
  assert.equal(old.code, 1);
  assert.match(old.stderr, /v3\.ipynb: nbformat 3 is not supported; tensorbook reads nbformat 4 \(convert it with `jupyter nbconvert/);
  assert.equal(fs.readFileSync(path.join(dir, "broken.ipynb"), "utf8"), broken);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["broken.ipynb", "v3.ipynb"]);
});

test("usage mistakes exit 2 with the reason and the usage", async () => {
  const dir = workdir();
  const both = await tensorbookRun(["a.ipynb", "-o", "b.ipynb", "--inplace"], dir);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^tensorbook run: -o and --inplace exclude each other\n\nusage: tensorbook run NOTEBOOK\.ipynb/);
  const timeout = await tensorbookRun(["a.ipynb", "--timeout", "soon"], dir);
  assert.equal(timeout.code, 2);
  assert.match(timeout.stderr, /--timeout takes a number of seconds above 0 \(or 0 or none: no limit\), not 'soon'/);
  // node:util parseArgs' own messages
  const unknown = await tensorbookRun(["a.ipynb", "--frobnicate"], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^tensorbook run: Unknown option '--frobnicate'/);
  const missing = await tensorbookRun(["a.ipynb", "-o"], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^tensorbook run: Option '-o, --output <value>' argument missing/);
  const two = await tensorbookRun(["a.ipynb", "b.ipynb"], dir);
  assert.match(two.stderr, /^tensorbook run: one notebook at a time: 'a\.ipynb' and 'b\.ipynb'/);
  const help = await tensorbookRun(["--help"], dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: tensorbook run NOTEBOOK\.ipynb/);
});

// ── issue 13 item 13 ──

/** A notebook of code cells with these sources, as Jupyter writes one. */
function notebookOf(sources: string[], metadata: object = {}): string {
  const cells = sources.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null }));
  return JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata, cells }, null, 1) + "\n";
}

test("SIGTERM interrupts the running cell and writes the notebook, as Ctrl-C does; exit 143", async () => {
  const dir = workdir("loop.ipynb");
  let sent = false;
  const ran = await tensorbookRun(["loop.ipynb", "-o", "out.ipynb"], dir, (stderr, child) => {
    if (!sent && stderr.includes("[2] cell 2/3")) {
      sent = true;
      setTimeout(() => child.kill("SIGTERM"), 300);
    }
  });
  assert.equal(ran.code, 143, ran.stderr);
  assert.match(ran.stdout, /terminated \(SIGTERM\) at cell 2 \(ran 2 cells\)\nexecuted notebook: out\.ipynb/);
  const nb = read(path.join(dir, "out.ipynb"));
  assert.deepEqual(texts(code(nb, 0)), [["stdout", "started\n"]]);
  assert.deepEqual(texts(code(nb, 1)).at(-1), ["error", "KeyboardInterrupt"]);
  assert.equal(code(nb, 2).execution_count, null);
});

test("a cell timeout applies without --timeout (default, or TENSORBOOK_RUN_TIMEOUT); --timeout none lifts it", async () => {
  const dir = workdir("spin.ipynb");
  const ran = await tensorbookRun(["spin.ipynb", "-o", "out.ipynb"], dir, undefined, { ...process.env, TENSORBOOK_RUN_TIMEOUT: "2" });
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(ran.stdout, /stopped at cell 1: it ran past --timeout 2 s/);
  assert.deepEqual(texts(code(read(path.join(dir, "out.ipynb")), 0)).at(-1), ["error", "KeyboardInterrupt"]);
  // --timeout wins over the environment; none means no limit (the cell is then stopped by SIGINT here)
  let sent = false;
  const unlimited = await tensorbookRun(["spin.ipynb", "-o", "out2.ipynb", "--timeout", "none"], dir, (stderr, child) => {
    if (!sent && stderr.includes("spinning")) {
      sent = true;
      setTimeout(() => child.kill("SIGINT"), 3000);
    }
  }, { ...process.env, TENSORBOOK_RUN_TIMEOUT: "1" });
  assert.equal(unlimited.code, 130, unlimited.stderr);
  const bad = await tensorbookRun(["spin.ipynb"], dir, undefined, { ...process.env, TENSORBOOK_RUN_TIMEOUT: "soon" });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /TENSORBOOK_RUN_TIMEOUT takes a number of seconds/);
});

test("--inplace on a symlink writes through to the notebook it names; the link stays a link", async () => {
  const dir = workdir("basic.ipynb");
  fs.mkdirSync(path.join(dir, "real"));
  fs.renameSync(path.join(dir, "basic.ipynb"), path.join(dir, "real", "basic.ipynb"));
  fs.symlinkSync(path.join("real", "basic.ipynb"), path.join(dir, "link.ipynb"));
  const ran = await tensorbookRun(["link.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(fs.lstatSync(path.join(dir, "link.ipynb")).isSymbolicLink(), "the link is still a link");
  assert.deepEqual(texts(code(read(path.join(dir, "real", "basic.ipynb")), 1)), [["stdout", "x is 42\n"], ["execute_result", "42"]]);
  assert.deepEqual(fs.readdirSync(path.join(dir, "real")), ["basic.ipynb"], "no temp file left beside the target");
});

test("--inplace on a Python notebook is refused, naming its kernel; the file is untouched", async () => {
  const dir = workdir();
  const python = notebookOf(["print('hello')"], { kernelspec: { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" }, language_info: { name: "python" } });
  fs.writeFileSync(path.join(dir, "py.ipynb"), python);
  const ran = await tensorbookRun(["py.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 1);
  assert.match(ran.stderr, /^tensorbook run: py\.ipynb is a python notebook \(kernel "python3" \(Python 3 \(ipykernel\)\)\), not a TypeScript one: --inplace would overwrite its outputs and kernelspec, so it is refused and the file is untouched/);
  assert.doesNotMatch(ran.stderr, /cell 1\/1/, "no cell ran");
  assert.equal(fs.readFileSync(path.join(dir, "py.ipynb"), "utf8"), python);
  assert.deepEqual(fs.readdirSync(dir), ["py.ipynb"]);
});

test("metadata nested 20,000 deep is refused on read with its path; no cell runs, nothing is written", async () => {
  const dir = workdir();
  const deep = `{"nbformat": 4, "nbformat_minor": 5, "cells": [{"cell_type": "code", "metadata": {}, "source": "console.log(1)", "outputs": [], "execution_count": null}], "metadata": {"deep": ${'{"a": '.repeat(20_000)}{}${"}".repeat(20_000)}}}`;
  fs.writeFileSync(path.join(dir, "deep.ipynb"), deep);
  const ran = await tensorbookRun(["deep.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 1);
  assert.match(ran.stderr, /^tensorbook run: \/.*deep\.ipynb: metadata\.deep\.a\.a\.a\.a\.a\.a … \(491 more\) … \.a\.a is nested more than 500 levels deep/);
  assert.doesNotMatch(ran.stderr, /cell 1\/1/);
  assert.equal(fs.readFileSync(path.join(dir, "deep.ipynb"), "utf8"), deep);
});

test("a temp file a killed save left (kill -9) is removed by the next run; a live writer's is kept", async () => {
  const dir = workdir("basic.ipynb");
  // the pid of a process that has exited: nothing holds that temp file any more
  const dead = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ["-e", ""]);
    child.on("exit", () => resolve(child.pid!));
  });
  const stale = `.out.ipynb.${dead}.0123abcd.tmp`;
  const live = `.out.ipynb.${process.pid}.89abcdef.tmp`;
  fs.writeFileSync(path.join(dir, stale), "half a notebook");
  fs.writeFileSync(path.join(dir, live), "being written");
  const ran = await tensorbookRun(["basic.ipynb", "-o", "out.ipynb"], dir);
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(fs.readdirSync(dir).sort(), [live, "basic.ipynb", "out.ipynb"].sort());
});

test("a 100,000-character line ending in CRLF is saved as written", async () => {
  const dir = workdir();
  fs.writeFileSync(path.join(dir, "long.ipynb"), notebookOf(['console.log("x".repeat(100_000) + "\\r");']));
  const ran = await tensorbookRun(["long.ipynb", "--inplace"], dir);
  assert.equal(ran.code, 0, ran.stderr);
  assert.deepEqual(texts(code(read(path.join(dir, "long.ipynb")), 0)), [["stdout", "x".repeat(100_000) + "\r\n"]]);
});
