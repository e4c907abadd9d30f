// A plot handle: what every plot.* returns. It shows as a cell's value (Symbol.for("Jupyter.display")),
// `show()` puts it in the cell's outputs as a display_data with a display_id, and `update()` replaces that
// output in place through update_display_data — throttled, and flushed at the end of the cell.
import { randomUUID } from "node:crypto";
import { displaySink } from "../../display/channel";
import { JUPYTER_DISPLAY, PLOTLY_MIME, type DisplayData, type Displayable, type MimeBundle } from "../../display/mime";
import { titleText, type Figure } from "./figure";
import { renderFigure } from "./render";
import { formatNumber } from "./ticks";
import { Throttle, realClock, type Clock } from "./throttle";

/** At most 4 updates a second: smooth enough to watch a loss fall, far under jupyter_server's rate limit. */
export const UPDATE_INTERVAL_MS = 250;

/** One line for text/plain: what a terminal, `tensorbook run`'s log and a screen reader get. */
export function summarize(figure: Figure): string {
  const title = titleText(figure.layout?.title);
  const traces = figure.data.map((trace) => {
    const type = trace.type ?? "scatter";
    const name = trace.name !== undefined ? ` "${trace.name}"` : "";
    if (type === "heatmap") {
      const z = trace.z ?? [];
      const values = z.flat().filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      const range = values.length ? ` in [${formatNumber(Math.min(...values))}, ${formatNumber(Math.max(...values))}]` : "";
      return `heatmap${name} ${z.length}×${z[0]?.length ?? 0}${range}`;
    }
    const count = (trace.y ?? trace.x ?? []).length;
    const ys = (trace.y ?? []).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const last = type === "scatter" && ys.length > 0 ? `, last ${formatNumber(ys[ys.length - 1])}` : "";
    return `${type}${name} (${count} ${type === "histogram" ? "values" : "points"}${last})`;
  });
  return `<Figure${title ? ` "${title}"` : ""}: ${traces.join(", ") || "no traces"}>`;
}

/** The MIME bundle of one plot: plotly JSON, a PNG snapshot, a one-line summary. No text/html (DESIGN.md). */
export function figureBundle(figure: Figure): { data: MimeBundle; metadata: { [key: string]: unknown } } {
  const snapshot = renderFigure(figure);
  return {
    data: {
      [PLOTLY_MIME]: { data: figure.data, layout: figure.layout ?? {}, config: figure.config ?? {} },
      "image/png": snapshot.png.toString("base64"),
      "text/plain": summarize(figure),
    },
    metadata: { "image/png": { width: snapshot.width, height: snapshot.height } },
  };
}

export interface PlotOptions {
  /** Minimum time between two updates sent (ms). */
  intervalMs?: number;
  /** For tests: a fake clock. */
  clock?: Clock;
}

/**
 * A plot made from an input of type `I` (a history, a list of steps, a figure) by `build`. `update(input)`
 * rebuilds it; the handle keeps the input so that helpers like `push` can extend it.
 */
export class Plot<I = Figure> implements Displayable {
  readonly displayId = randomUUID();
  private built: Figure | undefined;
  private shown = false;
  private readonly throttle: Throttle;

  constructor(protected input: I, private readonly build: (input: I) => Figure, options: PlotOptions = {}) {
    this.built = build(input); // built now, so bad input fails at the call that gave it
    this.throttle = new Throttle(() => this.send(), options.intervalMs ?? UPDATE_INTERVAL_MS, options.clock ?? realClock);
  }

  /**
   * The plotly figure, built from the input when first read after a change. Built lazily because a
   * training loop may push a point every step: only the updates that are sent pay for a rebuild.
   */
  get figure(): Figure {
    return (this.built ??= this.build(this.input));
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return figureBundle(this.figure).data;
  }

  /** The PNG snapshot (a Buffer), e.g. to save with fs.writeFileSync. */
  toPng(): Buffer {
    return renderFigure(this.figure).png;
  }

  /** Shows the plot now as a display_data that later updates replace. */
  show(): this {
    displaySink().display(this.output());
    this.shown = true;
    return this;
  }

  /** Replaces the plot's input (or, called empty, redraws from the input changed in place: `history.push(r); fig.update()`) and sends it, throttled. */
  update(input?: I): this {
    if (input !== undefined) this.input = input;
    this.built = undefined;
    if (!this.shown) return this.show();
    this.throttle.request();
    return this;
  }

  /** Sends the last update now if the throttle is holding it. */
  flush(): this {
    this.throttle.flush();
    return this;
  }

  /** The end of a live plot (training done): its final state is sent now. Same as flush(); reads better last. */
  close(): this {
    return this.flush();
  }

  private output(): DisplayData & { transient: { display_id: string } } {
    return { ...figureBundle(this.figure), transient: { display_id: this.displayId } };
  }

  private send(): void {
    displaySink().update(this.output());
  }
}
