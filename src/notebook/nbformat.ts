// nbformat 4 as Jupyter stores it on disk (https://nbformat.readthedocs.io/en/latest/format_description.html,
// schema nbformat.v4.5.schema.json). Only the fields tensorbook reads or writes are typed; a parsed notebook
// keeps every other field it carried (we edit the parsed objects in place), so nothing is lost on a rewrite.
import type { MimeBundle } from "../display/mime";

/** A string, or the same string split into lines (each keeping its "\n"), as nbformat writes text. */
export type MultilineString = string | string[];

export type JSONObject = { [key: string]: unknown };

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: JSONObject;
}

export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: JSONObject;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  /** Required from nbformat 4.5 on. */
  id?: string;
  metadata: JSONObject;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}

export interface MarkdownCell {
  cell_type: "markdown";
  id?: string;
  metadata: JSONObject;
  source: MultilineString;
  attachments?: JSONObject;
}

export interface RawCell {
  cell_type: "raw";
  id?: string;
  metadata: JSONObject;
  source: MultilineString;
  attachments?: JSONObject;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata {
  name: string;
  display_name: string;
  language?: string;
}

export interface LanguageInfoMetadata {
  name: string;
  version?: string;
  mimetype?: string;
  file_extension?: string;
  codemirror_mode?: string | JSONObject;
  pygments_lexer?: string;
  nbconvert_exporter?: string;
}

export interface NotebookMetadata extends JSONObject {
  kernelspec?: KernelSpecMetadata;
  language_info?: LanguageInfoMetadata;
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

/** The text of a source or stream field, whichever way it was stored. */
export function joinText(text: MultilineString): string {
  return typeof text === "string" ? text : text.join("");
}

/**
 * Python's str.splitlines(keepends=True), which nbformat uses to split text before writing: it breaks on
 * \n, \r, \r\n and the other Unicode line boundaries, so a file we write is the file Jupyter would write.
 */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  const boundary = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let start = 0;
  for (let m = boundary.exec(text); m !== null; m = boundary.exec(text)) {
    lines.push(text.slice(start, m.index + m[0].length));
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}
