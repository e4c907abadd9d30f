import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../../src/display/mime";
import { figureBundle, plot, type Figure } from "../../../src/ml/plot";
import { histogramBins } from "../../../src/ml/plot/histogram";
import { linearTicks, formatTick } from "../../../src/ml/plot/ticks";
import { haveTool, PYTHON } from "../../helpers/tools";
import { countColor, decodePng, pixel, type DecodedPng } from "../../display/png/decode";

const PLOTLY = "application/vnd.plotly.v1+json";
const BLUE = "#1f77b4", ORANGE = "#ff7f0e"; // plotly.js colorway[0], [1]

function png(bundle: MimeBundle): DecodedPng {
  assert.equal(typeof bundle["image/png"], "string");
  return decodePng(Buffer.from(bundle["image/png"] as string, "base64"));
}

/** Rows in column x where the pixel is exactly `hex`. */
function runLength(image: DecodedPng, x: number, hex: string): number {
  let n = 0;
  for (let y = 0; y < image.height; y++) if (pixel(image, x, y) === hex) n++;
  return n;
}

test("a plot's bundle is plotly JSON + a PNG snapshot + one line of text, and no text/html", () => {
  const bundle = plot.bar([1, 2], { x: ["a", "b"], title: "two bars" })[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY, "image/png", "text/plain"]);
  const figure = bundle[PLOTLY] as Figure;
  assert.deepEqual(figure.data[0].x, ["a", "b"]);
  assert.deepEqual(figure.data[0].y, [1, 2]);
  assert.deepEqual(Object.keys(figure).sort(), ["config", "data", "layout"]);
  const text = bundle["text/plain"] as string;
  assert.equal(text, '<Figure "two bars": bar (2 points)>');
  assert.ok(!text.includes("\n"));
});

test("the bar chart snapshot is a 700×450 PNG whose bars have plotly's colour and heights in proportion", () => {
  const image = png(plot.bar([1, 2], { x: ["a", "b"] })[JUPYTER_DISPLAY]());
  assert.equal(image.width, 700);
  assert.equal(image.height, 450);
  assert.ok(countColor(image, BLUE) > 10_000, "the bars are drawn in colorway[0]");
  // Plot area x ∈ [80, 620]: the category slots are [80, 350] and [350, 620]; bar centres at 215 and 485.
  const a = runLength(image, 215, BLUE), b = runLength(image, 485, BLUE);
  assert.ok(a > 50);
  assert.ok(Math.abs(b / a - 2) < 0.05, `bar heights ${a} and ${b} px should be in ratio 2`);
  assert.equal(runLength(image, 350, BLUE), 0, "a gap between the bars (bargap)");
});

test("layout width and height set the snapshot's size; metadata carries it", () => {
  const bundle = plot.line([3, 1, 2], { width: 320, height: 200, title: "small" });
  const { data, metadata } = figureBundle(bundle.figure);
  const image = png(data);
  assert.equal(image.width, 320);
  assert.equal(image.height, 200);
  assert.deepEqual(metadata, { "image/png": { width: 320, height: 200 } });
});

/** Pixels of plotly's ink colour (#444444) inside a rectangle. */
function inkIn(image: DecodedPng, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(image, x, y) === "#444444") n++;
  return n;
}

test("a snapshot has readable text: the title above the plot, tick labels beside it, a legend at its right", () => {
  const titled = png(plot.line({ train: [5, 3, 2], test: [6, 4, 3] }, { title: "loss" })[JUPYTER_DISPLAY]());
  const plain = png(plot.line([5, 3, 2])[JUPYTER_DISPLAY]());
  assert.ok(inkIn(titled, 0, 0, 700, 100) > 150, "the title is inked in the top margin");
  assert.equal(inkIn(plain, 0, 0, 700, 100), 0, "no title, no ink there");
  assert.ok(inkIn(plain, 0, 100, 80, 370) > 50, "y tick labels left of the plot area");
  assert.ok(inkIn(plain, 80, 370, 620, 450) > 50, "x tick labels under it");
  assert.ok(inkIn(titled, 630, 90, 700, 140) > 50, "two traces: a legend with their names");
  assert.equal(inkIn(plain, 630, 90, 700, 140), 0, "one trace: no legend (plotly's default)");
  assert.ok(countColor(titled, BLUE) > 500 && countColor(titled, ORANGE) > 500, "two lines in colorway order");
  const red = png(plot.figure({ data: [{ y: [5, 3, 2], line: { color: "#ff0000" } }] })[JUPYTER_DISPLAY]());
  assert.ok(countColor(red, "#ff0000") > 500, "a trace's own line colour is used");
});

