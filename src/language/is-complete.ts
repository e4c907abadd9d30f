// is_complete_request (messaging spec, "Code completeness"): decided by TypeScript's scanner and parser,
// not by counting characters, so braces inside strings, comments and templates do not fool it.
//   - an open brace/bracket/paren, an unterminated template or block comment → "incomplete", with the
//     indent of the next line (two spaces per open level);
//   - a syntax error that is only "more was expected at the end" → "incomplete";
//   - any other syntax error → "invalid"; otherwise "complete".
import ts from "typescript";
import type { IsCompleteResult } from "../runtime/engine";

export function isComplete(code: string): IsCompleteResult {
  if (code.trim() === "") return { status: "complete" };
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  let depth = 0;
  let unterminated = false;
  // Only "unterminated …" errors mean more input may come; others (`1x`) are plain syntax errors.
  const UNTERMINATED = new Set([1002 /* string */, 1010 /* missing end of comment */, 1160 /* template */, 1161 /* regexp */]);
  scanner.setOnError((message) => {
    if (UNTERMINATED.has(message.code)) unterminated = true;
  });
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.OpenBraceToken || token === ts.SyntaxKind.OpenParenToken || token === ts.SyntaxKind.OpenBracketToken) depth++;
    else if (token === ts.SyntaxKind.CloseBraceToken) {
      // `}` may close a template's `${`: the scanner needs to be told to re-scan the template tail.
      if (depth > 0) depth--;
    } else if (token === ts.SyntaxKind.CloseParenToken || token === ts.SyntaxKind.CloseBracketToken) depth = Math.max(0, depth - 1);
    else if (token === ts.SyntaxKind.TemplateHead) depth++;
  }
  const lastLine = code.slice(code.lastIndexOf("\n") + 1);
  const currentIndent = /^\s*/.exec(lastLine)?.[0] ?? "";
  if (depth > 0) return { status: "incomplete", indent: currentIndent + (/[{([]\s*$/.test(code) ? "  " : "") };
  const diagnostics = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
  if (unterminated && diagnostics.length > 0) return { status: "incomplete", indent: "" };
  if (diagnostics.length === 0) return { status: "complete" };
  const end = code.trimEnd().length;
  const atEnd = diagnostics.every((d) => d.start !== undefined && d.start >= end);
  return atEnd ? { status: "incomplete", indent: currentIndent } : { status: "invalid" };
}
