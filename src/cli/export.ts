// `tensorbook export NOTEBOOK.ipynb --html OUT.html [--title TITLE]`: the notebook as one self-contained,
// offline HTML page (src/export/html.ts). The notebook is only read; the page is written atomically.
import * as path from "node:path";
import { exportHtml, titleFromPath } from "../export/html";
import { readNotebook } from "../notebook/read";

const USAGE = `usage: tensorbook export NOTEBOOK.ipynb --html OUT.html [--title TITLE]

  --html OUT.html   write one self-contained HTML page (plotly.js embedded once, plots interactive offline)
  --title TITLE     the page title (default: the notebook's metadata.title, else its file name)`;

export async function main(argv: string[]): Promise<number> {
  let input: string | undefined, html: string | undefined, title: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string | undefined => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) { console.error(`tensorbook export: ${arg} needs a value\n\n${USAGE}`); return undefined; }
      return next;
    };
    if (arg === "-h" || arg === "--help") { console.log(USAGE); return 0; }
    else if (arg === "--html") { if ((html = value()) === undefined) return 2; }
    else if (arg.startsWith("--html=")) html = arg.slice("--html=".length);
    else if (arg === "--title") { if ((title = value()) === undefined) return 2; }
    else if (arg.startsWith("-")) { console.error(`tensorbook export: unknown option ${arg}\n\n${USAGE}`); return 2; }
    else if (input === undefined) input = arg;
    else { console.error(`tensorbook export: one notebook at a time (got ${input} and ${arg})\n\n${USAGE}`); return 2; }
  }
  if (input === undefined || html === undefined) {
    console.error(`tensorbook export: ${input === undefined ? "which notebook?" : "where to? (--html OUT.html)"}\n\n${USAGE}`);
    return 2;
  }
  if (path.resolve(html) === path.resolve(input)) {
    console.error(`tensorbook export: the output ${html} is the notebook itself; choose another file`);
    return 2;
  }
  try {
    const notebook = readNotebook(input);
    const fallbackTitle = typeof notebook.metadata.title === "string" ? undefined : titleFromPath(input);
    exportHtml(notebook, { title: title ?? fallbackTitle, out: html });
  } catch (err) {
    console.error(`tensorbook export: ${(err as Error).message}`);
    return 1;
  }
  console.error(`tensorbook export: wrote ${html}`);
  return 0;
}
