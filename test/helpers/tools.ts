// Tests that drive real outside components (Jupyter's client, nbconvert, numpy, Chromium) need
// them installed; .ci/run installs them from Debian. In CI a missing tool fails the test (a green run
// must not hide a missing install step); on a developer's machine the test is skipped with the reason.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../../src/paths";

/** Debian's python, which has jupyter_client, jupyter_kernel_test, nbclient and numpy (.ci/run installs them). */
export const PYTHON = "/usr/bin/python3";

/** Repository root and fixture paths, wherever the compiled test runs from. */
export const repoRoot = packageRoot();
export const fixture = (...parts: string[]): string => path.join(repoRoot, "test", "fixtures", ...parts);

function hasPythonModule(module: string): boolean {
  try {
    execFileSync(PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function hasExecutable(file: string): boolean {
  return fs.existsSync(file);
}

// `satisfies`, not a type annotation: keyof then names each tool, so haveTool("nmupy") is a type error.
const checks = {
  jupyter_client: () => hasPythonModule("jupyter_client"),
  jupyter_kernel_test: () => hasPythonModule("jupyter_kernel_test"),
  nbclient: () => hasPythonModule("nbclient"),
  numpy: () => hasPythonModule("numpy"),
  jupyter: () => hasExecutable("/usr/bin/jupyter"),
  chromium: () => hasExecutable("/usr/bin/chromium"),
} satisfies { [tool: string]: () => boolean };

/**
 * `false` (skip, with a reason printed) when a tool is missing on a developer's machine;
 * throws in CI, where .ci/run must have installed it.
 */
export function haveTool(tool: keyof typeof checks): boolean {
  if (checks[tool]()) return true;
  const why = `${tool} is not installed (Debian package; .ci/run installs it)`;
  if (process.env.CI) throw new Error(`CI: ${why}`);
  console.log(`# skipping: ${why}`);
  return false;
}
