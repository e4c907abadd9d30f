import * as assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { setDisplaySink, type DisplaySink } from "../../../src/display/channel";
import { plot } from "../../../src/ml/plot";
import { Throttle } from "../../../src/ml/plot/throttle";
import { cellHooks } from "../../../src/runtime/hooks";
import { FakeClock, RecordingSink } from "./fakes";

let clock: FakeClock;
let sink: RecordingSink;
let previous: DisplaySink;
beforeEach(() => {
  clock = new FakeClock();
  sink = new RecordingSink(true, clock);
  previous = setDisplaySink(sink);
});
afterEach(() => {
  setDisplaySink(previous);
});

test("a throttle sends at once, then at most once per interval, then the held state when the timer runs", () => {
  const sends: number[] = [];
  const throttle = new Throttle(() => sends.push(clock.now()), 250, clock);
  throttle.request(); // t = 0: first change goes out immediately
  for (let i = 0; i < 100; i++) { clock.advance(1); throttle.request(); } // 100 changes within 100 ms
  assert.deepEqual(sends, [0]);
  assert.equal(throttle.hasPending, true);
  clock.advance(200); // the trailing timer fires at t = 250
  assert.deepEqual(sends, [0, 250]);
  assert.equal(throttle.hasPending, false);
  assert.equal(clock.pendingTimers, 0);
});

test("a synchronous loop (timers never run) still sends once per interval, and flush sends the last state", () => {
  const sends: number[] = [];
  const throttle = new Throttle(() => sends.push(clock.now()), 250, clock);
  // 10,000 steps of 0.1 ms: time passes, but no timer gets to run, as in a tight training loop.
  for (let i = 0; i < 10_000; i++) { clock.time += 0.1; throttle.request(); }
  assert.ok(sends.length >= 3 && sends.length <= 5, `sent ${sends.length} times in 1 s`);
  for (let i = 1; i < sends.length; i++) assert.ok(sends[i] - sends[i - 1] >= 250, `gap ${sends[i] - sends[i - 1]} ms`);
  throttle.flush();
  assert.equal(sends[sends.length - 1], clock.now(), "flush sends the final state");
  const count = sends.length;
  throttle.flush();
  assert.equal(sends.length, count, "nothing pending: flush sends nothing");
});

test("plot update() re-sends through update_display_data with the same display_id, throttled, flushed at cell end", async () => {
  const fig = plot.losses([], { clock });
  fig.show();
  assert.equal(sink.sent.length, 1);
  assert.equal(sink.sent[0].kind, "display");
  const id = sink.sent[0].output.transient?.display_id;
  assert.ok(typeof id === "string" && id.length > 0);

  for (let step = 0; step < 1000; step++) { clock.time += 0.5; fig.push({ step, loss: 1 / (step + 1) }); } // 0.5 s of training
  const updates = sink.sent.filter((s) => s.kind === "update");
  assert.ok(updates.length >= 1 && updates.length <= 3, `${updates.length} updates for 1000 pushes in 0.5 s`);
  for (const u of updates) assert.equal(u.output.transient?.display_id, id);

  // The runtime calls every onCellEnd hook after the cell: the pending last state is sent then.
  for (const hooks of cellHooks()) await hooks.onCellEnd?.(1);
  const last = sink.sent[sink.sent.length - 1];
  assert.equal(last.kind, "update");
  const figure = last.output.data["application/vnd.plotly.v1+json"] as { data: { x: number[]; y: number[] }[] };
  assert.equal(figure.data[0].x.length, 1000, "the final update holds every step");
  assert.equal(figure.data[0].y[999], 1 / 1000);
  assert.equal(clock.pendingTimers, 0);
});

test("update() on a plot never shown shows it first (display_data), then updates it", () => {
  const fig = plot.line([1, 2, 3], { clock });
  fig.update([3, 2, 1]);
  assert.deepEqual(sink.sent.map((s) => s.kind), ["display"]);
  clock.advance(1000);
  fig.update([0, 0, 0]);
  assert.deepEqual(sink.sent.map((s) => s.kind), ["display", "update"]);
  const data = sink.sent[1].output.data["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
  assert.deepEqual(data.data[0].y, [0, 0, 0]);
  fig.update([5, 5, 5]); // within the interval: held
  assert.equal(sink.sent.length, 2);
  fig.close(); // the end of the plot: sent now
  const final = sink.sent[2].output.data["application/vnd.plotly.v1+json"] as { data: { y: number[] }[] };
  assert.deepEqual(final.data[0].y, [5, 5, 5]);
});
