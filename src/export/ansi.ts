// ANSI SGR escapes (ECMA-48 §8.3.117) in tracebacks and streams, turned into coloured spans the way
// nbconvert's ansi2html filter does (ansi-red-fg, ansi-bold, …); any other escape sequence is stripped.
import { escapeHtml } from "../display/html";

const NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/** Text with ANSI escapes removed (for text/plain views and tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g, "");
}

/** HTML-escaped text with SGR colours (30–37, 90–97, 40–47, 100–107) and bold as nbconvert's classes. */
export function ansiToHtml(text: string): string {
  let fg: string | undefined, bg: string | undefined, bold = false;
  let out = "";
  const parts = text.split(/(\x1b\[[0-9;]*m)/);
  for (const part of parts) {
    const sgr = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (!sgr) {
      const plain = stripAnsi(part);
      if (plain === "") continue;
      const classes = [fg && `ansi-${fg}-fg`, bg && `ansi-${bg}-bg`, bold && "ansi-bold"].filter(Boolean);
      out += classes.length ? `<span class="${classes.join(" ")}">${escapeHtml(plain)}</span>` : escapeHtml(plain);
      continue;
    }
    const codes = sgr[1] === "" ? [0] : sgr[1].split(";").map(Number);
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k];
      if (c === 0) { fg = undefined; bg = undefined; bold = false; }
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = NAMES[c - 30];
      else if (c >= 90 && c <= 97) fg = `${NAMES[c - 90]}-intense`;
      else if (c === 39) fg = undefined;
      else if (c >= 40 && c <= 47) bg = NAMES[c - 40];
      else if (c >= 100 && c <= 107) bg = `${NAMES[c - 100]}-intense`;
      else if (c === 49) bg = undefined;
      else if ((c === 38 || c === 48) && codes[k + 1] === 5) k += 2; // 256-colour: not mapped, skipped
      else if ((c === 38 || c === 48) && codes[k + 1] === 2) k += 4; // true colour: not mapped, skipped
    }
  }
  return out;
}

/** The CSS for those classes (the colours of JupyterLab's light theme). */
export const ANSI_CSS = `
.ansi-black-fg{color:#3e424d}.ansi-red-fg{color:#e75c58}.ansi-green-fg{color:#00a250}.ansi-yellow-fg{color:#ddb62b}
.ansi-blue-fg{color:#208ffb}.ansi-magenta-fg{color:#d160c4}.ansi-cyan-fg{color:#60c6c8}.ansi-white-fg{color:#c5c1b4}
.ansi-black-intense-fg{color:#282c36}.ansi-red-intense-fg{color:#b22b31}.ansi-green-intense-fg{color:#007427}
.ansi-yellow-intense-fg{color:#b27d12}.ansi-blue-intense-fg{color:#0065ca}.ansi-magenta-intense-fg{color:#a03196}
.ansi-cyan-intense-fg{color:#258f8f}.ansi-white-intense-fg{color:#a1a6b2}
.ansi-black-bg{background:#3e424d}.ansi-red-bg{background:#e75c58}.ansi-green-bg{background:#00a250}
.ansi-yellow-bg{background:#ddb62b}.ansi-blue-bg{background:#208ffb}.ansi-magenta-bg{background:#d160c4}
.ansi-cyan-bg{background:#60c6c8}.ansi-white-bg{background:#c5c1b4}.ansi-bold{font-weight:bold}
`;
