// Reading a notebook: parse, check that it is nbformat 4 with the fields we rely on, and say exactly what is
// wrong and where when it is not. Reading never writes: a notebook we refuse is left as it was.
import * as fs from "node:fs";
import type { Cell, JSONObject, Notebook, Output } from "./nbformat";

/** What tensorbook reads: nbformat 4.0 up to 4.5 (the newest minor version Jupyter writes). */
export const NBFORMAT = 4;
export const NBFORMAT_MINOR_MAX = 5;

/** A notebook that cannot be read; `message` names the file and the place in it. */
export class NotebookFormatError extends Error {
  override name = "NotebookFormatError";
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a notebook" : (err as Error).message;
    throw new NotebookFormatError(`${file}: cannot read the notebook: ${why}`);
  }
  return parseNotebook(text, file);
}

/** Parses notebook JSON; `where` (usually the file name) starts every error message. */
export function parseNotebook(text: string, where: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${where}: not valid JSON${jsonPosition(text, (err as Error).message)}: ${(err as Error).message}`);
  }
  if (!isObject(raw)) throw new NotebookFormatError(`${where}: a notebook is a JSON object, this file holds ${describe(raw)}`);
  checkNesting(raw, where);

  const major = raw.nbformat;
  if (major === undefined) throw new NotebookFormatError(`${where}: no "nbformat" field: is this a Jupyter notebook?`);
  if (major !== NBFORMAT) {
    // nbformat 3 and older are still found in old tutorials; Jupyter itself converts them.
    const hint = typeof major === "number" && major < NBFORMAT
      ? ` (convert it with \`jupyter nbconvert --to notebook --nbformat 4 ${where}\`)`
      : "";
    throw new NotebookFormatError(`${where}: nbformat ${JSON.stringify(major)} is not supported; tensorbook reads nbformat 4${hint}`);
  }
  const minor = raw.nbformat_minor;
  if (typeof minor !== "number" || !Number.isInteger(minor) || minor < 0) {
    throw new NotebookFormatError(`${where}: "nbformat_minor" must be a whole number, found ${describe(minor)}`);
  }
  if (minor > NBFORMAT_MINOR_MAX) {
    throw new NotebookFormatError(`${where}: nbformat 4.${minor} is newer than tensorbook reads (4.0 to 4.${NBFORMAT_MINOR_MAX})`);
  }
  if (raw.metadata === undefined) raw.metadata = {};
  if (!isObject(raw.metadata)) throw new NotebookFormatError(`${where}: "metadata" must be an object, found ${describe(raw.metadata)}`);
  if (!Array.isArray(raw.cells)) throw new NotebookFormatError(`${where}: "cells" must be a list, found ${describe(raw.cells)}`);

  raw.cells.forEach((cell: unknown, index: number) => checkCell(cell, `${where}: cell ${index + 1}`));
  return raw as unknown as Notebook;
}

function checkCell(cell: unknown, where: string): asserts cell is Cell {
  if (!isObject(cell)) throw new NotebookFormatError(`${where}: a cell is an object, found ${describe(cell)}`);
  const type = cell.cell_type;
  if (type !== "code" && type !== "markdown" && type !== "raw") {
    throw new NotebookFormatError(`${where}: unknown cell_type ${describe(type)} (expected "code", "markdown" or "raw")`);
  }
  if (!isMultiline(cell.source)) throw new NotebookFormatError(`${where}: "source" must be a string or a list of strings, found ${describe(cell.source)}`);
  if (cell.metadata === undefined) cell.metadata = {};
  if (!isObject(cell.metadata)) throw new NotebookFormatError(`${where}: "metadata" must be an object, found ${describe(cell.metadata)}`);
  if (type !== "code") return;
  if (cell.outputs === undefined) cell.outputs = [];
  if (!Array.isArray(cell.outputs)) throw new NotebookFormatError(`${where}: "outputs" must be a list, found ${describe(cell.outputs)}`);
  if (cell.execution_count === undefined) cell.execution_count = null;
  cell.outputs.forEach((output: unknown, i: number) => checkOutput(output, `${where}, output ${i + 1}`));
}

