// Notebooks on disk (nbformat 4) and running them on an Engine: what `tensorbook run` and export build on.
export * from "./nbformat";
export { readNotebook, parseNotebook, NotebookFormatError, NBFORMAT, NBFORMAT_MINOR_MAX } from "./read";
export { writeNotebook, serializeNotebook, writeFileAtomic, removeStaleTemps } from "./write";
export { KERNELSPEC, languageInfo, setTensorbookMetadata, foreignLanguage } from "./metadata";
export { NotebookOutputs } from "./outputs";
export { executeNotebook, type RunOptions, type RunResult, type RunReporter, type CellStart, type CellEnd } from "./execute";
