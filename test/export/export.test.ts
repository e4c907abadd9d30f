import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { main as exportMain } from "../../src/cli/export";
import { exportHtml, scriptSafe } from "../../src/export/html";
import { figureBundle, plot } from "../../src/ml/plot";
import type { Notebook, Output } from "../../src/notebook/nbformat";
import { haveTool } from "../helpers/tools";
import { Browser } from "./chromium";

const PLOTLY_HEADER = "plotly.js v4.1.2";
const count = (text: string, needle: string): number => text.split(needle).length - 1;
const display = (bundle: ReturnType<typeof figureBundle>): Output => ({ output_type: "display_data", ...bundle });

/** A notebook as `tensorbook run` leaves it: plots from the plot API, streams, an error, images, HTML. */
function sampleNotebook(): Notebook {
  const history = Array.from({ length: 30 }, (_, step) => ({ step, loss: 2 / (step + 1), ...(step % 10 === 9 && { accuracy: step / 30 }) }));
  const steps = [0, 1, 2].map((i) => ({ token: i, candidates: [{ id: i, piece: ["\u2581Once", "\u2581upon", "\u2581a"][i], prob: 0.6 }, { id: 9, piece: ",", prob: 0.3 }] }));
  const smallPng = figureBundle(plot.bar([1, 2], { width: 200, height: 120 }).figure).data["image/png"] as string;
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { title: "Training </script> & plots", kernelspec: { name: "tensorbook", display_name: "TypeScript (tensorbook)", language: "typescript" } },
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# Training\n\nA *small* network with `plot.losses`:\n\n- loss per **step**\n- accuracy\n\n| metric | value |\n|---|---:|\n| loss | 0.07 |\n" },
      { cell_type: "code", execution_count: 1, metadata: {}, source: "const fig = plot.losses(history);\nfig", outputs: [
        { output_type: "stream", name: "stderr", text: "\r  0%|    | 0/30\r 50%|██  | 15/30\r100%|████| 30/30\n" },
        { output_type: "execute_result", execution_count: 1, ...figureBundle(plot.losses(history).figure) },
      ] },
      { cell_type: "code", execution_count: 2, metadata: {}, source: "plot.tokenProbs(steps[0]).show(); plot.tokenProbs(steps).show();", outputs: [
        display(figureBundle(plot.tokenProbs(steps[0]).figure)),
        display(figureBundle(plot.tokenProbs(steps).figure)),
      ] },
      { cell_type: "code", execution_count: 3, metadata: {}, source: "undefinedThing", outputs: [
        { output_type: "error", ename: "ReferenceError", evalue: "undefinedThing is not defined", traceback: ["\u001b[31mReferenceError\u001b[0m: undefinedThing is not defined", "    at \u001b[1mCell In[3], line 1\u001b[0m"] },
      ] },
      { cell_type: "code", execution_count: 4, metadata: {}, source: "display(png); display(html)", outputs: [
        { output_type: "display_data", data: { "image/png": smallPng, "text/plain": "<image>" }, metadata: { "image/png": { width: 200, height: 120 } } },
        { output_type: "display_data", data: { "text/html": "<table><tr><td class=\"cell-x\">42</td></tr></table>", "text/plain": "42" }, metadata: {} },
      ] },
    ],
  };
}

test("the page embeds plotly.js once, behind the AMD guard, with every figure's JSON and snapshot", () => {
  const html = exportHtml(sampleNotebook());
  assert.equal(count(html, PLOTLY_HEADER), 1, "plotly.js embedded exactly once for three plots");
  assert.equal(count(html, 'class="plotly-output"'), 3);
  assert.equal(count(html, 'class="plotly-figure"'), 3);
  assert.equal(count(html, 'class="plotly-snapshot"'), 3, "each plot keeps its PNG until plotly.js draws");
  const before = html.indexOf("window.define = undefined"), plotly = html.indexOf(PLOTLY_HEADER), restore = html.indexOf("__tensorbookLoaders);");
  assert.ok(before > 0 && before < plotly && plotly < restore, "define/require hidden while plotly.js loads, restored after");
  assert.equal(count(html, "</script>"), count(html, "<script"), "no script ends early");
  assert.ok(html.includes("<title>Training &lt;/script&gt; &amp; plots</title>"));
  // Without plots, no plotly.js: the page stays small.
  const plain = exportHtml({ ...sampleNotebook(), cells: sampleNotebook().cells.filter((c) => c.cell_type === "markdown") });
  assert.equal(count(plain, PLOTLY_HEADER), 0);
  assert.ok(plain.length < 20_000);
});

