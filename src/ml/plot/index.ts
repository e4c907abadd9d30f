// `plot`: what `import { plot } from "tensorbook"` gives a notebook.
import { bar, figure, heatmap, histogram, line } from "./charts";
import { losses } from "./losses";
import { tokenProbs } from "./tokens";

export const plot = { line, bar, heatmap, histogram, figure, losses, tokenProbs };

export { Plot, figureBundle, summarize, UPDATE_INTERVAL_MS } from "./handle";
export { PLOTLY_MIME } from "../../display/mime";
export { renderFigure, type Snapshot } from "./render";
export { flushPendingUpdates, Throttle, type Clock } from "./throttle";
export type { Figure, Trace, Layout, Axis, Datum } from "./figure";
export type { Values, Series, ChartOptions, LineOptions, BarOptions, HeatmapOptions, HistogramOptions } from "./charts";
export { LossesPlot, type History, type HistoryEntry, type LossesOptions } from "./losses";
export { TokenProbsPlot, type TokenStep, type TokenCandidate, type TokenProbsOptions } from "./tokens";
