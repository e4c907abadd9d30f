// One code-cell output as HTML, the way nbconvert's HTML exporter shows it: the richest MIME type of a
// bundle it can show (its display_data_priority, with plotly first here), streams and tracebacks as <pre>
// with ANSI colours. Plotly figures become a placeholder (PNG snapshot inside) plus their JSON; the page
// script turns each into an interactive chart with Plotly.newPlot.
import { PLOTLY_MIME, type MimeBundle } from "../display/mime";
import { joinText, type MultilineString, type Output } from "../notebook/nbformat";
import { ansiToHtml } from "./ansi";
import { escapeHtml } from "../display/html";
import { renderMarkdown } from "./markdown";

// nbconvert's HTMLExporter display_data_priority, less widgets and javascript (which need a live kernel or
// run arbitrary code), with plotly's JSON first: interactive where plotly.js is on the page.
const PRIORITY = [PLOTLY_MIME, "text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg", "application/json", "text/plain"];

/** Counts plotly outputs so each placeholder gets a unique id on the page. */
export interface OutputContext {
  nextPlotId: number;
}

/** A terminal's view of text with carriage returns: each line keeps what was written after its last \r. */
function collapseCarriageReturns(text: string): string {
  return text.split("\n").map((line) => {
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    return trimmed.slice(trimmed.lastIndexOf("\r") + 1);
  }).join("\n");
}

/** JSON inside <script type="application/json">: "<" escaped so no "</script>" or "<!--" ends it early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function text(value: unknown): string {
  return typeof value === "string" || Array.isArray(value) ? joinText(value as MultilineString) : JSON.stringify(value, null, 2);
}

function imageSize(metadata: { [key: string]: unknown }, mime: string): string {
  const size = metadata[mime] as { width?: number; height?: number } | undefined;
  return (size?.width ? ` width="${Number(size.width)}"` : "") + (size?.height ? ` height="${Number(size.height)}"` : "");
}

function renderBundle(data: MimeBundle, metadata: { [key: string]: unknown }, context: OutputContext): string {
  const mime = PRIORITY.find((m) => data[m] !== undefined);
  switch (mime) {
    case PLOTLY_MIME: {
      const id = `tensorbook-plot-${context.nextPlotId++}`;
      const png = data["image/png"];
      const summary = escapeHtml(text(data["text/plain"] ?? "plot"));
      // The snapshot shows until plotly.js draws (and stays if it cannot): the page never shows a blank box.
      const fallback = png === undefined ? "" : `<img class="plotly-snapshot" src="data:image/png;base64,${text(png).replace(/\s/g, "")}" alt="${summary}"${imageSize(metadata, "image/png")}>`;
      // The placeholder has the figure's height (plotly's default 450 px): with autosize, plotly.js sizes a
      // plot to its container, and a container only as tall as its min-height squashes the chart flat.
      const layout = ((data[PLOTLY_MIME] as { layout?: { width?: unknown; height?: unknown } } | undefined)?.layout) ?? {};
      const height = typeof layout.height === "number" ? layout.height : 450;
      const width = typeof layout.width === "number" ? `width: ${layout.width}px; ` : "";
      return `<div class="plotly-output" id="${id}" style="${width}height: ${height}px">${fallback}</div>\n<script type="application/json" class="plotly-figure" data-target="${id}">${jsonForScript(data[PLOTLY_MIME])}</script>`;
    }
    case "text/html":
      return `<div class="output-html">${text(data[mime])}</div>`;
    case "text/markdown":
      return `<div class="output-markdown">${renderMarkdown(text(data[mime]))}</div>`;
    case "image/svg+xml":
      return `<div class="output-svg">${text(data[mime])}</div>`;
    case "image/png":
    case "image/jpeg":
      return `<img src="data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}" alt="${escapeHtml(text(data["text/plain"] ?? "image"))}"${imageSize(metadata, mime)}>`;
    case "text/latex":
    case "application/json":
      return `<pre>${escapeHtml(text(data[mime]))}</pre>`;
    case "text/plain":
      return `<pre>${ansiToHtml(text(data[mime]))}</pre>`;
    default:
      return `<pre class="output-unknown">${escapeHtml(`[output of type ${Object.keys(data).join(", ") || "(empty)"} not shown]`)}</pre>`;
  }
}

/** One output: its prompt (Out[n] for execute_result) and its body. */
export function renderOutput(output: Output, context: OutputContext): string {
  let body: string, prompt = "";
  switch (output.output_type) {
    case "stream":
      body = `<pre class="stream ${output.name === "stderr" ? "stderr" : "stdout"}">${ansiToHtml(collapseCarriageReturns(joinText(output.text)))}</pre>`;
      break;
    case "error":
      body = `<pre class="error">${ansiToHtml(output.traceback.length ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`)}</pre>`;
      break;
    case "execute_result":
      prompt = `Out[${output.execution_count ?? " "}]:`;
      body = renderBundle(output.data, output.metadata ?? {}, context);
      break;
    case "display_data":
      body = renderBundle(output.data, output.metadata ?? {}, context);
      break;
    default:
      body = `<pre class="output-unknown">${escapeHtml(`[unknown output type ${JSON.stringify((output as { output_type?: unknown }).output_type)}]`)}</pre>`;
  }
  return `<div class="output"><div class="prompt">${prompt}</div><div class="output-body">${body}</div></div>`;
}
