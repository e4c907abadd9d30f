// Assembles the WebAssembly text under src/ into dist/, beside the compiled JavaScript that loads it, with
// wabt (the WebAssembly project's own assembler), after inlining the functions marked (@inline)
// (wat-inline.mjs says why). Run by `npm run build` after tsc; wabt is a devDependency only.
//
// A folder of .wat files is one module: each file is a (module …) holding one part of it, and the parts
// are joined in file-name order (src/ml/compute/kernels/0-helpers.wat, 1-matmul.wat, … →
// dist/src/ml/compute/kernels.wasm). A module with functions marked (@variant NAME) is also built as
// NAME's variant (kernels.relaxed.wasm), which the runtime loads where the engine validates it.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";
import { inline, parse, print, select, variants } from "./wat-inline.mjs";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const features = { simd: true, threads: true, bulk_memory: true, sat_float_to_int: true };

/** [name of the module (relative, no extension), its parts] for every .wat file or folder of them. */
function* modules(dir) {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const parts = fs.readdirSync(file).filter((f) => f.endsWith(".wat")).sort();
      if (parts.length > 0) yield [path.relative(root, file), parts.map((p) => path.join(file, p))];
      else yield* modules(file);
    } else if (entry.name.endsWith(".wat")) {
      yield [path.relative(root, file).replace(/\.wat$/, ""), [file]];
    }
  }
}

/** One (module …) from the parts' fields, in order. */
function join(files) {
  const fields = files.flatMap((file) => {
    const [tree, ...rest] = parse(fs.readFileSync(file, "utf8"));
    if (tree?.[0] !== "module" || rest.length > 0) throw new Error(`${path.relative(root, file)}: expected exactly one (module …)`);
    return tree.slice(1);
  });
  return ["module", ...fields];
}

const assembler = await wabt();
for (const [name, files] of modules(path.join(root, "src"))) {
  const tree = join(files);
  for (const variant of [undefined, ...variants(tree)]) {
    const module = assembler.parseWat(`${name}.wat`, print(inline(select(tree, variant))), { ...features, relaxed_simd: variant === "relaxed" });
    try {
      const { buffer } = module.toBinary({ log: false, write_debug_names: true });
      // validated by the engine that will run it (wabt's own validator ignores the threads feature); a
      // variant may use what this engine lacks (relaxed SIMD behind a flag on Node 20): the runtime picks
      if (variant === undefined) new WebAssembly.Module(buffer);
      const out = path.join(root, "dist", `${name}${variant === undefined ? "" : `.${variant}`}.wasm`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, buffer);
    } finally {
      module.destroy();
    }
  }
}
