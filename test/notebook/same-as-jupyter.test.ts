// `tensorbook run` saves what Jupyter saves: the same small notebook executed by `tensorbook run` and by
// `jupyter nbconvert --execute` through the installed kernelspec gives the same cells, counts and outputs.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isolatedJupyter } from "../helpers/jupyter";
import { fixture, haveTool } from "../helpers/tools";
import { readNotebook } from "../../src/notebook/read";
import { joinText, type Notebook } from "../../src/notebook/nbformat";

const MAIN = path.resolve(__dirname, "../../src/cli/main.js");
const tensorbook = (args: string[], cwd: string) =>
  spawnSync(process.execPath, ["-e", `require(${JSON.stringify(MAIN)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`, ...args], { cwd, encoding: "utf8", timeout: 60_000 });

/** Cells as stored, with text joined (nbformat may split it either way) and no metadata. */
function cells(nb: Notebook): unknown[] {
  return nb.cells.map((c) => c.cell_type !== "code" ? [c.cell_type, joinText(c.source)] : [c.execution_count, c.outputs.map((o) =>
    o.output_type === "stream" ? { ...o, text: joinText(o.text) }
    : o.output_type === "error" ? o
    : { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, Array.isArray(v) ? v.join("") : v])) })]);
}

test("tensorbook run and jupyter nbconvert --execute (through the kernelspec) save the same outputs", { skip: !haveTool("jupyter"), timeout: 120_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-same-"));
  fs.copyFileSync(fixture("notebook", "basic.ipynb"), path.join(dir, "basic.ipynb"));
  const kernelspec = isolatedJupyter();
  const { env } = kernelspec;
  const jupyter = spawnSync("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tensorbook",
    "--ExecutePreprocessor.timeout=60", "--output", "by-jupyter.ipynb", "basic.ipynb"], { cwd: dir, env, encoding: "utf8", timeout: 100_000 });
  assert.equal(jupyter.status, 0, jupyter.stderr);
  const ours = tensorbook(["run", "basic.ipynb", "-o", "by-tensorbook.ipynb"], dir);
  assert.equal(ours.status, 0, ours.stderr);
  const byJupyter = readNotebook(path.join(dir, "by-jupyter.ipynb"));
  const byTensorbook = readNotebook(path.join(dir, "by-tensorbook.ipynb"));
  assert.deepEqual(cells(byTensorbook), cells(byJupyter));
  assert.deepEqual(byTensorbook.metadata.language_info, byJupyter.metadata.language_info);
  fs.rmSync(dir, { recursive: true, force: true });
  kernelspec.remove();
});
