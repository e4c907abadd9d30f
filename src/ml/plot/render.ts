// The PNG snapshot of a plotly figure, drawn in the kernel (no browser): the chart a notebook shows where
// plotly.js does not run — GitHub, nbviewer, an untrusted notebook (DESIGN.md, "Display and plots").
// It follows plotly.js's defaults (figure size, margins, colorway, grid colours, colorscales) so that the
// snapshot and the interactive chart look alike. Drawn: scatter (lines, markers), bar (v/h, grouped),
// histogram, heatmap (with a colorbar), a second y axis on the right, title, axis titles, legend.
// Other trace types are listed in a note on the image rather than silently dropped.
import { Canvas, parseColor, type Color } from "../../display/png/canvas";
import { textWidth } from "../../display/png/font";
import { colorAt, colorscaleStops } from "./colorscale";
import { COLORWAY, DEFAULT_HEIGHT, DEFAULT_WIDTH, titleText, type Axis, type Datum, type Figure, type Trace } from "./figure";
import { histogramBins } from "./histogram";
import { formatTick, linearTicks, logTicks, tickCount } from "./ticks";

// Text sizes in multiples of the 5×7 font: tick labels and legend at 1× (7 px caps, about plotly's 12 px
// font), axis titles at 1× bold, the figure title at 2×.
const TICK = { scale: 1 } as const;
const TITLE = { scale: 2, bold: true } as const;
const INK = parseColor("#444444"); // plotly's default font and tick-label colour
const GRID = parseColor("#eeeeee"); // plotly's default gridcolor
const ZERO_LINE = parseColor("#444444");

type AxisId = "x" | "y" | "y2";

/** One axis after its data is seen: what kind it is, its range in data units, and its ticks. */
interface ScaleAxis {
  id: AxisId;
  spec: Axis;
  kind: "linear" | "log" | "category";
  categories: string[];
  min: number;
  max: number;
  ticks: { value: number; label: string }[];
}

/** A datum as a number on its axis: a category's index, a number, or its log10 on a log axis. */
function toNumber(axis: ScaleAxis, d: Datum | null | undefined): number {
  if (d === null || d === undefined) return NaN; // a gap (plotly accepts null in data arrays)
  if (axis.kind === "category") return axis.categories.indexOf(String(d));
  const v = typeof d === "number" ? d : Number(d);
  return axis.kind === "log" ? (v > 0 ? Math.log10(v) : NaN) : v;
}

function traceType(trace: Trace): string {
  return trace.type ?? "scatter";
}

function isHorizontalBar(trace: Trace): boolean {
  return traceType(trace) === "bar" && trace.orientation === "h";
}

/** The data a trace puts on the x or y axis (positions or values), for axis typing and ranges. */
function axisData(trace: Trace, which: "x" | "y"): Datum[] {
  const type = traceType(trace);
  if (type === "heatmap") {
    const z = trace.z ?? [];
    const count = which === "x" ? Math.max(0, ...z.map((row) => row.length)) : z.length;
    return trace[which] ?? Array.from({ length: count }, (_, i) => i);
  }
  if (type === "histogram") return which === "x" ? trace.x ?? [] : [];
  const values = trace[which];
  if (values !== undefined) return values;
  // plotly's default for a missing coordinate is the index 0, 1, 2, … of the other one.
  const other = trace[which === "x" ? "y" : "x"] ?? [];
  return other.map((_, i) => i);
}

function axisOf(trace: Trace): { x: AxisId; y: AxisId } {
  return { x: "x", y: trace.yaxis === "y2" ? "y2" : "y" };
}

