// The basic charts, shaped like plotly express: plot.line, plot.bar, plot.heatmap, plot.histogram, and
// plot.figure for any plotly figure. Each returns a Plot handle (shows as a cell's value, show(), update()).
import type { TensorLike } from "../../display/tensor";
import { validateFigure, type Datum, type Figure, type Layout, type Trace } from "./figure";
import { Plot, type PlotOptions } from "./handle";
import { autoBins } from "./histogram";

/** Numbers as an array, a typed array or a 1-D tensor (read once, here). */
export type Values = ArrayLike<number> | TensorLike;
/** One series, or several by name ({ train: [...], test: [...] }). */
export type Series = Values | { [name: string]: Values };

export interface ChartOptions extends PlotOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
  /** Merged into the layout last: any plotly layout attribute. */
  layout?: Layout;
}

// Duck-typed like display/tensor's isTensorLike (a tensor from any copy of tfjs), checked here without
// loading the tensor formatter: a plot needs only shape, rank and dataSync.
function isTensorLike(value: unknown): value is TensorLike {
  const v = value as Partial<TensorLike> | null;
  return typeof v === "object" && v !== null && Array.isArray(v.shape) && typeof v.rank === "number" && typeof v.dataSync === "function";
}

/** A plain number[] from an array, typed array or 1-D tensor; `where` names the argument in errors. */
export function toNumbers(values: Values, where: string): number[] {
  if (isTensorLike(values)) {
    if (values.rank !== 1) throw new TypeError(`${where}: expected a 1-D tensor, got shape [${values.shape.join(", ")}]`);
    return Array.from(values.dataSync() as ArrayLike<number>, Number);
  }
  if (typeof values !== "object" || values === null || typeof values.length !== "number") {
    throw new TypeError(`${where}: expected an array of numbers, a typed array or a 1-D tensor, got ${values === null ? "null" : typeof values}`);
  }
  return Array.from(values, (v: unknown, i) => {
    // null and NaN are gaps (plotly leaves them out); anything else that is not a number is a mistake.
    if (typeof v === "number" || v === null) return v === null ? NaN : v;
    if (typeof v === "bigint") return Number(v);
    throw new TypeError(`${where}[${i}] is not a number: ${JSON.stringify(v) ?? String(v)}`);
  });
}

/** A 2-D table of numbers from nested arrays or a 2-D tensor. */
function toMatrix(values: ArrayLike<ArrayLike<number>> | TensorLike, where: string): number[][] {
  if (isTensorLike(values)) {
    if (values.rank !== 2) throw new TypeError(`${where}: expected a 2-D tensor, got shape [${values.shape.join(", ")}]`);
    const flat = values.dataSync() as ArrayLike<number>;
    const [rows, cols] = values.shape;
    return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => Number(flat[i * cols + j])));
  }
  return Array.from(values, (row, i) => toNumbers(row, `${where}[${i}]`));
}

function isNamedSeries(series: Series): series is { [name: string]: Values } {
  return typeof series === "object" && series !== null && !isTensorLike(series) && typeof (series as ArrayLike<number>).length !== "number";
}

function namedSeries(series: Series, where: string): { name?: string; values: number[] }[] {
  if (isNamedSeries(series)) return Object.entries(series).map(([name, values]) => ({ name, values: toNumbers(values, `${where}.${name}`) }));
  return [{ values: toNumbers(series, where) }];
}

export function baseLayout(options: ChartOptions): Layout {
  const layout: Layout = {};
  if (options.title !== undefined) layout.title = { text: options.title };
  if (options.xTitle !== undefined) layout.xaxis = { title: { text: options.xTitle } };
  if (options.yTitle !== undefined) layout.yaxis = { title: { text: options.yTitle } };
  if (options.width !== undefined) layout.width = options.width;
  if (options.height !== undefined) layout.height = options.height;
  return { ...layout, ...options.layout };
}

export interface LineOptions extends ChartOptions {
  /** x values shared by every series (default 0, 1, 2, …). */
  x?: Values | Datum[];
  mode?: "lines" | "markers" | "lines+markers";
}

