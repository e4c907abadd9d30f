// `import * as tslab from "tslab"` in a cell resolves here (runtime/resolve.ts, language/service.ts), so
// notebooks written for tslab (https://github.com/yunabe/tslab) run unchanged: its display API maps onto
// tensorbook's display sink (display/channel.ts).
import { randomUUID } from "node:crypto";
import { displaySink } from "../display/channel";
import { base64, singleMime } from "../display/display";
import type { MimeBundle } from "../display/mime";

/** tslab's Display: one method per MIME type. */
export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

const PLAIN: { [mime: string]: string } = {
  "application/javascript": "<JavaScript output>", "text/html": "<HTML output>", "image/svg+xml": "<SVG image>",
  "image/png": "<PNG image>", "image/jpeg": "<JPEG image>", "image/gif": "<GIF image>", "application/pdf": "<PDF document>",
};

/** A Display whose every call sends `send(bundle)`. */
function makeDisplay(send: (data: MimeBundle) => void): Display {
  const raw = (contentType: string, b: string | Uint8Array): void => {
    send(singleMime(contentType, base64(b), PLAIN[contentType] ?? (typeof b === "string" ? b : `<${contentType}>`)));
  };
  return {
    javascript: (s) => raw("application/javascript", s),
    html: (s) => raw("text/html", s),
    markdown: (s) => raw("text/markdown", s),
    latex: (s) => raw("text/latex", s),
    svg: (s) => raw("image/svg+xml", s),
    png: (b) => raw("image/png", b),
    jpeg: (b) => raw("image/jpeg", b),
    gif: (b) => raw("image/gif", b),
    pdf: (b) => raw("application/pdf", b),
    text: (s) => raw("text/plain", s),
    raw,
  };
}

/** tslab.display.*: each call is a new display_data output. */
export const display: Display = makeDisplay((data) => displaySink().display({ data, metadata: {} }));

/**
 * tslab.newDisplay(): a Display whose calls replace one output in place: the first call shows it, later
 * calls send update_display_data with the same transient.display_id.
 */
export function newDisplay(id: string = randomUUID()): Display {
  let shown = false;
  return makeDisplay((data) => {
    if (shown) displaySink().update({ data, metadata: {}, transient: { display_id: id } });
    else displaySink().display({ data, metadata: {}, transient: { display_id: id } });
    shown = true;
  });
}

export const versions = { tslab: "1.0.22-compatible (tensorbook)", typescript: "6", node: process.version };

export function isNode(): boolean {
  return true;
}

export function isBrowser(): boolean {
  return false;
}
