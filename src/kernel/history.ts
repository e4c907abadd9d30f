// This session's inputs, for history_request (messaging spec, "History"). IPython keeps history in SQLite
// across sessions; tensorbook keeps only the running session, numbered SESSION, with lines numbered by
// execution_count. Each entry is [session, line, input] or, with output=true, [session, line, [input, output]].

/** The number of the only session we know; session 0 and negative numbers (relative, IPython) mean it too. */
export const SESSION = 1;

export type HistoryEntry = [number, number, string] | [number, number, [string, string | null]];

export interface HistoryRequest {
  hist_access_type: "tail" | "range" | "search";
  output: boolean;
  raw: boolean;
  session?: number;
  start?: number;
  stop?: number;
  n?: number;
  pattern?: string;
  unique?: boolean;
}

interface Line {
  line: number;
  input: string;
  /** text/plain of the cell's execute_result, null when it had none. */
  output: string | null;
}

/** IPython's glob (sqlite GLOB): * any run, ? one character, [abc] a class; the whole input must match. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) source += "\\[";
      else {
        const body = pattern.slice(i + 1, close);
        // sqlite GLOB negates a class with ^, as a RegExp does; only backslashes need escaping
        source += `[${body.replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else source += c.replace(/[\\^$.|+(){}\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export class History {
  private readonly lines: Line[] = [];

  record(line: number, input: string): void {
    this.lines.push({ line, input, output: null });
  }

  /** Remembers the text/plain of line `line`'s result (shown by `history -o`). */
  recordOutput(line: number, output: string): void {
    const entry = this.lines.findLast((l) => l.line === line);
    if (entry !== undefined) entry.output = output;
  }

  query(request: HistoryRequest): HistoryEntry[] {
    const selected = this.select(request);
    return selected.map((l): HistoryEntry => (request.output ? [SESSION, l.line, [l.input, l.output]] : [SESSION, l.line, l.input]));
  }

  private select(request: HistoryRequest): Line[] {
    switch (request.hist_access_type) {
      case "tail":
        return lastN(this.lines, request.n);
      case "range": {
        const session = request.session ?? 0;
        if (session !== SESSION && session > 0) return []; // an earlier session: we keep none
        // IPython's get_range: start inclusive, stop exclusive; stop absent or 0 means to the end.
        const start = request.start ?? 1;
        const stop = request.stop !== undefined && request.stop > 0 ? request.stop : Infinity;
        return this.lines.filter((l) => l.line >= start && l.line < stop);
      }
      case "search": {
        const match = globToRegExp(request.pattern ?? "*");
        let found = this.lines.filter((l) => match.test(l.input));
        if (request.unique) {
          // Keep each input once, at its latest line, as IPython's search(unique=True).
          const latest = new Map<string, Line>();
          for (const l of found) latest.set(l.input, l);
          found = found.filter((l) => latest.get(l.input) === l);
        }
        return lastN(found, request.n);
      }
    }
  }
}

function lastN<T>(items: T[], n: number | undefined): T[] {
  return n === undefined || n <= 0 ? items.slice() : items.slice(-n);
}
