// Where tensorbook's own files are, wherever the compiled JS runs from (dist/, dist-*/, or an install).
import * as fs from "node:fs";
import * as path from "node:path";

let root: string | undefined;

/** The folder holding tensorbook's package.json (the repository root in a checkout). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "tensorbook") {
      return (root = dir);
    }
    if (path.dirname(dir) === dir) throw new Error(`tensorbook: no package.json named "tensorbook" above ${__dirname}`);
  }
}

/** The version in package.json. */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** The version of npm package `name` as installed beside tensorbook; undefined when it is not installed. */
export function dependencyVersion(name: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [packageRoot()] }), "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}
