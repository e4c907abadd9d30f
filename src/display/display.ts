// The display API every cell has as globals (issue 3, "Globals in every cell"):
//   display(value)                         display_data with the value's bundle (format.ts)
//   display.html/markdown/svg/png/jpeg/latex/json/text(…)   one MIME type each
//   handle.update(…)                       update_display_data on the same transient.display_id
//   clearOutput({ wait })                  clear_output
// Everything goes through displaySink() (channel.ts), so library code and cells share one door.
import { randomUUID } from "node:crypto";
import { displaySink } from "./channel";
import { formatValue } from "./format";
import { ALREADY_SHOWN, type MimeBundle } from "./mime";

/** A shown output that can be replaced in place. */
export interface DisplayHandle {
  readonly displayId: string;
  /**
   * Replaces the output (update_display_data): a handle from display.html/markdown/svg/… takes new content
   * of its own kind (`h.update("<b>2</b>")` stays HTML); one from display(value) takes any value.
   */
  update(value: unknown): void;
  /** Replaces the output with a bundle given as is. */
  updateBundle(data: MimeBundle, metadata?: { [key: string]: unknown }): void;
}

export interface DisplayFunction {
  (value: unknown, options?: { displayId?: string; metadata?: { [key: string]: unknown } }): DisplayHandle;
  html(html: string): DisplayHandle;
  markdown(markdown: string): DisplayHandle;
  svg(svg: string): DisplayHandle;
  /** PNG bytes (or base64 text). */
  png(png: Uint8Array | string, options?: { width?: number; height?: number }): DisplayHandle;
  jpeg(jpeg: Uint8Array | string, options?: { width?: number; height?: number }): DisplayHandle;
  latex(latex: string): DisplayHandle;
  json(json: unknown): DisplayHandle;
  text(text: string): DisplayHandle;
  /** Any MIME bundle; text/plain is added when missing (DESIGN.md: every output carries it). */
  bundle(data: MimeBundle, metadata?: { [key: string]: unknown }): DisplayHandle;
}

/** Image bytes as a bundle carries them; text is taken as base64 already. */
export function base64(bytes: Uint8Array | string): string {
  return typeof bytes === "string" ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

function imageMetadata(mime: string, options?: { width?: number; height?: number }): { [key: string]: unknown } {
  if (options === undefined || (options.width === undefined && options.height === undefined)) return {};
  return { [mime]: { ...(options.width !== undefined ? { width: options.width } : {}), ...(options.height !== undefined ? { height: options.height } : {}) } };
}

/** The bundle of one MIME type, with the text/plain every output needs. */
export function singleMime(mime: string, data: unknown, plain: string): MimeBundle {
  return mime === "text/plain" ? { "text/plain": String(data) } : { [mime]: data, "text/plain": plain };
}

function show(data: MimeBundle, metadata: { [key: string]: unknown } = {}, displayId: string = randomUUID(),
  remake: (value: unknown) => MimeBundle = formatValue): DisplayHandle {
  const withPlain = "text/plain" in data ? data : { ...data, "text/plain": `<${Object.keys(data)[0] ?? "empty"} output>` };
  displaySink().display({ data: withPlain, metadata, transient: { display_id: displayId } });
  const handle: DisplayHandle & { [ALREADY_SHOWN]: true } = {
    [ALREADY_SHOWN]: true,
    displayId,
    update(value: unknown) {
      displaySink().update({ data: remake(value), metadata: {}, transient: { display_id: displayId } });
    },
    updateBundle(next: MimeBundle, nextMetadata: { [key: string]: unknown } = {}) {
      displaySink().update({ data: "text/plain" in next ? next : { ...next, "text/plain": "" }, metadata: nextMetadata, transient: { display_id: displayId } });
    },
  };
  return handle;
}

function displayValue(value: unknown, options?: { displayId?: string; metadata?: { [key: string]: unknown } }): DisplayHandle {
  return show(formatValue(value), options?.metadata ?? {}, options?.displayId ?? randomUUID());
}

/**
 * Shows one MIME type; the handle's update() takes new content of the same type (text, or bytes for an
 * image), and any other value as display(value) would show it.
 */
function showMime(mime: string, content: unknown, plain: (content: unknown) => string, metadata: { [key: string]: unknown } = {},
  convert: (content: string | Uint8Array) => unknown = (c) => c): DisplayHandle {
  const bundle = (c: unknown): MimeBundle => singleMime(mime, c, plain(c));
  const sameKind = (v: unknown): v is string | Uint8Array => typeof v === "string" || v instanceof Uint8Array;
  return show(bundle(content), metadata, randomUUID(),
    (value) => (mime === "application/json" ? bundle(value) : sameKind(value) ? bundle(convert(value)) : formatValue(value)));
}

export const display: DisplayFunction = Object.assign(displayValue, {
  html: (html: string) => showMime("text/html", html, () => "<HTML output>"),
  markdown: (markdown: string) => showMime("text/markdown", markdown, String),
  svg: (svg: string) => showMime("image/svg+xml", svg, () => "<SVG image>"),
  png: (png: Uint8Array | string, options?: { width?: number; height?: number }) =>
    showMime("image/png", base64(png), () => "<PNG image>", imageMetadata("image/png", options), base64),
  jpeg: (jpeg: Uint8Array | string, options?: { width?: number; height?: number }) =>
    showMime("image/jpeg", base64(jpeg), () => "<JPEG image>", imageMetadata("image/jpeg", options), base64),
  latex: (latex: string) => showMime("text/latex", latex, String),
  json: (json: unknown) => showMime("application/json", json, (j) => JSON.stringify(j)),
  text: (text: string) => showMime("text/plain", text, String),
  bundle: (data: MimeBundle, metadata?: { [key: string]: unknown }) => show(data, metadata ?? {}),
});

/** clear_output; with `wait`, the frontend clears when the next output arrives (no flicker). */
export function clearOutput(options: { wait?: boolean } = {}): void {
  displaySink().clearOutput(options.wait ?? false);
}
