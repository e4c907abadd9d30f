// Assembles every WebAssembly text file under src/ into dist/ beside the compiled JavaScript that loads
// it (src/ml/compute/kernels.wat → dist/src/ml/compute/kernels.wasm), with wabt, the WebAssembly
// project's own assembler, after inlining the functions marked (@inline) (wat-inline.mjs says why).
// Run by `npm run build` after tsc; wabt is a devDependency only.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";
import { inline, parse, print } from "./wat-inline.mjs";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const features = { simd: true, threads: true, bulk_memory: true, sat_float_to_int: true };

function* watFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* watFiles(file);
    else if (entry.name.endsWith(".wat")) yield file;
  }
}

const assembler = await wabt();
for (const file of watFiles(path.join(root, "src"))) {
  const relative = path.relative(root, file);
  const [tree] = parse(fs.readFileSync(file, "utf8"));
  const module = assembler.parseWat(relative, print(inline(tree)), features);
  try {
    const { buffer } = module.toBinary({ log: false, write_debug_names: true });
    // validated by the engine that will run it (wabt's own validator ignores the threads feature)
    new WebAssembly.Module(buffer);
    const out = path.join(root, "dist", relative.replace(/\.wat$/, ".wasm"));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, buffer);
  } finally {
    module.destroy();
  }
}
