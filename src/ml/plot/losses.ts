// plot.losses(history): the training curve every tutorial draws — loss per step or epoch, accuracy beside it.
//
// A history is either
//   - an array of records, one per step or epoch: [{ step: 0, loss: 2.3 }, { step: 1, loss: 2.1, accuracy: 0.4 }]
//     (x is `step` if the records have one, else `epoch`, else the record's index), or
//   - one array per metric, as Keras' `history.history` holds them: { loss: [...], accuracy: [...] }
//     (x is the `epoch` array if given, else 0, 1, 2, …).
// The curves are the fields named in options.metrics, else every field whose name has "loss" or "acc"
// (so SGD's history.epochs, which also holds samplesPerSecond, correct and total, plots as loss and
// accuracy), else every numeric field. Losses go on the left axis, metrics whose name has "acc" on a
// second axis at the right (their scale, 0–1 or a count, is not the loss's).
import { baseLayout, toNumbers, type ChartOptions } from "./charts";
import type { Figure, Trace } from "./figure";
import { Plot } from "./handle";

export interface HistoryEntry {
  step?: number;
  epoch?: number;
  loss?: number;
  accuracy?: number;
  [metric: string]: number | undefined;
}

export type History = HistoryEntry[] | { [metric: string]: ArrayLike<number> };

export interface LossesOptions extends ChartOptions {
  /** A log-scale loss axis, for losses that fall over orders of magnitude. */
  logY?: boolean;
  /** The fields to draw (default: those named like a loss or an accuracy, else all). */
  metrics?: string[];
}

const isAccuracy = (metric: string): boolean => /acc/i.test(metric);

function columns(history: History): { xName: string; x: number[]; metrics: Map<string, (number | null)[]> } {
  const metrics = new Map<string, (number | null)[]>();
  if (Array.isArray(history)) {
    const xName = history.some((e) => typeof e.step === "number") ? "step" : history.some((e) => typeof e.epoch === "number") ? "epoch" : "step";
    const x = history.map((e, i) => {
      const v = e[xName];
      return typeof v === "number" ? v : i;
    });
    history.forEach((entry, i) => {
      if (typeof entry !== "object" || entry === null) throw new TypeError(`plot.losses: history[${i}] must be a record like { step, loss }, got ${typeof entry}`);
      for (const [key, value] of Object.entries(entry)) {
        if (key === "step" || key === "epoch" || value === undefined) continue;
        if (typeof value !== "number") throw new TypeError(`plot.losses: history[${i}].${key} must be a number, got ${typeof value}`);
        if (!metrics.has(key)) metrics.set(key, new Array<number | null>(history.length).fill(null));
        metrics.get(key)![i] = value;
      }
    });
    return { xName, x, metrics };
  }
  if (typeof history !== "object" || history === null) throw new TypeError(`plot.losses: expected an array of records or { metric: number[] }, got ${history === null ? "null" : typeof history}`);
  const { epoch, ...rest } = history;
  for (const [key, values] of Object.entries(rest)) metrics.set(key, toNumbers(values, `plot.losses: history.${key}`));
  const length = Math.max(0, ...[...metrics.values()].map((v) => v.length));
  const x = epoch !== undefined ? toNumbers(epoch, "plot.losses: history.epoch") : Array.from({ length }, (_, i) => i);
  return { xName: "epoch", x, metrics };
}

function chooseMetrics(all: Map<string, (number | null)[]>, wanted: string[] | undefined): Map<string, (number | null)[]> {
  if (wanted !== undefined) {
    const missing = wanted.filter((m) => !all.has(m));
    if (missing.length > 0 && all.size > 0) throw new Error(`plot.losses: no field ${missing.join(", ")} in the history (it has ${[...all.keys()].join(", ")})`);
    return new Map(wanted.filter((m) => all.has(m)).map((m) => [m, all.get(m)!]));
  }
  const named = [...all].filter(([name]) => /loss|acc/i.test(name));
  return named.length > 0 ? new Map(named) : all;
}

export function lossesFigure(history: History, options: LossesOptions = {}): Figure {
  const { xName, x, metrics: all } = columns(history);
  const metrics = chooseMetrics(all, options.metrics);
  // Each curve keeps only the points where its metric was recorded: accuracy measured every 20 steps is
  // one line through those points, not isolated dots between gaps.
  const data: Trace[] = [...metrics].map(([name, values]) => {
    const kept = values.map((y, i) => ({ x: x[i], y })).filter((p): p is { x: number; y: number } => p.y !== null && p.y !== undefined);
    return {
      type: "scatter", mode: kept.length <= 20 ? "lines+markers" : "lines", name, x: kept.map((p) => p.x), y: kept.map((p) => p.y),
      ...(isAccuracy(name) && { yaxis: "y2" }),
    };
  });
  const hasAccuracy = data.some((t) => t.yaxis === "y2");
  const layout = baseLayout({ title: "training", xTitle: xName, yTitle: "loss", ...options });
  if (options.logY) layout.yaxis = { ...layout.yaxis, type: "log" };
  if (hasAccuracy) {
    // From zero: an accuracy read against its full scale, and a sane axis while it has a single point.
    layout.yaxis2 = { title: { text: "accuracy" }, overlaying: "y", side: "right", showgrid: false, zeroline: false, rangemode: "tozero", ...layout.yaxis2 };
    // plotly.js puts the legend at x = 1.02, on top of a right-hand axis; move it past the axis's labels.
    layout.legend = { x: 1.12, xanchor: "left", ...(layout.legend as object | undefined) };
  }
  layout.showlegend = true;
  return { data, layout };
}

/** A losses plot that grows during training: `fig.push({ step, loss })` appends one record and updates. */
export class LossesPlot extends Plot<History> {
  push(...entries: HistoryEntry[]): this {
    if (!Array.isArray(this.input)) throw new TypeError("plot.losses: push() needs a history made of records (an array); this one is { metric: number[] }");
    this.input.push(...entries);
    return this.update();
  }
}

export function losses(history: History = [], options: LossesOptions = {}): LossesPlot {
  return new LossesPlot(history, (h) => lossesFigure(h, options), options);
}