function buildAxis(id: AxisId, spec: Axis, traces: Trace[], length: number): ScaleAxis {
  const which = id === "x" ? "x" : "y";
  const mine = traces.filter((t) => axisOf(t)[which] === id);
  const data = mine.flatMap((t) => axisData(t, which));
  const kind = spec.type === "linear" || spec.type === "log" || spec.type === "category" ? spec.type
    : data.some((d) => typeof d === "string" && (d.trim() === "" || Number.isNaN(Number(d)))) ? "category" : "linear";
  const axis: ScaleAxis = { id, spec, kind, categories: [], min: Infinity, max: -Infinity, ticks: [] };
  if (kind === "category") axis.categories = [...new Set(data.map(String))];

  // Extents per trace type, with plotly's autorange padding: 5% around markers and lines on the value
  // axis, bars and histograms from zero, heatmap cells edge to edge, category slots ±0.5.
  let pad = 0;
  const extend = (v: number): void => {
    if (Number.isFinite(v)) { axis.min = Math.min(axis.min, v); axis.max = Math.max(axis.max, v); }
  };
  for (const trace of mine) {
    const type = traceType(trace);
    const values = axisData(trace, which).map((d) => toNumber(axis, d));
    if (type === "heatmap") {
      const edges = cellEdges(values);
      extend(edges[0]);
      extend(edges[edges.length - 1]);
    } else if (type === "histogram") {
      if (which === "x") {
        const bins = histogramBins(values, trace.xbins, trace.nbinsx);
        extend(bins.start);
        extend(bins.start + bins.size * bins.counts.length);
      } else {
        extend(0);
        for (const c of histogramBins(toNumbers(trace.x), trace.xbins, trace.nbinsx).counts) extend(c);
        pad = Math.max(pad, 0.05);
      }
    } else if (type === "bar") {
      const valueAxis = isHorizontalBar(trace) ? "x" : "y";
      if (which === valueAxis) { extend(0); values.forEach(extend); pad = Math.max(pad, 0.05); }
      else values.forEach((v) => { extend(v - 0.5); extend(v + 0.5); });
    } else {
      values.forEach(extend);
      if (which !== "x" || (trace.mode ?? "lines").includes("markers")) pad = Math.max(pad, which === "x" ? 0.02 : 0.05);
    }
  }
  if (spec.rangemode === "tozero" && kind === "linear") extend(0);
  if (!Number.isFinite(axis.min)) { axis.min = kind === "log" ? 0 : -1; axis.max = kind === "log" ? 1 : 1; }
  if (axis.min === axis.max) { axis.min -= 1; axis.max += 1; }
  const span = axis.max - axis.min;
  // Bars keep their zero baseline on the axis edge: pad only the side away from zero.
  const barFromZero = spec.rangemode === "tozero" || mine.some((t) => ["bar", "histogram"].includes(traceType(t)));
  axis.min -= barFromZero && axis.min === 0 ? 0 : span * pad;
  axis.max += barFromZero && axis.max === 0 ? 0 : span * pad;
  if (spec.range !== undefined) [axis.min, axis.max] = spec.range;

  if (kind === "category") {
    // Every category if the labels fit, else every k-th (plotly thins crowded category ticks the same way).
    const widest = Math.max(10, ...axis.categories.map((c) => textWidth(c, TICK.scale)));
    const room = which === "x" ? widest + 8 : 12;
    const every = Math.max(1, Math.ceil((axis.categories.length * room) / Math.max(1, length)));
    axis.ticks = axis.categories.map((label, value) => ({ value, label })).filter((t) => t.value % every === 0 && t.value >= axis.min && t.value <= axis.max);
  } else if (kind === "log") {
    axis.ticks = logTicks(axis.min, axis.max).map((value) => ({ value, label: formatTick(Math.pow(10, value), Math.pow(10, Math.floor(value)), Math.pow(10, axis.max)) }));
  } else {
    const { values, step } = linearTicks(axis.min, axis.max, tickCount(length, which !== "x"));
    axis.ticks = values.map((value) => ({ value, label: formatTick(value, step, Math.max(Math.abs(axis.min), Math.abs(axis.max))) }));
  }
  return axis;
}

function toNumbers(values: Datum[] | undefined): number[] {
  return (values ?? []).map((v) => (typeof v === "number" ? v : Number(v)));
}

/** Cell boundaries around centres (heatmap bricks): halfway between neighbours, half a step at the ends. */
function cellEdges(centres: number[]): number[] {
  if (centres.length === 0) return [-0.5, 0.5];
  if (centres.length === 1) return [centres[0] - 0.5, centres[0] + 0.5];
  const edges = [centres[0] - (centres[1] - centres[0]) / 2];
  for (let i = 0; i + 1 < centres.length; i++) edges.push((centres[i] + centres[i + 1]) / 2);
  const n = centres.length;
  edges.push(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2);
  return edges;
}

function traceColor(trace: Trace, index: number, colorway: string[]): string {
  const marker = trace.marker?.color;
  return trace.line?.color ?? (typeof marker === "string" ? marker : undefined) ?? colorway[index % colorway.length];
}

export interface Snapshot {
  png: Buffer;
  width: number;
  height: number;
}

