// tensorbook under Jupyter's own tools (Debian packages): the kernelspec is installed into a temporary
// prefix and found through JUPYTER_PATH, never the user's Jupyter config. Jupyter's conformance suite
// (jupyter_kernel_test, test/e2e/kernel_tests.py), `jupyter console` and `jupyter nbconvert --execute`
// then start the kernel the way JupyterLab does, with the real runtime.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isolatedJupyter } from "../helpers/jupyter";
import { fixture, haveTool, PYTHON, repoRoot } from "../helpers/tools";

const jupyter = isolatedJupyter();
const { prefix } = jupyter;
const env = { ...jupyter.env, TENSORBOOK_KERNEL_NAME: "tensorbook" };

function run(file: string, args: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, cwd: options.cwd ?? prefix, timeout: options.timeoutMs ?? 120000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

after(() => jupyter.remove());

test("jupyter kernelspec list finds the installed kernelspec, with absolute node and logos", { skip: !haveTool("jupyter") }, async () => {
  const { stdout } = await run("/usr/bin/jupyter", ["kernelspec", "list", "--json"]);
  const specs = (JSON.parse(stdout) as { kernelspecs: { [name: string]: { resource_dir: string; spec: { argv: string[]; language: string; interrupt_mode: string } } } }).kernelspecs;
  const ours = specs.tensorbook;
  assert.equal(ours.resource_dir, path.join(prefix, "share", "jupyter", "kernels", "tensorbook"));
  assert.equal(ours.spec.language, "typescript");
  assert.equal(ours.spec.interrupt_mode, "message");
  assert.equal(ours.spec.argv[0], process.execPath);
  assert.ok(path.isAbsolute(ours.spec.argv[1]) && fs.existsSync(ours.spec.argv[1]));
  assert.equal(ours.spec.argv[2], "{connection_file}");
  assert.deepEqual(fs.readFileSync(path.join(ours.resource_dir, "logo-64x64.png")).subarray(1, 4).toString(), "PNG");
});

test("Jupyter's conformance suite (jupyter_kernel_test): every test that applies passes", { skip: !haveTool("jupyter_kernel_test"), timeout: 180000 }, async () => {
  const { code, stderr } = await run(PYTHON, ["-m", "unittest", "-v", "kernel_tests"], { cwd: path.join(repoRoot, "test", "e2e") });
  const ran = /Ran (\d+) tests/.exec(stderr);
  assert.equal(code, 0, stderr);
  assert.equal(ran?.[1], "12", stderr);
  // the pager test is the only one skipped: tensorbook has no pager payloads
  assert.match(stderr, /OK \(skipped=1\)/);
  assert.match(stderr, /test_pager \S+ \.\.\. skipped/);
});

test("jupyter console --kernel tensorbook runs cells from piped input", { skip: !haveTool("jupyter"), timeout: 120000 }, async () => {
  const { stdout, stderr } = await run("/usr/bin/jupyter", ["console", "--kernel", "tensorbook", "--simple-prompt"], { input: 'const a = 6 * 7\na\nconsole.log("hi " + a)\n' });
  assert.match(stdout, /tensorbook \d+\.\d+\.\d+: TypeScript/, stderr);
  assert.match(stdout, /Out\[2\]: 42/);
  assert.match(stdout, /hi 42/);
  assert.match(stdout, /Shutting down kernel/);
});

test("jupyter nbconvert --to notebook --execute runs a notebook", { skip: !haveTool("jupyter") || !haveTool("nbclient"), timeout: 180000 }, async () => {
  const out = path.join(prefix, "hello.out.ipynb");
  const { code, stderr } = await run("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", fixture("kernel", "hello.ipynb"), "--output", out]);
  assert.equal(code, 0, stderr);
  type Cell = { cell_type: string; execution_count?: number; outputs?: { output_type: string; text?: string[]; data?: { [mime: string]: string[] } }[] };
  const cells = (JSON.parse(fs.readFileSync(out, "utf8")) as { cells: Cell[] }).cells.filter((c) => c.cell_type === "code");
  assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3]);
  assert.deepEqual(cells[0].outputs, [{ name: "stdout", output_type: "stream", text: ["hello from tensorbook\n"] }]);
  const result = cells[1].outputs!.find((o) => o.output_type === "execute_result")!;
  assert.deepEqual(result.data!["text/plain"], ["70"]);
  const html = cells[2].outputs!.find((o) => o.output_type === "display_data")!;
  assert.deepEqual(html.data!["text/html"], ["<b>bold</b>"]);
  assert.ok(typeof html.data!["text/plain"] !== "undefined", "display_data carries text/plain");
});
