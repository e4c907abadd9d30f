// The plotly figure, as `application/vnd.plotly.v1+json` carries it ({ data, layout, config }): typed for the
// attributes tensorbook's snapshot renderer reads, open (index signatures) for everything else plotly knows,
// so `plot.figure(anyPlotlyFigure)` passes any figure through untouched.
// Reference: plotly.js figure reference, https://plotly.com/javascript/reference/

/** A coordinate: a number on a linear/log axis, a string on a category axis. */
export type Datum = number | string;

export interface Font {
  size?: number;
  color?: string;
  [attribute: string]: unknown;
}

export type Title = string | { text?: string; font?: Font; [attribute: string]: unknown };

export interface Trace {
  type?: string; // "scatter" (default), "bar", "heatmap", "histogram", or any other plotly trace type
  name?: string;
  x?: Datum[];
  y?: Datum[];
  z?: (number | null)[][];
  mode?: string; // "lines", "markers", "lines+markers"
  orientation?: "v" | "h";
  xaxis?: string; // "x"
  yaxis?: string; // "y" or "y2"
  showlegend?: boolean;
  line?: { color?: string; width?: number; dash?: string; [attribute: string]: unknown };
  marker?: { color?: string | string[]; size?: number; [attribute: string]: unknown };
  colorscale?: string | [number, string][];
  reversescale?: boolean;
  showscale?: boolean;
  zmin?: number;
  zmax?: number;
  xbins?: { start?: number; end?: number; size?: number };
  nbinsx?: number;
  [attribute: string]: unknown;
}

export interface Axis {
  title?: Title;
  type?: "linear" | "log" | "category" | "-";
  range?: [number, number];
  autorange?: boolean | "reversed";
  overlaying?: string;
  side?: "left" | "right";
  showgrid?: boolean;
  zeroline?: boolean;
  rangemode?: "normal" | "tozero" | "nonnegative";
  [attribute: string]: unknown;
}

export interface Layout {
  title?: Title;
  width?: number;
  height?: number;
  showlegend?: boolean;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  xaxis?: Axis;
  yaxis?: Axis;
  yaxis2?: Axis;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
  colorway?: string[];
  bargap?: number;
  [attribute: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout?: Layout;
  config?: { [option: string]: unknown };
}

/** plotly.js's default colorway (d3's category10): traces without a colour take these in order. */
export const COLORWAY = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** plotly.js's default figure size when the layout sets none. */
export const DEFAULT_WIDTH = 700;
export const DEFAULT_HEIGHT = 450;

export function titleText(title: Title | undefined): string | undefined {
  return typeof title === "string" ? title : title?.text;
}

/** Checks the shape plotly needs (data an array of objects), so bad input fails here with where it is wrong. */
export function validateFigure(figure: unknown, where: string): Figure {
  if (typeof figure !== "object" || figure === null || !Array.isArray((figure as Figure).data)) {
    throw new TypeError(`${where}: expected a plotly figure { data: Trace[], layout?, config? }, got ${figure === null ? "null" : typeof figure}`);
  }
  const f = figure as Figure;
  f.data.forEach((trace, i) => {
    if (typeof trace !== "object" || trace === null) throw new TypeError(`${where}: data[${i}] must be a trace object`);
    for (const key of ["x", "y", "z"] as const) {
      const values = trace[key];
      if (values !== undefined && !Array.isArray(values)) throw new TypeError(`${where}: data[${i}].${key} must be an array`);
    }
  });
  if (f.layout !== undefined && (typeof f.layout !== "object" || f.layout === null)) throw new TypeError(`${where}: layout must be an object`);
  return f;
}
