// The notebook metadata that makes Jupyter open a notebook with tensorbook's kernel: metadata.kernelspec
// names the installed kernelspec (`tensorbook install` writes kernels/tensorbook/kernel.json from kernel/),
// and metadata.language_info is exactly what the kernel's kernel_info_reply says (src/kernel/info.ts), as
// nbclient copies it from that reply, so `tensorbook run` and `jupyter nbconvert --execute` agree.
import { kernelInfo } from "../kernel/info";
import type { KernelSpecMetadata, LanguageInfoMetadata, Notebook } from "./nbformat";

/** kernel/kernel.json's display_name and language, under the name `tensorbook install` gives it by default. */
export const KERNELSPEC: KernelSpecMetadata = {
  name: "tensorbook",
  display_name: "TypeScript (tensorbook)",
  language: "typescript",
};

export function languageInfo(): LanguageInfoMetadata {
  return { ...kernelInfo().language_info };
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
