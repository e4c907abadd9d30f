// HTML export of notebooks: what `tensorbook export` and `tensorbook run --html` use.
export { exportHtml, plotlyBundle, scriptSafe, titleFromPath, type ExportOptions } from "./html";
export { renderMarkdown, renderInline } from "./markdown";
export { escapeHtml } from "../display/html";
export { ansiToHtml, stripAnsi } from "./ansi";
