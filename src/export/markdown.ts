// A small Markdown renderer for markdown cells in the HTML export: the CommonMark/GFM constructs notebooks
// use — ATX headings, paragraphs, emphasis, code spans and fenced blocks, links, images, block quotes,
// nested lists, GFM tables, strikethrough, horizontal rules. Raw HTML passes through, as in Jupyter and
// nbconvert; math ($…$, $$…$$) is kept as text (MathJax would need the network, the page is offline).

import { escapeHtml } from "../display/html";

/** A heading's anchor, as JupyterLab makes it: spaces to "-", other punctuation kept out. */
export function slug(text: string): string {
  return text.trim().replace(/<[^>]*>/g, "").replace(/\s+/g, "-").replace(/[^\p{L}\p{N}_-]/gu, "");
}

// Inline markup. Code spans, autolinks and raw tags are cut out first (placeholders) so that emphasis
// markers inside them are left alone; everything else is escaped before emphasis and links are applied.
export function renderInline(text: string, resolve: (url: string) => string = (u) => u): string {
  const kept: string[] = [];
  const keep = (html: string): string => `\u0000${kept.push(html) - 1}\u0000`;
  let s = text
    .replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, _ticks: string, code: string) => keep(`<code>${escapeHtml(code.trim() === "" ? code : code.replace(/^ (.*) $/s, "$1"))}</code>`))
    .replace(/<(https?:\/\/[^\s>]+)>/g, (_, url: string) => keep(`<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`))
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, (tag) => keep(tag))
    .replace(/\\([\\`*_{}[\]()#+\-.!|~$<>])/g, (_, c: string) => keep(escapeHtml(c)));
  s = escapeHtml(s);
  s = s
    .replace(/!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+&quot;([^"]*?)&quot;)?\s*\)/g, (_, alt: string, src: string, title?: string) =>
      keep(`<img src="${escapeHtml(resolve(unescape(src)))}" alt="${alt}"${title ? ` title="${title}"` : ""}>`))
    .replace(/\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+&quot;([^"]*?)&quot;)?\s*\)/g, (_, label: string, href: string, title?: string) =>
      `<a href="${escapeHtml(unescape(href))}"${title ? ` title="${title}"` : ""}>${label}</a>`)
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>")
    .replace(/(^|[^\w*])\*(?=\S)([\s\S]*?\S)\*(?!\*)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_(?=\S)([\s\S]*?\S)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>")
    .replace(/ {2,}\n/g, "<br>\n");
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]);
}

// escapeHtml ran over URLs inside link syntax: undo it before the URL is escaped once, as an attribute.
function unescape(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(\s+|$)/;
const TABLE_RULE = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const HTML_BLOCK = /^ {0,3}<(\/?[A-Za-z][A-Za-z0-9-]*|!--)/;

function tableCells(line: string): string[] {
  return line.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => c.trim());
}

/** Renders a Markdown document (a markdown cell's source) to HTML. `resolve` maps image URLs (attachments). */
export function renderMarkdown(source: string, resolve?: (url: string) => string): string {
  return renderBlocks(source.replace(/\r\n?/g, "\n").split("\n"), resolve);
}

function renderBlocks(lines: string[], resolve?: (url: string) => string): string {
  const out: string[] = [];
  let i = 0;
  const blank = (line: string | undefined): boolean => line === undefined || line.trim() === "";
  while (i < lines.length) {
    const line = lines[i];
    if (blank(line)) { i++; continue; }

    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) body.push(lines[i]);
      i++;
      const lang = fence[2] ? ` class="language-${escapeHtml(fence[2])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1].length, text = heading[2] ?? "";
      out.push(`<h${level} id="${escapeHtml(slug(text))}">${renderInline(text, resolve)}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) { out.push("<hr>"); i++; continue; }
    if (/^\s*\$\$/.test(line)) {
      // Display math: kept verbatim (escaped), up to the closing $$.
      const body = [line];
      if (!/\$\$.*\$\$/.test(line)) for (i++; i < lines.length && (body.push(lines[i]), !lines[i].includes("$$")); i++);
      i++;
      out.push(`<div class="math">${escapeHtml(body.join("\n"))}</div>`);
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && !blank(lines[i]) && (QUOTE.test(lines[i]) || body.length > 0); i++) body.push(lines[i].replace(QUOTE, ""));
      out.push(`<blockquote>\n${renderBlocks(body, resolve)}\n</blockquote>`);
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]);
      const items: string[][] = [];
      let loose = false;
      while (i < lines.length) {
        const m = ITEM.exec(lines[i]);
        if (!m || /\d/.test(m[2]) !== ordered) break;
        const indent = m[0].length;
        const body = [lines[i].slice(indent)];
        for (i++; i < lines.length; i++) {
          const next = lines[i];
          const indented = (l: string): boolean => l.length - l.trimStart().length >= Math.min(indent, 2) && !blank(l);
          if (blank(next)) {
            // A blank line: the item goes on if indented content follows; a sibling item after it makes
            // the list loose (paragraphs in <li>); anything else ends the list.
            const after = lines[i + 1];
            if (after !== undefined && indented(after)) { body.push(""); loose = true; continue; }
            const sibling = after === undefined ? null : ITEM.exec(after);
            if (sibling && /\d/.test(sibling[2]) === ordered) { loose = true; i++; }
            break;
          }
          if (indented(next)) body.push(next.replace(new RegExp(`^ {0,${indent}}`), ""));
          else if (ITEM.test(next)) break;
          else body.push(next); // lazy continuation of the item's paragraph
        }
        items.push(body);
      }
      const start = ordered && parseInt(item[2], 10) !== 1 ? ` start="${parseInt(item[2], 10)}"` : "";
      const rendered = items.map((body) => {
        const html = renderBlocks(body, resolve);
        return `<li>${loose ? html : html.replace(/^<p>([\s\S]*?)<\/p>/, "$1").replace(/<\/p>\n?<(ul|ol)/, "\n<$1")}</li>`;
      });
      out.push(`<${ordered ? "ol" : "ul"}${start}>\n${rendered.join("\n")}\n</${ordered ? "ol" : "ul"}>`);
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_RULE.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      const header = tableCells(line);
      const align = tableCells(lines[i + 1]).map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : ""));
      const style = (k: number): string => (align[k] ? ` style="text-align: ${align[k]}"` : "");
      const rows: string[] = [];
      for (i += 2; i < lines.length && !blank(lines[i]) && lines[i].includes("|"); i++) {
        rows.push(`<tr>${tableCells(lines[i]).map((c, k) => `<td${style(k)}>${renderInline(c, resolve)}</td>`).join("")}</tr>`);
      }
      out.push(`<table>\n<thead><tr>${header.map((c, k) => `<th${style(k)}>${renderInline(c, resolve)}</th>`).join("")}</tr></thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`);
      continue;
    }
    if (HTML_BLOCK.test(line)) {
      const body: string[] = [];
      for (; i < lines.length && !blank(lines[i]); i++) body.push(lines[i]);
      out.push(body.join("\n"));
      continue;
    }
    // A paragraph: up to a blank line or the start of another block.
    const body: string[] = [];
    for (; i < lines.length && !blank(lines[i]); i++) {
      if (body.length > 0 && (FENCE.test(lines[i]) || HEADING.test(lines[i]) || QUOTE.test(lines[i]) || RULE.test(lines[i]) || ITEM.test(lines[i]))) break;
      body.push(lines[i]);
    }
    out.push(`<p>${renderInline(body.join("\n"), resolve)}</p>`);
  }
  return out.join("\n");
}
