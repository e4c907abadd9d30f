// The types of the globals every cell has (runtime/worker.ts installs them; display/display.ts
// implements display). The language service sees this text as a global .d.ts file.
export const GLOBALS_D_TS = `
interface TensorbookDisplayHandle {
  /** The transient.display_id of the output; update() replaces every output that carries it. */
  readonly displayId: string;
  /** Replaces the output (update_display_data): new content of the same kind for display.html/markdown/…, any value for display(value). */
  update(value: unknown): void;
  /** Replaces the output with a MIME bundle given as is. */
  updateBundle(data: { [mimetype: string]: unknown }, metadata?: { [key: string]: unknown }): void;
}
interface TensorbookDisplay {
  /** Shows a value below the cell (display_data), as the last expression of a cell would show. */
  (value: unknown, options?: { displayId?: string; metadata?: { [key: string]: unknown } }): TensorbookDisplayHandle;
  /** Shows HTML. */
  html(html: string): TensorbookDisplayHandle;
  /** Shows Markdown. */
  markdown(markdown: string): TensorbookDisplayHandle;
  /** Shows an SVG image. */
  svg(svg: string): TensorbookDisplayHandle;
  /** Shows a PNG image (bytes, or base64 text). */
  png(png: Uint8Array | string, options?: { width?: number; height?: number }): TensorbookDisplayHandle;
  /** Shows a JPEG image (bytes, or base64 text). */
  jpeg(jpeg: Uint8Array | string, options?: { width?: number; height?: number }): TensorbookDisplayHandle;
  /** Shows LaTeX. */
  latex(latex: string): TensorbookDisplayHandle;
  /** Shows JSON (application/json). */
  json(json: unknown): TensorbookDisplayHandle;
  /** Shows plain text. */
  text(text: string): TensorbookDisplayHandle;
  /** Shows any MIME bundle. */
  bundle(data: { [mimetype: string]: unknown }, metadata?: { [key: string]: unknown }): TensorbookDisplayHandle;
}
/** Shows a value (or, with display.html/markdown/svg/png/…, one MIME type) below the cell. */
declare const display: TensorbookDisplay;
/** Clears the cell's outputs; with wait, when the next output arrives (no flicker). */
declare function clearOutput(options?: { wait?: boolean }): void;
/** Asks the user for a line of text (Jupyter's stdin channel). */
declare function input(prompt?: string): Promise<string>;
/** Asks the user for a password (not echoed). */
declare function password(prompt?: string): Promise<string>;
`;

/** When @types/node cannot be found (an install without it): the globals tutorials use, loosely typed. */
export const NODE_FALLBACK_D_TS = `
declare var console: {
  log(...data: unknown[]): void; info(...data: unknown[]): void; warn(...data: unknown[]): void;
  error(...data: unknown[]): void; debug(...data: unknown[]): void; table(data: unknown): void;
  time(label?: string): void; timeEnd(label?: string): void;
};
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number): unknown;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function clearInterval(handle: unknown): void;
declare function require(id: string): any;
declare var process: { env: { [name: string]: string | undefined }; argv: string[]; version: string; cwd(): string; [key: string]: any };
`;
