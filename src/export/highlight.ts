// Syntax colours for code cells in the HTML export, as nbconvert gives Python cells through Pygments: one
// pass over the source that marks comments, strings (template literals included), numbers and keywords of
// TypeScript/JavaScript with Pygments' short class names (c, s, m, k, kc, kt), everything else escaped.
import { escapeHtml } from "../display/html";

const KEYWORDS = new Set([
  "as", "async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "declare", "default", "delete",
  "do", "else", "enum", "export", "extends", "finally", "for", "from", "function", "get", "if", "implements", "import", "in",
  "instanceof", "interface", "keyof", "let", "namespace", "new", "of", "private", "protected", "public", "readonly", "return",
  "satisfies", "set", "static", "super", "switch", "this", "throw", "try", "type", "typeof", "var", "void", "while", "yield",
]);
const CONSTANTS = new Set(["true", "false", "null", "undefined", "NaN", "Infinity"]);
const TYPES = new Set(["number", "string", "boolean", "bigint", "symbol", "object", "unknown", "never", "any"]);

// One alternation, tried left to right at each position: comment, string, number, word, other.
const TOKEN = /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)|(\b(?:0[xX][\da-fA-F_]+|0[bB][01_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?n?|\.\d[\d_]*(?:[eE][+-]?\d+)?)\b)|([A-Za-z_$][\w$]*)/g;

export function highlight(source: string, language: string): string {
  if (!/^(typescript|javascript|ts|js|tsx|jsx)$/i.test(language)) return escapeHtml(source);
  let out = "", last = 0;
  for (let m = TOKEN.exec(source); m !== null; m = TOKEN.exec(source)) {
    out += escapeHtml(source.slice(last, m.index));
    last = m.index + m[0].length;
    const text = escapeHtml(m[0]);
    const cls = m[1] ? "c" : m[2] ? "s" : m[3] ? "m"
      : KEYWORDS.has(m[0]) ? "k" : CONSTANTS.has(m[0]) ? "kc" : TYPES.has(m[0]) ? "kt" : undefined;
    out += cls ? `<span class="${cls}">${text}</span>` : text;
  }
  return out + escapeHtml(source.slice(last));
}

/** JupyterLab's light-theme code colours for those classes. */
export const HIGHLIGHT_CSS = `
.source .c { color: #408080; font-style: italic; } .source .s { color: #ba2121; } .source .m { color: #080; }
.source .k { color: #008000; font-weight: bold; } .source .kc { color: #008000; font-weight: bold; } .source .kt { color: #b00040; }
`;