/** Renders `figure` to a PNG of layout.width × layout.height (plotly's 700 × 450 by default). */
export function renderFigure(figure: Figure): Snapshot {
  const layout = figure.layout ?? {};
  const width = Math.round(layout.width ?? DEFAULT_WIDTH);
  const height = Math.round(layout.height ?? DEFAULT_HEIGHT);
  const traces = figure.data;
  const colorway = layout.colorway ?? COLORWAY;
  const canvas = new Canvas(width, height, parseColor(layout.paper_bgcolor ?? "#ffffff"));

  const drawn = traces.filter((t) => ["scatter", "scattergl", "bar", "histogram", "heatmap"].includes(traceType(t)));
  const skipped = [...new Set(traces.filter((t) => !drawn.includes(t)).map(traceType))];
  const heatmap = drawn.find((t) => traceType(t) === "heatmap");
  const hasY2 = drawn.some((t) => t.yaxis === "y2");
  const legendTraces = drawn.filter((t) => traceType(t) !== "heatmap" && t.showlegend !== false);
  const showLegend = layout.showlegend ?? legendTraces.length > 1;

  // Margins: plotly's defaults (80, 80, 100, 80), widened for what sits outside the plot area, as
  // plotly's automargin does for tick labels, the legend and the colorbar.
  const margin = { l: layout.margin?.l ?? 80, r: layout.margin?.r ?? 80, t: layout.margin?.t ?? 100, b: layout.margin?.b ?? 80 };
  const roughWidth = width - margin.l - margin.r, roughHeight = height - margin.t - margin.b;
  let x = buildAxis("x", layout.xaxis ?? {}, drawn, roughWidth);
  let y = buildAxis("y", layout.yaxis ?? {}, drawn, roughHeight);
  const y2 = hasY2 ? buildAxis("y2", layout.yaxis2 ?? {}, drawn, roughHeight) : undefined;
  const labelWidth = (axis: ScaleAxis | undefined): number => Math.max(0, ...(axis?.ticks ?? []).map((t) => textWidth(t.label, TICK.scale)));
  margin.l = Math.max(margin.l, labelWidth(y) + 10 + (titleText(layout.yaxis?.title) ? 22 : 0));
  let right = 0;
  if (y2) right += labelWidth(y2) + 10 + (titleText(layout.yaxis2?.title) ? 22 : 0);
  const legendWidth = showLegend ? 40 + Math.max(0, ...legendTraces.map((t, i) => textWidth(t.name ?? `trace ${i}`, TICK.scale))) : 0;
  right += legendWidth;
  if (heatmap && heatmap.showscale !== false) right += 70;
  margin.r = Math.max(margin.r, right + 10);
  const plot = { left: margin.l, top: margin.t, width: Math.max(10, width - margin.l - margin.r), height: Math.max(10, height - margin.t - margin.b) };
  // Rebuild with the final lengths, so tick density matches the room the axes really have.
  x = buildAxis("x", layout.xaxis ?? {}, drawn, plot.width);
  y = buildAxis("y", layout.yaxis ?? {}, drawn, plot.height);

  const reversed = (axis: ScaleAxis): boolean => axis.spec.autorange === "reversed";
  const px = (v: number): number => plot.left + ((reversed(x) ? x.max - v : v - x.min) / (x.max - x.min)) * plot.width;
  const pyOf = (axis: ScaleAxis) => (v: number): number => plot.top + plot.height - ((reversed(axis) ? axis.max - v : v - axis.min) / (axis.max - axis.min)) * plot.height;
  const py = pyOf(y);

  canvas.fillRect(plot.left, plot.top, plot.width, plot.height, parseColor(layout.plot_bgcolor ?? "#ffffff"));
  // Grid: y lines at every tick; x lines on a numeric axis (plotly draws none between categories of bars).
  if (y.spec.showgrid !== false) for (const t of y.ticks) canvas.line(plot.left, py(t.value), plot.left + plot.width, py(t.value), GRID, 1);
  if (x.kind !== "category" && x.spec.showgrid !== false) for (const t of x.ticks) canvas.line(px(t.value), plot.top, px(t.value), plot.top + plot.height, GRID, 1);
  if (y.kind === "linear" && y.spec.zeroline !== false && y.min < 0 && y.max > 0) canvas.line(plot.left, py(0), plot.left + plot.width, py(0), ZERO_LINE, 1);

  canvas.clip = { x0: plot.left, y0: plot.top, x1: plot.left + plot.width, y1: plot.top + plot.height };
  const bars = drawn.filter((t) => traceType(t) === "bar");
  drawn.forEach((trace, index) => {
    const yAxis = trace.yaxis === "y2" && y2 ? y2 : y;
    const toY = pyOf(yAxis);
    const opacity = typeof trace.opacity === "number" ? trace.opacity : 1;
    const color = traceColor(trace, index, colorway);
    const type = traceType(trace);
    if (type === "heatmap") drawHeatmap(canvas, trace, x, yAxis, px, toY);
    else if (type === "histogram") {
      const bins = histogramBins(toNumbers(trace.x), trace.xbins, trace.nbinsx);
      const fill = { ...parseColor(color), a: opacity };
      bins.counts.forEach((count, i) => {
        const x0 = px(bins.start + i * bins.size), x1 = px(bins.start + (i + 1) * bins.size);
        canvas.fillRect(Math.min(x0, x1) + 0.5, toY(count), Math.abs(x1 - x0) - 1, toY(0) - toY(count), fill);
      });
    } else if (type === "bar") {
      // barmode "group": each bar trace takes its share of the 80% of a slot that plotly's bargap 0.2 leaves.
      const share = 0.8 / bars.length, offset = -0.4 + share * bars.indexOf(trace);
      const horizontal = isHorizontalBar(trace);
      const positions = axisData(trace, horizontal ? "y" : "x"), values = axisData(trace, horizontal ? "x" : "y");
      const colors = trace.marker?.color;
      positions.forEach((p, i) => {
        const fill = parseColor(Array.isArray(colors) ? colors[i % colors.length] : color);
        const at = toNumber(horizontal ? yAxis : x, p), value = Number(values[i]);
        if (!Number.isFinite(at) || !Number.isFinite(value)) return;
        if (horizontal) {
          const top = toY(at + offset + share), bottom = toY(at + offset);
          canvas.fillRect(Math.min(px(0), px(value)), Math.min(top, bottom), Math.abs(px(value) - px(0)), Math.abs(bottom - top), fill);
        } else {
          const left = px(at + offset), rightEdge = px(at + offset + share);
          canvas.fillRect(Math.min(left, rightEdge), Math.min(toY(0), toY(value)), Math.abs(rightEdge - left), Math.abs(toY(value) - toY(0)), fill);
        }
      });
    } else {
      const xs = axisData(trace, "x").map((d) => toNumber(x, d)), ys = axisData(trace, "y").map((d) => toNumber(yAxis, d));
      const mode = trace.mode ?? (xs.length <= 20 ? "lines+markers" : "lines"); // plotly's default mode rule
      const stroke = parseColor(color);
      // A gap (NaN, null) breaks the line, as plotly's connectgaps: false does.
      let run: [number, number][] = [];
      const flush = (): void => { if (mode.includes("lines") && run.length > 1) canvas.polyline(run, stroke, trace.line?.width ?? 2); run = []; };
      xs.forEach((xv, i) => {
        const yv = ys[i];
        if (!Number.isFinite(xv) || !Number.isFinite(yv)) return flush();
        run.push([px(xv), toY(yv)]);
        if (mode.includes("markers")) canvas.dot(px(xv), toY(yv), (trace.marker?.size ?? 6) / 2, stroke);
      });
      flush();
    }
  });
  canvas.clip = undefined;

  // Tick labels: x below the plot, y left of it, y2 right of it.
  for (const t of x.ticks) canvas.text(px(t.value), plot.top + plot.height + 8, t.label, { color: INK, ...TICK, align: "center" });
  for (const t of y.ticks) canvas.text(plot.left - 6, py(t.value), t.label, { color: INK, ...TICK, align: "right", baseline: "middle" });
  let cursor = plot.left + plot.width + 6;
  if (y2) {
    const py2 = pyOf(y2);
    for (const t of y2.ticks) canvas.text(cursor, py2(t.value), t.label, { color: INK, ...TICK, baseline: "middle" });
    cursor += labelWidth(y2) + 6;
    const title2 = titleText(layout.yaxis2?.title);
    if (title2) canvas.text(cursor + 4, plot.top + plot.height / 2, title2, { color: INK, scale: 1, bold: true, align: "center", vertical: true });
    cursor += title2 ? 22 : 0;
  }

  const xTitle = titleText(layout.xaxis?.title), yTitle = titleText(layout.yaxis?.title), title = titleText(layout.title);
  if (xTitle) canvas.text(plot.left + plot.width / 2, plot.top + plot.height + 28, xTitle, { color: INK, scale: 1, bold: true, align: "center" });
  if (yTitle) canvas.text(plot.left - labelWidth(y) - 22, plot.top + plot.height / 2, yTitle, { color: INK, scale: 1, bold: true, align: "center", vertical: true });
  if (title) canvas.text(width / 2, Math.max(8, margin.t / 2 - 7), title, { color: INK, ...TITLE, align: "center" });

  if (showLegend) {
    const left = cursor + 8;
    legendTraces.forEach((trace, i) => {
      const top = plot.top + i * 18;
      const color = parseColor(traceColor(trace, drawn.indexOf(trace), colorway));
      if (["bar", "histogram"].includes(traceType(trace))) canvas.fillRect(left, top - 5, 20, 10, color);
      else canvas.line(left, top, left + 20, top, color, 2);
      canvas.text(left + 26, top, trace.name ?? `trace ${drawn.indexOf(trace)}`, { color: INK, ...TICK, baseline: "middle" });
    });
    cursor += legendWidth;
  }
  if (heatmap && heatmap.showscale !== false) drawColorbar(canvas, heatmap, cursor + 10, plot.top, plot.height);
  if (skipped.length > 0) {
    canvas.text(plot.left + 4, plot.top + 4, `not drawn in this snapshot: ${skipped.join(", ")} (see the interactive plot)`, { color: INK, ...TICK });
  }
  return { png: canvas.toPng(), width, height };
}

