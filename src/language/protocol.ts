// Requests to the language worker (language/worker.ts) and its answers.
import type { CellError } from "../runtime/engine";

export type LanguageRequest = { id: number } & (
  | { method: "compile"; code: string; fileName: string; userExpressions: { [name: string]: string } }
  | { method: "complete"; code: string; cursorPos: number }
  | { method: "inspect"; code: string; cursorPos: number; detailLevel: 0 | 1 }
  | { method: "isComplete"; code: string }
);

export interface LanguageResponse {
  id: number;
  result?: unknown;
  error?: string;
}

/** A user_expression compiled like a cell (TypeScript syntax allowed, not type-checked). */
export interface CompiledExpression {
  js: string;
  sourceMap: string;
  source: string;
}

export type CompileResult =
  /** warning: shown on the cell's stderr before it runs (e.g. it could not be type-checked). */
  | { ok: true; js: string; sourceMap: string; warning?: string; userExpressions: { [name: string]: CompiledExpression } }
  | { ok: false; error: CellError };
