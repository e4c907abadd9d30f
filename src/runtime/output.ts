// console.* and process.stdout/stderr inside the worker → stream outputs of the running cell.
// Coalesced: a stream sends at most one message per FLUSH_MS (jupyter_server's iopub rate limit is hit by
// a loop that logs every step; issue 3 asks for ≤ ~10 messages a second per stream). The check runs inside
// write(), so a busy synchronous loop still sends its output every FLUSH_MS instead of at the end.
// Output that arrives while no cell runs (a timer a finished cell left behind) is kept and shown on
// stderr, with a note, at the start of the next cell: CellIO.output may not be called after a reply.
import { Console } from "node:console";
import { Writable } from "node:stream";

const FLUSH_MS = 100;
type StreamName = "stdout" | "stderr";

export class StreamCoalescer {
  private pending: { [name in StreamName]: string } = { stdout: "", stderr: "" };
  private lastSent: { [name in StreamName]: number } = { stdout: 0, stderr: 0 };
  private timer: NodeJS.Timeout | undefined;
  /** Output written while no cell is running. */
  private late = "";
  private active = false;

  constructor(private readonly send: (name: StreamName, text: string) => void) {}

  write(name: StreamName, text: string): void {
    if (text.length === 0) return;
    if (!this.active) {
      this.late += text;
      return;
    }
    this.pending[name] += text;
    const now = Date.now();
    if (now - this.lastSent[name] >= FLUSH_MS) this.flushStream(name, now);
    else this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, FLUSH_MS - (now - this.lastSent[name]));
  }

  /** A cell starts: returns what arrived in between (with its note), to show on stderr first. */
  begin(): string {
    this.active = true;
    const late = this.late;
    this.late = "";
    return late === "" ? "" : `[output from background work of an earlier cell, after that cell had finished]\n${late}`;
  }

  /** Sends everything pending (before a display output, and before the cell's reply). */
  flush(): void {
    const now = Date.now();
    this.flushStream("stdout", now);
    this.flushStream("stderr", now);
  }

  end(): void {
    this.flush();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.active = false;
  }

  private flushStream(name: StreamName, now: number): void {
    if (this.pending[name] === "") return;
    const text = this.pending[name];
    this.pending[name] = "";
    this.lastSent[name] = now;
    this.send(name, text);
  }
}

function sinkStream(coalescer: StreamCoalescer, name: StreamName): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      coalescer.write(name, typeof chunk === "string" ? chunk : chunk.toString("utf8"));
      callback();
    },
  });
}

/** Routes the worker's console and process.stdout/stderr into `coalescer`. */
export function captureConsole(coalescer: StreamCoalescer): void {
  const stdout = sinkStream(coalescer, "stdout");
  const stderr = sinkStream(coalescer, "stderr");
  // A fresh Console keeps every method (table, dir, time, count, group, trace) with util.format semantics.
  globalThis.console = new Console({ stdout, stderr, colorMode: false });
  // Libraries that write to process.stdout directly (progress bars, tfjs warnings) land in the cell too.
  const direct = (name: StreamName) => (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    coalescer.write(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((r): r is () => void => typeof r === "function");
    callback?.();
    return true;
  };
  process.stdout.write = direct("stdout") as typeof process.stdout.write;
  process.stderr.write = direct("stderr") as typeof process.stderr.write;
}
