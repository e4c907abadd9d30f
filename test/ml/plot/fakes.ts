// A fake clock (time moves only when the test says) and a recording display sink, for live-update tests.
import type { DisplaySink } from "../../../src/display/channel";
import type { DisplayData } from "../../../src/display/mime";
import type { Clock } from "../../../src/ml/plot/throttle";

export class FakeClock implements Clock {
  time = 0;
  private timers: { id: number; at: number; callback: () => void }[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ id, at: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Moves time forward, running due timers in order (as the event loop would when it gets the chance). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

export type Sent = { kind: "display" | "update"; output: DisplayData; at: number };

export class RecordingSink implements DisplaySink {
  sent: Sent[] = [];
  constructor(readonly rich: boolean, private readonly clock?: FakeClock) {}
  display(output: DisplayData): void {
    this.sent.push({ kind: "display", output, at: this.clock?.now() ?? 0 });
  }
  update(output: DisplayData & { transient: { display_id: string } }): void {
    this.sent.push({ kind: "update", output, at: this.clock?.now() ?? 0 });
  }
  clearOutput(): void {}
}
