// A cell's TypeScript → the JavaScript the runtime runs, with a source map back to the cell's lines.
//
// The whole cell becomes one expression, `(async function (__tb) { … })`, so that top-level await and
// `for await` work, and so that `vm.runInThisContext` returns a function the runtime can call. Inside it:
//
//   - top-level declarations become properties of globalThis, so the next cell sees them and re-running a
//     cell never meets "Identifier 'x' has already been declared" (issue 3: let→const, function→const,
//     class redefinition). `const x = 1` → `globalThis.x = 1`; functions are hoisted to the top of the
//     body as `globalThis.f = function f() {…}`; enums and namespaces keep their local binding and are
//     copied out right after it; destructuring runs in a block and copies each bound name out.
//   - imports become `await __tb.import("spec")` (the runtime resolves them from the notebook's folder);
//     `import("spec")` expressions too, since vm scripts have no module loader of their own.
//   - every loop body starts with a check of the shared interrupt flag, so `while (true) {}` stops
//     (issue 3, "Errors and interrupts").
//   - the last expression statement is returned, boxed (`{ value }`) so a returned Promise is shown as a
//     Promise instead of being awaited by the async wrapper.
import ts from "typescript";

/** The name of the wrapper's parameter: the runtime's services (import, interrupt flag). */
const RUNTIME_PARAM = "__tb";
const FLAG = "__tb_flag";

export interface CompiledCell {
  /** `(async function (__tb) {…})`: evaluates to the cell's function. */
  js: string;
  /** Source map v3 (JSON) from `js` to the cell's own text. */
  sourceMap: string;
  /** Names the cell declares at top level (values and types). */
  declaredNames: string[];
}

const compilerOptionsForCells: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  sourceMap: true,
  inlineSources: false,
  // Cells are sloppy scripts like the REPL: `this` at top level is globalThis.
  alwaysStrict: false,
  useDefineForClassFields: true,
  experimentalDecorators: false,
  removeComments: false,
};

/** Compiles one cell (or a user expression) for the runtime; `fileName` names it in stack traces. */
export function compileCell(code: string, fileName: string): CompiledCell {
  const declaredNames: string[] = [];
  const output = ts.transpileModule(code, {
    fileName: fileName + ".ts",
    compilerOptions: compilerOptionsForCells,
    reportDiagnostics: false,
    transformers: { before: [cellTransformer(declaredNames)] },
  });
  // TS ends a module with `export {};` and a sourceMappingURL comment: neither belongs in a vm script.
  const js = output.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n").replace(/\nexport \{\};\s*$/, "\n");
  return { js, sourceMap: output.sourceMapText ?? "", declaredNames };
}

/** Whether a cell opts out of type checking (`// @ts-nocheck` as its first line, as in a .ts file). */
export function isNoCheck(code: string): boolean {
  return /^\s*\/\/\s*@ts-nocheck\b/.test(code);
}

