// Histogram binning. plot.histogram computes the bins in the kernel and writes them into the trace's
// `xbins` (start, end, size), so the snapshot and plotly.js draw the same bars; a figure that sets none
// gets the same automatic rule here: about √n bins (5 to 50) of a nice width.
import { niceStep } from "./ticks";

export interface Bins {
  start: number;
  size: number;
  counts: number[];
}

export function autoBins(values: number[], nbins?: number): { start: number; end: number; size: number } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { start: 0, end: 1, size: 1 };
  let min = Infinity, max = -Infinity;
  for (const v of finite) { if (v < min) min = v; if (v > max) max = v; }
  if (min === max) return { start: min - 0.5, end: max + 0.5, size: 1 };
  const count = nbins ?? Math.min(50, Math.max(5, Math.round(Math.sqrt(finite.length))));
  const size = niceStep((max - min) / count);
  const start = Math.floor(min / size) * size;
  // The end is exclusive of the last edge except for the maximum itself, which goes in the last bin.
  const end = (Math.floor(max / size) + 1) * size;
  return { start, end, size };
}

/** Counts per bin [start + i·size, start + (i+1)·size); values outside [start, end] are left out, as in plotly. */
export function histogramBins(values: number[], xbins?: { start?: number; end?: number; size?: number }, nbins?: number): Bins {
  const auto = autoBins(values, nbins);
  const start = xbins?.start ?? auto.start, size = xbins?.size ?? auto.size, end = xbins?.end ?? auto.end;
  const counts = new Array<number>(Math.max(1, Math.round((end - start) / size))).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v) || v < start || v > end) continue;
    counts[Math.min(counts.length - 1, Math.floor((v - start) / size))]++;
  }
  return { start, size, counts };
}
