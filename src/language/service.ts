// Placeholder replaced below in the same commit series.
import type { CompleteResult, InspectResult, IsCompleteResult } from "../runtime/engine";
import type { CompileResult } from "./protocol";
import { compileCell } from "./transform";
import { isComplete } from "./complete";

export class CellLanguageService {
  constructor(readonly cwd: string) {}
  warmUp(): void {}
  compile(code: string, fileName: string): CompileResult {
    const compiled = compileCell(code, fileName);
    return { ok: true, js: compiled.js, sourceMap: compiled.sourceMap };
  }
  complete(_code: string, cursorPos: number): CompleteResult {
    return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, metadata: {} };
  }
  inspect(): InspectResult {
    return { found: false, data: {}, metadata: {} };
  }
  isComplete(code: string): IsCompleteResult {
    return isComplete(code);
  }
}
