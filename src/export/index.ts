// HTML export of notebooks: what `tensorbook export` and `tensorbook run --html` use.
export { exportHtml, plotlyBundle, scriptSafe, titleFromPath, type ExportOptions } from "./html";
export { renderMarkdown, renderInline, escapeHtml } from "./markdown";
export { ansiToHtml, stripAnsi } from "./ansi";
