// MIME bundles, as nbformat and the messaging spec carry them (display_data, execute_result).

/** mimetype → data. text/plain is always present in what tensorbook sends (DESIGN.md, "Display and plots"). */
export type MimeBundle = { [mimetype: string]: unknown };

/** plotly's own MIME type: JupyterLab, Notebook and VS Code draw the figure it holds ({ data, layout, config }). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** What a display_data / update_display_data / execute_result carries besides its parent. */
export interface DisplayData {
  data: MimeBundle;
  metadata: { [key: string]: unknown };
  /** transient.display_id, for outputs that are later updated in place. */
  transient?: { display_id?: string };
}

/**
 * An object with this method displays itself: the method returns its MIME bundle.
 * Tensors, figures and tables from tensorbook implement it; so can user classes.
 */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { [JUPYTER_DISPLAY]?: unknown })[JUPYTER_DISPLAY] === "function";
}

/**
 * A value carrying this key is already in the cell's outputs (a display handle): as a cell's last value it
 * gives no execute_result, so `display.html("<b>hi</b>")` shows once, not once more as `{ displayId… }`.
 */
export const ALREADY_SHOWN = Symbol.for("tensorbook.alreadyShown");

export function isAlreadyShown(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { [ALREADY_SHOWN]?: unknown })[ALREADY_SHOWN] === true;
}