test("other outputs are shown as nbconvert shows them", () => {
  const html = exportHtml(sampleNotebook());
  assert.match(html, /<h1 id="Training">Training<\/h1>/);
  assert.match(html, /<p>A <em>small<\/em> network with <code>plot\.losses<\/code>:<\/p>/);
  assert.match(html, /<ul>\n<li>loss per <strong>step<\/strong><\/li>\n<li>accuracy<\/li>\n<\/ul>/);
  assert.match(html, /<th style="text-align: right">value<\/th>/);
  assert.match(html, /In&nbsp;\[1\]:/);
  assert.match(html, /Out\[1\]:/);
  assert.ok(html.includes('<span class="ansi-red-fg">ReferenceError</span>: undefinedThing is not defined'));
  assert.ok(html.includes('<span class="ansi-bold">Cell In[3], line 1</span>'));
  assert.ok(!html.includes("\u001b"), "no raw escape characters left");
  assert.match(html, /<pre class="stream stderr">100%\|████\| 30\/30\n<\/pre>/, "a \\r progress bar shows its last state");
  assert.ok(html.includes('<td class="cell-x">42</td>'), "text/html outputs included as they are");
  assert.match(html, /<img src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="&lt;image&gt;" width="200" height="120">/);
  assert.equal(scriptSafe('a="</script><!--"'), 'a="\\x3C/script>\\x3C!--"');
});

test("tensorbook export writes the page atomically and refuses bad input, losing nothing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-export-"));
  try {
    const nb = path.join(dir, "nb.ipynb"), out = path.join(dir, "nb.html");
    fs.writeFileSync(nb, JSON.stringify(sampleNotebook()));
    assert.equal(await exportMain([nb, "--html", out]), 0);
    assert.equal(count(fs.readFileSync(out, "utf8"), PLOTLY_HEADER), 1);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["nb.html", "nb.ipynb"], "no temp file left behind");

    fs.writeFileSync(path.join(dir, "bad.ipynb"), '{"nbformat": 3, "cells": []}');
    const before = fs.readFileSync(out, "utf8");
    assert.equal(await exportMain([path.join(dir, "bad.ipynb"), "--html", out]), 1);
    assert.equal(fs.readFileSync(out, "utf8"), before, "a failed export leaves the old page as it was");
    assert.equal(await exportMain([nb]), 2, "no --html");
    assert.equal(await exportMain([nb, "--html", nb]), 2, "never overwrite the notebook");
    assert.equal(await exportMain([nb, "--pdf", out]), 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Headless Chromium (Debian) opens the exported page: every plot drawn by plotly.js (.main-svg), the PNG
// outputs decoded by the browser at their size, and no console error — also with an AMD loader on the page.
let browser: Browser | undefined;
let dir: string;
const chromium = haveTool("chromium");
before(async () => {
  if (!chromium) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-export-chromium-"));
  browser = await Browser.launch();
});
after(async () => {
  await browser?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

type PageState = { plots: number; drawn: number; snapshots: number; images: number[]; heights: number[] };

async function renderInChromium(html: string, name: string): Promise<PageState> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, html);
  await browser!.open(pathToFileURL(file).href);
  const state = `({ plots: document.querySelectorAll(".plotly-output").length,
    drawn: [...document.querySelectorAll(".plotly-output")].filter((el) => el.querySelector(".main-svg")).length,
    snapshots: document.querySelectorAll("img.plotly-snapshot").length,
    images: [...document.querySelectorAll(".output-body > img")].map((img) => img.naturalWidth),
    heights: [...document.querySelectorAll(".plotly-output")].map((el) => Math.round(el.querySelector(".main-svg")?.getBoundingClientRect().height ?? 0)) })`;
  for (let tries = 0; ; tries++) {
    const result = await browser!.evaluate<PageState>(state);
    if (result.drawn === result.plots || tries > 100) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("in headless Chromium every plot renders interactively, offline, with no console errors", { skip: !chromium, timeout: 90_000 }, async () => {
  const result = await renderInChromium(exportHtml(sampleNotebook()), "page.html");
  // Drawn at full size: plotly's default 450 px, the heatmap's own layout.height (180 + 22 px a step, at least 300).
  assert.deepEqual(result, { plots: 3, drawn: 3, snapshots: 0, images: [200], heights: [450, 450, 300] });
  assert.deepEqual(browser!.errors, []);
});

test("with an AMD loader on the page, plotly.js still loads as window.Plotly and define is put back", { skip: !chromium, timeout: 90_000 }, async () => {
  const amd = `<script>window.define = function () { window.amdDefineCalls = (window.amdDefineCalls || 0) + 1; }; window.define.amd = { jQuery: true }; window.require = function () {};</script>`;
  const html = exportHtml(sampleNotebook()).replace("<head>", `<head>\n${amd}`);
  const result = await renderInChromium(html, "amd.html");
  assert.equal(result.drawn, 3);
  assert.deepEqual(await browser!.evaluate("[typeof window.Plotly.newPlot, window.amdDefineCalls === undefined, typeof window.define.amd, typeof window.require]"), ["function", true, "object", "function"]);
  assert.deepEqual(browser!.errors, []);
});
