// Plotly's named colorscales (the stops are copied from plotly.js 4.1.2, src/components/colorscale/scales.js,
// so the PNG snapshot matches the interactive chart), and the lookup of a value's colour along a scale.
import { parseColor, type Color } from "../../display/png/canvas";

export type ColorscaleStops = [number, string][];

export const COLORSCALES: { [name: string]: ColorscaleStops } = {
  // plotly.js's default when a heatmap names none.
  RdBu: [[0, "rgb(5,10,172)"], [0.35, "rgb(106,137,247)"], [0.5, "rgb(190,190,190)"], [0.6, "rgb(220,170,132)"], [0.7, "rgb(230,145,90)"], [1, "rgb(178,10,28)"]],
  Blues: [[0, "rgb(5,10,172)"], [0.35, "rgb(40,60,190)"], [0.5, "rgb(70,100,245)"], [0.6, "rgb(90,120,245)"], [0.7, "rgb(106,137,247)"], [1, "rgb(220,220,220)"]],
  Greys: [[0, "rgb(0,0,0)"], [1, "rgb(255,255,255)"]],
  Viridis: [
    [0, "#440154"], [0.06274509803921569, "#48186a"], [0.12549019607843137, "#472d7b"], [0.18823529411764706, "#424086"],
    [0.25098039215686274, "#3b528b"], [0.3137254901960784, "#33638d"], [0.3764705882352941, "#2c728e"], [0.4392156862745098, "#26828e"],
    [0.5019607843137255, "#21918c"], [0.5647058823529412, "#1fa088"], [0.6274509803921569, "#28ae80"], [0.6901960784313725, "#3fbc73"],
    [0.7529411764705882, "#5ec962"], [0.8156862745098039, "#84d44b"], [0.8784313725490196, "#addc30"], [0.9411764705882353, "#d8e219"],
    [1, "#fde725"],
  ],
};

/** The stops of a named or explicit colorscale; unknown names are an error that lists the known ones. */
export function colorscaleStops(scale: string | ColorscaleStops | undefined): ColorscaleStops {
  if (scale === undefined) return COLORSCALES.RdBu;
  if (typeof scale !== "string") return scale;
  const stops = COLORSCALES[scale];
  if (stops === undefined) throw new Error(`plot: unknown colorscale "${scale}" (known: ${Object.keys(COLORSCALES).join(", ")}, or [[0, color], …, [1, color]])`);
  return stops;
}

/** The colour at `t` in [0, 1], interpolated linearly in RGB between the stops (as plotly does). */
export function colorAt(stops: ColorscaleStops, t: number, reverse = false): Color {
  const v = Number.isFinite(t) ? t : 0;
  const u = Math.min(1, Math.max(0, reverse ? 1 - v : v));
  for (let i = 1; i < stops.length; i++) {
    if (u <= stops[i][0] || i === stops.length - 1) {
      const [t0, c0] = stops[i - 1], [t1, c1] = stops[i];
      const a = parseColor(c0), b = parseColor(c1);
      const f = t1 === t0 ? 0 : (u - t0) / (t1 - t0);
      return { r: a.r + (b.r - a.r) * f, g: a.g + (b.g - a.g) * f, b: a.b + (b.b - a.b) * f, a: 1 };
    }
  }
  return parseColor(stops[0][1]);
}
