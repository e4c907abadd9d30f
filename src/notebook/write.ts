// Writing a notebook the way Jupyter does (nbformat/v4/nbjson.py: indent 1, sorted keys, text split into
// lines, a final newline), so a notebook saved by tensorbook and re-saved by JupyterLab gives no diff.
// The write is atomic: a temp file in the same folder, flushed, then renamed over the target. A crash or a
// Ctrl-C mid-write leaves either the old file or the new one, never half of one (the issue's rule for --inplace).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { splitLines, type Notebook, type JSONObject } from "./nbformat";

/** Mimetypes nbformat splits into lines besides text/* (rwbase.py `_non_text_split_mimes`). */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

export function serializeNotebook(nb: Notebook): string {
  return toJSON(splitForDisk(nb), "") + "\n";
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, serializeNotebook(nb));
}

/** Writes `text` to `file` through a temp file in the same folder (rename is atomic only within one filesystem). */
export function writeFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot write ${file}: cannot make its folder: ${(err as Error).message}`);
  }
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`);
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    // a new file: default mode
  }
  try {
    const fd = fs.openSync(temp, "wx", mode);
    try {
      fs.writeFileSync(fd, text, "utf8");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new Error(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** A copy of the notebook with source, stream text and text mimetypes as lists of lines (nbformat split_lines). */
function splitForDisk(nb: Notebook): Notebook {
  const copy = structuredClone(nb);
  for (const cell of copy.cells) {
    if (typeof cell.source === "string") cell.source = splitLines(cell.source);
    if (cell.cell_type !== "code") {
      for (const bundle of Object.values(cell.attachments ?? {})) splitBundle(bundle as JSONObject);
      continue;
    }
    for (const output of cell.outputs) {
      if (output.output_type === "stream" && typeof output.text === "string") output.text = splitLines(output.text);
      if (output.output_type === "display_data" || output.output_type === "execute_result") splitBundle(output.data);
    }
  }
  return copy;
}

function splitBundle(bundle: JSONObject): void {
  for (const [mime, value] of Object.entries(bundle)) {
    if (typeof value === "string" && (mime.startsWith("text/") || SPLIT_MIMES.has(mime))) bundle[mime] = splitLines(value);
  }
}

/**
 * Python's json.dumps(indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False). JSON.stringify
 * cannot sort keys (it puts integer-like keys first), so the layout is written here.
 */
function toJSON(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  const inner = indent + " ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + toJSON(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as JSONObject).filter(([, v]) => v !== undefined && typeof v !== "function");
  if (entries.length === 0) return "{}";
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJSON(v, inner)}`).join(",\n")}\n${indent}}`;
}
