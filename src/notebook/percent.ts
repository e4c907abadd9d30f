// Notebooks written as plain TypeScript files in the "percent" format (jupytext, VS Code, Spyder):
//
//   // %% [markdown]
//   // # A title
//   // Some text.
//
//   // %%
//   const x = 1;
//
// A review reads one file top to bottom and a diff shows what changed, which a .ipynb with outputs does not
// give. notebooks/src/*.ts are the sources of notebooks/*.ipynb (test/notebooks/build.ts turns one into the
// other; a test checks that they agree).
import * as crypto from "node:crypto";
import { setTensorbookMetadata } from "./metadata";
import type { Cell, Notebook } from "./nbformat";

const MARKER = /^\/\/ %%(?:\s+\[(markdown|md|raw)\])?\s*$/;

/** A notebook from percent-format text; `name` makes the cell ids (stable across rebuilds: no churn in diffs). */
export function fromPercent(text: string, name: string): Notebook {
  const cells: Cell[] = [];
  let current: { kind: "code" | "markdown" | "raw"; lines: string[] } | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    const source = trimBlankLines(current.lines).join("\n");
    const id = cellId(name, cells.length);
    if (current.kind === "code") cells.push({ cell_type: "code", id, metadata: {}, source, outputs: [], execution_count: null });
    else cells.push({ cell_type: current.kind, id, metadata: {}, source });
  };
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const marker = MARKER.exec(line);
    if (marker !== null) {
      flush();
      const kind = marker[1] === undefined ? "code" : marker[1] === "raw" ? "raw" : "markdown";
      current = { kind, lines: [] };
    } else if (current === undefined) {
      continue; // a header comment before the first cell is the source file's own, not the notebook's
    } else if (current.kind === "code") {
      current.lines.push(line);
    } else {
      if (line !== "" && !line.startsWith("//")) {
        throw new Error(`${name}:${i + 1}: a line in a markdown cell must be a // comment, found: ${line.slice(0, 60)}`);
      }
      current.lines.push(line.replace(/^\/\/ ?/, ""));
    }
  }
  flush();
  const nb: Notebook = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
  setTensorbookMetadata(nb);
  return nb;
}

/** nbformat 4.5 cell ids: [a-zA-Z0-9-_]{1,64}; derived from the notebook name and position. */
function cellId(name: string, index: number): string {
  return crypto.createHash("sha1").update(`${name}#${index}`).digest("hex").slice(0, 12);
}

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start].trim() === "") start++;
  while (end > start && lines[end - 1].trim() === "") end--;
  return lines.slice(start, end);
}
