// Type checking, completion and inspection of cells, with TypeScript's language service (issue 3, "Types").
//
// The service sees three virtual files in the notebook's folder (so packages resolve from there):
//   __tensorbook_globals__.d.ts  display(), input()… (globals.ts)
//   __tensorbook_prelude__.ts    what earlier cells declared: their imports, then `declare global { … }`
//                                with one entry per name, replaced when a later cell redefines the name
//   __tensorbook_cell__.ts       the cell being checked, a module: the earlier cells' imports it mentions
//                                and does not redefine, then the cell's own text, then `export {}`
// A cell is a module, so its declarations shadow the prelude's globals: re-running a cell never meets
// "Cannot redeclare block-scoped variable". Variables enter the prelude with the type the checker gave
// them (`declare global { const t: tf.Tensor<tf.Rank> }`); functions, classes, enums, interfaces, types and
// namespaces with their text (errors inside the prelude are never reported: only the cell's are).
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import ts from "typescript";
import type { CellError, CompleteResult, InspectResult, IsCompleteResult } from "../runtime/engine";
import { packageRoot } from "../paths";
import { isComplete } from "./is-complete";
import { GLOBALS_D_TS, NODE_FALLBACK_D_TS } from "./globals";
import type { CompiledExpression, CompileResult } from "./protocol";
import { bindingIdentifiers, boundNames, compileCell, isNoCheck } from "./transform";

interface VirtualFile {
  text: string;
  version: number;
}

/** What one name of an earlier cell contributes to the prelude. */
interface Declaration {
  /** An import statement (kept in the cell's own prefix) or declarations inside `declare global`. */
  kind: "import" | "global";
  text: string;
}

export class CellLanguageService {
  private readonly globalsFile: string;
  private readonly preludeFile: string;
  private readonly cellFile: string;
  private readonly files = new Map<string, VirtualFile>();
  private readonly declarations = new Map<string, Declaration>();
  private readonly service: ts.LanguageService;
  private readonly options: ts.CompilerOptions;
  /** The cell file's prefix length: positions below it belong to earlier cells' imports. */
  private prefixLength = 0;