/** plot.line(y) or plot.line({ train, test }, { x }): one line per series. */
export function line(y: Series, options: LineOptions = {}): Plot<Series> {
  return new Plot(y, (input) => {
    const x = options.x === undefined ? undefined : Array.isArray(options.x) ? (options.x as Datum[]) : toNumbers(options.x as Values, "plot.line: options.x");
    const data: Trace[] = namedSeries(input, "plot.line: y").map(({ name, values }) => ({
      type: "scatter", mode: options.mode ?? "lines", ...(name !== undefined && { name }), x: x ?? values.map((_, i) => i), y: values,
    }));
    return { data, layout: baseLayout(options) };
  }, options);
}

export interface BarOptions extends ChartOptions {
  /** Bar labels (categories), default 0, 1, 2, …. */
  x?: Datum[];
  /** "h": horizontal bars, labels down the y axis. */
  orientation?: "v" | "h";
}

/** plot.bar(values, { x: labels }) or plot.bar({ a, b }, { x }) for grouped bars. */
export function bar(y: Series, options: BarOptions = {}): Plot<Series> {
  return new Plot(y, (input) => {
    const data: Trace[] = namedSeries(input, "plot.bar: y").map(({ name, values }) => {
      if (options.x !== undefined && options.x.length !== values.length) {
        throw new RangeError(`plot.bar: options.x has ${options.x.length} labels for ${values.length} values${name !== undefined ? ` (series "${name}")` : ""}`);
      }
      const labels = (options.x ?? values.map((_, i) => i)).map(String);
      const horizontal = options.orientation === "h";
      return { type: "bar", ...(name !== undefined && { name }), ...(horizontal ? { orientation: "h", y: labels, x: values } : { x: labels, y: values }) };
    });
    const layout = baseLayout(options);
    // Labels are categories even when they look like numbers ("1", "2"): plotly would otherwise place them on a numeric axis.
    const categoryAxis = options.orientation === "h" ? "yaxis" : "xaxis";
    layout[categoryAxis] = { ...layout[categoryAxis], type: "category", ...(options.orientation === "h" && { autorange: "reversed" }) };
    return { data, layout };
  }, options);
}

export interface HeatmapOptions extends ChartOptions {
  x?: Datum[];
  y?: Datum[];
  colorscale?: string | [number, string][];
  zmin?: number;
  zmax?: number;
}

/** plot.heatmap(z) for a 2-D array or tensor: row i of z is drawn at y[i] (plotly's convention: row 0 at the bottom). */
export function heatmap(z: ArrayLike<ArrayLike<number>> | TensorLike, options: HeatmapOptions = {}): Plot<ArrayLike<ArrayLike<number>> | TensorLike> {
  return new Plot(z, (input) => {
    const trace: Trace = { type: "heatmap", z: toMatrix(input, "plot.heatmap: z"), colorscale: options.colorscale ?? "Viridis" };
    if (options.x) trace.x = options.x;
    if (options.y) trace.y = options.y;
    if (options.zmin !== undefined) trace.zmin = options.zmin;
    if (options.zmax !== undefined) trace.zmax = options.zmax;
    return { data: [trace], layout: baseLayout(options) };
  }, options);
}

export interface HistogramOptions extends ChartOptions {
  /** Number of bins (about; the width is rounded to a nice number). Default √n, 5 to 50. */
  bins?: number;
}

/** plot.histogram(values): bins computed here and written into xbins, so snapshot and plotly agree. */
export function histogram(values: Series, options: HistogramOptions = {}): Plot<Series> {
  return new Plot(values, (input) => {
    const series = namedSeries(input, "plot.histogram: values");
    const xbins = autoBins(series.flatMap((s) => s.values), options.bins);
    const data: Trace[] = series.map(({ name, values: v }) => ({
      type: "histogram", ...(name !== undefined && { name }), x: v, xbins, ...(series.length > 1 && { opacity: 0.6 }),
    }));
    const layout = baseLayout(options);
    if (series.length > 1) layout.barmode = "overlay";
    return { data, layout: { bargap: 0.02, ...layout } };
  }, options);
}

/** plot.figure({ data, layout, config }): any plotly figure, shown with its PNG snapshot. */
export function figure(fig: Figure, options: PlotOptions = {}): Plot<Figure> {
  return new Plot(validateFigure(fig, "plot.figure"), (input) => validateFigure(input, "plot.figure"), options);
}
