// Turning what a running cell sends (CellOutput) into the outputs a notebook stores, with the rules a
// Jupyter client applies to the same iopub messages, so `tensorbook run` saves what JupyterLab would:
// - consecutive stream outputs of the same name are one output (JupyterLab's OutputAreaModel and nbconvert's
//   coalesce_streams), and text before a carriage return on its line is overwritten, as a terminal shows
//   a progress bar (coalescestreams.py: `cr_pat = re.compile(r".*\r(?=[^\n])")`);
// - display_data with transient.display_id, and update_display_data, replace the data and metadata of every
//   output shown with that id, in any cell of the notebook (nbclient `_update_display_id`); an update for an
//   unknown id is ignored; transient itself is never stored (nbformat has no field for it);
// - clear_output clears the cell now, or with wait=true just before its next output (nbclient `clear_output`).
import type { CellError, CellOutput } from "../runtime/engine";
import type { MimeBundle } from "../display/mime";
import { joinText, type CodeCell, type JSONObject, type Output, type StreamOutput } from "./nbformat";

export class NotebookOutputs {
  private cell: CodeCell | undefined;
  private clearBeforeNext = false;
  /** The text of each stream output, kept so a chunk costs its own length, not the stream's. */
  private readonly streams = new WeakMap<StreamOutput, StreamText>();
  /** display_id → the cells and output indices showing it. */
  private readonly displays = new Map<string, Map<CodeCell, number[]>>();

  /** Starts a cell: its old outputs go, as when Jupyter runs a cell again. */
  startCell(cell: CodeCell, executionCount: number): void {
    this.cell = cell;
    this.clearBeforeNext = false;
    cell.outputs = [];
    cell.execution_count = executionCount;
    this.forgetDisplays(cell);
  }

  /** One output of the running cell, in the order the runtime sent it. */
  add(out: CellOutput): void {
    switch (out.type) {
      case "stream":
        return this.stream(out.name, out.text);
      case "display_data": {
        const id = out.transient?.display_id;
        if (id !== undefined) this.updateDisplay(id, out.data, out.metadata);
        return this.append({ output_type: "display_data", data: out.data, metadata: out.metadata }, id);
      }
      case "update_display_data":
        return this.updateDisplay(out.transient.display_id, out.data, out.metadata);
      case "clear_output":
        if (out.wait) this.clearBeforeNext = true;
        else this.clearNow();
        return;
    }
  }

  /** The cell's value: execute_result, numbered like the cell. */
  result(data: MimeBundle, metadata: JSONObject): void {
    const cell = this.current();
    this.append({ output_type: "execute_result", execution_count: cell.execution_count, data, metadata });
  }

  error(error: CellError): void {
    this.append({ output_type: "error", ename: error.ename, evalue: error.evalue, traceback: error.traceback });
  }

  private stream(name: "stdout" | "stderr", text: string): void {
    if (this.clearBeforeNext) this.clearNow();
    const outputs = this.current().outputs;
    const last = outputs[outputs.length - 1];
    let output: StreamOutput;
    if (last !== undefined && last.output_type === "stream" && last.name === name) {
      output = last;
    } else {
      output = { output_type: "stream", name, text: "" };
      outputs.push(output);
    }
    const state = this.streams.get(output) ?? StreamText.of(joinText(output.text));
    this.streams.set(output, state);
    state.append(text);
    output.text = state.text();
  }

  private append(output: Output, displayId?: string): void {
    if (this.clearBeforeNext) this.clearNow();
    const cell = this.current();
    if (displayId !== undefined) {
      const cells = this.displays.get(displayId) ?? new Map<CodeCell, number[]>();
      this.displays.set(displayId, cells);
      const indices = cells.get(cell) ?? [];
      cells.set(cell, indices);
      indices.push(cell.outputs.length);
    }
    cell.outputs.push(output);
  }

  private updateDisplay(id: string, data: MimeBundle, metadata: JSONObject): void {
    for (const [cell, indices] of this.displays.get(id) ?? []) {
      for (const i of indices) {
        const output = cell.outputs[i];
        if (output !== undefined && (output.output_type === "display_data" || output.output_type === "execute_result")) {
          output.data = data;
          output.metadata = metadata;
        }
      }
    }
  }

  private clearNow(): void {
    this.clearBeforeNext = false;
    this.current().outputs = [];
    this.forgetDisplays(this.current());
  }

  private forgetDisplays(cell: CodeCell): void {
    for (const cells of this.displays.values()) cells.delete(cell);
  }

  private current(): CodeCell {
    if (this.cell === undefined) throw new Error("NotebookOutputs: an output arrived before any cell started");
    return this.cell;
  }
}

/**
 * A stream's text as nbconvert's coalesce_streams leaves it: `re.sub(r".*\r(?=[^\n])", "", text)` (Python's
 * `.` is every character but \n), so on each line everything up to its last \r that has a character after
 * it on the line goes ("10%\r20%" → "20%"), and a final \r stays until the next chunk shows whether the
 * line goes on. Kept as the finished lines plus the open last line, and each chunk handled on its own:
 * the regex over the whole stream on every chunk was quadratic twice over (it backtracks over a line from
 * every position, and it re-read the stream each time): one 100,000-character line ending in \r\n took
 * 7.8 s to save (issue 13 item 13).
 */
class StreamText {
  private done = "";
  private line = "";
  private lineEndsInCR = false;

  static of(text: string): StreamText {
    const s = new StreamText();
    s.append(text);
    return s;
  }

  append(chunk: string): void {
    for (let start = 0; ; ) {
      const newline = chunk.indexOf("\n", start);
      this.extendLine(chunk.slice(start, newline < 0 ? chunk.length : newline));
      if (newline < 0) return;
      this.done += this.line + "\n";
      this.line = "";
      this.lineEndsInCR = false;
      start = newline + 1;
    }
  }

  text(): string {
    return this.done + this.line;
  }

  /** Adds `segment` (no \n in it) to the open line, which holds no \r that a character follows. */
  private extendLine(segment: string): void {
    if (segment === "") return;
    const cr = segment.slice(0, -1).lastIndexOf("\r");
    if (cr >= 0) this.line = segment.slice(cr + 1); // a \r inside the segment overwrites all before it
    else if (this.lineEndsInCR) this.line = segment; // the line's final \r now has a character after it
    else this.line += segment;
    this.lineEndsInCR = segment.endsWith("\r");
  }
}
