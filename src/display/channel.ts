// The one door through which library code (plots, progress bars, training loops) reaches the cell's
// outputs. The runtime installs a sink for each session; outside a kernel (a plain `node` script) the
// default sink prints text/plain to the terminal, so the same library code runs anywhere.
import type { DisplayData } from "./mime";

export interface DisplaySink {
  /** A new display_data output. */
  display(output: DisplayData): void;
  /** update_display_data: replaces every output that carries this transient.display_id. */
  update(output: DisplayData & { transient: { display_id: string } }): void;
  /** clear_output. */
  clearOutput(wait: boolean): void;
  /** True where rich outputs are shown (a notebook); false in a terminal, where bars draw with \r. */
  readonly rich: boolean;
}

const terminalSink: DisplaySink = {
  rich: false,
  display(output) {
    const text = output.data["text/plain"];
    if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  },
  update() {
    // A terminal has no output to replace; the final state is printed by whoever owns the display.
  },
  clearOutput() {},
};

// Kept on globalThis under a registered symbol, not in a module variable: a notebook may load tensorbook
// from another path than the runtime did (a local install, a dev build), and both copies must share it.
const SINK = Symbol.for("tensorbook.displaySink");
type SinkHolder = { [SINK]?: DisplaySink };

export function displaySink(): DisplaySink {
  return (globalThis as SinkHolder)[SINK] ?? terminalSink;
}

/** Installs `sink` and returns the one it replaced (so a caller can restore it). */
export function setDisplaySink(sink: DisplaySink): DisplaySink {
  const previous = displaySink();
  (globalThis as SinkHolder)[SINK] = sink;
  return previous;
}
