// kernel_info_reply's content (messaging spec, "Kernel info"). Built from files only: reading TypeScript's
// package.json gives its version without loading the compiler, so the reply goes out before TypeScript or
// TensorFlow.js are loaded (the start-up time Jupyter waits for; bench/kernel.ts measures it).
import { dependencyVersion, packageVersion } from "../paths";
import { PROTOCOL_VERSION } from "../protocol/message";

export interface KernelInfo {
  status: "ok";
  protocol_version: string;
  implementation: string;
  implementation_version: string;
  language_info: {
    name: string;
    version: string;
    mimetype: string;
    file_extension: string;
    codemirror_mode: string;
    pygments_lexer: string;
    nbconvert_exporter: string;
  };
  banner: string;
  debugger: boolean;
  help_links: { text: string; url: string }[];
}

let cached: KernelInfo | undefined;

export function kernelInfo(): KernelInfo {
  if (cached !== undefined) return cached;
  const version = packageVersion();
  const typescript = dependencyVersion("typescript") ?? "unknown";
  return (cached = {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "tensorbook",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      // A language name both editors resolve to TypeScript: JupyterLab 4's findByName and Notebook 6's
      // CodeMirror 5 findModeByName ({name: "javascript", typescript: true} would give plain JavaScript in Lab).
      codemirror_mode: "typescript",
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner: `tensorbook ${version}: TypeScript ${typescript} on Node.js ${process.versions.node}, tensors by TensorFlow.js`,
    debugger: false,
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
      { text: "Node.js API", url: `https://nodejs.org/docs/latest-v${process.versions.node.split(".")[0]}.x/api/` },
    ],
  });
}