function cellTransformer(declaredNames: string[]): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (sourceFile) => {
    const f = context.factory;
    const setGlobal = (name: string, value: ts.Expression, original: ts.Node): ts.Statement =>
      ts.setTextRange(f.createExpressionStatement(f.createAssignment(
        f.createPropertyAccessExpression(f.createIdentifier("globalThis"), name), value)), original);
    const globalOf = (name: string): ts.Statement =>
      f.createExpressionStatement(f.createAssignment(
        f.createPropertyAccessExpression(f.createIdentifier("globalThis"), name), f.createIdentifier(name)));
    const runtime = (method: string, args: ts.Expression[]): ts.Expression =>
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RUNTIME_PARAM), method), undefined, args);
    const importCall = (spec: ts.Expression): ts.Expression => f.createAwaitExpression(runtime("import", [spec]));

    // Loops and dynamic import(), anywhere in the cell (inside functions too).
    const interruptCheck = (): ts.Statement => f.createIfStatement(
      f.createElementAccessExpression(f.createIdentifier(FLAG), 0),
      f.createExpressionStatement(runtime("interrupted", [])));
    const guardBody = (body: ts.Statement): ts.Block => {
      const visited = ts.visitNode(body, deep, ts.isStatement) ?? f.createEmptyStatement();
      const inner = ts.isBlock(visited) ? [...visited.statements] : [visited];
      return ts.setTextRange(f.createBlock([interruptCheck(), ...inner], true), body);
    };
    const deep = (node: ts.Node): ts.Node => {
      if (ts.isWhileStatement(node)) return f.updateWhileStatement(node, visitExpr(node.expression), guardBody(node.statement));
      if (ts.isDoStatement(node)) return f.updateDoStatement(node, guardBody(node.statement), visitExpr(node.expression));
      if (ts.isForStatement(node)) {
        return f.updateForStatement(node, ts.visitNode(node.initializer, deep, ts.isForInitializer),
          node.condition && visitExpr(node.condition), node.incrementor && visitExpr(node.incrementor), guardBody(node.statement));
      }
      if (ts.isForOfStatement(node)) {
        return f.updateForOfStatement(node, node.awaitModifier, ts.visitNode(node.initializer, deep, ts.isForInitializer) ?? node.initializer,
          visitExpr(node.expression), guardBody(node.statement));
      }
      if (ts.isForInStatement(node)) {
        return f.updateForInStatement(node, ts.visitNode(node.initializer, deep, ts.isForInitializer) ?? node.initializer,
          visitExpr(node.expression), guardBody(node.statement));
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const spec = node.arguments[0];
        return runtime("import", spec === undefined ? [] : [visitExpr(spec)]);
      }
      return ts.visitEachChild(node, deep, context);
    };
    const visitExpr = (e: ts.Expression): ts.Expression => ts.visitNode(e, deep, ts.isExpression) ?? e;

    const hoisted: ts.Statement[] = [];
    const body: ts.Statement[] = [];
    const declare = (name: string): void => {
      if (!declaredNames.includes(name)) declaredNames.push(name);
    };

    const statements = sourceFile.statements;
    const lastExpression = [...statements].reverse().find((s) => !ts.isEmptyStatement(s) && !isTypeOnly(s));
    for (const statement of statements) {
      if (isTypeOnly(statement)) {
        const name = (statement as ts.InterfaceDeclaration | ts.TypeAliasDeclaration).name;
        if (name !== undefined && ts.isIdentifier(name)) declare(name.text);
        continue;
      }
      if (hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) continue;
      if (ts.isImportDeclaration(statement)) {
        body.push(...rewriteImport(statement));
        continue;
      }
      if (ts.isImportEqualsDeclaration(statement)) {
        // `import fs = require("fs")`
        const ref = statement.moduleReference;
        if (ts.isExternalModuleReference(ref)) {
          declare(statement.name.text);
          body.push(setGlobal(statement.name.text, importCall(ref.expression), statement));
        } else {
          body.push(statement);
        }
        continue;
      }
      if (ts.isExportAssignment(statement) || ts.isExportDeclaration(statement)) continue;
      if (ts.isFunctionDeclaration(statement)) {
        if (statement.name === undefined || statement.body === undefined) continue; // overload signature
        declare(statement.name.text);
        const visited = ts.visitEachChild(statement, deep, context);
        const fn = f.createFunctionExpression(visited.modifiers?.filter(isAsyncModifier), visited.asteriskToken, visited.name,
          visited.typeParameters, visited.parameters, visited.type, visited.body ?? f.createBlock([]));
        hoisted.push(setGlobal(statement.name.text, ts.setTextRange(fn, statement), statement));
        continue;
      }
      if (ts.isClassDeclaration(statement) && statement.name !== undefined) {
        declare(statement.name.text);
        const visited = ts.visitEachChild(statement, deep, context);
        const cls = f.createClassExpression(visited.modifiers?.filter(ts.isDecorator), visited.name, visited.typeParameters,
          visited.heritageClauses, visited.members);
        body.push(setGlobal(statement.name.text, ts.setTextRange(cls, statement), statement));
        continue;
      }
      if ((ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) && ts.isIdentifier(statement.name)) {
        declare(statement.name.text);
        const withoutExport = stripExport(f, statement);
        body.push(ts.visitEachChild(withoutExport, deep, context), globalOf(statement.name.text));
        continue;
      }
      if (ts.isVariableStatement(statement)) {
        body.push(...rewriteVariables(statement));
        continue;
      }
      const visited = ts.visitNode(statement, deep, ts.isStatement) ?? statement;
      if (statement === lastExpression && ts.isExpressionStatement(visited)) {
        // Boxed: a Promise value is shown as a Promise, not awaited by the wrapper.
        body.push(ts.setTextRange(f.createReturnStatement(f.createObjectLiteralExpression([
          f.createPropertyAssignment("value", visited.expression)])), statement));
      } else {
        body.push(visited);
      }
    }

    function rewriteImport(statement: ts.ImportDeclaration): ts.Statement[] {
      const clause = statement.importClause;
      const spec = statement.moduleSpecifier;
      if (clause === undefined) return [ts.setTextRange(f.createExpressionStatement(importCall(spec)), statement)];
      if (clause.isTypeOnly) {
        collectImportNames(clause).forEach(declare);
        return [];
      }
      const temp = f.createUniqueName("__module");
      const out: ts.Statement[] = [f.createVariableStatement(undefined, f.createVariableDeclarationList(
        [f.createVariableDeclaration(temp, undefined, undefined, importCall(spec))], ts.NodeFlags.Const))];
      if (clause.name !== undefined) {
        declare(clause.name.text);
        out.push(setGlobal(clause.name.text, runtime("defaultOf", [temp]), clause.name));
      }
      const bindings = clause.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
        declare(bindings.name.text);
        out.push(setGlobal(bindings.name.text, temp, bindings));
      } else if (bindings !== undefined) {
        for (const element of bindings.elements) {
          declare(element.name.text);
          if (element.isTypeOnly) continue;
          const imported = (element.propertyName ?? element.name).text;
          out.push(setGlobal(element.name.text, f.createElementAccessExpression(temp, f.createStringLiteral(imported)), element));
        }
      }
      return [f.createBlock(out, true)];
    }

    function rewriteVariables(statement: ts.VariableStatement): ts.Statement[] {
      const out: ts.Statement[] = [];
      if ((statement.declarationList.flags & ts.NodeFlags.BlockScoped) === 0) {
        // `var` is hoisted: reading it before its line gives undefined, not a ReferenceError.
        for (const name of statement.declarationList.declarations.flatMap((d) => boundNames(d.name))) {
          hoisted.push(f.createExpressionStatement(f.createBinaryExpression(
            f.createBinaryExpression(f.createStringLiteral(name), ts.SyntaxKind.InKeyword, f.createIdentifier("globalThis")),
            ts.SyntaxKind.BarBarToken,
            f.createParenthesizedExpression(f.createAssignment(
              f.createPropertyAccessExpression(f.createIdentifier("globalThis"), name), f.createVoidZero())))));
        }
      }
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer === undefined ? f.createVoidZero() : visitExpr(declaration.initializer);
        if (ts.isIdentifier(declaration.name)) {
          declare(declaration.name.text);
          out.push(setGlobal(declaration.name.text, init, declaration));
          continue;
        }
        // Destructuring: bind in a block, then copy each name out.
        const names = boundNames(declaration.name);
        names.forEach(declare);
        const local = f.createVariableStatement(undefined, f.createVariableDeclarationList(
          [f.createVariableDeclaration(declaration.name, undefined, undefined, init)], ts.NodeFlags.Const));
        out.push(ts.setTextRange(f.createBlock([ts.setTextRange(local, declaration), ...names.map(globalOf)], true), declaration));
      }
      return out;
    }

    const flag = f.createVariableStatement(undefined, f.createVariableDeclarationList(
      [f.createVariableDeclaration(FLAG, undefined, undefined, f.createPropertyAccessExpression(f.createIdentifier(RUNTIME_PARAM), "flag"))],
      ts.NodeFlags.Const));
    const wrapper = f.createParenthesizedExpression(f.createFunctionExpression(
      [f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined, undefined, undefined,
      [f.createParameterDeclaration(undefined, undefined, RUNTIME_PARAM)], undefined,
      f.createBlock([flag, ...hoisted, ...body], true)));
    return f.updateSourceFile(sourceFile, [f.createExpressionStatement(wrapper)]);
  };
}

function isTypeOnly(statement: ts.Statement): boolean {
  return ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function isAsyncModifier(m: ts.ModifierLike): m is ts.Modifier {
  return m.kind === ts.SyntaxKind.AsyncKeyword;
}

function stripExport<T extends ts.EnumDeclaration | ts.ModuleDeclaration>(f: ts.NodeFactory, node: T): T {
  const modifiers = ts.getModifiers(node)?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
  if (ts.isEnumDeclaration(node)) return f.updateEnumDeclaration(node, modifiers, node.name, node.members) as T;
  const mod = node as ts.ModuleDeclaration;
  return f.updateModuleDeclaration(mod, modifiers, mod.name, mod.body) as T;
}

/** The identifiers a binding pattern binds: `{ a, b: [c, ...d] }` → a, c, d. */
export function bindingIdentifiers(name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingIdentifiers(e.name)));
}

/** Their names. */
export function boundNames(name: ts.BindingName): string[] {
  return bindingIdentifiers(name).map((identifier) => identifier.text);
}

function collectImportNames(clause: ts.ImportClause): string[] {
  const names = clause.name === undefined ? [] : [clause.name.text];
  const bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
  else if (bindings !== undefined) names.push(...bindings.elements.map((e) => e.name.text));
  return names;
}
