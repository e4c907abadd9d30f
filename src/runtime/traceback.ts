// A runtime error → ename, evalue and a traceback in the cell's own coordinates (issue 3, "Errors"):
//
//   TypeError                                 Traceback (most recent call last)
//   Cell In[3], line 2, in f
//         1 function f() {
//   ----> 2   return null.x;
//   TypeError: Cannot read properties of null (reading 'x')
//
// V8's frames name the generated JavaScript ("Cell In[3]:5:12"); the cell's source map (source map v3,
// "mappings" as base64 VLQ) brings them back to the TypeScript the user wrote. Frames inside tensorbook's
// runtime and Node's internals are dropped: they are noise to a student.
import * as path from "node:path";
import type { CellError } from "./engine";

/** [generatedColumn, sourceLine, sourceColumn] per generated line, both 0-based. */
type Segment = [number, number, number];

export interface CellSource {
  source: string;
  /** Per generated line, its segments in column order. */
  lines: Segment[][];
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes the "mappings" of a source map v3 (one source: cells map to themselves). */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let column = 0;
    for (const segmentText of lineText.split(",")) {
      if (segmentText === "") continue;
      const fields = decodeVlq(segmentText);
      column += fields[0] ?? 0;
      if (fields.length >= 4) {
        sourceLine += fields[2] ?? 0;
        sourceColumn += fields[3] ?? 0;
        segments.push([column, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`source map: bad base64 VLQ character '${char}' in '${text}'`);
    value += (digit & 31) << shift;
    if ((digit & 32) !== 0) {
      shift += 5;
      continue;
    }
    values.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

/** A compiled cell (or user expression) as formatError reads it: its source and its decoded source map. */
export function cellSource(source: string, sourceMap: string): CellSource {
  return { source, lines: decodeMappings((JSON.parse(sourceMap) as { mappings: string }).mappings) };
}

/** 1-based generated line/column → 1-based cell line, or undefined when unmapped. */
export function originalLine(cell: CellSource, line: number, column: number): number | undefined {
  for (let l = line - 1; l >= 0; l--) {
    const segments = cell.lines[l] ?? [];
    if (segments.length === 0) continue;
    let best = segments[0];
    if (l === line - 1) for (const s of segments) if (s[0] <= column - 1) best = s;
    return best === undefined ? undefined : best[1] + 1;
  }
  return undefined;
}

const RED = "\u001b[0;31m";
const GREEN = "\u001b[0;32m";
const RESET = "\u001b[0m";
const FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;
/** The runtime's own files: their frames (the cell wrapper, import resolution) mean nothing to a user. */
const INTERNAL = __dirname + path.sep;

/** The traceback lines of `error`, with cells found by file name in `cells`. */
export function formatError(error: unknown, cells: Map<string, CellSource>): CellError {
  if (!(error instanceof Error)) {
    const evalue = typeof error === "string" ? error : JSON.stringify(error) ?? String(error);
    return { ename: "Uncaught", evalue, traceback: [`${RED}Uncaught${RESET} ${evalue}`] };
  }
  const ename = error.name || error.constructor?.name || "Error";
  const evalue = error.message;
  const traceback = [`${RED}${"-".repeat(75)}${RESET}`, `${RED}${ename.padEnd(41)}${RESET} Traceback (most recent call last)`];
  // Recursion repeats a frame: shown once, then counted (as IPython does: "skipping similar frames").
  let previous = "";
  let repeats = 0;
  const flushRepeats = (): void => {
    if (repeats > 0) traceback.push(`    [... skipping similar frames: ${previous} (${repeats} times)]`);
    repeats = 0;
  };
  // V8 lists innermost first; Python (and Jupyter users) read outermost first.
  for (const frame of (error.stack ?? "").split("\n").filter((l) => FRAME.test(l)).reverse()) {
    const [, fn, rawFile = "", lineText = "0", columnText = "0"] = FRAME.exec(frame) ?? [];
    const file = rawFile.replace(/^async /, "");
    const cell = cells.get(file);
    if (cell !== undefined) {
      const line = originalLine(cell, Number(lineText), Number(columnText));
      if (line === undefined) continue;
      const key = `${fn ?? "<cell>"} at ${file}, line ${line}`;
      if (key === previous) {
        repeats++;
        continue;
      }
      flushRepeats();
      previous = key;
      traceback.push(cellFrame(file, line, fn, cell.source));
      continue;
    }
    flushRepeats();
    previous = "";
    if (file.startsWith("node:") || file.startsWith(INTERNAL) || file === "evalmachine.<anonymous>") continue;
    traceback.push(`File ${GREEN}${file}:${lineText}${RESET}${fn !== undefined ? `, in ${fn}` : ""}`);
  }
  flushRepeats();
  traceback.push(`${RED}${ename}${RESET}: ${evalue}`);
  return { ename, evalue, traceback };
}

/** "Cell In[3], line 2, in f" with two lines of context and an arrow on the line itself. */
function cellFrame(file: string, line: number, fn: string | undefined, source: string): string {
  const lines = source.split("\n");
  const where = fn === undefined || fn.startsWith("async ") && fn.length <= 6 || fn === "Object.<anonymous>" ? "" : `, in ${fn.replace(/^async /, "")}`;
  const out = [`${GREEN}${file}, line ${line}${RESET}${where}`];
  const width = String(Math.min(lines.length, line + 2)).length + 4;
  for (let l = Math.max(1, line - 2); l <= Math.min(lines.length, line + 2); l++) {
    const prefix = l === line ? `${GREEN}${"---->".padEnd(width - String(l).length)}${l}${RESET}` : `${String(l).padStart(width)}`;
    out.push(`${prefix} ${lines[l - 1]}`);
  }
  return out.join("\n");
}
