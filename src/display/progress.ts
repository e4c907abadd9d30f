// progress(iterable | total): a progress bar like tqdm — count, percentage, elapsed, ETA, rate.
// In a notebook (sink.rich) it is one display_data updated in place (text/plain + text/html); in a terminal
// it is one line redrawn with \r on stderr, as tqdm does. Updates go through a Throttle (at most 5 a second,
// the final state always), so a loop of a million fast steps sends a handful of messages.
import { randomUUID } from "node:crypto";
import { realClock, Throttle, type Clock } from "../ml/plot/throttle";
import { displaySink, type DisplaySink } from "./channel";
import { JUPYTER_DISPLAY, type DisplayData, type Displayable, type MimeBundle } from "./mime";

const PROGRESS_INTERVAL_MS = 200;

export interface ProgressOptions {
  /** Shown before the bar ("epoch 3"). */
  desc?: string;
  /** Total count, when the iterable has no length. */
  total?: number;
  /** Width of the bar in characters. */
  width?: number;
  intervalMs?: number;
  /** For tests: a fake clock, a sink and a terminal stream instead of the session's and stderr. */
  clock?: Clock;
  sink?: DisplaySink;
  stream?: { write(text: string): unknown };
}

/** tqdm's time format: mm:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (v: number): string => String(v).padStart(2, "0");
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

function formatRate(n: number, seconds: number): string {
  if (seconds <= 0 || n === 0) return "?it/s";
  const rate = n / seconds;
  return rate >= 1 ? `${rate.toFixed(2)}it/s` : `${(1 / rate).toFixed(2)}s/it`;
}

// tqdm's smooth bar: a full block per whole cell, then one of eight partial blocks for the remainder.
const PARTIAL = ["", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"];

export function formatBar(fraction: number, width: number): string {
  const cells = Math.min(1, Math.max(0, fraction)) * width;
  const full = Math.floor(cells);
  const partial = full < width ? PARTIAL[Math.floor((cells - full) * 8)] : "";
  return ("\u2588".repeat(full) + partial).padEnd(width, " ");
}

/**
 * tqdm's meter: "desc:  45%|████▌     | 45/100 [00:02<00:03, 20.10it/s]", or without a total
 * "desc: 45it [00:02, 20.10it/s]".
 */
export function formatMeter(n: number, total: number | undefined, elapsedS: number, desc: string | undefined, width = 20): string {
  const prefix = desc ? `${desc}: ` : "";
  const rate = formatRate(n, elapsedS);
  if (total === undefined || total <= 0) return `${prefix}${n}it [${formatDuration(elapsedS)}, ${rate}]`;
  const fraction = n / total;
  const remaining = n > 0 ? (elapsedS / n) * (total - n) : NaN;
  return `${prefix}${String(Math.floor(fraction * 100)).padStart(3)}%|${formatBar(fraction, width)}| ${n}/${total} [${formatDuration(elapsedS)}<${formatDuration(remaining)}, ${rate}]`;
}

const escapeHtml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export class Progress<T = number> implements Iterable<T>, AsyncIterable<T>, Displayable {
  n = 0;
  readonly total: number | undefined;
  readonly desc: string | undefined;
  private readonly displayId = randomUUID();
  private readonly clock: Clock;
  private readonly sink: DisplaySink;
  private readonly start: number;
  private readonly throttle: Throttle;
  private closed = false;

  constructor(private readonly source: Iterable<T> | AsyncIterable<T> | undefined, private readonly options: ProgressOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.sink = options.sink ?? displaySink();
    this.desc = options.desc;
    const length = (source as { length?: unknown } | undefined)?.length ?? (source as { size?: unknown } | undefined)?.size;
    this.total = options.total ?? (typeof length === "number" ? length : undefined);
    this.start = this.clock.now();
    this.throttle = new Throttle(() => this.draw(), options.intervalMs ?? PROGRESS_INTERVAL_MS, this.clock);
    if (this.sink.rich) this.sink.display(this.output());
    else this.draw();
  }

  /** The meter line as it stands now. */
  toString(): string {
    return formatMeter(this.n, this.total, (this.clock.now() - this.start) / 1000, this.desc, this.options.width);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return this.output().data;
  }

  /** Advances by `count` (default 1). */
  update(count = 1): this {
    if (this.closed) return this;
    this.n += count;
    this.throttle.request();
    return this;
  }

  /** Sends the final state (always, whatever the throttle held) and ends the line in a terminal. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // request() then flush(): exactly one send of the final state, whether or not one was being held.
    this.throttle.request();
    this.throttle.flush();
    if (!this.sink.rich) (this.options.stream ?? process.stderr).write("\n");
  }

  *[Symbol.iterator](): Iterator<T> {
    if (this.source === undefined || !(Symbol.iterator in this.source)) throw new TypeError("progress: this bar was made from a count or an async iterable; use update() or `for await`");
    try {
      for (const item of this.source) {
        yield item;
        this.update();
      }
    } finally {
      this.close(); // also on break or an exception inside the loop
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.source === undefined) throw new TypeError("progress: this bar was made from a count; use update()");
    try {
      for await (const item of this.source) {
        yield item;
        this.update();
      }
    } finally {
      this.close();
    }
  }

  private output(): DisplayData & { transient: { display_id: string } } {
    const text = this.toString();
    const fraction = this.total ? Math.min(1, this.n / this.total) : undefined;
    const bar = fraction === undefined ? "" : `<progress value="${this.n}" max="${this.total}" style="width: 20em; vertical-align: middle"></progress> `;
    const html = `<div class="tensorbook-progress">${this.desc ? escapeHtml(this.desc) + ": " : ""}${bar}<code>${escapeHtml(text.slice(this.desc ? this.desc.length + 2 : 0))}</code></div>`;
    return { data: { "text/plain": text, "text/html": html }, metadata: {}, transient: { display_id: this.displayId } };
  }

  private draw(): void {
    if (this.sink.rich) this.sink.update(this.output());
    else (this.options.stream ?? process.stderr).write(`\r${this.toString()}`);
  }
}

/** progress(items) wraps an iterable (its length or size is the total); progress(total) counts update() calls. */
export function progress<T>(iterable: Iterable<T> | AsyncIterable<T>, options?: ProgressOptions): Progress<T>;
export function progress(total: number, options?: ProgressOptions): Progress<number>;
export function progress<T>(source: Iterable<T> | AsyncIterable<T> | number, options: ProgressOptions = {}): Progress<T> | Progress<number> {
  if (typeof source === "number") {
    if (!Number.isFinite(source) || source < 0) throw new RangeError(`progress: total must be a non-negative number, got ${source}`);
    return new Progress<number>(undefined, { ...options, total: source });
  }
  if (source === null || typeof source !== "object" || (!(Symbol.iterator in source) && !(Symbol.asyncIterator in source))) {
    throw new TypeError(`progress: expected an iterable, an async iterable or a total count, got ${source === null ? "null" : typeof source}`);
  }
  return new Progress<T>(source, options);
}