test("heatmap cells take the colorscale's end colours at zmin and zmax", () => {
  const image = png(plot.heatmap([[0, 1], [2, 3]], { colorscale: "Viridis" })[JUPYTER_DISPLAY]());
  // Plot area [80, 620] × [100, 370]; no legend. The colorbar widens the right margin, so find cells by colour.
  assert.ok(countColor(image, "#440154") > 10_000, "z = 0 in Viridis' first colour");
  assert.ok(countColor(image, "#fde725") > 10_000, "z = 3 in Viridis' last colour");
  // Row 0 is drawn at the bottom (plotly's heatmap convention): the bottom-left cell is z = 0.
  assert.equal(pixel(image, 90, 360), "#440154");
});

test("histogram counts equal numpy.histogram over the same bin edges", (t) => {
  const values = Array.from({ length: 500 }, (_, i) => Math.sin(i * 1.7) * Math.cos(i * 0.31) * 3);
  const bins = histogramBins(values);
  const edges = Array.from({ length: bins.counts.length + 1 }, (_, i) => bins.start + i * bins.size);
  assert.equal(bins.counts.reduce((a, b) => a + b, 0), 500, "every value in a bin");
  if (!haveTool("numpy")) return t.skip("numpy missing");
  const script = "import json,sys,numpy as np; d=json.load(sys.stdin); print(json.dumps(np.histogram(d['v'], bins=d['e'])[0].tolist()))";
  const reference = JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify({ v: values, e: edges }) }).toString()) as number[];
  assert.deepEqual(bins.counts, reference);
});

test("ticks are nice numbers, labelled like plotly", () => {
  assert.deepEqual(linearTicks(0, 1, 5), { values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 });
  assert.deepEqual(linearTicks(-3.2, 7.9, 6).values, [-2, 0, 2, 4, 6]);
  assert.equal(formatTick(-2, 2, 8), "\u22122");
  assert.equal(formatTick(0.25, 0.25, 1), "0.25");
  assert.equal(formatTick(20000, 10000, 40000), "20k");
});

test("plot.losses: loss on the left axis, accuracy on a second axis, x from step or epoch", () => {
  const history = [{ step: 0, loss: 2.3 }, { step: 10, loss: 1.1, accuracy: 0.6 }, { step: 20, loss: 0.7 }, { step: 30, loss: 0.5, accuracy: 0.8 }];
  const { figure } = plot.losses(history);
  const loss = figure.data.find((t) => t.name === "loss")!, accuracy = figure.data.find((t) => t.name === "accuracy")!;
  assert.deepEqual(loss.x, [0, 10, 20, 30]);
  assert.deepEqual(loss.y, [2.3, 1.1, 0.7, 0.5]);
  assert.deepEqual(accuracy.x, [10, 30], "accuracy only where it was measured");
  assert.equal(accuracy.yaxis, "y2");
  assert.equal(figure.layout?.yaxis2?.overlaying, "y");
  const keras = plot.losses({ loss: [1, 0.5], val_loss: [1.2, 0.8], accuracy: [0.5, 0.7] }).figure;
  assert.deepEqual(keras.data.map((t) => [t.name, t.x, t.yaxis]), [["loss", [0, 1], undefined], ["val_loss", [0, 1], undefined], ["accuracy", [0, 1], "y2"]]);
  assert.throws(() => plot.losses([{ step: 0, loss: "high" as unknown as number }]), /history\[0\]\.loss must be a number, got string/);
  // SGD's history.epochs carries throughput and counts too: only loss and accuracy are drawn, unless asked.
  const epochs = [{ epoch: 0, loss: 0.5, correct: 9000, total: 10000, accuracy: 0.9, samplesPerSecond: 12000 }];
  assert.deepEqual(plot.losses(epochs).figure.data.map((t) => t.name), ["loss", "accuracy"]);
  assert.deepEqual(plot.losses(epochs, { metrics: ["correct"] }).figure.data.map((t) => t.name), ["correct"]);
  assert.throws(() => plot.losses(epochs, { metrics: ["lr"] }), /no field lr in the history \(it has loss, correct, total, accuracy, samplesPerSecond\)/);
  const image = png(plot.losses(history)[JUPYTER_DISPLAY]());
  assert.ok(countColor(image, BLUE) > 200 && countColor(image, ORANGE) > 50);
});

