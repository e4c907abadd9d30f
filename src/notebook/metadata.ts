// The notebook metadata that makes Jupyter open a notebook with tensorbook's kernel: metadata.kernelspec
// names the installed kernelspec (`tensorbook install` writes kernels/tensorbook/kernel.json), and
// metadata.language_info is what the kernel's kernel_info_reply says (messaging spec, "Kernel info"), which
// JupyterLab and nbconvert use for highlighting and the exported file's extension.
import * as fs from "node:fs";
import type { KernelSpecMetadata, LanguageInfoMetadata, Notebook } from "./nbformat";

export const KERNELSPEC: KernelSpecMetadata = {
  name: "tensorbook",
  display_name: "TypeScript (tensorbook)",
  language: "typescript",
};

/** language_info for tensorbook notebooks; `version` is the TypeScript compiler's. */
export function languageInfo(): LanguageInfoMetadata {
  return {
    name: "typescript",
    version: typescriptVersion(),
    mimetype: "text/typescript",
    file_extension: ".ts",
    codemirror_mode: "typescript",
    pygments_lexer: "typescript",
  };
}

/**
 * Gives the notebook tensorbook's kernelspec and language_info, keeping a kernelspec that already names a
 * TypeScript kernel under another name (a user may have installed tensorbook with `--name`).
 */
export function setTensorbookMetadata(nb: Notebook): void {
  const current = nb.metadata.kernelspec;
  if (current === undefined || current.language !== "typescript") nb.metadata.kernelspec = { ...KERNELSPEC };
  nb.metadata.language_info = languageInfo();
}

/** A kernelspec naming another language (a Python notebook given to `tensorbook run` by mistake), or undefined. */
export function foreignLanguage(nb: Notebook): string | undefined {
  const language = nb.metadata.kernelspec?.language ?? nb.metadata.language_info?.name;
  return language !== undefined && language.toLowerCase() !== "typescript" ? language : undefined;
}

function typescriptVersion(): string {
  try {
    const manifest = require.resolve("typescript/package.json");
    return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
