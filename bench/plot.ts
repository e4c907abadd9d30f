// bench/plot: the PNG snapshot of a plot made in the kernel (renderFigure: rasterize + PNG encode, no
// browser) beside the usual way to get a PNG of a plotly figure — plotly.js in headless Chromium,
// Plotly.toImage (what plotly's kaleido does) — timed inside the page so that the DevTools round trip is
// not counted. Both run in this process's run, on the same figures; each figure is the median of RUNS.
// Also: what a live plot costs a training loop — push() calls per second while updates are throttled.
//
//   npx tsc -p . --outDir dist-plot && node dist-plot/bench/plot.js [runs]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { setDisplaySink } from "../src/display/channel";
import { plotlyBundle, scriptSafe } from "../src/export/html";
import { plot, renderFigure, type Figure } from "../src/ml/plot";
import { Browser } from "../test/export/chromium";
import { median } from "./stats";

const RUNS = Number(process.argv[2] ?? 7);

const vocab = ["\u2581Once", "\u2581upon", "\u2581a", "\u2581time", ",", "\u2581there", "\u2581was", "\u2581Lily"];
const figures: { name: string; figure: Figure }[] = [
  { name: "losses, 1000 steps + accuracy", figure: plot.losses(Array.from({ length: 1000 }, (_, step) => ({ step, loss: 2 / (step + 1) + 0.05 * Math.sin(step), ...(step % 100 === 0 && { accuracy: step / 1000 }) }))).figure },
  { name: "bar, 10 categories", figure: plot.bar(Array.from({ length: 10 }, (_, i) => i + 1), { x: vocab.concat(["a", "b"]), title: "bars" }).figure },
  { name: "tokenProbs heatmap, 32 steps × 8", figure: plot.tokenProbs(Array.from({ length: 32 }, (_, i) => ({ token: i, candidates: Array.from({ length: 8 }, (_, r) => ({ id: i + r, piece: vocab[(i + r) % 8], prob: Math.pow(0.5, r + 1) })) }))).figure },
  { name: "histogram, 10,000 values", figure: plot.histogram(Array.from({ length: 10_000 }, (_, i) => Math.sin(i * 12.9898) * Math.cos(i * 0.7))).figure },
];

function tensorbookMs(figure: Figure): { ms: number; bytes: number } {
  renderFigure(figure); // warm-up (JIT)
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < RUNS; r++) {
    const start = performance.now();
    bytes = renderFigure(figure).png.length;
    times.push(performance.now() - start);
  }
  return { ms: median(times), bytes };
}

async function chromiumMs(browser: Browser, figure: Figure): Promise<{ ms: number; bytes: number }> {
  const layout = { width: 700, height: 450, ...figure.layout };
  const result = await browser.evaluate<{ times: number[]; length: number }>(`(async () => {
    const figure = ${JSON.stringify({ data: figure.data, layout })};
    await Plotly.toImage(figure, { format: "png" }); // warm-up
    const times = []; let url = "";
    for (let r = 0; r < ${RUNS}; r++) {
      const start = performance.now();
      url = await Plotly.toImage(figure, { format: "png" });
      times.push(performance.now() - start);
    }
    return { times, length: url.length };
  })()`);
  // A data URL: "data:image/png;base64," + base64 (4 characters per 3 bytes).
  return { ms: median(result.times), bytes: Math.round(((result.length - 22) * 3) / 4) };
}

function pushRate(): number {
  const previous = setDisplaySink({ rich: true, display() {}, update() {}, clearOutput() {} });
  try {
    const fig = plot.losses([]).show();
    const n = 200_000;
    const start = performance.now();
    for (let step = 0; step < n; step++) fig.push({ step, loss: 1 / (step + 1) });
    fig.flush();
    return n / ((performance.now() - start) / 1000);
  } finally {
    setDisplaySink(previous);
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tensorbook-bench-plot-"));
  const page = path.join(dir, "plotly.html");
  fs.writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><script>${scriptSafe(plotlyBundle())}</script></head><body></body></html>`);
  const browser = await Browser.launch();
  try {
    await browser.open(pathToFileURL(page).href);
    console.log(`bench/plot: PNG snapshot of a 700×450 plot, median of ${RUNS} (ms; lower is better)`);
    console.log(`${"figure".padEnd(36)} ${"tensorbook".padStart(11)} ${"plotly.js+Chromium".padStart(19)} ${"ratio".padStart(7)}   PNG bytes (tensorbook / Chromium)`);
    for (const { name, figure } of figures) {
      const ours = tensorbookMs(figure);
      const peer = await chromiumMs(browser, figure);
      console.log(`${name.padEnd(36)} ${ours.ms.toFixed(1).padStart(11)} ${peer.ms.toFixed(1).padStart(19)} ${(peer.ms / ours.ms).toFixed(2).padStart(6)}×   ${ours.bytes} / ${peer.bytes}`);
    }
    if (browser.errors.length > 0) console.log(`Chromium console errors: ${browser.errors.join("; ")}`);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`live plot: ${Math.round(pushRate()).toLocaleString("en-US")} plot.losses push() calls/s with throttled updates (each sent update renders a PNG)`);
}

void main();