function zRange(trace: Trace): { zmin: number; zmax: number } {
  const values = (trace.z ?? []).flat().filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const zmin = trace.zmin ?? (values.length ? Math.min(...values) : 0);
  const zmax = trace.zmax ?? (values.length ? Math.max(...values) : 1);
  return { zmin, zmax: zmax === zmin ? zmin + 1 : zmax };
}

function drawHeatmap(canvas: Canvas, trace: Trace, x: ScaleAxis, y: ScaleAxis, px: (v: number) => number, py: (v: number) => number): void {
  const z = trace.z ?? [];
  const stops = colorscaleStops(trace.colorscale);
  const { zmin, zmax } = zRange(trace);
  const xEdges = cellEdges(axisData(trace, "x").map((d) => toNumber(x, d)));
  const yEdges = cellEdges(axisData(trace, "y").map((d) => toNumber(y, d)));
  z.forEach((row, i) => row.forEach((value, j) => {
    if (value === null || !Number.isFinite(value) || j + 1 >= xEdges.length || i + 1 >= yEdges.length) return;
    const color = colorAt(stops, (value - zmin) / (zmax - zmin), trace.reversescale === true);
    const x0 = Math.round(px(xEdges[j])), x1 = Math.round(px(xEdges[j + 1]));
    const y0 = Math.round(py(yEdges[i])), y1 = Math.round(py(yEdges[i + 1]));
    canvas.fillRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0), color);
    // texttemplate "%{text}" labels each cell (plot.tokenProbs puts the piece there): dark ink on light
    // cells, white on dark ones, cut with "…" to the cell's width, left out where even that does not fit.
    const label = cellLabel(trace, i, j);
    if (label === undefined || Math.abs(y1 - y0) < 9) return;
    const room = Math.abs(x1 - x0) - 4;
    let text = label;
    while (text.length > 1 && textWidth(text, 1) > room) text = text.slice(0, -2) + "\u2026";
    if (textWidth(text, 1) > room) return;
    const light = 0.299 * color.r + 0.587 * color.g + 0.114 * color.b > 140;
    canvas.text((x0 + x1) / 2, (y0 + y1) / 2, text, { color: light ? INK : parseColor("#ffffff"), scale: 1, align: "center", baseline: "middle" });
  }));
}

function cellLabel(trace: Trace, i: number, j: number): string | undefined {
  const template = trace.texttemplate;
  const text = trace.text;
  if (typeof template !== "string" || !template.includes("%{text}") || !Array.isArray(text)) return undefined;
  const row: unknown = text[i];
  const value = Array.isArray(row) ? row[j] : undefined;
  return value === undefined || value === null || value === "" ? undefined : template.replace("%{text}", String(value));
}

function drawColorbar(canvas: Canvas, trace: Trace, left: number, top: number, height: number): void {
  const stops = colorscaleStops(trace.colorscale);
  const { zmin, zmax } = zRange(trace);
  for (let row = 0; row < height; row++) {
    canvas.fillRect(left, top + row, 14, 1, colorAt(stops, 1 - row / Math.max(1, height - 1), trace.reversescale === true));
  }
  const { values, step } = linearTicks(zmin, zmax, 5);
  for (const v of values) {
    const at = top + (1 - (v - zmin) / (zmax - zmin)) * height;
    canvas.text(left + 20, at, formatTick(v, step, Math.max(Math.abs(zmin), Math.abs(zmax))), { color: INK, ...TICK, baseline: "middle" });
  }
}
