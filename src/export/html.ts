// `tensorbook export NB.ipynb --html OUT.html` and `tensorbook run --html`: one self-contained HTML page
// that works offline. Markdown cells are rendered, code cells show In [n] and their outputs as nbconvert
// does, and every plotly output is interactive: plotly.js is embedded once (only if the notebook has a
// plot), guarded against AMD loaders, and each figure is drawn by Plotly.newPlot from its own JSON.
import * as fs from "node:fs";
import * as path from "node:path";
import { joinText, type Cell, type Notebook } from "../notebook/nbformat";
import { writeFileAtomic } from "../notebook/write";
import { packageRoot } from "../paths";
import { ANSI_CSS } from "./ansi";
import { HIGHLIGHT_CSS, highlight } from "./highlight";
import { escapeHtml } from "../display/html";
import { renderMarkdown } from "./markdown";
import { renderOutput, type OutputContext } from "./outputs";

export interface ExportOptions {
  /** The page title; default the notebook's metadata.title, else "Notebook". */
  title?: string;
  /** Also write the page here (through a temp file and a rename: a reader never sees half a page). */
  out?: string;
  /** plotly.js source to embed; default node_modules/plotly.js-dist-min/plotly.min.js from tensorbook's install. */
  plotlyJs?: string;
}

/** The plotly.js bundle tensorbook depends on (package.json: plotly.js-dist-min). */
export function plotlyBundle(): string {
  let file: string;
  try {
    file = require.resolve("plotly.js-dist-min/plotly.min.js", { paths: [packageRoot()] });
  } catch {
    throw new Error("export: plotly.js-dist-min is not installed next to tensorbook (npm install plotly.js-dist-min); it is needed to embed interactive plots");
  }
  return fs.readFileSync(file, "utf8");
}

/**
 * Script text safe inside <script>…</script>: "</script" would end the element and "<!--" can switch the
 * HTML parser into its escaped script states (HTML Living Standard §13.2.5.4). "\x3C" is "<" in every JS
 * literal where these can occur (plotly.min.js 4.1.2 has "<!--" once, inside a string).
 */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "\\x3C/$1").replace(/<!--/g, "\\x3C!--");
}

// Hide AMD loaders (RequireJS in an old Jupyter page, a docs site) and CommonJS globals while plotly.js
// loads, so its UMD wrapper defines window.Plotly instead of registering an anonymous module (the
// "Mismatched anonymous define()" failure), then put them back.
const AMD_GUARD_BEFORE = `window.__tensorbookLoaders = { define: window.define, require: window.require, module: window.module, exports: window.exports };
window.define = undefined; window.require = undefined; window.module = undefined; window.exports = undefined;`;
const AMD_GUARD_AFTER = `(function (saved) { for (var name in saved) if (saved[name] !== undefined) window[name] = saved[name]; delete window.__tensorbookLoaders; })(window.__tensorbookLoaders);`;

// Draws every figure; the PNG snapshot inside a placeholder is removed only once plotly.js is there to
// replace it. One figure that fails to draw leaves its snapshot and does not stop the others.
const DRAW_PLOTS = `(function () {
  if (!window.Plotly) return;
  var figures = document.querySelectorAll("script.plotly-figure");
  for (var i = 0; i < figures.length; i++) {
    var target = document.getElementById(figures[i].getAttribute("data-target"));
    try {
      var figure = JSON.parse(figures[i].textContent);
      var snapshot = target.querySelector("img.plotly-snapshot");
      if (snapshot) target.removeChild(snapshot);
      var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
      window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, config);
    } catch (err) {
      console.warn("tensorbook: plot " + target.id + " could not be drawn: " + err);
    }
  }
})();`;

