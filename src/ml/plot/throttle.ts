// Live outputs (a loss curve during training, a progress bar) change far more often than a notebook can
// redraw: a training step takes microseconds. Each live output sends through a Throttle: at most one
// update_display_data per interval however often it changes, and always the final state (DESIGN.md,
// "Display and plots": jupyter_server's iopub rate limit must never be hit).
import { registerCellHooks } from "../../runtime/hooks";

/** Time and timers, injectable so tests drive the throttle with a fake clock. */
export interface Clock {
  now(): number; // milliseconds
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Something holding a change not yet sent. */
export interface Flushable {
  flush(): void;
}

// Throttles with a change not yet sent, on globalThis like the display sink and cell hooks, so every copy
// of tensorbook a notebook loads flushes through the one hook below.
const PENDING = Symbol.for("tensorbook.pendingUpdates");
type PendingHolder = { [PENDING]?: Set<Flushable> };
function pending(): Set<Flushable> {
  return ((globalThis as PendingHolder)[PENDING] ??= new Set());
}

/** Sends every pending update now. The runtime's onCellEnd calls this, so a cell's last state is shown. */
export function flushPendingUpdates(): void {
  for (const item of [...pending()]) item.flush();
}

registerCellHooks("tensorbook.liveUpdates", { onCellEnd: flushPendingUpdates });

export class Throttle implements Flushable {
  private lastSent = -Infinity;
  private cooldown: number;
  private timer: unknown = undefined;
  private dirty = false;

  /** `send` is called at most once per `intervalMs`; the latest state is the sender's to read. */
  constructor(private readonly send: () => void, readonly intervalMs: number, private readonly clock: Clock = realClock) {
    this.cooldown = intervalMs;
  }

  /** There is a new state: send it now if the interval has passed, else once it has (trailing edge). */
  request(): void {
    this.dirty = true;
    const wait = this.lastSent + this.cooldown - this.clock.now();
    if (wait <= 0) return this.fire();
    pending().add(this);
    // A synchronous loop never lets this timer run; it is then the next request() past the interval,
    // or flush() at the end, that sends.
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.fire();
    }, wait);
  }

  /** Sends the latest state now if it was not sent yet. */
  flush(): void {
    if (this.dirty) this.fire();
  }

  get hasPending(): boolean {
    return this.dirty;
  }

  private fire(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    pending().delete(this);
    const start = this.clock.now();
    this.send();
    // The wait is counted from the end of a send, and is at least 4× what the send took: a plot of 10⁵
    // points takes longer to render than the interval, and must not turn every request into a render
    // (the loop it watches keeps at least 80% of the time).
    this.lastSent = this.clock.now();
    this.cooldown = Math.max(this.intervalMs, 4 * (this.lastSent - start));
  }
}