test("plot.tokenProbs: one step as bars with the chosen token highlighted; a generation as a steps × rank heatmap", () => {
  const step = { token: 7, candidates: [{ id: 3, piece: "\u2581a", prob: 0.5 }, { id: 7, piece: "\u2581the", prob: 0.3 }, { id: 9, piece: ",", prob: 0.2 }] };
  const bars = plot.tokenProbs(step);
  assert.deepEqual(bars.figure.data[0].y, ["\u2581a", "\u2581the", ","]);
  assert.deepEqual(bars.figure.data[0].x, [0.5, 0.3, 0.2]);
  assert.deepEqual(bars.figure.data[0].marker?.color, [BLUE, ORANGE, BLUE]);
  const image = png(bars[JUPYTER_DISPLAY]());
  const blue = countColor(image, BLUE), orange = countColor(image, ORANGE);
  assert.ok(orange > 1000, "the chosen token's bar");
  assert.ok(Math.abs(orange / blue - 0.3 / 0.7) < 0.05, `bar areas follow the probabilities: ${orange}/${blue}`);

  const steps = [step, { token: 9, candidates: [{ id: 9, piece: ",", prob: 0.9 }, { id: 3, piece: "\u2581a", prob: 0.1 }] }];
  const heat = plot.tokenProbs(steps);
  const trace = heat.figure.data[0];
  assert.equal(trace.type, "heatmap");
  assert.deepEqual(trace.z, [[0.5, 0.3, 0.2], [0.9, 0.1, null]]);
  assert.deepEqual(trace.y, ["0: \u2581the", "1: ,"]);
  assert.deepEqual(trace.text, [["\u2581a", "\u2581the", ","], [",", "\u2581a", ""]]);
  heat.push({ token: 3, candidates: [{ id: 3, piece: "\u2581a", prob: 1 }] });
  assert.equal(heat.figure.data[0].z?.length, 3);
  const decoded = png(heat[JUPYTER_DISPLAY]());
  assert.ok(countColor(decoded, "#fde725") > 100, "p = 1 in Viridis' top colour");
  assert.throws(() => plot.tokenProbs([{ token: 1, candidates: [{ id: 1, piece: 2 as unknown as string, prob: 1 }] }]), /steps\[0\]\.candidates\[0\]: expected \{ id: number, piece: string, prob: number \}/);
});

test("plot.figure takes any plotly figure; bad input names the field; unknown trace types are noted, not dropped silently", () => {
  assert.throws(() => plot.figure({ data: "x" } as unknown as Figure), /plot\.figure: expected a plotly figure \{ data: Trace\[\], layout\?, config\? \}/);
  assert.throws(() => plot.figure({ data: [{ x: 5 }] } as unknown as Figure), /plot\.figure: data\[0\]\.x must be an array/);
  const pie = plot.figure({ data: [{ type: "pie", values: [1, 2] }], config: { responsive: true } });
  const bundle = pie[JUPYTER_DISPLAY]();
  assert.deepEqual((bundle[PLOTLY] as Figure).config, { responsive: true });
  assert.ok(countColor(png(bundle), "#444444") > 100, "the note about the undrawn pie is written on the image");
});

test("tensors are accepted where numbers are (1-D for lines, 2-D for heatmaps)", () => {
  const tensor = (shape: number[], values: number[]) => ({ shape, rank: shape.length, dtype: "float32", size: values.length, dataId: {}, isDisposed: false, dataSync: () => Float32Array.from(values) });
  assert.deepEqual(plot.line(tensor([3], [1, 2, 3])).figure.data[0].y, [1, 2, 3]);
  assert.deepEqual(plot.heatmap(tensor([2, 2], [1, 2, 3, 4])).figure.data[0].z, [[1, 2], [3, 4]]);
  assert.throws(() => plot.line(tensor([2, 2], [1, 2, 3, 4])), /plot\.line: y: expected a 1-D tensor, got shape \[2, 2\]/);
  assert.throws(() => plot.line({ train: [1, "two" as unknown as number] }), /plot\.line: y\.train\[1\] is not a number: "two"/);
  assert.deepEqual(plot.line([1, null as unknown as number, 3]).figure.data[0].y, [1, NaN, 3], "null is a gap");
  assert.throws(() => plot.bar([1, 2, 3], { x: ["a", "b"] }), /plot\.bar: options\.x has 2 labels for 3 values/);
});
