// Plots and progress bars in real cells, through the runtime's Engine as the kernel drives it: the value of a
// cell, a live plot updated from a training loop (flushed by the onCellEnd hook), a progress bar.
import * as assert from "node:assert/strict";
import { test } from "node:test";
import type { CellOutput } from "../../../src/runtime/engine";
import { Session } from "../../runtime/session";
import { decodePng } from "../../display/png/decode";

const session = Session.forSuite();

type Shown = Extract<CellOutput, { type: "display_data" | "update_display_data" }>;
const shown = (outputs: CellOutput[]): Shown[] => outputs.filter((o): o is Shown => o.type === "display_data" || o.type === "update_display_data");

test("a plot as a cell's value shows plotly JSON, a PNG and text, no HTML", async () => {
  const run = await session.run(`import { plot } from "tensorbook";\nplot.bar([1, 2], { x: ["a", "b"] })`);
  assert.equal(run.outcome.status, "ok", run.traceback);
  const data = run.outcome.status === "ok" ? run.outcome.result!.data : {};
  assert.deepEqual(Object.keys(data).sort(), ["application/vnd.plotly.v1+json", "image/png", "text/plain"]);
  assert.equal(decodePng(Buffer.from(data["image/png"] as string, "base64")).width, 700);
  assert.equal(run.text, "<Figure: bar (2 points)>");
});

test("a live plot in a training loop: one display, a few updates with its display_id, the last one complete", async () => {
  const run = await session.run(`const fig = plot.losses([]).show();\nfor (let step = 0; step < 3000; step++) fig.push({ step, loss: 1 / (step + 1) });`);
  assert.equal(run.outcome.status, "ok", run.traceback);
  const outputs = shown(run.outputs);
  assert.equal(outputs[0].type, "display_data");
  const id = outputs[0].transient?.display_id;
  assert.ok(outputs.length >= 2 && outputs.length <= 10, `${outputs.length} messages for 3000 pushes`);
  for (const o of outputs.slice(1)) {
    assert.equal(o.type, "update_display_data");
    assert.equal(o.transient?.display_id, id);
  }
  const last = outputs[outputs.length - 1].data["application/vnd.plotly.v1+json"] as { data: { x: number[] }[] };
  assert.equal(last.data[0].x.length, 3000, "the cell-end flush sent the final state");
});

test("progress() over an iterable in a cell: the items pass through, the bar ends at 100%", async () => {
  const run = await session.run(`import { progress } from "tensorbook";\nlet total = 0;\nfor (const i of progress([1, 2, 3, 4], { desc: "sum" })) total += i;\ntotal`);
  assert.equal(run.outcome.status, "ok", run.traceback);
  assert.equal(run.text, "10");
  const outputs = shown(run.outputs);
  assert.equal(outputs[0].type, "display_data");
  assert.match(outputs[outputs.length - 1].data["text/plain"] as string, /^sum: 100%\|█+\| 4\/4 \[/);
});
