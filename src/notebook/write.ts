// Writing a notebook the way Jupyter does (nbformat/v4/nbjson.py: indent 1, sorted keys, text split into
// lines, a final newline), so a notebook saved by tensorbook and re-saved by JupyterLab gives no diff.
// The write is atomic: a temp file in the same folder, flushed, then renamed over the target. A crash or a
// Ctrl-C mid-write leaves either the old file or the new one, never half of one (the issue's rule for --inplace),
// and the next write of the same file removes a temp file a killed process left.
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

/**
 * Writes `text` to `file` through a temp file in the same folder (rename is atomic only within one
 * filesystem). A symlink is written through: the file it points at gets the text and the link stays (renaming
 * over the link replaced it with a plain file and left the real notebook stale).
 */
export function writeFileAtomic(file: string, text: string): void {
  const target = linkTarget(path.resolve(file));
  const dir = path.dirname(target);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot write ${file}: cannot make its folder: ${(err as Error).message}`);
  }
  removeStaleTemps(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`);
  let mode = 0o644;
  try {
    mode = fs.statSync(target).mode & 0o777;
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
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw new Error(`cannot write ${file}${target !== path.resolve(file) ? ` (a link to ${target})` : ""}: ${(err as Error).message}`);
  }
}

/** Where a chain of symlinks ends (the path itself when it is no link, or does not exist yet). */
function linkTarget(file: string): string {
  let at = file;
  for (let hops = 0; hops < 40; hops++) { // Linux's MAXSYMLINKS
    let isLink: boolean;
    try {
      isLink = fs.lstatSync(at).isSymbolicLink();
    } catch {
      return at; // a new file, or a link to one that does not exist yet: created where the link points
    }
    if (!isLink) return at;
    at = path.resolve(path.dirname(at), fs.readlinkSync(at));
  }
  throw new Error(`cannot write ${file}: more than 40 symbolic links in a row (a loop?)`);
}

/**
 * Removes the temp files an earlier write of `file` left when its process was killed mid-write (kill -9
 * during a save left 22–64 MB behind). Only names this writer makes, and only when the process named in
 * them is gone: a concurrent writer's temp file is left alone.
 */
export function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (m === null || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // it exists, under another user
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