  constructor(readonly cwd: string) {
    this.globalsFile = path.join(cwd, "__tensorbook_globals__.d.ts");
    this.preludeFile = path.join(cwd, "__tensorbook_prelude__.ts");
    this.cellFile = path.join(cwd, "__tensorbook_cell__.ts");
    this.options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2023.d.ts"],
      ...nodeTypes(),
      strict: true,
      // Tutorials are pasted as they are: `function f(x) {…}` must not fail a cell (TS7006).
      noImplicitAny: false,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      allowImportingTsExtensions: true,
      noEmit: true,
    };
    this.setFile(this.globalsFile, GLOBALS_D_TS + (this.options.types?.includes("node") ? "" : NODE_FALLBACK_D_TS));
    this.setFile(this.preludeFile, "export {};\n");
    this.setFile(this.cellFile, "export {};\n");
    this.service = ts.createLanguageService(this.host(), ts.createDocumentRegistry());
  }

  private setFile(name: string, text: string): void {
    const previous = this.files.get(name);
    if (previous?.text === text) return;
    this.files.set(name, { text, version: (previous?.version ?? 0) + 1 });
  }

  private host(): ts.LanguageServiceHost {
    const own = path.join(__dirname, "..", "index.d.ts");
    const tslab = path.join(__dirname, "..", "runtime", "tslab.d.ts");
    const fallback = path.join(packageRoot(), "package.json");
    // Every cell makes a new program, which resolves every import of every file again: without this cache,
    // reading package.json files was most of a cell's check once tfjs (hundreds of .d.ts files) was imported.
    const cache = ts.createModuleResolutionCache(this.cwd, (f) => f, this.options);
    const resolved = new Map<string, ts.ResolvedModuleWithFailedLookupLocations>();
    const resolveUncached = (name: string, containingFile: string): ts.ResolvedModuleWithFailedLookupLocations => {
      if (name === "tslab") return { resolvedModule: { resolvedFileName: tslab, extension: ts.Extension.Dts } };
      const local = ts.resolveModuleName(name, containingFile, this.options, ts.sys, cache);
      if (local.resolvedModule !== undefined) return local;
      // Then tensorbook's own dependencies, and tensorbook itself (DESIGN.md, "TypeScript cells").
      if (name === "tensorbook") return { resolvedModule: { resolvedFileName: own, extension: ts.Extension.Dts } };
      return ts.resolveModuleName(name, fallback, this.options, ts.sys, cache);
    };
    const resolve = (name: string, containingFile: string): ts.ResolvedModuleWithFailedLookupLocations => {
      const key = `${path.dirname(containingFile)}\0${name}`;
      let result = resolved.get(key);
      if (result === undefined) resolved.set(key, (result = resolveUncached(name, containingFile)));
      return result;
    };
    const host: ts.LanguageServiceHost & { getModuleResolutionCache(): ts.ModuleResolutionCache } = {
      // Not in the public typings, but read by createLanguageService: its package.json cache spares every
      // new program from parsing each package.json again to learn each .d.ts file's module format.
      getModuleResolutionCache: () => cache,
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [this.globalsFile, this.preludeFile, this.cellFile],
      getScriptVersion: (name) => {
        const file = this.files.get(name);
        return file !== undefined ? String(file.version) : diskVersion(name);
      },
      getScriptSnapshot: (name) => {
        const file = this.files.get(name);
        return file !== undefined ? ts.ScriptSnapshot.fromString(file.text) : diskSnapshot(name);
      },
      getCurrentDirectory: () => this.cwd,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (name) => this.files.has(name) || ts.sys.fileExists(name),
      readFile: (name) => this.files.get(name)?.text ?? ts.sys.readFile(name),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      resolveModuleNameLiterals: (literals, containingFile) => literals.map((literal) => resolve(literal.text, containingFile)),
    };
    return host;
  }

  /** Loads lib files, @types/node and the checker once, so the first cell is fast. */
  warmUp(): void {
    this.check("const __tensorbook_warm_up__: string = [1].map((n) => n.toFixed()).join();\nconsole.log(__tensorbook_warm_up__);");
    this.setFile(this.cellFile, "export {};\n");
  }

  /** Type-checks (unless `// @ts-nocheck`) and compiles a cell; on success its declarations enter the prelude. */
  compile(code: string, fileName: string, userExpressions: { [name: string]: string } = {}): CompileResult {
    let checked: { sourceFile: ts.SourceFile; diagnostics: (ts.Diagnostic & { source?: string })[] } | undefined;
    let checkFailure = "";
    try {
      checked = this.check(code);
    } catch (e) {
      // A crash inside the checker must not make the cell impossible to run: run it unchecked, and say so.
      checkFailure = `[tensorbook: type checking crashed, the cell ran unchecked: ${e instanceof Error ? e.message : String(e)}]\n`;
    }
    const errors = (checked?.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error &&
      (!isNoCheck(code) || d.source === "syntax"));
    if (errors.length > 0) return { ok: false, error: diagnosticsError(errors, code, fileName) };
    const compiled = compileCell(code, fileName);
    if (checked !== undefined) this.record(checked.sourceFile);
    // user_expressions: parenthesised so `{ a: 1 }` is an object, not a block; run after the cell.
    const expressions: { [name: string]: CompiledExpression } = {};
    for (const [name, expression] of Object.entries(userExpressions)) {
      const source = `(${expression}\n)`;
      expressions[name] = { ...compileCell(source, `user_expressions[${name}]`), source };
    }
    return { ok: true, js: compiled.js, sourceMap: compiled.sourceMap, userExpressions: expressions, ...(checkFailure !== "" ? { warning: checkFailure } : {}) };
  }

  /** Puts `code` in the cell file; diagnostics are in the cell's own coordinates (start = offset in code). */
  private check(code: string): { sourceFile: ts.SourceFile; diagnostics: (ts.Diagnostic & { source?: string })[] } {
    this.setCell(code);
    const syntactic = this.service.getSyntacticDiagnostics(this.cellFile).map((d) => ({ ...d, source: "syntax" }));
    const semantic = syntactic.length > 0 || isNoCheck(code) ? [] : this.service.getSemanticDiagnostics(this.cellFile);
    const sourceFile = this.service.getProgram()?.getSourceFile(this.cellFile);
    if (sourceFile === undefined) throw new Error("tensorbook: the language service lost the cell's file");
    const diagnostics = [...syntactic, ...semantic]
      .filter((d) => d.start !== undefined && d.start >= this.prefixLength && d.start <= this.prefixLength + code.length)
      .map((d) => ({ ...d, start: (d.start ?? 0) - this.prefixLength }));
    return { sourceFile, diagnostics };
  }

  private setCell(code: string): void {
    const names = new Set(topLevelNames(code));
    // Only the imports the cell mentions: checking `import * as tf from "@tensorflow/tfjs"` resolves every
    // export of tfjs (hundreds of files), which was most of each later cell's check.
    const mentioned = new Set(code.match(/[\p{L}_$][\p{L}\p{N}_$]*/gu) ?? []);
    const imports = [...this.declarations]
      .filter(([name, d]) => d.kind === "import" && !names.has(name) && mentioned.has(name)).map(([, d]) => d.text);
    const prefix = imports.length === 0 ? "" : imports.join("\n") + "\n";
    this.prefixLength = prefix.length;
    this.setFile(this.cellFile, `${prefix}${code}\n;export {};\n`);
  }

  /** The cell's top-level declarations replace the prelude's entries of the same names. */
  private record(sourceFile: ts.SourceFile): void {
    const checker = this.service.getProgram()?.getTypeChecker();
    if (checker === undefined) return;
    const text = sourceFile.text;
    const fresh = new Map<string, Declaration>();
    const add = (name: string, kind: Declaration["kind"], entry: string): void => {
      const previous = fresh.get(name);
      fresh.set(name, previous === undefined || previous.kind !== kind ? { kind, text: entry } : { kind, text: previous.text + "\n" + entry });
    };
    for (const statement of sourceFile.statements) {
      if (statement.getStart(sourceFile) < this.prefixLength) continue;
      const jsDoc = text.slice(statement.getStart(sourceFile, true), statement.getStart(sourceFile));
      if (ts.isImportDeclaration(statement)) {
        for (const [name, entry] of importEntries(statement, sourceFile)) add(name, "import", entry);
      } else if (ts.isVariableStatement(statement)) {
        const keyword = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0 ? "const" : "let";
        for (const declaration of statement.declarationList.declarations) {
          for (const name of bindingIdentifiers(declaration.name)) {
            const type = checker.typeToString(checker.getTypeAtLocation(name), name, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
            add(name.text, "global", `${jsDoc}${keyword} ${name.text}: ${type};`);
          }
        }
      } else if (isNamedDeclaration(statement)) {
        add(statement.name.text, "global", jsDoc + withoutExport(statement.getText(sourceFile)));
      }
    }
    for (const [name, declaration] of fresh) {
      this.declarations.delete(name); // re-inserted last: later entries may refer to earlier ones
      this.declarations.set(name, declaration);
    }
    const imports = [...this.declarations.values()].filter((d) => d.kind === "import").map((d) => d.text);
    const globals = [...this.declarations.values()].filter((d) => d.kind === "global").map((d) => d.text);
    this.setFile(this.preludeFile, `${imports.join("\n")}\ndeclare global {\n${globals.join("\n")}\n}\nexport {};\n`);
  }

  complete(code: string, cursorPos: number): CompleteResult {
    this.setCell(code);
    const position = this.prefixLength + cursorPos;
    const wordStart = identifierStart(code, cursorPos);
    const typed = code.slice(wordStart, cursorPos);
    const completions = this.service.getCompletionsAtPosition(this.cellFile, position, {
      includeCompletionsWithInsertText: true,
      includeCompletionsForModuleExports: false,
    });
    const entries = (completions?.entries ?? [])
      .filter((e) => e.name.startsWith(typed) && !e.name.startsWith("__tensorbook"))
      .sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
    return {
      matches: entries.map((e) => e.name),
      cursorStart: wordStart,
      cursorEnd: cursorPos,
      metadata: {
        _jupyter_types_experimental: entries.map((e) => ({ start: wordStart, end: cursorPos, text: e.name, type: e.kind })),
      },
    };
  }

  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): InspectResult {
    this.setCell(code);
    // Shift-Tab is pressed after a name or after its "(": look there, then one and two characters back.
    let info: ts.QuickInfo | undefined;
    for (const back of [0, 1, 2]) {
      if (cursorPos - back < 0) break;
      info = this.service.getQuickInfoAtPosition(this.cellFile, this.prefixLength + cursorPos - back);
      if (info !== undefined) break;
    }
    if (info === undefined) return { found: false, data: {}, metadata: {} };
    const signature = ts.displayPartsToString(info.displayParts);
    const documentation = ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name}${t.text ? " " + ts.displayPartsToString(t.text) : ""}`);
    const doc = [documentation, ...(detailLevel === 1 ? tags : tags.filter((t) => t.startsWith("@param") || t.startsWith("@returns")))]
      .filter((s) => s !== "").join("\n");
    return {
      found: true,
      data: {
        "text/plain": doc === "" ? signature : `${signature}\n\n${doc}`,
        "text/markdown": "```typescript\n" + signature + "\n```" + (doc === "" ? "" : "\n\n" + doc),
      },
      metadata: {},
    };
  }

  isComplete(code: string): IsCompleteResult {
    return isComplete(code);
  }
}

/**
 * @types/node wherever npm put it (next to tensorbook, or hoisted above it in a user's project). Without
 * it, cells still get console, timers, process and require from a small fallback (globals.ts).
 */
function nodeTypes(): ts.CompilerOptions {
  try {
    const manifest = createRequire(path.join(packageRoot(), "package.json")).resolve("@types/node/package.json");
    return { types: ["node"], typeRoots: [path.dirname(path.dirname(manifest))] };
  } catch {
    return { types: [] };
  }
}

// The language service asks for every file's snapshot on every new program (one a cell): read from disk
// each time, lib and @types/node alone cost a third of a trivial cell's check. Packages do not change
// during a session; other files (a helper.ts next to the notebook) are read again when their mtime does.
const snapshots = new Map<string, { version: string; snapshot: ts.IScriptSnapshot }>();

function diskVersion(name: string): string {
  if (name.includes("/node_modules/") || name.startsWith(path.dirname(ts.getDefaultLibFilePath({})))) return "0";
  try {
    return String(fs.statSync(name).mtimeMs);
  } catch {
    return "missing";
  }
}

function diskSnapshot(name: string): ts.IScriptSnapshot | undefined {
  const version = diskVersion(name);
  const cached = snapshots.get(name);
  if (cached !== undefined && cached.version === version) return cached.snapshot;
  const text = ts.sys.readFile(name);
  if (text === undefined) return undefined;
  const snapshot = ts.ScriptSnapshot.fromString(text);
  snapshots.set(name, { version, snapshot });
  return snapshot;
}

/** The names a cell declares at top level (parsed only), so the prefix leaves them out. */
function topLevelNames(code: string): string[] {
  const sourceFile = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isImportDeclaration(statement)) names.push(...importEntries(statement, sourceFile).map(([name]) => name));
    else if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) names.push(...boundNames(d.name));
    else if (isNamedDeclaration(statement)) names.push(statement.name.text);
    else if (ts.isImportEqualsDeclaration(statement)) names.push(statement.name.text);
  }
  return names;
}

type NamedDeclaration = (ts.FunctionDeclaration | ts.ClassDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration |
  ts.EnumDeclaration | ts.ModuleDeclaration) & { name: ts.Identifier };

function isNamedDeclaration(statement: ts.Statement): statement is NamedDeclaration {
  return (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) &&
    statement.name !== undefined && ts.isIdentifier(statement.name);
}

function withoutExport(text: string): string {
  return text.replace(/^export\s+(default\s+)?/, "").replace(/^declare\s+/, "");
}

/** One import statement per local name: `import { a, b as c } from "m"` → a, c each on its own. */
function importEntries(statement: ts.ImportDeclaration, sourceFile: ts.SourceFile): [string, string][] {
  const clause = statement.importClause;
  if (clause === undefined) return [];
  const from = statement.moduleSpecifier.getText(sourceFile);
  const type = clause.isTypeOnly ? "type " : "";
  const entries: [string, string][] = [];
  if (clause.name !== undefined) entries.push([clause.name.text, `import ${type}${clause.name.text} from ${from};`]);
  const bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
    entries.push([bindings.name.text, `import ${type}* as ${bindings.name.text} from ${from};`]);
  } else if (bindings !== undefined) {
    for (const element of bindings.elements) {
      entries.push([element.name.text, `import ${type}{ ${element.getText(sourceFile)} } from ${from};`]);
    }
  }
  return entries;
}

function identifierStart(code: string, cursorPos: number): number {
  let start = cursorPos;
  while (start > 0 && /[\p{L}\p{N}_$]/u.test(code[start - 1] ?? "")) start--;
  return start;
}

/** tsc's own format, at the cell's line:col: "Cell In[3]:2:7 - error TS2322: …", the line, a ~~~ mark. */
function diagnosticsError(diagnostics: ts.Diagnostic[], code: string, fileName: string): CellError {
  const lines = code.split("\n");
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code[i] === "\n") lineStarts.push(i + 1);
  const traceback: string[] = [];
  const summaries: string[] = [];
  for (const d of diagnostics) {
    const start = d.start ?? 0;
    let line = lineStarts.length - 1;
    while (line > 0 && (lineStarts[line] ?? 0) > start) line--;
    const column = start - (lineStarts[line] ?? 0);
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const where = `${fileName}:${line + 1}:${column + 1}`;
    summaries.push(`${where} TS${d.code}: ${message.split("\n")[0]}`);
    const source = lines[line] ?? "";
    const length = Math.max(1, Math.min(d.length ?? 1, source.length - column));
    traceback.push(`\u001b[0;36m${where}\u001b[0m - \u001b[0;31merror\u001b[0m \u001b[0;90mTS${d.code}:\u001b[0m ${message}\n\n` +
      `${String(line + 1).padStart(4)} ${source}\n${" ".repeat(5 + column)}\u001b[0;31m${"~".repeat(length)}\u001b[0m`);
  }
  const count = diagnostics.length === 1 ? "1 error" : `${diagnostics.length} errors`;
  return { ename: "TSError", evalue: `${count}: ${summaries.join("; ")}`, traceback };
}