function checkOutput(output: unknown, where: string): asserts output is Output {
  if (!isObject(output)) throw new NotebookFormatError(`${where}: an output is an object, found ${describe(output)}`);
  switch (output.output_type) {
    case "stream":
      if (output.name !== "stdout" && output.name !== "stderr") throw new NotebookFormatError(`${where}: stream name ${describe(output.name)} (expected "stdout" or "stderr")`);
      if (!isMultiline(output.text)) throw new NotebookFormatError(`${where}: stream "text" must be a string or a list of strings`);
      return;
    case "display_data":
    case "execute_result":
      if (!isObject(output.data)) throw new NotebookFormatError(`${where}: "data" must be a MIME bundle object, found ${describe(output.data)}`);
      if (output.metadata === undefined) output.metadata = {};
      return;
    case "error":
      if (typeof output.ename !== "string" || typeof output.evalue !== "string" || !Array.isArray(output.traceback)) {
        throw new NotebookFormatError(`${where}: an error output needs "ename", "evalue" (strings) and "traceback" (a list)`);
      }
      return;
    default:
      throw new NotebookFormatError(`${where}: unknown output_type ${describe(output.output_type)}`);
  }
}

/**
 * How deep a notebook's JSON may nest. Jupyter cannot open deeper ones: nbformat 5.5 (Python's recursive
 * json and validator) fails with a RecursionError near 500 levels (496 in metadata, measured), and the
 * writer here recurses too, so a notebook nested 20,000 deep once ran every cell and then failed to save
 * with only "Maximum call stack size exceeded" (issue 13 item 13). Refused on read instead, with the path.
 */
export const MAX_NESTING = 500;

interface PathStep {
  key: string;
  parent: PathStep | undefined;
}

/** Fails if a value lies more than MAX_NESTING containers below the root; iterative, so any depth is safe. */
function checkNesting(root: JSONObject, where: string): void {
  const stack: { value: object; depth: number; at: PathStep | undefined }[] = [{ value: root, depth: 0, at: undefined }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth, at } = item;
    if (depth > MAX_NESTING) {
      throw new NotebookFormatError(`${where}: ${pathText(at)} is nested more than ${MAX_NESTING} levels deep; ` +
        `Jupyter's own nbformat cannot read a notebook nested this deep either (it stops near 500 levels)`);
    }
    // only containers go on the stack: the strings of a large notebook's outputs cost nothing here
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value as JSONObject).map(([k, v]) => [`.${k}`, v]);
    for (const [key, v] of entries) {
      if (typeof v === "object" && v !== null) stack.push({ value: v, depth: depth + 1, at: { key, parent: at } });
    }
  }
}

/** "metadata.a.a.a … (494 more) … .a.b" for a path of steps; short paths in full. */
function pathText(at: PathStep | undefined): string {
  const keys: string[] = [];
  for (let s = at; s !== undefined; s = s.parent) keys.push(s.key);
  keys.reverse();
  const shown = keys.length <= 12 ? keys.join("") : `${keys.slice(0, 8).join("")} … (${keys.length - 10} more) … ${keys.slice(-2).join("")}`;
  return shown.startsWith(".") ? shown.slice(1) : shown;
}

function isObject(value: unknown): value is JSONObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isMultiline(value: unknown): boolean {
  return typeof value === "string" || (Array.isArray(value) && value.every((line) => typeof line === "string"));
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? shown.slice(0, 40) + "…" : shown}`;
}

/**
 * " at line L, column C" of a JSON syntax error. Node 20's V8 often gives no offset ("Unexpected token '}',
 * ...is not valid JSON"), so the fault is found by bisection: a prefix that ends before the fault fails only
 * for ending early; the shortest prefix that fails inside itself ends at the fault.
 */
function jsonPosition(text: string, message: string): string {
  const failsInside = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (err) {
      const m = (err as Error).message;
      if (/end of JSON input|Unterminated string/.test(m)) return false;
      const at = /position (\d+)/.exec(m);
      return at === null || Number(at[1]) < length;
    }
  };
  let offset: number;
  if (/end of JSON input|Unterminated string/.test(message)) {
    offset = text.length;
  } else {
    let lo = 1;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (failsInside(mid)) hi = mid;
      else lo = mid + 1;
    }
    offset = lo - 1;
  }
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}