const CSS = `
body { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; font-size: 14px; color: #212121; background: #fff; }
main.notebook { max-width: 1100px; margin: 0 auto; padding: 24px 16px 64px; }
.cell { display: block; margin: 8px 0; }
.input, .output { display: flex; align-items: flex-start; }
.prompt { flex: 0 0 80px; padding: 4px 8px 0 0; text-align: right; font-family: monospace; font-size: 13px; color: #303f9f; white-space: nowrap; }
.output .prompt { color: #d84315; }
.source { flex: 1; margin: 0; padding: 6px 8px; background: #f5f5f5; border: 1px solid #e0e0e0; border-radius: 2px; overflow-x: auto; }
.output-body { flex: 1; min-width: 0; overflow-x: auto; padding: 4px 0; }
pre { font-family: "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; line-height: 1.35; margin: 0; white-space: pre-wrap; word-break: break-word; }
pre.stderr { background: #fdd; padding: 2px 4px; }
pre.error { background: #fff5f5; padding: 4px; }
.markdown-cell { padding-left: 88px; line-height: 1.55; }
.markdown-cell pre { background: #f5f5f5; padding: 6px 8px; }
.markdown-cell code { background: #f2f2f2; padding: 0 2px; }
.markdown-cell pre code { background: none; padding: 0; }
.markdown-cell table, .output-html table { border-collapse: collapse; }
.markdown-cell th, .markdown-cell td, .output-html th, .output-html td { border: 1px solid #ccc; padding: 3px 8px; }
.markdown-cell blockquote { border-left: 4px solid #ddd; margin-left: 0; padding-left: 12px; color: #555; }
.plotly-output { min-height: 100px; }
img { max-width: 100%; height: auto; }
` + ANSI_CSS + HIGHLIGHT_CSS;

/** Markdown attachments: "attachment:name.png" becomes a data: URL of the attached image. */
function attachmentResolver(cell: Cell): (url: string) => string {
  const attachments = (cell.cell_type !== "code" ? cell.attachments : undefined) as { [name: string]: { [mime: string]: unknown } } | undefined;
  return (url) => {
    if (!url.startsWith("attachment:") || attachments === undefined) return url;
    const bundle = attachments[decodeURIComponent(url.slice("attachment:".length))];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
    return mime ? `data:${mime};base64,${joinText(bundle[mime] as string | string[]).replace(/\s/g, "")}` : url;
  };
}

function renderCell(cell: Cell, context: OutputContext, language: string): string {
  const source = joinText(cell.source);
  if (cell.cell_type === "markdown") return `<div class="cell markdown-cell">\n${renderMarkdown(source, attachmentResolver(cell))}\n</div>`;
  if (cell.cell_type === "raw") {
    // nbconvert includes a raw cell in HTML only when its raw_mimetype says it is HTML.
    const mime = cell.metadata.raw_mimetype ?? cell.metadata.format;
    return mime === "text/html" ? `<div class="cell raw-cell">${source}</div>` : "";
  }
  const count = cell.execution_count ?? " ";
  const outputs = cell.outputs.map((o) => renderOutput(o, context)).join("\n");
  return `<div class="cell code-cell">
<div class="input"><div class="prompt">In&nbsp;[${count}]:</div><pre class="source"><code class="language-${escapeHtml(language)}">${highlight(source, language)}</code></pre></div>
${outputs ? `<div class="outputs">\n${outputs}\n</div>` : ""}
</div>`;
}

/** The notebook as one self-contained HTML page (returned, and written to options.out when given). */
export function exportHtml(notebook: Notebook, options: ExportOptions = {}): string {
  const title = options.title ?? (typeof notebook.metadata.title === "string" ? notebook.metadata.title : "Notebook");
  const language = notebook.metadata.language_info?.name ?? notebook.metadata.kernelspec?.language ?? "typescript";
  const context: OutputContext = { nextPlotId: 1 };
  const cells = notebook.cells.map((cell) => renderCell(cell, context, language)).filter((html) => html !== "").join("\n");
  // Every plotly output took a placeholder id as the cells rendered: plotly.js is embedded only if one did.
  const plotly = context.nextPlotId > 1
    ? `<script>${AMD_GUARD_BEFORE}</script>\n<script>${scriptSafe(options.plotlyJs ?? plotlyBundle())}</script>\n<script>${AMD_GUARD_AFTER}</script>`
    : "";
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tensorbook">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
${plotly}
</head>
<body>
<main class="notebook">
${cells}
</main>
${plotly ? `<script>${DRAW_PLOTS}</script>` : ""}
</body>
</html>
`;
  if (options.out !== undefined) writeFileAtomic(options.out, page);
  return page;
}

/** The default title for a notebook file: its name without .ipynb. */
export function titleFromPath(file: string): string {
  return path.basename(file).replace(/\.ipynb$/i, "");
}
