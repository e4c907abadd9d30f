// `import` / `require` from cells (issue 3, "Semantics"): resolved from the notebook's folder upward,
// then from tensorbook's own dependencies, so "@tensorflow/tfjs" and "tensorbook" work in any notebook
// without a local install. CommonJS packages are required; ESM-only packages (an "exports" map with only
// an "import" condition, or "type": "module") are loaded by a real dynamic import() from this module
// file, since a vm script has no module loader. Relative .ts files next to the notebook are compiled.
import * as fs from "node:fs";
import { builtinModules, createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../paths";

type Require = NodeJS.Require;
interface PackageJson {
  type?: string;
  main?: string;
  module?: string;
  exports?: ExportsField;
}
type ExportsField = string | null | ExportsField[] | { [key: string]: ExportsField };

export interface Importer {
  import(spec: string): Promise<unknown>;
  require(spec: string): unknown;
  /** require.resolve from the notebook's folder, then from tensorbook's dependencies. */
  resolve(spec: string): string;
  /** `import x from "m"`: a CommonJS module's exports, or an ES module's (or __esModule's) default. */
  defaultOf(module: unknown): unknown;
}

export function createImporter(cwd: string): Importer {
  registerTypeScriptFiles();
  const fromNotebook = createRequire(path.join(cwd, "__notebook__.js"));
  const fromTensorbook = createRequire(path.join(packageRoot(), "package.json"));
  // The copy of tensorbook this runtime is (dist/, dist-*/): it shares the display sink and hooks.
  const ownIndex = path.join(__dirname, "..", "index.js");
  const tslab = path.join(__dirname, "tslab.js");

  /** The file `spec` names, or undefined when only an ESM resolution can find it. */
  function resolveFile(spec: string): string | undefined {
    if (spec === "tslab") return tslab;
    for (const req of [fromNotebook, fromTensorbook]) {
      try {
        return req.resolve(spec);
      } catch {
        // not found from there: try the next base
      }
    }
    if (spec === "tensorbook") return ownIndex;
    return undefined;
  }

  function notFound(spec: string): Error {
    const error = new Error(`Cannot find module '${spec}' from the notebook's folder (${cwd}) or from tensorbook's own dependencies`);
    (error as NodeJS.ErrnoException).code = "MODULE_NOT_FOUND";
    return error;
  }

  return {
    require(spec) {
      const file = resolveFile(spec);
      if (file === undefined) throw notFound(spec);
      return fromNotebook(file);
    },
    resolve(spec) {
      const file = resolveFile(spec);
      if (file === undefined) throw notFound(spec);
      return file;
    },
    async import(spec) {
      if (spec.startsWith("node:") || isBuiltin(spec)) return fromNotebook(spec);
      const file = resolveFile(spec) ?? resolveEsm(spec, [cwd, packageRoot()]);
      if (file === undefined) throw notFound(spec);
      if (isEsm(file)) return import(pathToFileURL(file).href);
      return fromNotebook(file);
    },
    defaultOf(module) {
      if (module === null || (typeof module !== "object" && typeof module !== "function")) return module;
      const m = module as { __esModule?: boolean; default?: unknown };
      if (m.__esModule === true || Object.prototype.toString.call(module) === "[object Module]") return m.default;
      return module;
    },
  };
}

function isBuiltin(spec: string): boolean {
  return builtinModules.includes(spec);
}

function isEsm(file: string): boolean {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs") || !file.endsWith(".js")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, "utf8")) as PackageJson).type === "module";
    if (path.dirname(dir) === dir) return false;
  }
}

/** Node's ESM resolution of a bare specifier, for packages whose "exports" has no "require" condition. */
function resolveEsm(spec: string, bases: string[]): string | undefined {
  const parts = spec.split("/");
  const nameLength = spec.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const subpath = parts.length > nameLength ? "./" + parts.slice(nameLength).join("/") : ".";
  for (const base of bases) {
    for (let dir = base; ; dir = path.dirname(dir)) {
      const packageDir = path.join(dir, "node_modules", name);
      const manifest = path.join(packageDir, "package.json");
      if (fs.existsSync(manifest)) {
        const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as PackageJson;
        const target = pkg.exports !== undefined ? exportTarget(pkg.exports, subpath)
          : subpath === "." ? (pkg.module ?? pkg.main ?? "index.js") : subpath;
        if (target !== undefined) return path.join(packageDir, target);
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

const CONDITIONS = ["import", "node", "default"];

function exportTarget(exports: ExportsField, subpath: string): string | undefined {
  const isSubpathMap = typeof exports === "object" && exports !== null && !Array.isArray(exports) &&
    Object.keys(exports).some((k) => k.startsWith("."));
  const entry = isSubpathMap ? (exports as { [key: string]: ExportsField })[subpath] : subpath === "." ? exports : undefined;
  return entry === undefined ? undefined : pickCondition(entry);
}

function pickCondition(entry: ExportsField): string | undefined {
  if (typeof entry === "string") return entry;
  if (entry === null) return undefined;
  if (Array.isArray(entry)) return entry.map(pickCondition).find((t) => t !== undefined);
  for (const [condition, value] of Object.entries(entry)) {
    if (CONDITIONS.includes(condition)) {
      const target = pickCondition(value);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}

let registered = false;

/** `require("./model")` finds model.ts next to the notebook; compiled to CommonJS on load. */
function registerTypeScriptFiles(): void {
  if (registered) return;
  registered = true;
  type Loader = (module: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void;
  const extensions = (require as unknown as { extensions: { [ext: string]: Loader } }).extensions;
  if (extensions[".ts"] !== undefined) return;
  extensions[".ts"] = (module, file) => {
    // Loaded only here: the cell worker never pays for the compiler unless a .ts file is imported.
    const ts = require("typescript") as typeof import("typescript");
    const output = ts.transpileModule(fs.readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, inlineSourceMap: true },
    });
    module._compile(output.outputText, file);
  };
}
