// Tests that drive Jupyter's own tools install tensorbook's kernelspec into a temporary prefix and point
// Jupyter at it alone, so neither the user's Jupyter config nor a tensorbook installed elsewhere on the
// machine is the one tested, and nothing is left behind.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { install } from "../../src/cli/install";

export interface IsolatedJupyter {
  /** The prefix holding share/jupyter/kernels/tensorbook. */
  prefix: string;
  /** The environment to run jupyter commands with. */
  env: NodeJS.ProcessEnv;
  /** Removes the prefix. */
  remove(): void;
}

export function isolatedJupyter(): IsolatedJupyter {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-jupyter-"));
  install({ where: { kind: "prefix", prefix }, name: "tensorbook" });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    // Jupyter's own folders (connection files, console history, config) go to the prefix too.
    JUPYTER_DATA_DIR: path.join(prefix, "data"),
    JUPYTER_RUNTIME_DIR: path.join(prefix, "runtime"),
    JUPYTER_CONFIG_DIR: path.join(prefix, "config"),
    IPYTHONDIR: path.join(prefix, "ipython"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONDONTWRITEBYTECODE: "1",
  };
  return { prefix, env, remove: () => fs.rmSync(prefix, { recursive: true, force: true }) };
}
