import * as assert from "node:assert/strict";
import { test } from "node:test";
import { formatBar, formatDuration, formatMeter, progress } from "../../src/display/progress";
import { FakeClock, RecordingSink } from "../ml/plot/fakes";

test("the meter reads like tqdm's", () => {
  // tqdm 4: "desc:  45%|█████████         | 45/100 [00:02<00:03, 20.00it/s]" (bar width 20 here).
  assert.equal(formatMeter(45, 100, 2.25, "train"), "train:  45%|█████████           | 45/100 [00:02<00:03, 20.00it/s]");
  assert.equal(formatMeter(0, 10, 0, undefined), "  0%|                    | 0/10 [00:00<?, ?it/s]");
  assert.equal(formatMeter(7, undefined, 14, "read"), "read: 7it [00:14, 2.00s/it]");
  assert.equal(formatBar(0.5 + 1 / 40, 10), "█████▎    ", "a quarter cell is 2/8: the quarter block");
  assert.equal(formatBar(1, 4), "████");
  assert.equal(formatDuration(3725), "1:02:05");
});

test("in a notebook: one display, updated in place at most every 200 ms, the final state always sent", () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(true, clock);
  const items = Array.from({ length: 1000 }, (_, i) => i);
  let sum = 0;
  for (const item of progress(items, { desc: "epoch 1", clock, sink })) {
    sum += item;
    clock.time += 1; // 1 ms a step: 1 s in all
  }
  assert.equal(sum, 499500, "every item passes through unchanged");
  assert.equal(sink.sent[0].kind, "display");
  const id = sink.sent[0].output.transient?.display_id;
  const updates = sink.sent.slice(1);
  assert.ok(updates.every((u) => u.kind === "update" && u.output.transient?.display_id === id));
  assert.ok(updates.length >= 5 && updates.length <= 7, `${updates.length} updates for 1000 steps in 1 s`);
  const last = updates[updates.length - 1].output.data;
  assert.equal(last["text/plain"], "epoch 1: 100%|████████████████████| 1000/1000 [00:01<00:00, 1000.00it/s]");
  assert.match(last["text/html"] as string, /<progress value="1000" max="1000"/);
});

test("in a terminal: one line redrawn with \\r on the stream, ended by a newline; break still closes it", () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(false, clock);
  let written = "";
  const stream = { write: (text: string) => (written += text) };
  for (const i of progress(new Set([1, 2, 3, 4, 5]), { clock, sink, stream })) {
    clock.time += 300;
    if (i === 3) break;
  }
  assert.equal(sink.sent.length, 0, "nothing through the display sink in a terminal");
  const frames = written.split("\r").filter((f) => f !== "");
  assert.equal(frames[0], "  0%|                    | 0/5 [00:00<?, ?it/s]");
  assert.ok(written.endsWith("\n"));
  // As in tqdm, an item counts once its loop body finished: breaking inside item 3 leaves 2 done, at 0.9 s.
  assert.equal(frames[frames.length - 1], " 40%|████████            | 2/5 [00:01<00:01, 2.22it/s]\n");
});

test("progress(total) counts update() calls; bad totals are refused", () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(true, clock);
  const bar = progress(3, { clock, sink });
  bar.update();
  clock.time += 500;
  bar.update(2);
  bar.close();
  assert.match(sink.sent[sink.sent.length - 1].output.data["text/plain"] as string, /100%\|.*\| 3\/3 /);
  assert.throws(() => progress(-1), /progress: total must be a non-negative number, got -1/);
  assert.throws(() => progress({} as Iterable<number>), /progress: expected an iterable, an async iterable or a total count, got object/);
});

test("for await over an async iterable: items in order, total from options, closed at the end", async () => {
  const clock = new FakeClock();
  const sink = new RecordingSink(true, clock);
  async function* batches(): AsyncGenerator<number> {
    for (let i = 0; i < 3; i++) { clock.time += 1000; yield i; }
  }
  const seen: number[] = [];
  for await (const b of progress(batches(), { total: 3, desc: "batches", clock, sink })) seen.push(b);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(sink.sent[sink.sent.length - 1].output.data["text/plain"], "batches: 100%|████████████████████| 3/3 [00:03<00:00, 1.00it/s]");
});
