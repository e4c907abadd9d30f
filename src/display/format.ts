// A value → the MIME bundle a cell shows for it (execute_result, display()). text/plain is always there and
// reads like Node's REPL (util.inspect); rich types come from the value itself: a
// `[Symbol.for("Jupyter.display")]()` method (mime.ts), or a tfjs tensor (tensor.ts, the tensor room's).
import * as util from "node:util";
import { isDisplayable, JUPYTER_DISPLAY, type MimeBundle } from "./mime";
import { isTensorLike, tensorBundle } from "./tensor";

/** Like Node's REPL, but without colours: the text is stored in .ipynb files and diffed. */
function inspectPlain(value: unknown): string {
  return util.inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

export function formatValue(value: unknown): MimeBundle {
  if (isDisplayable(value)) {
    // A broken repr must not lose the value: fall back to text/plain and say why (issue 3: errors say what).
    try {
      const rich = value[JUPYTER_DISPLAY]();
      return { "text/plain": inspectPlain(value), ...rich };
    } catch (e) {
      return { "text/plain": `${inspectPlain(value)}\n[Symbol.for("Jupyter.display")] threw: ${String(e)}` };
    }
  }
  if (isTensorLike(value)) {
    try {
      return tensorBundle(value);
    } catch (e) {
      return { "text/plain": `${inspectPlain(value)}\n[tensorBundle threw: ${String(e)}]` };
    }
  }
  return { "text/plain": inspectPlain(value) };
}
