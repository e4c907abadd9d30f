// Expected HTML from the CommonMark 0.31 spec's examples (and GFM's for tables and strikethrough), where the
// renderer covers the construct; whitespace between block tags is the only liberty taken.
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { ansiToHtml, stripAnsi } from "../../src/export/ansi";
import { highlight } from "../../src/export/highlight";
import { renderInline, renderMarkdown } from "../../src/export/markdown";

test("headings, paragraphs, emphasis, code spans (CommonMark examples 62, 328, 350, 413)", () => {
  assert.equal(renderMarkdown("# foo\n## foo\n### foo"), '<h1 id="foo">foo</h1>\n<h2 id="foo">foo</h2>\n<h3 id="foo">foo</h3>');
  assert.equal(renderInline("`foo`"), "<code>foo</code>");
  assert.equal(renderInline("*foo bar*"), "<em>foo bar</em>");
  assert.equal(renderInline("**foo bar**"), "<strong>foo bar</strong>");
  assert.equal(renderInline("`*not emphasis*`"), "<code>*not emphasis*</code>");
  assert.equal(renderInline("snake_case_name"), "snake_case_name", "intraword underscores are not emphasis");
  assert.equal(renderMarkdown("aaa\nbbb\n\nccc"), "<p>aaa\nbbb</p>\n<p>ccc</p>");
});

test("links, images, escapes and HTML (examples 482, 572, 12)", () => {
  assert.equal(renderInline('[link](/uri "title")'), '<a href="/uri" title="title">link</a>');
  assert.equal(renderInline("![foo](/url)"), '<img src="/url" alt="foo">');
  assert.equal(renderInline("\\*not emphasized*"), "*not emphasized*");
  assert.equal(renderInline("a < b & c"), "a &lt; b &amp; c");
  assert.equal(renderInline("<b>raw</b> html"), "<b>raw</b> html");
  assert.equal(renderInline("![x](attachment:a.png)", (u) => (u === "attachment:a.png" ? "data:image/png;base64,AAA" : u)), '<img src="data:image/png;base64,AAA" alt="x">');
});

test("lists (tight, loose, nested, ordered with a start), quotes, rules, fenced code", () => {
  assert.equal(renderMarkdown("- one\n- two"), "<ul>\n<li>one</li>\n<li>two</li>\n</ul>");
  assert.equal(renderMarkdown("- a\n\n- b"), "<ul>\n<li><p>a</p></li>\n<li><p>b</p></li>\n</ul>");
  assert.equal(renderMarkdown("- a\n  - b\n- c"), "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul></li>\n<li>c</li>\n</ul>");
  assert.equal(renderMarkdown("3. x\n4. y"), '<ol start="3">\n<li>x</li>\n<li>y</li>\n</ol>');
  assert.equal(renderMarkdown("> # Foo\n> bar"), '<blockquote>\n<h1 id="Foo">Foo</h1>\n<p>bar</p>\n</blockquote>');
  assert.equal(renderMarkdown("***\n---"), "<hr>\n<hr>");
  assert.equal(renderMarkdown("```ts\nconst a = 1 < 2;\n```"), '<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>');
});

test("GFM tables with alignment and strikethrough", () => {
  assert.equal(renderMarkdown("| a | b |\n| :-: | --: |\n| 1 | 2 |"),
    '<table>\n<thead><tr><th style="text-align: center">a</th><th style="text-align: right">b</th></tr></thead>\n<tbody>\n<tr><td style="text-align: center">1</td><td style="text-align: right">2</td></tr>\n</tbody>\n</table>');
  assert.equal(renderInline("~~gone~~"), "<del>gone</del>");
});

test("ANSI colours become nbconvert's classes; other escapes are stripped", () => {
  assert.equal(ansiToHtml("\u001b[1;31mError\u001b[0m: <x>"), '<span class="ansi-red-fg ansi-bold">Error</span>: &lt;x&gt;');
  assert.equal(ansiToHtml("\u001b[92mok\u001b[39m done"), '<span class="ansi-green-intense-fg">ok</span> done');
  assert.equal(stripAnsi("\u001b[2K\u001b[1Gline\u001b]0;title\u0007"), "line");
});

test("code cells are coloured like Pygments marks TypeScript: keywords, strings, numbers, comments", () => {
  assert.equal(highlight('const s = "a<b"; // note', "typescript"),
    '<span class="k">const</span> s = <span class="s">&quot;a&lt;b&quot;</span>; <span class="c">// note</span>');
  assert.equal(highlight("let n: number = 1.5e3 + x2;", "typescript"), '<span class="k">let</span> n: <span class="kt">number</span> = <span class="m">1.5e3</span> + x2;');
  assert.equal(highlight("`${a} // not a comment`", "typescript"), '<span class="s">`${a} // not a comment`</span>');
  assert.equal(highlight("print(1)", "python"), "print(1)", "other languages are escaped, not coloured");
});
