// Every tutorial executed by Jupyter itself: `jupyter nbconvert --to notebook --execute` starts the kernel
// through the kernelspec `tensorbook install` wrote, as JupyterLab would (issue 8, "Done when").
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isolatedJupyter } from "../helpers/jupyter";
import { haveTool } from "../helpers/tools";
import { readNotebook } from "../../src/notebook/read";
import { notebookNames, notebooksDir } from "./build";
import { checkExecuted, runCommand } from "./check";

const jupyter = haveTool("jupyter");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-nbconvert-"));
// Only our kernelspec folder: a tensorbook installed elsewhere on the machine must not be the one tested.
const kernelspec = isolatedJupyter();
const { env } = kernelspec;

after(() => {
  kernelspec.remove();
  fs.rmSync(out, { recursive: true, force: true });
});

for (const name of notebookNames()) {
  test(`${name}: jupyter nbconvert --execute runs it through the tensorbook kernelspec without errors`, { skip: !jupyter, timeout: 240_000 }, async () => {
    const ran = await runCommand("/usr/bin/jupyter", [
      "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=tensorbook",
      "--ExecutePreprocessor.timeout=180", "--output-dir", out, path.join(notebooksDir, `${name}.ipynb`),
    ], { cwd: notebooksDir, env, limitMs: 220_000 });
    assert.equal(ran.code, 0, ran.stderr.slice(-3000));
    const nb = readNotebook(path.join(out, `${name}.ipynb`));
    checkExecuted(nb, `nbconvert ${name}`);
    assert.equal(nb.metadata.language_info?.name, "typescript", "language_info from the kernel's kernel_info_reply");
  });
}
