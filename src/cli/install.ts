// `tensorbook install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]`: writes
// the kernelspec (kernel/kernel.json + logos) into a folder where `jupyter kernelspec list` finds it
// (jupyter_client's KernelSpecManager: <data dir>/kernels/<name>). No Python is run: the data dirs are
// Jupyter's documented ones (jupyter_core.paths).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { packageRoot } from "../paths";

const USAGE = "usage: tensorbook install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]";

export interface InstallOptions {
  /** The folder holding share/jupyter (prefix), or "user" for the per-user data dir. */
  where: { kind: "user" } | { kind: "prefix"; prefix: string };
  name: string;
  displayName?: string;
}

/** jupyter_core.paths.jupyter_data_dir(): JUPYTER_DATA_DIR, else the platform's per-user folder. */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(process.env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** The first `command` in a PATH folder, as the shell would run it; undefined when there is none. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir, command);
    if (dir !== "" && fs.existsSync(file)) return file;
  }
  return undefined;
}

/** sys.prefix of the Python that runs Jupyter, without running it: a venv/conda env, else jupyter's own prefix. */
export function sysPrefix(): string {
  const env = process.env.VIRTUAL_ENV ?? process.env.CONDA_PREFIX;
  if (env) return env;
  const jupyter = onPath("jupyter");
  if (jupyter !== undefined) return path.dirname(path.dirname(fs.realpathSync(jupyter)));
  throw new Error("--sys-prefix: no VIRTUAL_ENV or CONDA_PREFIX is set and no `jupyter` is on PATH; use --user or --prefix DIR");
}

export function kernelspecDir(options: InstallOptions): string {
  const data = options.where.kind === "user" ? userDataDir() : path.join(options.where.prefix, "share", "jupyter");
  return path.join(data, "kernels", options.name);
}

/** The kernel.json to write: the template with this node and this build's kernel entry point. */
export function kernelJson(displayName?: string): { [key: string]: unknown } {
  const template = JSON.parse(fs.readFileSync(path.join(packageRoot(), "kernel", "kernel.json"), "utf8")) as { [key: string]: unknown };
  return {
    ...template,
    // Absolute paths: Jupyter starts the kernel from any folder, with any PATH (a conda env may lack node).
    argv: [process.execPath, path.join(__dirname, "kernel.js"), "{connection_file}"],
    ...(displayName !== undefined ? { display_name: displayName } : {}),
  };
}

/** Writes the kernelspec; returns its folder. */
export function install(options: InstallOptions): string {
  // jupyter_client's _is_valid_kernel_name: ASCII letters, digits, . _ -
  if (!/^[a-z0-9._-]+$/i.test(options.name)) throw new Error(`--name ${JSON.stringify(options.name)}: a kernel name may hold only letters, digits, ".", "_" and "-"`);
  const dir = kernelspecDir(options);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelJson(options.displayName), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png"]) fs.copyFileSync(path.join(packageRoot(), "kernel", logo), path.join(dir, logo));
  return dir;
}

export function parseInstallArgs(argv: string[]): InstallOptions {
  let where: InstallOptions["where"] | undefined;
  let name = "tensorbook";
  let displayName: string | undefined;
  const setWhere = (next: InstallOptions["where"], flag: string): void => {
    if (where !== undefined) throw new Error(`${flag}: give only one of --user, --sys-prefix, --prefix`);
    where = next;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === "--user") setWhere({ kind: "user" }, arg);
    else if (arg === "--sys-prefix") setWhere({ kind: "prefix", prefix: sysPrefix() }, arg);
    else if (arg === "--prefix") setWhere({ kind: "prefix", prefix: path.resolve(value()) }, arg);
    else if (arg === "--name") name = value();
    else if (arg === "--display-name") displayName = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  return { where: where ?? { kind: "user" }, name, displayName };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  try {
    const dir = install(parseInstallArgs(argv));
    console.log(`Installed the tensorbook kernelspec in ${dir}`);
    return 0;
  } catch (e) {
    console.error(`tensorbook install: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
}
